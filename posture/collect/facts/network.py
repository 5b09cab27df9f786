# ruff: noqa: E501 - shell snippets are data: a long pipeline reads better on one line
r"""SSH facts of the network family: firewalls and service access rules (see catalog.py).

Every snippet is a constant; whatever the target prints is parsed by
:mod:`posture.collect.facts.parsers_net` and judged by :mod:`checks.network.allowlist`.
"""

from __future__ import annotations

from posture.collect.facts import parsers_net as p
from posture.collect.facts.snippets import SSHD_SERVING_CONFIG, apache_config_grep
from posture.collect.facts.spec import FactSpec

_NFT = "command -v nft >/dev/null 2>&1 || exit 127\nnft -j list ruleset"

# Both back ends can hold rules at once, and the kernel applies both: read each save tool.
# iptables-save before 1.6 lists its tables from /proc/net/ip*_tables_names and, when that
# file is unreadable (not root), prints nothing and exits 0: that must not read as "no rules".
_IPTABLES = r"""
for n in /proc/net/ip_tables_names /proc/net/ip6_tables_names; do
  if [ -e "$n" ] && [ ! -r "$n" ]; then echo "cannot read $n: Permission denied" >&2; exit 1; fi
done
found=0
for b in legacy nft; do
  for f in ipv4 ipv6; do
    t=iptables; [ "$f" = ipv6 ] && t=ip6tables
    command -v "$t-$b-save" >/dev/null 2>&1 || continue
    found=1; echo "### $b $f"; "$t-$b-save" 2>&1 | head -n 20000
  done
done
if [ "$found" = 0 ]; then
  for t in iptables ip6tables; do
    command -v "$t-save" >/dev/null 2>&1 || continue
    found=1; b=legacy; f=ipv4; [ "$t" = ip6tables ] && f=ipv6
    case "$($t -V 2>/dev/null)" in *nf_tables*) b=nft;; esac
    echo "### $b $f"; "$t-save" 2>&1 | head -n 20000
  done
fi
[ "$found" = 1 ] || exit 127
"""

_FRONTENDS = r"""
if command -v ufw >/dev/null 2>&1; then
  echo "ufw installed"
  grep -E '^ENABLED=' /etc/ufw/ufw.conf 2>/dev/null | head -n 1 | sed 's/^/ufw conf /'
  ufw status 2>/dev/null | head -n 200 | sed 's/^/ufw status /'
fi
if command -v firewall-cmd >/dev/null 2>&1; then
  echo "firewalld installed"
  echo "firewalld state $(firewall-cmd --state 2>&1 | head -n 1)"
  for z in /etc/firewalld/zones/*.xml; do
    [ -r "$z" ] && grep -HnE '<(source|service|port|rule)' "$z" | head -n 200 | sed 's/^/firewalld zone /'
  done
fi
true
"""

# The sshd serving this session (ancestry walk, as for sshd.config), its Include'd files,
# the TCP-wrapper files, and whether this sshd could honour them at all.
_SSHD_ACCESS = SSHD_SERVING_CONFIG + r"""
[ -n "$cfg" ] || cfg=/etc/ssh/sshd_config
[ -r "$cfg" ] || exit 127
files="$cfg"
for pat in $(grep -iE '^[[:space:]]*Include[[:space:]]' "$cfg" | head -n 10 | sed -E 's/^[[:space:]]*[A-Za-z]+[[:space:]]+//'); do
  case "$pat" in /*) ;; *) pat="/etc/ssh/$pat";; esac
  for f in $pat; do [ -f "$f" ] && files="$files
$f"; done
done
printf '%s\n' "$files" | head -n 50 | while IFS= read -r f; do
  grep -HniE '^[[:space:]]*(Match|AllowUsers|AllowGroups|DenyUsers|DenyGroups|ListenAddress|Port)[[:space:]]' "$f" | head -n 500
done
for f in /etc/hosts.allow /etc/hosts.deny; do
  [ -r "$f" ] && grep -HnvE '^[[:space:]]*(#|$)' "$f" | head -n 200
done
s=$(command -v sshd || echo /usr/sbin/sshd)
if command -v ldd >/dev/null 2>&1; then
  if ldd "$s" 2>/dev/null | grep -q libwrap; then echo "libwrap yes"; else echo "libwrap no"; fi
fi
true
"""

_APACHE_ACCESS = apache_config_grep(
    "^[[:space:]]*(</?(Location|LocationMatch|Directory|DirectoryMatch|Files|FilesMatch|"
    "VirtualHost|If|Limit|LimitExcept|RequireAll|RequireAny|RequireNone)[[:space:]>]|"
    "(Require|Order|Allow|Deny|Satisfy|Listen)[[:space:]])",
    grep="grep -HniE", cap=" | head -n 2000")

