# ruff: noqa: E501 - shell snippets are data: a long pipeline reads better on one line
r"""sshd as each client meets it: ``sshd -T -C`` per connection context (fact ``sshd.contexts``).

Plain ``sshd -T`` prints the configuration outside every ``Match`` block, so a drop-in with
``Match Address 10.0.0.0/8`` / ``PasswordAuthentication yes`` passes unseen. This family asks
the serving sshd itself, once per connection context, what it would apply:

* **who**: every account with a login shell (read on the target from ``getent passwd``, names
  checked against a strict pattern there), and always ``root``. When no ``Match`` line names a
  ``User`` or ``Group`` criterion, every non-root account meets the same configuration, so
  ``root`` and one other account stand for all of them (the fact says so: ``by_user`` is
  false); an ``AllowUsers``/``DenyUsers``/``AllowGroups``/``DenyGroups`` line anywhere also
  makes every account evaluated.
* **from where**: the source addresses the auditor computes from the inventory (a
  representative of each declared ``ip_allowlist`` SSH network, every vantage point, and
  "anywhere", a documentation address standing for the Internet) arrive as DATA on the
  snippet's standard input, one validated ``kind label address`` line each (the snippet is a
  constant and checks each token again); the address this audit connection came from
  (``SSH_CONNECTION`` of the login shell above sudo: ``auditor`` context); plus one address
  inside every literal
  ``Match Address`` network of the configuration (``match`` contexts), so a block narrower
  than a declared network is still evaluated. Which of these can reach the server is judged by
  :mod:`checks.sshd.sshd_contexts`.
* **to where**: the listen addresses and ports, only when a ``Match LocalAddress`` or
  ``LocalPort`` line exists.

Each context runs ``sshd -ddd -T -C user=U,host=A,addr=A[,laddr=L,lport=P]``: the debug log
of sshd names the ``Match`` lines that applied and the ``file:line`` of every setting they
changed (OpenSSH 8.x and later), so the report can point at the very block. The files sshd
read (its own ``Include`` handling) and the authentication lines in them are listed too, for
older servers whose log does not name files. An sshd without ``-C`` prints ``nocontext``:
the check then judges plain ``sshd -T`` only when the files it read hold no ``Match`` line at
all (exact: every client meets the same configuration), and says ``error`` otherwise.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TypedDict

from posture.collect.facts.parsers import ParseError
from posture.collect.facts.snippets import SSHD_SERVING_CONFIG
from posture.collect.facts.spec import FactSpec
from posture.inventory.model import Host, Inventory
from posture.models import JSON

# The Internet as a source: documentation addresses (RFC 5737, RFC 3849). They are only
# ever handed to ``sshd -C`` as a value; nothing connects to them.
ANYWHERE = ("203.0.113.99", "2001:db8::99")
MAX_CONTEXTS = 600  # sshd -T runs per host (~20 ms each)
MAX_USERS = 100  # accounts evaluated when Match names users or groups
AUTH_KEYS = ("passwordauthentication", "kbdinteractiveauthentication",
             "challengeresponseauthentication", "permitrootlogin", "authenticationmethods",
             "permitemptypasswords", "allowusers", "allowgroups", "denyusers", "denygroups",
             "usepam")

_SNIPPET = r"""
data=$(head -n 200)
set -f
""" + SSHD_SERVING_CONFIG + r"""
s=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$s" ] || exit 127
if [ -n "$cfg" ]; then set -- -T -f "$cfg"; else set -- -T; fi
# sshd's debug log ends its lines with CR LF
run_base() { { "$s" -ddd "$@" 2>&1; echo "base_rc $?"; } | tr -d '\r'; }
base=$(run_base "$@")
# An old sshd may refuse debug flags with -T: its plain answer still serves (no file list).
case "$base" in *"base_rc 0") ;; *)
  plain=$( { "$s" "$@" 2>&1; echo "base_rc $?"; } | tr -d '\r')
  case "$plain" in *"base_rc 0") base=$plain;; esac;;
