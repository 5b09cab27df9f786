"""The JSON renderer: ``report.json`` is the result file of :mod:`posture.store.results`."""

from __future__ import annotations

from posture.gcpause import collector_paused
from posture.models import ScanResult
from posture.store.results import result_bytes

__all__ = ["render_json"]


def render_json(result: ScanResult) -> bytes:
    """``report.json`` as UTF-8 bytes (the same bytes the history and ``posture diff`` read)."""
    with collector_paused():
        return result_bytes(result)
