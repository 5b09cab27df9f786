"""Probe family 'net' (see :mod:`posture.collect.probes`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from posture.collect.probes import Probe

PROBES: tuple[Probe, ...] = ()
