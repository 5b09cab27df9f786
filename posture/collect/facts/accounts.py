# ruff: noqa: E501 - shell snippets are data: a long pipeline reads better on one line
r"""Fact family "accounts": who can log in with a password, reduced on the target.

A server may hold tens of thousands of accounts. Transferring every passwd and shadow line
and judging them on the auditor's side hits output caps on big servers, and a cap that drops
lines could hide the one stale password. ``accounts.password_summary`` therefore classifies
every account *on the target*, in one awk pass over ``getent passwd`` and ``/etc/shadow``
(hashes never leave awk: only the state set/locked/none/empty), and prints a bounded summary:
counts per class, the :data:`KEEP` accounts with the oldest password change, the
:data:`KEEP` accounts with the longest (or no) maximum age, and the first :data:`KEEP` names
of each problem class. Whatever the number of accounts, the output stays under ~40 KiB, and
"every password is younger than N days" is decided exactly: it holds iff the oldest does.
"""

from __future__ import annotations

from posture.collect.facts.parsers import ParseError, _clip, _lines
from posture.collect.facts.spec import FactSpec
from posture.models import JSON
from posture.shapes.accounts import AgeRow, MaxRow

KEEP = 200
"""How many names or rows of each list the summary keeps (the counts are always complete)."""

NO_MAX = 999999999
"""Sort key of an account without a maximum password age (it never has to change)."""

# Same classification as checks.system.accounts.Account.blocked, computed where the data is.
# The day is the target's own clock (date +%s); the check reports the offset to the scan time.
SUMMARY_SNIPPET = r"""
now=$(date +%s) || exit 1
{ getent passwd 2>/dev/null || cat /etc/passwd; echo '#posture-shadow#'; cat /etc/shadow || exit 1; } | awk -F: -v now="$now" -v K=200 '
BEGIN { today = int(now / 86400); OLD = "sort -n | head -n 200 | sed \"s/^/oldest\t/\""; MAXS = "sort -nr | head -n 200 | sed \"s/^/maxage\t/\"" }
$0 == "#posture-shadow#" { sh = 1; next }
!sh { if (!($1 in shell)) { shell[$1] = $7; accounts++ }; next }
!($1 in shell) || ($1 in seen) { next }
{ n = $1; seen[n] = 1; shadowed++; s = $2; st = "set"
  if (s == "") st = "empty"; else if (s ~ /^!+\*?$/ || s ~ /^\*/) st = "none"; else if (s ~ /^!/) st = "locked"
  b = shell[n]; sub(/.*\//, "", b)
  if (shell[n] == "" || b ~ /^(nologin|false|sync|halt|shutdown)$/) { noshell++; next }
  if ($8 != "" && $8 + 0 > 0 && $8 + 0 <= today) { blocked["account expired"]++; next }
  if (st == "locked" || st == "none") { blocked["password " st]++; next }
  if ($3 + 0 > 0 && $5 != "" && $7 != "" && $5 + 0 >= 0 && $5 + 0 < 99999 && $3 + $5 + $7 < today) { blocked["password expired and inactivity period over"]++; next }
  if (st == "empty") { if (++empty <= K) print "empty\t" n; next }
  judged++
  m = ($5 == "") ? 999999999 : (($5 + 0 < 0) ? 999999998 : $5 + 0)
  print m "\t" n "\t" $5 | MAXS
  if ($3 == "") { if (++unknown <= K) print "unknown\t" n; next }
  if ($3 + 0 == 0) { if (++forced <= K) print "forced\t" n; next }
  print ($3 + 0) "\t" n | OLD
}
END { close(OLD); close(MAXS)
  printf "today\t%d\naccounts\t%d\nwith_shadow_entry\t%d\nno_login_shell\t%d\njudged\t%d\nempty_count\t%d\nunknown_count\t%d\nforced_count\t%d\n", today, accounts, shadowed, noshell, judged, empty, unknown, forced
  for (r in blocked) print "blocked\t" r "\t" blocked[r]
  print "end\tsummary" }'
"""


_COUNTS = ("today", "accounts", "with_shadow_entry", "no_login_shell", "judged", "empty_count",
           "unknown_count", "forced_count")


def _int(text: str) -> int:
    if not text.strip().lstrip("-").isdecimal():
        raise ParseError(f"not a number: {text[:40]!r}")
    return int(text.strip())


def parse_password_summary(text: str) -> JSON:
    """Parse the tagged lines of :data:`SUMMARY_SNIPPET`; the closing ``end`` line is
    required (a summary cut short is an error, never a smaller count)."""
    counts: dict[str, int] = {}
    names: dict[str, list[str]] = {"empty": [], "unknown": [], "forced": []}
    oldest: list[AgeRow] = []
    longest: list[MaxRow] = []
    blocked: dict[str, int] = {}
    ended = False
    for line in _lines(text):
        tag, _, rest = line.partition("\t")
        fields = rest.split("\t")
        if tag in _COUNTS:
            counts[tag] = _int(rest)
        elif tag in names:
            names[tag].append(_clip(rest, 64))
        elif tag == "oldest" and len(fields) == 2:
            oldest.append({"name": _clip(fields[1], 64), "last_change": _int(fields[0])})
        elif tag == "maxage" and len(fields) == 3:
            raw = fields[2].strip()
            longest.append({"name": _clip(fields[1], 64),
                            "max_days": _int(raw) if raw.lstrip("-").isdecimal() else None})
        elif tag == "blocked" and len(fields) == 2:
            blocked[_clip(fields[0], 80)] = _int(fields[1])
        elif tag == "end":
            ended = True
    absent = [c for c in _COUNTS if c not in counts]
    if not ended or absent:
        raise ParseError("the account summary is incomplete"
                         + (f" (no {', '.join(absent)})" if absent else ""))
    value: dict[str, JSON] = {**counts, **names, "oldest": list(oldest),
                              "longest_max": list(longest), "blocked": blocked, "keep": KEEP}
    return value


FACTS: tuple[FactSpec, ...] = (
    FactSpec("accounts.password_summary", SUMMARY_SNIPPET, parse_password_summary, root=True,
             doc="PasswordSummary: accounts classified on the target (counts complete, the "
                 f"{KEEP} oldest password changes and longest maximum ages, first {KEEP} "
                 "names of each problem class); no hash leaves the target."),
)
