"""Run through sudo, the reports belong to the user who ran sudo and stay private (0600 in a
0700 folder); a second ``sudo posture`` replaces them. Needs root (chown)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from posture.cli import main
from posture.cli.output import prepare_outdir, write_private
from tests.conftest import require_lab_part

ROOT = Path(__file__).parents[2]
UID, GID = 4242, 4343  # no such user is needed: root may give files to any number


@pytest.fixture(autouse=True)
def _as_root() -> None:
    require_lab_part("" if os.geteuid() == 0 else "chown needs root")


def _evaluate(out: Path) -> int:
    return main(["evaluate", "--facts", str(ROOT / "tests/data/demo-facts-after.json"), "-i",
                 str(ROOT / "inventory/demo.yml"), "-o", str(out), "--format",
                 "html,json,sarif,junit", "--lang", "en,nl", "-q", "--no-history"])


def test_files_go_to_the_sudo_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUDO_UID", str(UID))
    monkeypatch.setenv("SUDO_GID", str(GID))
    out = tmp_path / "reports"
    assert _evaluate(out) == 1  # the demo's planted contradictions
    info = out.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (UID, GID, 0o700)
    files = sorted(out.iterdir())
    assert len(files) == 5
    for path in files:
        info = path.stat()
        assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (UID, GID, 0o600)
    assert _evaluate(out) == 1  # the next sudo run may replace them


@pytest.mark.parametrize("uid,gid", [("0", "0"), ("", ""), ("42x", "1"), ("-1", "5")])
def test_without_a_valid_sudo_user_files_stay_roots(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    uid: str, gid: str) -> None:
    monkeypatch.setenv("SUDO_UID", uid)
    monkeypatch.setenv("SUDO_GID", gid)
    out = prepare_outdir(tmp_path / "o")
    write_private(out / "report.json", b"{}")
    assert out.stat().st_uid == 0 and (out / "report.json").stat().st_uid == 0


def test_an_existing_folder_keeps_its_owner(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUDO_UID", str(UID))
    monkeypatch.setenv("SUDO_GID", str(GID))
    existing = tmp_path / "mine"
    existing.mkdir(mode=0o700)
    prepare_outdir(existing)
    assert existing.stat().st_uid == 0
    write_private(existing / "report.html", b"x")
    assert (existing / "report.html").stat().st_uid == UID