esac
files=$(printf '%s\n' "$base" | awk 'sub(/^debug2: parse_server_config_depth: config /, "") && sub(/ len [0-9]*$/, "") && $0 != "reprocess config" && !seen[$0]++ && n++ < 50')
[ -n "$files" ] || files=${cfg:-/etc/ssh/sshd_config}
lines=$(printf '%s\n' "$files" | while IFS= read -r f; do
  [ -r "$f" ] && grep -HniE '^[[:space:]]*(Match|PasswordAuthentication|KbdInteractiveAuthentication|ChallengeResponseAuthentication|PermitRootLogin|AuthenticationMethods|PermitEmptyPasswords|AllowUsers|AllowGroups|DenyUsers|DenyGroups|UsePAM|Port|ListenAddress)([[:space:]]|=)' "$f" | head -n 500
done)
matches=$( { printf '%s\n' "$base" | sed -n "s/^debug3: checking syntax for 'Match \(.*\)'$/\1/p"; printf '%s\n' "$lines" | sed -n 's/^.*:[0-9][0-9]*:[[:space:]]*[Mm][Aa][Tt][Cc][Hh][[:space:]=]*//p'; } | head -n 400)
need_users=no; need_local=no
printf '%s\n' "$matches" | grep -qiE '(^|[[:space:]])(user|group)([[:space:]=]|$)' && need_users=yes
# AllowUsers/DenyUsers/...Groups decide per account too: then every account is evaluated.
printf '%s\n' "$lines" | grep -qiE ':[0-9]+:[[:space:]]*(AllowUsers|DenyUsers|AllowGroups|DenyGroups)([[:space:]]|=)' && need_users=yes
printf '%s\n' "$matches" | grep -qiE '(^|[[:space:]])(localaddress|localport)([[:space:]=]|$)' && need_local=yes
# With Match LocalAddress/LocalPort, sshd -T needs laddr and lport in every test: one per
# listen address and port of the configuration (wildcards: the host's own addresses).
locals="- -"; lspec=""
if [ "$need_local" = yes ]; then
  here=$(ip -o addr show 2>/dev/null | awk '$3 == "inet" || $3 == "inet6" {sub(/\/.*/, "", $4); print $4}' | head -n 8)
  ports=$(printf '%s\n' "$lines" | sed -n 's/^.*:[0-9][0-9]*:[[:space:]]*[Pp][Oo][Rr][Tt][[:space:]=]*\([0-9][0-9]*\).*/\1/p' | sort -u | head -n 4)
  [ -n "$ports" ] || ports=22
  listens=$(printf '%s\n' "$lines" | sed -n 's/^.*:[0-9][0-9]*:[[:space:]]*[Ll][Ii][Ss][Tt][Ee][Nn][Aa][Dd][Dd][Rr][Ee][Ss][Ss][[:space:]=]*\([^[:space:]]*\).*/\1/p' | head -n 8)
  [ -n "$listens" ] || listens="0.0.0.0 ::"
  locals=$(for l in $listens; do
    case "$l" in
      \[*\]:*) la=${l%%]:*}; lps=${l##*]:};;
      *.*:*) la=${l%:*}; lps=${l##*:};;
      *) la=$l; lps=$ports;;
    esac
    la=${la#\[}; la=${la%\]}
    case "$la" in 0.0.0.0|::) las=$here;; *) las=$la;; esac
    for a in $las; do for p in $lps; do
      case "$a$p" in *[!0-9A-Fa-f:.]*) ;; *) printf '%s %s\n' "$a" "$p";; esac
    done; done
  done | sort -u | head -n 8)
  [ -n "$locals" ] || locals="- -"
  first=$(printf '%s\n' "$locals" | head -n 1)
  case "$first" in "- -") ;; *) lspec=",laddr=${first% *},lport=${first#* }"; base=$(run_base "$@" -C "${lspec#,}");; esac
fi
# One awk for the exit status and the unexpected lines (X: what is neither debug nor option),
# one for the settings sshd's log places (G) and the options themselves (B).
printf '%s\n' "$base" | awk '/^base_rc / { if ($0 ~ /^base_rc [0-9]*$/) print "base_rc\t" substr($0, 9); next }
  { body[++n] = $0 }
  END { while (n > 0 && body[n] == "") n--; if (n == 0) body[++n] = ""; for (i = 1; i <= n; i++) if (body[i] !~ /^debug|^[a-z0-9]+ / && x++ < 3) print "X\t" body[i] }'
