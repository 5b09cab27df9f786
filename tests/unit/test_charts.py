"""Trend chart labels: no pile-up of dates when many scans share a day."""

from __future__ import annotations

import itertools

from posture.render.charts import trend_dots


def test_same_day_scans_label_only_the_ends() -> None:
    dots = trend_dots([("2026-11-25T01:00:00Z", 50.0, "E")] * 11
                      + [("2026-11-25T02:00:00Z", 60.0, "D")])
    assert [d.show_date for d in dots] == [True] + [False] * 10 + [True]
    assert dots[-1].current and dots[-1].score == "60.0"


def test_daily_scans_are_labelled_with_room_between_labels() -> None:
    dots = trend_dots([(f"2026-11-{10 + i:02d}T01:00:00Z", 50.0, "E") for i in range(12)])
    shown = [float(d.x) for d in dots if d.show_date]
    assert dots[0].show_date and dots[-1].show_date
    assert all(b - a >= 20 for a, b in itertools.pairwise(shown))
    assert 3 <= len(shown) < len(dots)
