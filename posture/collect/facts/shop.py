# ruff: noqa: E501  (shell snippets are data: a pipeline reads better on one line)
r"""SSH fact of the shop application: OpenCart installs, their version and admin folders.

The snippet looks under the document roots of the running Apache and nginx of this network
namespace (and the usual web roots)
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
self=$(readlink /proc/self/ns/net 2>/dev/null)
# Web servers of this network namespace only: another namespace's server serves another address.
mine() { [ -z "$self" ] || [ "$(readlink "/proc/$1/ns/net" 2>/dev/null)" = "$self" ]; }
roots=$( { ps -eo pid=,args= 2>/dev/null | awk '$2 ~ /(apache2|httpd)$/ {r=""; for(i=3;i<NF;i++) if($i=="-d") r=$(i+1); print $1, r}' | while read -r pid r; do mine "$pid" && [ -n "$r" ] && echo "$r"; done; echo /etc/apache2; echo /etc/httpd; } | sort -u | head -n 30)
nroots=$( { ps -eo pid=,args= 2>/dev/null | awk '$2 == "nginx:" && $3 == "master" {c=""; for(i=4;i<NF;i++) if($i=="-c") c=$(i+1); print $1, c}' | while read -r pid c; do mine "$pid" && [ -n "$c" ] && [ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" = 0 ] && echo "${c%/*}"; done; echo /etc/nginx; } | sort -u | head -n 30)
docs=$( { for r in $roots; do [ -d "$r" ] && grep -rhoiE '^[[:space:]]*DocumentRoot[[:space:]]+"?[^"[:space:]]+' "$r" 2>/dev/null | awk '{gsub(/"/,"",$2); print $2}'; done; for r in $nroots; do [ -d "$r" ] && grep -rhoE '^[[:space:]]*root[[:space:]]+[^;[:space:]]+' "$r" 2>/dev/null | awk '{print $2}'; done; echo /var/www; echo /srv/www; echo /srv/http; } | sort -u | head -n 40)
for d in $docs; do [ -d "$d" ] && find "$d" -maxdepth 4 -path '*/system/startup.php' -type f 2>/dev/null | head -n 5; done | sort -u | head -n 5 |
while IFS= read -r s; do
  root=${s%/system/startup.php}
  echo "shop	$root"
  n=0
  for r in $roots; do [ -d "$r" ] && grep -rqsF "$root" "$r" || continue
    echo "served_by	apache"
    n=$((n + $(grep -rhiE -A8 '<(Directory|Location)(Match)?[^>]*admin' "$r" 2>/dev/null | grep -ciE '^[[:space:]]*(Require[[:space:]]+(ip|host)|Allow[[:space:]]+from)')))
  done
  for r in $nroots; do [ -d "$r" ] && grep -rqsF "$root" "$r" && echo "served_by	nginx"; done
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
    """``{shops: [{root, version, apache_admin_ip_rules, served_by: ["apache"|"nginx"],
    admins: [{name, schemes, htaccess_ip_rules}]}]}``; at most 5 shops and 5 admin folders
    each. Apache rules are counted in the configurations that name the shop's root;
    ``served_by`` lists the running web servers (of this network namespace) whose
    configuration names it."""
    shops: list[dict[str, Any]] = []
    for line in raw.splitlines()[:500]:
        key, _, rest = line.partition("\t")
        if key == "shop" and len(shops) < 5:
            shops.append({"root": _clean(rest, 300), "version": None, "admins": [],
                          "apache_admin_ip_rules": 0, "served_by": []})
        elif not shops:
            continue
        elif key == "served_by" and rest.strip() in ("apache", "nginx"):
            if rest.strip() not in shops[-1]["served_by"]:
                shops[-1]["served_by"].append(rest.strip())
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
