r"""The fact catalogue: for each fact key, a fixed POSIX sh snippet and a parser.

Snippets are constants (no inventory value is interpolated into them), run by
:mod:`posture.collect.batch` inside one script per host. ``root`` facts go into the sudo exec
when the inventory grants sudo, else they are attempted unprivileged and usually come back
``denied``. Value shapes (what checks may rely on) are documented per entry.
"""

from __future__ import annotations

from posture.collect.facts import parsers
from posture.collect.facts.snippets import SSHD_SERVING_CONFIG, apache_config_grep
from posture.collect.facts.spec import FactSpec

__all__ = ["BY_KEY", "CATALOG", "FactSpec", "specs_for"]

# With a Match LocalAddress/LocalPort block, plain `sshd -T` refuses to run ("'lport' not in
# connection test specification"); a local end that no such block can name (port 1) gives the
# same answer: the configuration outside every Match block.
_SSHD_T = SSHD_SERVING_CONFIG + r"""
if [ -n "$cfg" ]; then set -- -T -f "$cfg"; else set -- -T; fi
err=$(sshd "$@" 2>&1 >/dev/null)
case "$err" in *"not in connection test specification"*) set -- "$@" -C laddr=0.0.0.0,lport=1;; esac
sshd "$@"
"""

# ${Status} ("install ok installed"), not ${db:Status-Abbrev}: dpkg before 1.16.2 (Ubuntu
# 12.04) prints unknown fields as nothing, which would list no package at all.
_PACKAGES = r"""
pat='^(apache2|apache2-bin|httpd|nginx|nginx-core|nginx-full|nginx-light|nginx-extras|openssh-server|openssh-client|openssl|libssl[0-9.]+[a-z0-9]*|mariadb-server|mariadb-server-core|mariadb-server-[0-9.]+|mysql-server|mysql-server-[0-9.]+|mysql-server-core-[0-9.]+|mysql-community-server|postgresql-[0-9]+|php[0-9.]*|php[0-9.]*-(cli|fpm|common)|libapache2-mod-php[0-9.]*|vsftpd|proftpd-basic|proftpd|pure-ftpd|telnetd|inetutils-telnetd|telnet-server|openbsd-inetd|sudo)$'
if command -v dpkg-query >/dev/null 2>&1; then
  echo "manager dpkg"
  dpkg-query -W -f='${Status}\t${Package}\t${Version}\n' | awk -F'\t' -v p="$pat" '$1 ~ / installed$/ && $2 ~ p {print $2"\t"$3}'
elif command -v rpm >/dev/null 2>&1; then
  echo "manager rpm"
  rpm -qa --qf '%{NAME}\t%{VERSION}-%{RELEASE}\n' | awk -F'\t' -v p="$pat" '$1 ~ p {print $1"\t"$2}'
else
  exit 127
fi
"""

_APACHE_CONFIG = apache_config_grep(
    "^[[:space:]]*(ServerTokens|ServerSignature|User|Group|TraceEnable)[[:space:]]",
    names="-name '*.conf' -o -name '*.load' -o -path '*/conf.d/*'")

# Reduced on the target: what the checks ask is which programs run as which users, so 20
# processes of each (user, program) pair say it all; the output stays small on any server.
_PROCESSES = r"""
ps -eo stat=,user=,pid=,ppid=,comm= | awk '$1 !~ /^Z/ && $3 != 2 && $4 != 2 { k = $2 " " $5; if (++seen[k] <= 20) print }'
"""

_PAM = r"""
for f in /etc/pam.d/common-password /etc/pam.d/system-auth /etc/pam.d/password-auth /etc/security/pwquality.conf /etc/security/pwquality.conf.d/*.conf; do
  [ -r "$f" ] && grep -vE '^[[:space:]]*(#|$)' "$f" | sed "s|^|$f	|"
done
true
"""

_SHADOW = r"""
awk -F: '{ s=$2; st="set";
  if (s == "") st="empty"; else if (s ~ /^!+\*?$/ || s ~ /^\*/) st="none"; else if (s ~ /^!/) st="locked";
  print $1":"st":"$3":"$4":"$5":"$6":"$7":"$8 }' /etc/shadow
"""

_AUTHORIZED_KEYS = r"""
getent passwd | while IFS=: read -r u _ _ _ _ h _; do
  for f in "$h/.ssh/authorized_keys" "$h/.ssh/authorized_keys2"; do
    [ -f "$f" ] && printf '%s\t%s\n' "$u" "$(grep -cvE '^[[:space:]]*(#|$)' "$f")"
  done
done
true
"""

