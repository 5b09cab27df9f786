"""Scan history (SQLite), trend points, and `posture diff`."""

from __future__ import annotations

import dataclasses
import json
import stat
from pathlib import Path

import pytest
from fixtures_result import clean_result, mixed_result
from report_samples import previous_result

from posture.cli import main
from posture.render import Format, render
from posture.render.charts import gauge_arc, trend_dots
from posture.store.diff import compare, format_changes
from posture.store.history import (
    DEFAULT_KEEP,
    History,
    TrendPoint,
    default_path,
    report_history,
    resolve_path,
    trend_with,
)


def test_history_records_trend_and_previous(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "h.sqlite"
    older = previous_result()
    newer = dataclasses.replace(mixed_result(), organisation=older.organisation)
    first = report_history(path, older)
    assert first.changes is None and [p.score for p in first.trend] == [older.score.value]
    second = report_history(path, newer)
    assert second.previous_started_at == older.started_at
    assert [p.score for p in second.trend] == [older.score.value, newer.score.value]
    assert second.changes is not None and second.changes.worse
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Replaying the same scan replaces its row instead of adding a point.
    again = report_history(path, newer)
    assert len(again.trend) == 2
    other_org = dataclasses.replace(newer, organisation="Other B.V.")
    assert History(path).trend(other_org.organisation) == []


def test_trend_keeps_the_last_points() -> None:
    result = mixed_result()
    earlier = [TrendPoint(f"2026-01-{d:02d}T00:00:00Z", float(d), "F", 1.0) for d in range(1, 16)]
    stored_copy = TrendPoint(result.started_at, 99.0, "A", 1.0)
    trend = trend_with([*earlier, stored_copy], result)
    assert len(trend) == DEFAULT_KEEP and trend[0].score == 5.0
    assert trend[-1] == TrendPoint(result.started_at, result.score.value, "F", 0.833)


def test_history_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("POSTURE_HISTORY", "off")
    assert default_path() is None and resolve_path(str(tmp_path / "x"), False) == tmp_path / "x"
    assert resolve_path(str(tmp_path / "x"), True) is None
    monkeypatch.setenv("POSTURE_HISTORY", "")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_path() == tmp_path / "posture" / "history.sqlite"


def test_compare_groups() -> None:
    changes = compare(previous_result(), mixed_result())
    groups = {name: [c.id for c in changes.group(name)] for name in ("fixed", "regressed")}
    assert groups["fixed"] == ["os-version", "versions.os@vps1"]
    assert groups["regressed"] == ["tls-all-links", "tls.protocols@shop"]
    text = format_changes(changes)
    assert text.startswith("score: ") and "fixed     claim os-version: contradicted -> verified" in text
    assert not compare(clean_result(), clean_result()).items


def test_diff_command_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new, bad = tmp_path / "old.json", tmp_path / "new.json", tmp_path / "bad.json"
    old.write_bytes(render(previous_result(), Format.JSON))
    new.write_bytes(render(mixed_result(), Format.JSON))
    bad.write_text(json.dumps({"schema": "other"}))
    assert main(["diff", str(old), str(new)]) == 1
    assert "regressed claim tls-all-links: verified -> contradicted" in capsys.readouterr().out
    assert main(["diff", str(new), str(new)]) == 0
    assert "no claim or finding changed" in capsys.readouterr().out
    assert main(["diff", str(bad), str(new)]) == 3


def test_chart_geometry() -> None:
    assert gauge_arc(0.0) == "M 10 60"
    assert gauge_arc(1.0).endswith("110 60") and gauge_arc(0.5).endswith("60 10")
    dots = trend_dots([("2026-01-01", 0.0, "F"), ("2026-01-08", 100.0, "A")])
    assert (dots[0].y, dots[1].y) == ("96", "14") and dots[1].current and not dots[0].current
    assert trend_dots([("2026-01-01", 50.0, "E")])[0].x == "160"
