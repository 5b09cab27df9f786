"""What changed between two judged scans: ``posture diff OLD.json NEW.json`` and the report.

Each claim (by verdict) and finding (by status) present in either scan lands in one group:

* ``new``: only in the new scan; ``gone``: only in the old one;
* ``fixed``: its outcome got better (``fail`` -> ``pass``, ``contradicted`` -> ``verified``);
* ``regressed``: it got worse (``pass`` -> ``fail``, ``verified`` -> ``inconclusive``);
* ``changed``: different but neither better nor worse (``pass`` <-> ``not_applicable``).

Outcomes are ranked best first: ``pass``/``not_applicable`` < ``warn`` < ``error`` < ``fail``
and ``verified`` < ``not_verifiable`` < ``inconclusive`` < ``contradicted``; a new item
that is failing is also listed under ``new``. The command exits 1 when anything regressed or
a new item fails/is contradicted, 0 otherwise, and 3 when a file is not a ``report.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from posture.errors import FactsFileError
from posture.models import ScanResult
from posture.sanitize import safe_text

GROUPS = ("new", "fixed", "regressed", "changed", "gone")
"""Groups in the order they are printed."""

_RANK = {"pass": 0, "not_applicable": 0, "warn": 1, "error": 2, "fail": 3,
         "verified": 0, "not_verifiable": 1, "inconclusive": 2, "contradicted": 3}
_BAD = frozenset({"fail", "contradicted"})


@dataclass(frozen=True)
class Change:
    """One claim or finding whose outcome differs between two scans."""

    kind: str  # "claim" | "finding"
    id: str
    before: str  # "" when new
    after: str  # "" when gone
    group: str

    def line(self) -> str:
        """``claim os-version: contradicted -> verified`` (neutralised for a terminal)."""
        if not self.before:
            state = self.after
        elif not self.after:
            state = f"was {self.before}"
        else:
            state = f"{self.before} -> {self.after}"
        return safe_text(f"{self.kind} {self.id}: {state}", 300)


@dataclass(frozen=True)
class Changes:
    """All changes between an old and a new scan, plus both scores."""

    old_score: tuple[float, str]
    new_score: tuple[float, str]
    items: tuple[Change, ...] = field(default_factory=tuple)

    def group(self, name: str) -> list[Change]:
        """The changes of one group, in scan order."""
        return [c for c in self.items if c.group == name]

    @property
    def worse(self) -> bool:
        """True when anything regressed or a new item fails."""
        return any(c.group == "regressed" or (c.group == "new" and c.after in _BAD)
                   for c in self.items)


def _states(result: ScanResult) -> list[tuple[str, dict[str, str]]]:
    return [
        ("claim", {c.id: c.verdict.value for c in result.claims}),
        ("finding", {f.id: f.status.value for f in result.findings}),
    ]


def _group(before: str, after: str) -> str:
    delta = _RANK.get(after, 0) - _RANK.get(before, 0)
    return "fixed" if delta < 0 else "regressed" if delta > 0 else "changed"


def compare(old: ScanResult, new: ScanResult) -> Changes:
    """Every claim and finding whose outcome differs between ``old`` and ``new``."""
    items: list[Change] = []
    for (kind, before), (_, after) in zip(_states(old), _states(new), strict=True):
        for ident, state in after.items():
            if ident not in before:
                items.append(Change(kind, ident, "", state, "new"))
            elif state != before[ident]:
                items.append(Change(kind, ident, before[ident], state,
                                    _group(before[ident], state)))
        items += [Change(kind, i, s, "", "gone") for i, s in before.items() if i not in after]
    return Changes((old.score.value, old.score.grade), (new.score.value, new.score.grade),
                   tuple(items))


def load_report(path: str) -> ScanResult:
    """Read a ``report.json``; a clear :class:`FactsFileError` (exit 3) when it is not one."""
    from posture.store.results import ReportFormatError, result_from_json

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise FactsFileError(f"{path}: cannot read ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FactsFileError(f"{path}: not JSON ({exc})") from None
    try:
        return result_from_json(data)
    except ReportFormatError as exc:
        raise FactsFileError(f"{path}: not a posture report.json: {exc}") from None


def format_changes(changes: Changes) -> str:
    """The text ``posture diff`` prints: the score line, then one line per change."""
    (ov, og), (nv, ng) = changes.old_score, changes.new_score
    lines = [f"score: {ov:.1f} ({safe_text(og, 4)}) -> {nv:.1f} ({safe_text(ng, 4)}) "
             f"[{nv - ov:+.1f}]"]
    for name in GROUPS:
        lines += [f"{name:9} {c.line()}" for c in changes.group(name)]
    if len(lines) == 1:
        lines.append("no claim or finding changed")
    return "\n".join(lines) + "\n"


def diff_command(old_path: str, new_path: str) -> int:
    """Print the comparison; exit 1 when anything got worse, else 0."""
    changes = compare(load_report(old_path), load_report(new_path))
    print(format_changes(changes), end="")
    return 1 if changes.worse else 0
