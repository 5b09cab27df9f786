"""The demo lab removes only what it made: its folder (database files, TLS keys) at stop, and
never a folder it did not make."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import require_lab_part
from tests.labs.base import free_port, lab_unavailable_reason
from tests.labs.demo import MARKER, DemoDirError, start_demo

pytestmark = pytest.mark.integration


def test_a_folder_the_demo_did_not_make_is_left_alone(tmp_path: Path) -> None:
    foreign = tmp_path / "posture-lab"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("someone's notes")
    with pytest.raises(DemoDirError, match="not made by posture's demo"):
        start_demo(foreign)
    assert (foreign / "notes.txt").read_text() == "someone's notes"


def test_the_demo_removes_its_data_and_keys_at_stop(tmp_path: Path) -> None:
    require_lab_part(lab_unavailable_reason())
    workdir = tmp_path / "demo"
    demo = start_demo(workdir, ssh_port=free_port(), with_apache=False, db_port=free_port())
    try:
        assert (workdir / MARKER).is_file()
        assert any(workdir.rglob("*key*")), "the demo has TLS/SSH keys while it runs"
        assert (workdir / "mariadb").is_dir()
    finally:
        demo.stop()
    assert not workdir.exists()
    # A leftover of an interrupted demo (it holds the marker) is replaced, not refused.
    workdir.mkdir()
    (workdir / MARKER).write_text("x")
    demo = start_demo(workdir, ssh_port=free_port(), with_apache=False, with_database=False)
    demo.stop()
    assert not workdir.exists()
