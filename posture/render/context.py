"""What a report shows beyond the scan itself: the trend and the changes since last time."""

from __future__ import annotations

from dataclasses import dataclass

from posture.store.diff import Changes
from posture.store.history import TrendPoint


@dataclass(frozen=True)
class ReportHistory:
    """History context for the HTML report (empty when the history is off or new)."""

    trend: tuple[TrendPoint, ...] = ()  # oldest first; the last point is this scan
    changes: Changes | None = None  # against the previous scan, None when there is none
    previous_started_at: str = ""