printf '%s\n' "$files" | sed 's/^/F\t/'
printf '%s\n' "$base" | awk '/^base_rc / { next }
  g < 400 && /^debug3: .*:[0-9]* setting [A-Za-z]* / { g++; print "G\t" substr($0, 9); next }
  /^(usedns|listenaddress|port|passwordauthentication|kbdinteractiveauthentication|challengeresponseauthentication|permitrootlogin|authenticationmethods|permitemptypasswords|allowusers|allowgroups|denyusers|denygroups|usepam) / { if (b++ < 60) opt[b] = $0 }
  END { for (i = 1; i <= b && i <= 60; i++) print "B\t" opt[i] }'
printf '%s\n' "$lines" | grep -v '^$' | sed 's/^/L\t/'
probe=$("$s" "$@" -C "user=root,host=127.0.0.1,addr=127.0.0.1$lspec" 2>&1 >/dev/null); prc=$?
if [ "$prc" != 0 ]; then
  printf 'nocontext\t%s\n' "$(printf '%s\n' "$probe" | head -n 3 | tr '\t\n' '  ' | cut -c1-300)"; exit 0
fi
accounts=$( (getent passwd 2>/dev/null || cat /etc/passwd) | awk -F: '$7 != "" && $7 !~ /(nologin|false|sync|halt|shutdown)$/ {print $1}')
total=0; invalid=0; users="root"; n=1; capped=no
for u in $accounts; do
  total=$((total+1))
  case "$u" in ''|-*|*[!A-Za-z0-9_.-]*) invalid=$((invalid+1)); continue;; root) continue;; esac
  if [ "$need_users" = no ] && [ "$n" -ge 2 ]; then continue; fi
  if [ "$n" -ge __MAX_USERS__ ]; then capped=yes; continue; fi
  users="$users $u"; n=$((n+1))
