# ruff: noqa: E501 - shell snippets are data: a long pipeline reads better on one line
"""The shell snippet of ``sshd.contexts`` (see :mod:`posture.collect.facts.sshd_contexts`):
the serving sshd's own answer, one ``sshd -T -C`` run per connection context, in two halves
at once. A constant: what the target must not choose arrives on its stdin as DATA lines."""

from __future__ import annotations

from posture.collect.facts.snippets import SSHD_SERVING_CONFIG

MAX_CONTEXTS = 600  # sshd -T runs per host (~20 ms each)
MAX_USERS = 100  # accounts evaluated when Match names users or groups

SNIPPET = r"""
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
# One awk reads the answers of a whole half. The lines the shell adds (a context's C line
# before its answer, "R <exit status>" after it) start with a token sshd cannot know, so no
# line of sshd's own can start or end a context.
tok=$(od -An -N12 -tx1 /dev/urandom 2>/dev/null | tr -d ' \n')
[ -n "$tok" ] || tok="tok$$x$(date +%s%N)"
run_ctxs() {
  while read -r k l u a la lp; do
    [ -n "$lp" ] || continue
    spec="user=$u,host=$a,addr=$a"
    case "$la" in -|'') ;; *) spec="$spec,laddr=$la,lport=$lp";; esac
    printf '%s C\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tok" "$k" "$l" "$u" "$a" "$la" "$lp"
    "$s" -ddd "$@" -C "$spec" </dev/null 2>&1
    echo "$tok R $?"
  done | awk -v tok="$tok" '
    index($0, tok " ") == 1 { print substr($0, length(tok) + 2); rp = 0; x = 0; next }
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
printf '%s\n' "$ctxs" | sed -n "1,${half}p" | run_ctxs "$@" | {
  exec 5<&0; cat <&5 & posture_cat=$!
  rest=$(printf '%s\n' "$ctxs" | sed -n "$((half + 1)),\$p" | run_ctxs "$@" 5<&-)
  wait "$posture_cat"
  [ -z "$rest" ] || printf '%s\n' "$rest"
}
true
""".replace("__MAX_USERS__", str(MAX_USERS)).replace("__MAX_CONTEXTS__", str(MAX_CONTEXTS))
