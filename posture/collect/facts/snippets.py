"""Shell fragments shared by several facts (constants: nothing from the inventory)."""

from __future__ import annotations


def apache_config_grep(pattern: str, *, names: str = r"-name '*.conf' -o -path '*/conf.d/*'",
                       grep: str = "grep -HnE", cap: str = "") -> str:
    """A snippet that greps ``pattern`` in the configuration files the running Apache reads.

    Each distinct running Apache (binary, ``-d`` root, ``-f`` file, ``-D`` defines, its
    ``APACHE_*`` environment) is asked for the files it really reads with
    ``-t -D DUMP_INCLUDES`` (Apache 2.4: every ``Include``/``IncludeOptional``, in order); a
    ``read dump_includes N`` line says so, and the listing itself follows as ``inc`` lines
    (nesting and the including line), from which the parsers restore the read order. Where that is not available (Apache 2.2, no running
    server) the enabled files under the root are globbed instead (``read glob N``). Each root
    is announced with a ``root DIR`` line, then grep prints ``file:line:text``. Exits 127 when
    no Apache configuration exists, and 1 ("permission denied reading FILE") when a file the
    server reads could not be read: its directives would silently be missing.
    """
    return rf"""
set -f
servers=$(ps -eo pid=,args= 2>/dev/null | awk '$2 ~ /(apache2|httpd)$/ {{
  k=""; r=""; for(i=3;i<=NF;i++) {{ if(($i=="-d" || $i=="-f") && i<NF) {{ k=k" "$i" "$(i+1); if($i=="-d") r=$(i+1); i++ }} else if($i ~ /^-D[A-Za-z0-9_]+$/) k=k" "$i }}
  if(!((k) in seen)) {{ seen[k]=1; print (r=="" ? "DEFAULT" : r) "\t" $1 "\t" $2 k }} }}' | head -n 5)
[ -n "$servers" ] || servers="DEFAULT		"
printf '%s\n' "$servers" | while IFS='	' read -r d pid run; do
  if [ "$d" = DEFAULT ]; then
    for c in /etc/apache2 /etc/httpd; do [ -d "$c" ] && d=$c && break; done
  fi
  [ -d "$d" ] || continue; echo "root $d"
  files=""
  if [ -n "$pid" ] && [ -n "$run" ]; then
    env=$( (tr '\000' '\n' < "/proc/$pid/environ") 2>/dev/null | grep -E '^APACHE_[A-Z_]+=[^[:space:]]*$' | head -n 20)
    dump=$(env $env $run -t -D DUMP_INCLUDES 2>&1); drc=$?
    files=$(printf '%s\n' "$dump" | sed -n 's/^[[:space:]]*([*0-9]*)[[:space:]]*//p' | head -n 400)
    printf '%s\n' "$dump" | grep -E '^[[:space:]]*[(]([*]|[0-9]+)[)] ' | head -n 400 | sed 's/^/inc /'
    # Apache 2.2 ignores the define (exit 0, no list): globbed below. A failing test means
    # we cannot see the configuration as the server reads it (e.g. an unreadable Include).
    [ "$drc" = 0 ] || echo "failed $(printf '%s\n' "$dump" | grep -v -e '^[[:space:]]*(' -e '^Included configuration files' | head -n 1 | cut -c1-200)"
  fi
  if [ -n "$files" ]; then
    echo "read dump_includes $(printf '%s\n' "$files" | grep -c .)"
  else
    files=$(find -L "$d" -maxdepth 2 -path '*-available' -prune -o -type f \( {names} \) -print 2>/dev/null | sort | head -n 400)
    echo "read glob $(printf '%s\n' "$files" | grep -c .)"
  fi
  printf '%s\n' "$files" | while IFS= read -r f; do
    [ -n "$f" ] || continue
    if [ -r "$f" ]; then {grep} '{pattern}' "$f" 2>/dev/null{cap}; else echo "unreadable $f"; fi
  done
done | {{
  out=$(cat); [ -n "$out" ] || exit 127; printf '%s\n' "$out"
  # A file the server reads but we cannot: its directives would be missing, so no answer.
  printf '%s\n' "$out" | sed -n 's/^unreadable /posture: permission denied reading /p; s/^failed /posture: the running Apache could not list its files: /p' | head -n 5 >&2
  ! printf '%s\n' "$out" | grep -qE '^(unreadable|failed) '
}}
"""


# Finds the configuration file of the sshd that serves *this* session by walking up our
# process ancestry (sshd keeps its ``-f`` argument in its process title), so that a server
# running several sshd instances is judged on the one the auditor actually reached. Leaves
# the path in $cfg, empty when that sshd uses its default.
# ``posture_chain PID`` prints PID and its ancestors, nearest first (at most 25, never init):
# one awk reading each /proc/PID/stat (the parent is the field after the command name, which
# may itself hold spaces and parentheses: hence from the last ") " on).
PROCESS_CHAIN = r"""
command -v awk >/dev/null 2>&1 || { echo "posture: awk: not found" >&2; exit 127; }
posture_chain() {
  awk -v p="$1" 'BEGIN { for (i = 0; i < 25 && p + 0 > 1; i++) { print p; f = "/proc/" p "/stat"
    if ((getline l < f) <= 0) break
    close(f); sub(/.*\) /, "", l); split(l, v, " "); p = v[2] } }' </dev/null
}
"""

SSHD_SERVING_CONFIG = PROCESS_CHAIN + r"""
cfg=""
for p in $(posture_chain "$PPID"); do
  a=$(tr '\000' ' ' < "/proc/$p/cmdline" 2>/dev/null)
  case "$a" in
    "sshd: "*|"sshd "*|/usr/sbin/sshd" "*|/usr/local/sbin/sshd" "*)
      case "$a" in *" -f "*) cfg=${a#*" -f "}; cfg=${cfg%% *}; break;; esac;;
  esac
done
"""