# The server that listens in this network namespace (ss), else any running one. Its unix
# socket is the one it really listens on: the listening sockets among its own open files
# (/proc/PID/fd -> socket:[inode], looked up in /proc/PID/net/unix), else --socket on its
# command line, else its effective options (my_print_defaults with the server's own
# --defaults-file, which follows !include/!includedir). Never the client's default path: a
# socket set in a my.cnf drop-in would be missed, or another server reached. Root's
# unix_socket login needs no password.
_MYSQL_ACCESS = r"""
pids=$(ss -Htlnp 2>/dev/null | grep -oE '"(mariadbd|mysqld)",pid=[0-9]+' | sed 's/.*pid=//' | sort -u | head -n 3)
[ -n "$pids" ] || pids=$(pgrep -x 'mariadbd|mysqld' 2>/dev/null | head -n 3)
client=$(command -v mariadb || command -v mysql || true)
[ -n "$pids$client" ] || exit 127
sock=""; defaults=""
for pid in $pids; do
  echo "pid $pid"
  tr '\000' '\n' < "/proc/$pid/cmdline" 2>/dev/null | grep -E '^--(socket|port|bind[-_]address|skip[-_]networking|no-defaults|defaults-file|defaults-extra-file)' | head -n 20 | sed 's/^/arg /'
  [ -n "$defaults" ] || defaults=$(tr '\000' '\n' < "/proc/$pid/cmdline" 2>/dev/null | grep -E '^--(no-defaults|defaults-file=|defaults-extra-file=)' | head -n 2 | tr '\n' ' ')
  inodes=$(for f in /proc/$pid/fd/*; do readlink "$f"; done 2>/dev/null | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' | sort -u | head -n 2000)
  if [ -n "$inodes" ] && [ -r "/proc/$pid/net/unix" ]; then
    printf '%s\n' "$inodes" | awk 'NR == FNR { want[$1] = 1; next } FNR > 1 && ($7 in want) && $6 == "01" && $8 ~ /^\// { print $8 }' - "/proc/$pid/net/unix" | head -n 5 | sed 's/^/listen /'
    [ -n "$sock" ] || sock=$(printf '%s\n' "$inodes" | awk 'NR == FNR { want[$1] = 1; next } FNR > 1 && ($7 in want) && $6 == "01" && $8 ~ /^\// { print $8; exit }' - "/proc/$pid/net/unix")
  fi
  [ -n "$sock" ] || sock=$(tr '\000' '\n' < "/proc/$pid/cmdline" 2>/dev/null | sed -n 's/^--socket=//p' | head -n 1)
done
if command -v my_print_defaults >/dev/null 2>&1; then
  case "$defaults" in *--no-defaults*) ;; *)
    set -f; set -- $defaults; set +f
    my_print_defaults "$@" --mysqld 2>/dev/null | grep -E '^--(bind[-_]address|skip[-_]networking|port|socket)' | head -n 20 | sed 's/^/conf /'
    [ -n "$sock" ] || sock=$(my_print_defaults "$@" --mysqld 2>/dev/null | sed -n 's/^--socket=//p' | tail -n 1)
  ;; esac
fi
[ -n "$sock" ] && echo "socket $sock"
[ -n "$pids" ] && [ -n "$client" ] || exit 0
if [ -z "$sock" ]; then echo "ERROR posture: the server's unix socket was not found (open files, command line, options)"; exit 0; fi
set -- --no-defaults --user=root --batch --skip-column-names --connect-timeout=5 "--socket=$sock"
"$client" "$@" -e "SELECT 'var', @@bind_address, @@skip_networking, @@port; SELECT 'acct', user, host FROM mysql.user LIMIT 500" 2>&1 | head -n 600
true
"""

