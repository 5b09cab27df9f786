"""Golden files of every renderer: any change to a report's bytes must be deliberate.

Regenerate after an intended change with ``POSTURE_UPDATE_GOLDEN=1 pytest
tests/unit/test_report_golden.py`` and review the diff of ``tests/data/golden/``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures_result import hostile_result, mixed_result, sourced_result, waived_result
from report_samples import sample_history

from posture.render import Format, render

GOLDEN = Path(__file__).parents[1] / "data" / "golden"
UPDATE = os.environ.get("POSTURE_UPDATE_GOLDEN") == "1"

CASES: dict[str, Callable[[], bytes]] = {
    "mixed.en.html": lambda: render(mixed_result(), Format.HTML, history=sample_history()),
    "mixed.nl.html": lambda: render(mixed_result(), Format.HTML, lang="nl",
                                    history=sample_history()),
    "mixed.json": lambda: render(mixed_result(), Format.JSON),
    "mixed.sarif": lambda: render(mixed_result(), Format.SARIF),
    "mixed.junit.xml": lambda: render(mixed_result(), Format.JUNIT),
    "waived.en.html": lambda: render(waived_result(), Format.HTML),
    "waived.json": lambda: render(waived_result(), Format.JSON),
    "waived.sarif": lambda: render(waived_result(), Format.SARIF),
    "waived.junit.xml": lambda: render(waived_result(), Format.JUNIT),
    "hostile.en.html": lambda: render(hostile_result(), Format.HTML),
    "sourced.en.html": lambda: render(sourced_result(), Format.HTML),
    "sourced.nl.html": lambda: render(sourced_result(), Format.HTML, lang="nl"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    produced = CASES[name]()
    path = GOLDEN / name
    if UPDATE:
        path.write_bytes(produced)
    assert path.is_file(), f"{path} missing: run with POSTURE_UPDATE_GOLDEN=1"
    assert produced == path.read_bytes(), (
        f"{name} differs from {path}; if intended, regenerate with POSTURE_UPDATE_GOLDEN=1"
    )


def test_rendering_is_deterministic() -> None:
    for name, make in CASES.items():
        assert make() == make(), name
