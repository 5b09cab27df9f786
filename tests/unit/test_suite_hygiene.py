"""The test suite itself: it never writes the real user's scan history."""

from __future__ import annotations

import os
from pathlib import Path

from tests.hostile.conftest import child_environment


def test_history_is_off_for_the_whole_suite() -> None:
    assert os.environ["POSTURE_HISTORY"] == "off"


def test_posture_child_processes_keep_the_history_off(tmp_path: Path) -> None:
    # The hostile suite strips the caller's POSTURE_* variables from its children; the
    # history must be turned off again there, or scans of hostile organisation names land in
    # the user's ~/.local/share/posture/history.sqlite.
    env = child_environment(tmp_path)
    assert env["POSTURE_HISTORY"] == "off"
    assert child_environment(tmp_path, {"POSTURE_HISTORY": str(tmp_path / "h")})[
        "POSTURE_HISTORY"] == str(tmp_path / "h")
