"""The lab registry reaps only labs whose owning session is gone, and only what they made."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.labs import registry


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """A registry in tmp; ``ip`` calls recorded instead of run; no process is signalled."""
    monkeypatch.setattr(registry, "REGISTRY", tmp_path / "registry")
    seen: list[list[str]] = []

    def fake_run(argv: list[str], **_: Any) -> subprocess.CompletedProcess[bytes]:
        seen.append(argv)
        return subprocess.CompletedProcess(argv, 0, b"", b"")

    def no_kill(pid: int, sig: int) -> None:
        raise AssertionError(f"signalled {pid}")

    monkeypatch.setattr(subprocess, "run", fake_run)  # the module global, restored after
    monkeypatch.setattr(os, "kill", no_kill)
    return seen


def _record(work: Path, **fields: object) -> Path:
    entry: dict[str, object] = {"owner": os.getpid(),
                                "owner_start": registry.start_time(os.getpid()),
                                "init": 0, "init_start": "", "netns": "pstabc123",
                                "host_side": "pstabc123h", "work": str(work)}
    entry.update(fields)
    registry.REGISTRY.mkdir(exist_ok=True)
    path = registry.REGISTRY / f"{entry['netns']}.json"
    path.write_text(json.dumps(entry))
    return path


def test_live_owner_is_left_alone(tmp_path: Path, calls: list[list[str]]) -> None:
    record = _record(tmp_path / "work")
    assert registry.reap_stale(".rootfs", ".work") == []
    assert record.exists() and calls == []


def test_dead_owner_is_reaped_by_recorded_names_and_markers(
        tmp_path: Path, calls: list[list[str]]) -> None:
    ours, foreign = tmp_path / "ours", tmp_path / "foreign"
    for folder in (ours, foreign):
        folder.mkdir()
    (ours / ".work").write_text("1\n")
    # The owner's start time no longer matches: the PID was reused or the session is gone.
    # The init PID is ours (alive, wrong start time): it must not be signalled.
    first = _record(ours, owner_start="0", init=os.getpid(), init_start="0")
    second = _record(foreign, owner_start="0", netns="pstdef456", host_side="pstdef456h")
    assert registry.reap_stale(".rootfs", ".work") == ["pstabc123", "pstdef456"]
    assert calls == [["ip", "link", "del", "pstabc123h"], ["ip", "netns", "delete", "pstabc123"],
                     ["ip", "link", "del", "pstdef456h"], ["ip", "netns", "delete", "pstdef456"]]
    assert not ours.exists()  # carried the work marker
    assert foreign.exists()  # no marker: not ours to delete
    assert not first.exists() and not second.exists()


def test_unreadable_record_is_kept(tmp_path: Path, calls: list[list[str]]) -> None:
    registry.REGISTRY.mkdir()
    bad = registry.REGISTRY / "pstzzz.json"
    bad.write_text("{not json")
    assert registry.reap_stale(".rootfs", ".work") == []
    assert bad.exists() and calls == []


def test_start_time_of_a_missing_process_is_empty() -> None:
    assert registry.start_time(2**22 + 12345) == ""
    assert registry.start_time(os.getpid()).isdigit()