# Running clusters first: a postmaster's working directory is its data directory, and
# postmaster.pid there names its port and socket folder. Its owner (peer authentication on
# the unix socket) reads the settings as the server has them (conf.d, include_dir and
# postgresql.auto.conf included, with the file and line of each) and the pg_hba rules it
# parses. The configuration files are listed too, for when psql cannot log in.
_POSTGRES_ACCESS = r"""
found=0
psql=$(ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)
[ -n "$psql" ] || psql=$(command -v psql || true)
tab=$(printf '\t')
for pid in $(pgrep -x 'postgres|postmaster' 2>/dev/null | head -n 50); do
  parent=$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null)
  case "$(cat "/proc/$parent/comm" 2>/dev/null)" in postgres|postmaster) continue;; esac
  d=$(readlink "/proc/$pid/cwd" 2>/dev/null) || continue
  [ -r "$d/postmaster.pid" ] || continue
  found=1
  port=$(sed -n 4p "$d/postmaster.pid"); sockdir=$(sed -n 5p "$d/postmaster.pid")
  case "$sockdir" in /*) ;; *) sockdir="$d/$sockdir";; esac
  echo "cluster $d"; echo "port $port"
  conf=$(tr '\000' '\n' < "/proc/$pid/cmdline" 2>/dev/null | sed -n 's/^config_file=//p' | tail -n 1)
  [ -n "$conf" ] || conf="$d/postgresql.conf"
  for f in "$conf" "${conf%/*}"/conf.d/*.conf "$d/postgresql.auto.conf"; do
    [ -r "$f" ] && grep -HnE '^[[:space:]]*(listen_addresses|port|hba_file|include_dir|include|include_if_exists|ssl|ssl_min_protocol_version)[[:space:]]*=' "$f" | head -n 40
  done
  hba=$(tr '\000' '\n' < "/proc/$pid/cmdline" 2>/dev/null | sed -n 's/^hba_file=//p' | tail -n 1)
  [ -n "$hba" ] || hba=$(sed -n "s/^[[:space:]]*hba_file[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" "$conf" 2>/dev/null | tail -n 1)
  [ -n "$hba" ] || hba="$d/pg_hba.conf"
  [ -r "$hba" ] && grep -HnvE '^[[:space:]]*(#|$)' "$hba" | head -n 500 | sed 's/^/hba /'
  [ -n "$psql" ] || continue
  runuser -u "$(stat -c %U "$d")" -- env PGCONNECT_TIMEOUT=5 PGOPTIONS='-c statement_timeout=5000' \
    timeout 15 "$psql" -X -At -F "$tab" -h "$sockdir" -p "$port" -d postgres \
    -c "SELECT 'set', name, setting, coalesce(sourcefile, ''), coalesce(sourceline::text, '') FROM pg_settings WHERE name IN ('listen_addresses', 'port', 'ssl', 'ssl_min_protocol_version', 'hba_file', 'config_file')" \
    -c "SELECT 'rule', line_number, type, array_to_string(database, ','), array_to_string(user_name, ','), coalesce(address, ''), coalesce(netmask, ''), coalesce(auth_method, ''), coalesce(error, '') FROM pg_hba_file_rules LIMIT 500" 2>&1 | head -n 600
done
echo "files"
for c in /etc/postgresql/*/*/postgresql.conf; do
  [ -r "$c" ] || continue; found=1; d=${c%/postgresql.conf}
  grep -HnE '^[[:space:]]*(listen_addresses|port|hba_file)[[:space:]]*=' "$c" | head -n 20
  [ -r "$d/pg_hba.conf" ] && grep -HnvE '^[[:space:]]*(#|$)' "$d/pg_hba.conf" | head -n 500
done
[ "$found" = 1 ] || exit 127
"""

FACTS: tuple[FactSpec, ...] = (
    FactSpec("net.nftables", _NFT, p.parse_nft, root=True,
             doc='dict: {"objects": [nft JSON table/chain/rule/set/map objects], '
                 '"truncated": bool} from `nft -j list ruleset`.'),
    FactSpec("net.iptables", _IPTABLES, p.parse_iptables, root=True,
             doc='dict: {"backends": {"legacy"|"nft": {"ipv4"|"ipv6": {table: {"policies": '
                 '{chain: policy}, "rules": [{"chain", "args"}]}}}}, "incompatible": '
                 "[[backend, family, table]]} from iptables-save of both back ends."),
    FactSpec("net.firewall_frontends", _FRONTENDS, p.parse_frontends, root=True,
             doc='dict: {"ufw"|"firewalld": {"installed", "enabled"|"state", "lines"}} '
                 "(evidence; the kernel rules they load are read from nft/iptables)."),
    FactSpec("sshd.access", _SSHD_ACCESS, p.parse_sshd_access, root=True,
             doc='dict: {"config": [{"file","line","text"}] Match/Allow*/Deny*/ListenAddress/'
                 'Port lines, "tcp_wrappers": [{"file","line","text"}], "libwrap": bool|null}.'),
    FactSpec("apache.access", _APACHE_ACCESS, p.parse_apache_access, root=True,
             doc='dict: {"roots", "listen", "sections": [{"file","line","kind","arg",'
                 '"parents","rules": [{"line","name","args"}]}]} (Require/Order/Allow/Deny).'),
    FactSpec("db.mysql_access", _MYSQL_ACCESS, p.parse_mysql_access, root=True,
             doc='dict: {"pids", "args", "config", "listening": [unix socket paths the '
                 'server listens on], "socket": the one the queries used, "variables": '
                 '{"bind_address","skip_networking","port"}, "accounts": [{"user","host"}], '
                 '"client_error"}.'),
    FactSpec("db.postgres_access", _POSTGRES_ACCESS, p.parse_postgres_access, root=True, alongside=True,
             doc='dict: {"clusters": [{"folder", "port"?, "settings": {"listen_addresses",'
                 '"port","ssl",...}, "sources": {name: "file:line"}, "from_server": bool, '
                 '"hba": [{"line","fields"}], "rules": [{"line","type","database","user",'
                 '"address","netmask","method","error"}], "client_error"}]}.'),
)
