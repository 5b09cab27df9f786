# ruff: noqa: E501 - shell snippets are data; a pipeline reads better on one line (as in catalog.py)
r"""SSH facts of the application family: FTP servers and application settings that decide
whether links are encrypted (see catalog.py; parsers in :mod:`posture.collect.facts.parsers_app`).

Snippets are constants. The OpenCart snippet reads only server-URL and database-location
constants from ``config.php``: it never prints ``DB_PASSWORD`` or any other secret.
"""

from __future__ import annotations

from posture.collect.facts import parsers_app
from posture.collect.facts import shop as catalog_shop
from posture.collect.facts.spec import FactSpec

_VSFTPD = r"""
# The configuration of each running vsftpd (its last argument, else the default file).
confs=$(ps -eo args= 2>/dev/null | awk '$1 ~ /(^|\/)vsftpd$/ {
  c="/etc/vsftpd.conf"; if (NF > 1 && $NF ~ /^\//) c=$NF; print c}' | sort -u | head -n 5)
for c in $confs; do echo "running	$c"; done
[ -f /etc/vsftpd.conf ] && echo "installed	/etc/vsftpd.conf"
for c in $confs /etc/vsftpd.conf; do
  [ -r "$c" ] || continue
  grep -E '^[[:space:]]*(listen|listen_ipv6|listen_port|listen_address|ssl_enable|force_local_logins_ssl|force_local_data_ssl|anonymous_enable|implicit_ssl)[[:space:]]*=' "$c" 2>/dev/null | head -n 50 | sed "s|^|$c	|"
done
true
"""

_OPENCART = r"""
# OpenCart keeps its server URLs and database location in config.php and admin/config.php.
for f in /var/www/*/config.php /var/www/*/*/config.php /var/www/*/admin/config.php /var/www/*/*/admin/config.php /srv/*/config.php /srv/*/admin/config.php /srv/*/*/config.php /srv/*/*/admin/config.php; do
  [ -r "$f" ] || continue
  grep -nE "^[[:space:]]*define\([[:space:]]*'(HTTP_SERVER|HTTPS_SERVER|HTTP_CATALOG|HTTPS_CATALOG|DB_DRIVER|DB_HOSTNAME|DB_PORT)'" "$f" 2>/dev/null | head -n 20 | sed "s|^|$f	|"
done | head -n 400
true
"""

FACTS: tuple[FactSpec, ...] = (
    FactSpec("ftp.vsftpd", _VSFTPD, parsers_app.parse_vsftpd,
             doc='dict: {"running": [conf path], "installed": [path], "configs": {path: '
                 '{key: value}}} for the listen/ssl settings of vsftpd.'),
    FactSpec("app.opencart", _OPENCART, parsers_app.parse_php_defines,
             doc='dict: {"files": {path: {CONSTANT: {"value", "line"}}}} for OpenCart '
                 "server-URL and database-location constants (never the password)."),
    *catalog_shop.facts(),  # OpenCart version and admin folders (application_version claims)
)
