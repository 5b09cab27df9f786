"""The console summary takes the terminal's width: nothing wider, ids never cut in two."""

from __future__ import annotations

import pytest
from test_report_owner import DEMOS, demo

from posture.render.console import MAX_WIDTH, MIN_WIDTH, render_console, terminal_width


@pytest.mark.parametrize("width", [60, 80, 132])
def test_lines_fit_and_ids_stay_whole(width: int) -> None:
    result = demo(DEMOS[0])
    out = render_console(result, color=False, width=width)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width
    shown = [f for f in result.findings if f.status.value in ("fail", "error", "warn")]
    for item in [*result.claims, *shown]:
        if len(item.id) < width - 30:
            assert any(item.id in line for line in lines), item.id


def test_width_follows_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "123")
    assert terminal_width() == 123
    monkeypatch.setenv("COLUMNS", "20")
    assert terminal_width() == MIN_WIDTH
    monkeypatch.setenv("COLUMNS", "900")
    assert terminal_width() == MAX_WIDTH
    monkeypatch.setenv("COLUMNS", "97")
    assert max(len(x) for x in render_console(demo(DEMOS[1]), color=False).splitlines()) == 97
