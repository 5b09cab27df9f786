"""Collect inventory problems so that one run reports all of them, not just the first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from posture.errors import InventoryError

MAX_REPORTED = 20
# A hostile file can produce a problem per line; keeping a bounded number is enough to report.
_MAX_KEPT = 1000


class Problem(NamedTuple):
    """One problem: the 1-based line it is on and what is wrong."""

    line: int
    message: str


class InventoryProblems(InventoryError):
    """An invalid inventory. ``problems`` holds what was found, sorted by line.

    The message lists up to :data:`MAX_REPORTED` problems, one ``file:line: message`` each;
    ``line`` is the line of the first one.
    """

    def __init__(self, path: str, problems: Sequence[Problem], total: int | None = None) -> None:
        self.problems = tuple(problems)
        first = self.problems[0]
        rest = [f"{path}:{p.line}: {p.message}" for p in self.problems[1:MAX_REPORTED]]
        hidden = (total if total is not None else len(self.problems)) - MAX_REPORTED
        if hidden > 0:
            rest.append(f"{path}: ... and {hidden} more problem(s)")
        super().__init__("\n".join([first.message, *rest]), path=path, line=first.line)


class Bad(Exception):
    """A single value is invalid; whoever catches it knows where the value is."""


class Problems:
    """Accumulates problems for one inventory file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._items: list[Problem] = []
        self._seen: set[Problem] = set()
        self._total = 0

    def add(self, line: int, message: str) -> None:
        """Record a problem at ``line`` (1-based); exact repeats are kept once."""
        problem = Problem(line, message)
        if problem in self._seen:
            return
        self._seen.add(problem)
        self._total += 1
        if len(self._items) < _MAX_KEPT:
            self._items.append(problem)

    def __bool__(self) -> bool:
        return bool(self._items)

    def raise_if_any(self) -> None:
        """Raise :class:`InventoryProblems` if anything was recorded."""
        if self._items:
            ordered = sorted(self._items, key=lambda p: p.line)
            raise InventoryProblems(self.path, ordered, self._total)
