"""The shape of an SSH batch fact, in a module of its own so fact families can import it
without importing the catalogue that lists them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from posture.models import JSON


@dataclass(frozen=True)
class FactSpec:
    """How one fact is gathered and parsed."""

    key: str
    snippet: str
    parse: Callable[[str], JSON]
    root: bool = False
    doc: str = ""
    # Exit statuses that still carry a usable answer (dpkg-query exits 1 for unknown names).
    ok_exits: frozenset[int] = frozenset({0})