_SYSTEM: tuple[FactSpec, ...] = (
    FactSpec("host.time", "date -u +%s", parsers.parse_int,
             doc="int: the target's clock, seconds since the epoch (UTC)."),
    FactSpec("os.release", "cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release",
             parsers.parse_env_file,
             doc='dict[str,str]: os-release keys, e.g. {"ID": "debian", "VERSION_ID": "12"}.'),
    FactSpec("os.lsb", "lsb_release -a 2>/dev/null", parsers.parse_lsb,
             doc='dict: {"distributor_id","description","release","codename"} (may be missing).'),
    FactSpec("os.version_files",
             "for f in /etc/debian_version /etc/redhat-release /etc/system-release; do "
             '[ -r "$f" ] && printf \'%s\\t%s\\n\' "$f" "$(head -c 200 "$f")"; done; true',
             parsers.parse_tab_map,
             doc='dict[path,str]: e.g. {"/etc/debian_version": "12.7"}.'),
    FactSpec("pkg.versions", _PACKAGES, parsers.parse_packages,
             doc='dict: {"manager": "dpkg"|"rpm", "packages": {name: version}} (relevant ones).'),
    FactSpec("apache.version",
             "if command -v apache2 >/dev/null 2>&1; then apache2 -v; "
             "elif command -v httpd >/dev/null 2>&1; then httpd -v; else exit 127; fi",
             parsers.parse_apache_version,
             doc='dict: {"server_version": "Apache/2.4.62 (Debian)", "version": "2.4.62", '
                 '"built": str}.'),
    FactSpec("apache.config", _APACHE_CONFIG, parsers.parse_apache_directives,
             doc='dict: {"roots": [dir], "read_from": ["dump_includes N"|"glob N"], '
                 '"directives": [{"file","line","name","args"}]} for ServerTokens, '
                 "ServerSignature, User, Group, TraceEnable in the files the running Apache "
                 "reads (its -t -D DUMP_INCLUDES; else the enabled files of its root)."),
    FactSpec("proc.list", _PROCESSES, parsers.parse_ps,
             doc='list[{"user","pid","ppid","comm"}] (no arguments: they can hold secrets); '
                 "at most 20 processes per (user, program) pair, zombies and kernel threads "
                 "left out on the target, so a server with thousands of PHP or Apache "
                 "workers still lists every program and every user running it."),
    FactSpec("sshd.config", _SSHD_T, parsers.parse_sshd_t, root=True,
             doc='dict[str, list[str]]: `sshd -T` options, lower-case keys, each occurrence '
                 'of a key as one string (e.g. {"ciphers": ["aes128-ctr,aes256-gcm@..."]}).'),
    FactSpec("accounts.passwd", "getent passwd 2>/dev/null || cat /etc/passwd",
             parsers.parse_passwd,
             doc='list[{"name","uid","gid","home","shell"}] (no GECOS: it holds names).'),
    FactSpec("accounts.shadow", _SHADOW, parsers.parse_shadow, root=True,
             doc='list[{"name","password","last_change","min","max","warn","inactive",'
                 '"expire"}]; password is "set"|"locked"|"none"|"empty" (hashes never leave '
                 "the server); day fields are int days since the epoch or null."),
    FactSpec("login.defs", "grep -E '^[[:space:]]*[A-Z_]+[[:space:]]+' /etc/login.defs",
             parsers.parse_login_defs,
             doc='dict[str,str]: e.g. {"PASS_MAX_DAYS": "99999"}.'),
    FactSpec("pam.password", _PAM, parsers.parse_pam,
             doc='dict: {"modules": [{"file","type","control","module","options": {k: v}}], '
                 '"pwquality": {k: v}} from PAM password stacks and pwquality.conf.'),
    FactSpec("net.listening", "ss -tlnp 2>/dev/null || ss -tln", parsers.parse_ss,
             root=True,
             doc='list[{"address","port","process"}] of listening TCP sockets.'),
    FactSpec("ssh.authorized_keys", _AUTHORIZED_KEYS, parsers.parse_count_map, root=True,
             doc="dict[user, int]: number of keys in each user's authorized_keys files."),
)


def _families() -> tuple[FactSpec, ...]:
    # Families add their SSH facts in their own modules; imported late (they import FactSpec).
    from posture.collect.facts import accounts, app, dbserver, network, nginx, sshd_contexts

    return (*_SYSTEM, *accounts.FACTS, *network.FACTS, *app.FACTS, *sshd_contexts.FACTS,
            *nginx.FACTS, *dbserver.FACTS)


CATALOG: tuple[FactSpec, ...] = _families()
BY_KEY: dict[str, FactSpec] = {spec.key: spec for spec in CATALOG}


def specs_for(keys: set[str] | frozenset[str]) -> list[FactSpec]:
    """Return the specs for ``keys`` in catalogue order (deterministic scripts)."""
    unknown = set(keys) - BY_KEY.keys()
    if unknown:
        raise KeyError(f"unknown fact keys: {sorted(unknown)}")
    return [spec for spec in CATALOG if spec.key in keys]
