# ruff: noqa: E501  (shell snippets are data: a pipeline reads better on one line)
r"""SSH fact of the shop application: OpenCart installs, their version and admin folders.

The snippet looks under the document roots of the running Apache (and the usual web roots)
for ``system/startup.php``, reads ``define('VERSION', ...)`` from the shop's ``index.php`` and
finds the admin folder by its files (it may have been renamed). From the admin
``config.php`` only the scheme of its ``HTTP(S)_SERVER`` constants is printed: that file
also holds the database password, so nothing else of it leaves the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from posture.models import JSON

if TYPE_CHECKING:
    from posture.collect.facts.spec import FactSpec

_OPENCART = r"""
roots=$( { ps -eo args= 2>/dev/null | awk '$1 ~ /(apache2|httpd)$/ {for(i=2;i<NF;i++) if($i=="-d") print $(i+1)}'; echo /etc/apache2; echo /etc/httpd; } | sort -u | head -n 30)
docs=$( { for r in $roots; do [ -d "$r" ] && grep -rhoiE '^[[:space:]]*DocumentRoot[[:space:]]+"?[^"[:space:]]+' "$r" 2>/dev/null | awk '{gsub(/"/,"",$2); print $2}'; done; echo /var/www; echo /srv/www; echo /srv/http; } | sort -u | head -n 40)
for d in $docs; do [ -d "$d" ] && find "$d" -maxdepth 4 -path '*/system/startup.php' -type f 2>/dev/null | head -n 5; done | sort -u | head -n 5 |
while IFS= read -r s; do
  root=${s%/system/startup.php}
  echo "shop	$root"
  n=0
  for r in $roots; do [ -d "$r" ] && grep -rqsF "$root" "$r" || continue
    n=$((n + $(grep -rhiE -A8 '<(Directory|Location)(Match)?[^>]*admin' "$r" 2>/dev/null | grep -ciE '^[[:space:]]*(Require[[:space:]]+(ip|host)|Allow[[:space:]]+from)')))
  done
  echo "apache_admin_ip_rules	$n"
  echo "version	$(grep -hoE "define\('VERSION', *'[0-9][0-9A-Za-z._-]{0,20}'" "$root/index.php" 2>/dev/null | head -n 1 | sed "s/.*'\([^']*\)'$/\1/")"
  for a in "$root"/*/; do a=${a%/}
    [ -f "$a/controller/common/login.php" ] && [ -f "$a/config.php" ] || continue
    echo "admin	${a##*/}"
    grep -hoE "define\('HTTPS?_SERVER', *'https?:" "$a/config.php" 2>/dev/null | sed "s/define('\(HTTPS*_SERVER\)', *'\(https*\):/scheme	\1	\2/"
    [ -f "$a/.htaccess" ] && echo "htaccess_ip_rules	$(grep -ciE '^[[:space:]]*(Require[[:space:]]+(ip|host)|Allow[[:space:]]+from)' "$a/.htaccess")"
  done
done
"""


def _clean(text: str, limit: int = 200) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:limit]


def parse_opencart(raw: str) -> JSON:
    """``{shops: [{root, version, apache_admin_ip_rules, admins: [{name, schemes,
    htaccess_ip_rules}]}]}``; at most 5 shops and 5 admin folders each. Apache rules are
    counted in the configurations that name the shop's root."""
    shops: list[dict[str, Any]] = []
    for line in raw.splitlines()[:500]:
        key, _, rest = line.partition("\t")
        if key == "shop" and len(shops) < 5:
            shops.append({"root": _clean(rest, 300), "version": None, "admins": [],
                          "apache_admin_ip_rules": 0})
        elif not shops:
            continue
        elif key == "apache_admin_ip_rules" and rest.strip().isdecimal():
            shops[-1]["apache_admin_ip_rules"] = int(rest)
        elif key == "version":
            shops[-1]["version"] = _clean(rest.strip(), 30) or None
        elif key == "admin" and len(shops[-1]["admins"]) < 5:
            shops[-1]["admins"].append({"name": _clean(rest, 100), "schemes": {},
                                        "htaccess_ip_rules": 0})
        elif key == "scheme" and shops[-1]["admins"]:
            name, _, scheme = rest.partition("\t")
            shops[-1]["admins"][-1]["schemes"][_clean(name, 20)] = _clean(scheme, 10)
        elif key == "htaccess_ip_rules" and shops[-1]["admins"] and rest.strip().isdecimal():
            shops[-1]["admins"][-1]["htaccess_ip_rules"] = int(rest)
    return {"shops": shops}


def facts() -> tuple[FactSpec, ...]:
    """This family's fact specs (built on demand: the catalogue imports this module while
    it is being defined)."""
    from posture.collect.facts.spec import FactSpec

    return (FactSpec("app.opencart_install", _OPENCART, parse_opencart, root=True,
                     doc="OpenCart installs: root, version, admin folders and how they are "
                         "protected"),)
