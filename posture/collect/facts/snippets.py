"""Shell fragments shared by several facts (constants: nothing from the inventory)."""

from __future__ import annotations


def apache_config_grep(pattern: str, *, names: str = r"-name '*.conf' -o -path '*/conf.d/*'",
                       grep: str = "grep -HnE", cap: str = "") -> str:
    """A snippet that greps ``pattern`` in the enabled configuration of the running Apache.

    The configuration judged is that of the Apache that runs (its ``-d`` root), else the
    distribution default; each root is announced with a ``root DIR`` line, then grep prints
    ``file:line:text``. Exits 127 when no Apache configuration exists.
    """
    return rf"""
roots=$(ps -eo args= 2>/dev/null | awk '$1 ~ /(apache2|httpd)$/ {{
  r=""; for(i=2;i<NF;i++) if($i=="-d") r=$(i+1); print (r=="" ? "DEFAULT" : r)}}' | sort -u | head -n 5)
[ -n "$roots" ] || roots=DEFAULT
found=0
for d in $roots; do
  if [ "$d" = DEFAULT ]; then
    for c in /etc/apache2 /etc/httpd; do [ -d "$c" ] && d=$c && break; done
  fi
  [ -d "$d" ] || continue; found=1; echo "root $d"
  find -L "$d" -maxdepth 2 -path '*-available' -prune -o -type f \( {names} \) -print 2>/dev/null | sort | head -n 400 |
  while IFS= read -r f; do
    {grep} '{pattern}' "$f" 2>/dev/null{cap}
  done
done
[ "$found" = 1 ] || exit 127
"""


# Finds the configuration file of the sshd that serves *this* session by walking up our
# process ancestry (sshd keeps its ``-f`` argument in its process title), so that a server
# running several sshd instances is judged on the one the auditor actually reached. Leaves
# the path in $cfg, empty when that sshd uses its default.
SSHD_SERVING_CONFIG = r"""
p=$PPID; cfg=""; i=0
while [ "${p:-0}" -gt 1 ] && [ "$i" -lt 25 ]; do
  a=$(tr '\000' ' ' < "/proc/$p/cmdline" 2>/dev/null)
  case "$a" in
    "sshd: "*|"sshd "*|/usr/sbin/sshd" "*|/usr/local/sbin/sshd" "*)
      case "$a" in *" -f "*) cfg=${a#*" -f "}; cfg=${cfg%% *}; break;; esac;;
  esac
  p=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f2); i=$((i+1))
done
"""
