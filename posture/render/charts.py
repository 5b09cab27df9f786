"""Geometry of the report's inline SVG charts: score gauge, claim bars, trend line.

Only numbers come out of here (rounded coordinates and SVG path data built from them); the
template draws them, so no target text ever reaches an SVG attribute unescaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

GAUGE_RADIUS = 50.0
GAUGE_CENTRE = (60.0, 60.0)
TREND_SIZE = (320.0, 110.0)
TREND_X = (44.0, 300.0)  # first and last dot; the axis labels sit left of the first
TREND_PAD_Y = 14.0


def _r(value: float) -> str:
    """A coordinate with at most two decimals, no trailing zeros (stable golden files)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def gauge_arc(share: float) -> str:
    """SVG path of the gauge's filled arc for ``share`` in 0..1 (half circle, left to right)."""
    share = min(max(share, 0.0), 1.0)
    cx, cy = GAUGE_CENTRE
    angle = math.pi * (1.0 - share)
    x, y = cx + GAUGE_RADIUS * math.cos(angle), cy - GAUGE_RADIUS * math.sin(angle)
    start = f"M {_r(cx - GAUGE_RADIUS)} {_r(cy)}"
    if share == 0.0:
        return start
    return f"{start} A {_r(GAUGE_RADIUS)} {_r(GAUGE_RADIUS)} 0 0 1 {_r(x)} {_r(y)}"


def gauge_track() -> str:
    """SVG path of the gauge's empty half circle."""
    cx, cy = GAUGE_CENTRE
    r = _r(GAUGE_RADIUS)
    return f"M {_r(cx - GAUGE_RADIUS)} {_r(cy)} A {r} {r} 0 0 1 {_r(cx + GAUGE_RADIUS)} {_r(cy)}"


@dataclass(frozen=True)
class TrendDot:
    """One scan on the trend line."""

    x: str
    y: str
    label_y: str
    score: str
    grade: str
    date: str
    current: bool
    show_date: bool = True  # False where the label would repeat or overlap its neighbour


def trend_dots(scores: Sequence[tuple[str, float, str]]) -> list[TrendDot]:
    """Dots for ``(started_at, score, grade)`` tuples, oldest first; the last is current."""
    width, height = TREND_SIZE
    left, right = TREND_X
    pad_y = TREND_PAD_Y
    count = len(scores)
    step = (right - left) / (count - 1) if count > 1 else 0.0
    dots: list[TrendDot] = []
    last_label: tuple[float, str] | None = None
    for n, (started, score, grade) in enumerate(scores):
        x = left + n * step if count > 1 else width / 2
        y = height - pad_y - min(max(score, 0.0), 100.0) / 100.0 * (height - 2 * pad_y)
        date = started[:10]
        # A date label needs room (about 30 units) and news (another day than the last one).
        show = n == count - 1 or last_label is None or (
            x - last_label[0] >= _LABEL_GAP and date != last_label[1])
        if n == count - 1 and last_label is not None and x - last_label[0] < _LABEL_GAP:
            show = date != last_label[1] and not _drop_previous(dots)
        if show:
            last_label = (x, date)
        dots.append(TrendDot(_r(x), _r(y), _r(max(y - 5, 9)), f"{score:.1f}", grade,
                             date, n == count - 1, show))
    return dots


_LABEL_GAP = 30.0


def _drop_previous(dots: list[TrendDot]) -> bool:
    """Hide the last shown label so the current scan's own date fits; True when none was."""
    for i in range(len(dots) - 1, -1, -1):
        if dots[i].show_date:
            if i == 0:
                return True  # keep the first date: the current one then stays hidden
            dots[i] = TrendDot(dots[i].x, dots[i].y, dots[i].label_y, dots[i].score,
                               dots[i].grade, dots[i].date, dots[i].current, False)
            return False
    return True


def trend_polyline(dots: Sequence[TrendDot]) -> str:
    """The ``points`` attribute joining the dots."""
    return " ".join(f"{d.x},{d.y}" for d in dots)