done
printf 'users\t%s\t%s\t%s\t%s\t%s\n' "$total" "$invalid" "$need_users" "$capped" "$users"
ip -o addr show 2>/dev/null | awk '$2 != "lo" && ($3 == "inet" || $3 == "inet6") {print "N\t" $4}' | head -n 64
# The address this very audit connection came from (SSH_CONNECTION of an ancestor: sudo
# resets the environment, the login shell above it keeps it): a context that surely reaches.
# Nearest first: the environments of the whole chain in one stream, the first match wins.
me=$(for p in $(posture_chain $$); do (tr '\000' '\n' < "/proc/$p/environ") 2>/dev/null; echo; done | sed -n 's/^SSH_CONNECTION=\([0-9A-Fa-f:.]*\) .*/\1/p' | head -n 1)
sources=$( {
  [ -n "$me" ] && printf 'auditor ssh-client %s\n' "${me#::ffff:}"
  printf '%s\n' "$data" | while read -r k l a; do
    case "$k" in declared|vantage|anywhere) ;; *) continue;; esac
    case "$l" in ''|*[!A-Za-z0-9_.:/-]*) continue;; esac
    case "$a" in ''|*[!0-9A-Fa-f:.]*) continue;; esac
    printf '%s %s %s\n' "$k" "$l" "$a"
  done
  printf '%s\n' "$matches" | awk '{ for (i = 1; i < NF; i++) if (tolower($i) == "address") { n = split($(i+1), p, ","); for (j = 1; j <= n; j++) print p[j] } }' | while read -r p; do
    case "$p" in '!'*) continue;; esac
    a=${p%%/*}
    case "$a" in ''|*[!0-9A-Fa-f:.]*) printf 'W %s\n' "$p" | cut -c1-200; continue;; esac
    printf 'match %s %s\n' "$p" "$a"
  done
} | head -n 200)
printf '%s\n' "$sources" | grep '^W ' | awk '!seen[$0]++' | head -n 20 | sed 's/^W /W\t/'
sources=$(printf '%s\n' "$sources" | grep -v '^W ' | awk 'NF == 3 && !seen[$3]++')
nsrc=$(printf '%s\n' "$sources" | grep -c .)
nusr=$(set -- $users; echo $#)
nloc=$(printf '%s\n' "$locals" | grep -c .)
printf 'contexts\t%s\n' "$((nsrc * nusr * nloc))"
[ "$((nsrc * nusr * nloc))" -le __MAX_CONTEXTS__ ] || exit 0
# Every context, one line each (kind label user address laddr lport), in the order they are
# reported; then judged in two halves at once: a pipeline runs its stages side by side, the
# second half is held in a variable until the first has been written, so the output is the
# same as one after the other (sshd -T is most of this fact's time on a server).
ctxs=$(printf '%s\n' "$sources" | while read -r k l a; do
  [ -n "$a" ] || continue
  for u in $users; do
    printf '%s\n' "$locals" | while read -r la lp; do
      printf '%s %s %s %s %s %s\n' "$k" "$l" "$u" "$a" "${la:--}" "${lp:--}"
    done
  done
done)
# One awk reads the answers of a whole half: the shell ends each answer with a line holding
# a token sshd cannot know ("<token> R <exit status>"); awk prints each context's C line from
# the same list the shell runs, so a line of sshd's own can never start a context.
tok=$(od -An -N12 -tx1 /dev/urandom 2>/dev/null | tr -d ' \n')
[ -n "$tok" ] || tok="tok$$x$(date +%s%N)"
run_ctxs() {
  list=$1; shift
  printf '%s\n' "$list" | while read -r k l u a la lp; do
    [ -n "$lp" ] || continue
    spec="user=$u,host=$a,addr=$a"
    case "$la" in -|'') ;; *) spec="$spec,laddr=$la,lport=$lp";; esac
    "$s" -ddd "$@" -C "$spec" </dev/null 2>&1
    echo "$tok R $?"
  done | awk -v list="$list" -v tok="$tok" '
    function head() {
      while (++i <= n && split(ctx[i], f, " ") < 6) ;
      if (i <= n) print "C\t" f[1] "\t" f[2] "\t" f[3] "\t" f[4] "\t" f[5] "\t" f[6]
      rp = 0; x = 0
    }
    BEGIN { n = split(list, ctx, "\n"); i = 0; head() }
    $1 == tok && $2 == "R" && NF == 3 { print "R " $3; head(); next }
    { sub(/\r$/, "") }
    /^debug2: parse_server_config_depth: config reprocess config/ { rp = 1; next }
    /^debug1: connection from .* matched / { sub(/^debug1: connection from /, ""); print "M\t" substr($0, 1, 300); next }
    rp && /^debug3: .*:[0-9]+ setting / { print "S\t" substr($0, 9, 400); next }
    /^debug/ { next }
    { k = tolower($1) }
    k ~ /^(passwordauthentication|kbdinteractiveauthentication|challengeresponseauthentication|permitrootlogin|authenticationmethods|permitemptypasswords|allowusers|allowgroups|denyusers|denygroups|usepam)$/ { print "T\t" substr($0, 1, 400); next }
    $0 !~ /^[a-z0-9]+ / { if (x++ < 3) print "X\t" substr($0, 1, 300) }'
}
nctx=$(printf '%s\n' "$ctxs" | grep -c .)
half=$(( (nctx + 1) / 2 ))
# The first half's lines pass through a cat started first, so it never waits on a full pipe.
run_ctxs "$(printf '%s\n' "$ctxs" | sed -n "1,${half}p")" "$@" | {
  exec 5<&0; cat <&5 & posture_cat=$!
  rest=$(run_ctxs "$(printf '%s\n' "$ctxs" | sed -n "$((half + 1)),\$p")" "$@" 5<&-)
  wait "$posture_cat"
  [ -z "$rest" ] || printf '%s\n' "$rest"
}
true
""".replace("__MAX_USERS__", str(MAX_USERS)).replace("__MAX_CONTEXTS__", str(MAX_CONTEXTS))

_LABEL = re.compile(r"[A-Za-z0-9_.:/-]{1,64}")
_SETTING = re.compile(r"(?P<file>.+):(?P<line>\d+)\s+setting\s+(?P<key>[A-Za-z]+)\s+(?P<value>.*)")
_GREP = re.compile(r"(?P<file>.+?):(?P<line>\d+):(?P<text>.*)")
_MATCHED = re.compile(r"(?P<addr>\S+) matched '(?P<criteria>[^']*)' at line (?P<line>\d+)")


class Setting(TypedDict):
    """One line of the configuration that set an option: ``file:line key value``."""

    file: str
    line: int
    key: str
    value: str


class Context(TypedDict):
    """One ``sshd -T -C`` run: who, from where, and what sshd would apply."""

    kind: str  # declared | vantage | anywhere | auditor | match
    label: str  # the declared network, the vantage point, "internet", the Match pattern
    user: str
    addr: str
    laddr: str  # "-" when not given
    lport: str
    rc: int | None
    options: dict[str, str]  # AUTH_KEYS as sshd -T printed them (lower-case keys)
    matched: list[dict[str, JSON]]  # [{"criteria", "line"}]: Match lines that applied
    settings: list[Setting]  # what those Match blocks set (file:line from sshd's log)
    errors: list[str]


class SshdContexts(TypedDict):
    """The value of ``sshd.contexts``."""

    supported: bool  # False: this sshd has no -C (reason in "unsupported")
    unsupported: str
    base_rc: int | None
    base_errors: list[str]
    files: list[str]  # configuration files sshd read (Include resolved by sshd)
    global_settings: list[Setting]  # file:line of options set outside Match (sshd's log)
    lines: list[dict[str, JSON]]  # [{"file","line","text"}]: Match and auth lines (grep)
    base: dict[str, list[str]]  # usedns, listenaddress, port and AUTH_KEYS of plain sshd -T
    users: dict[str, JSON]  # {"login_accounts","invalid","by_user","capped","evaluated"}
    networks: list[str]  # on-link networks of the server (ip -o addr, loopback left out)
    unresolved: list[str]  # Match Address patterns without a literal address (wildcards)
    expected: int | None  # number of contexts the snippet announced
    capped: bool  # more contexts than MAX_CONTEXTS: none evaluated
    contexts: list[Context]


def _int(text: str) -> int | None:
    return int(text) if text.isdecimal() else None


def _setting(text: str) -> Setting | None:
    m = _SETTING.fullmatch(text.strip())
    if not m:
        return None
    return Setting(file=m["file"][:300], line=int(m["line"]), key=m["key"].lower(),
                   value=m["value"][:300])


def _empty() -> SshdContexts:
    return SshdContexts(supported=True, unsupported="", base_rc=None, base_errors=[], files=[],
                        global_settings=[], lines=[], base={}, users={}, networks=[],
                        unresolved=[], expected=None, capped=False, contexts=[])


def _context_line(out: SshdContexts, tag: str, rest: str, current: Context | None) -> None:
    """Lines that belong to the current context (T, M, S, X, R)."""
    if current is None:
        return
    if tag == "T":
        key, _, value = rest.partition(" ")
        if key.lower() in AUTH_KEYS:
            current["options"].setdefault(key.lower(), value.strip()[:400])
    elif tag == "M":
        m = _MATCHED.fullmatch(rest.strip())
        if m:
            current["matched"].append({"criteria": m["criteria"][:300], "line": int(m["line"])})
    elif tag == "S":
        setting = _setting(rest)
        if setting:
            # sshd names the main file "reprocess config" when it applies Match blocks again
            if setting["file"] == "reprocess config" and out["files"]:
                setting["file"] = out["files"][0]
            current["settings"].append(setting)
    elif tag == "X":
        current["errors"].append(rest[:300])


def parse_sshd_contexts(text: str) -> JSON:
    """Parse the snippet's tagged lines into :class:`SshdContexts` (see the module doc)."""
    out = _empty()
    current: Context | None = None
    seen_base = False
    for raw in text.splitlines()[:200_000]:
        tag, _, rest = raw.partition("\t")
        if tag.startswith("R ") and current is not None:
            current["rc"] = _int(tag[2:].strip())
            current = None
        elif tag == "base_rc":
            seen_base, out["base_rc"] = True, _int(rest.strip())
        elif tag == "nocontext":
            out["supported"], out["unsupported"] = False, rest.strip()[:300] or "sshd -C failed"
        elif tag == "F":
            out["files"].append(rest[:300])
        elif tag == "G":
            setting = _setting(rest)
            if setting and setting["key"] in AUTH_KEYS:
                out["global_settings"].append(setting)
        elif tag == "B":
            key, _, value = rest.partition(" ")
            out["base"].setdefault(key, []).append(value.strip()[:300])
        elif tag == "L":
            m = _GREP.fullmatch(rest)
            if m:
                out["lines"].append({"file": m["file"][:300], "line": int(m["line"]),
                                     "text": m["text"].strip()[:300]})
        elif tag == "users":
            fields = rest.split("\t")
            if len(fields) == 5:
                out["users"] = {"login_accounts": _int(fields[0]), "invalid": _int(fields[1]),
                                "by_user": fields[2] == "yes", "capped": fields[3] == "yes",
                                "evaluated": fields[4].split()[:MAX_USERS + 1]}
        elif tag == "N":
            out["networks"].append(rest.strip()[:64])
        elif tag == "W":
            out["unresolved"].append(rest.strip()[:200])
        elif tag == "contexts":
            out["expected"] = _int(rest.strip())
            out["capped"] = (out["expected"] or 0) > MAX_CONTEXTS
        elif tag == "C":
            fields = rest.split("\t")
            if len(fields) == 6:
                current = Context(kind=fields[0], label=fields[1][:64], user=fields[2][:64],
                                  addr=fields[3][:64], laddr=fields[4][:64],
                                  lport=fields[5][:8], rc=None, options={}, matched=[],
                                  settings=[], errors=[])
                if len(out["contexts"]) < MAX_CONTEXTS:
                    out["contexts"].append(current)
        elif tag == "X" and current is None:
            out["base_errors"].append(rest[:300])
        else:
            _context_line(out, tag, rest, current)
    if not seen_base:
        raise ParseError("no base_rc line: not the sshd.contexts snippet's output")
    return out


def _representatives(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> list[str]:
    """Addresses standing for a declared network: its first and last host (or the address)."""
    if net.prefixlen >= net.max_prefixlen - 1:  # one address, or a pair without hosts between
        return [str(net.network_address)]
    return [str(net.network_address + 1), str(net.broadcast_address - 1)]


def context_sources(inventory: Inventory, host: Host) -> list[str]:
    """The DATA lines of ``sshd.contexts`` for ``host``: ``kind label address``.

    Every token is checked here (and again by the snippet): labels against a strict pattern,
    addresses by :mod:`ipaddress`, printed in canonical form. A vantage point name that does
    not fit the pattern is replaced by its position.
    """
    lines: list[str] = []
    for claim in inventory.claims:
        if claim.type != "ip_allowlist" or host.name not in claim.scope.hosts:
            continue
        networks = claim.expect.get("ssh")
        for network in networks if isinstance(networks, list) else []:
            try:  # host bits set (10.1.2.3/8): the network they are in
                net = ipaddress.ip_interface(str(network)).network
            except ValueError:
                continue  # refused at validation; nothing to evaluate
            lines += [f"declared {net} {a}" for a in _representatives(net)]
    for index, vp in enumerate(inventory.vantage_points):
        try:
            address = str(ipaddress.ip_address(vp.source_address))
        except ValueError:
            continue
        label = vp.name if _LABEL.fullmatch(vp.name) else f"vantage-{index + 1}"
        lines.append(f"vantage {label} {address}")
    lines += [f"anywhere internet {a}" for a in ANYWHERE]
    return list(dict.fromkeys(lines))[:200]  # each source once; the snippet reads 200 lines


FACTS: tuple[FactSpec, ...] = (
    FactSpec("sshd.contexts", _SNIPPET, parse_sshd_contexts, root=True, data=context_sources,
             alongside=True,
             doc="SshdContexts (posture/collect/facts/sshd_contexts.py): `sshd -T -C` per "
                 "connection context (accounts with a login shell x declared sources, vantage "
                 "points, anywhere, Match Address networks), with the Match lines that applied "
                 "and the file:line of what they set."),
)
