"""SSH facts of the network family: firewalls, service access rules (see catalog.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from posture.collect.catalog import FactSpec

FACTS: tuple[FactSpec, ...] = ()
