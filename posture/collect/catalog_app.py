"""SSH facts of the application family: web server TLS and application settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from posture.collect.catalog import FactSpec

FACTS: tuple[FactSpec, ...] = ()
