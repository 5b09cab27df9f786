"""The shape of an SSH batch fact, in a module of its own so fact families can import it
without importing the catalogue that lists them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from posture.models import JSON

if TYPE_CHECKING:
    from posture.inventory.model import Host, Inventory


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
    # Lines of DATA the snippet reads on its standard input (computed by the auditor from the
    # inventory, e.g. source addresses). The snippet stays a constant; each line is validated
    # by the producer and again by the batch (a strict character set) before it is sent.
    data: Callable[[Inventory, Host], list[str]] | None = None
    # A slow fact whose snippet prints bounded text (no NUL bytes): it runs alongside the rest
    # of its batch, its output held on the target until the rest is written (batch.py).
    alongside: bool = False
