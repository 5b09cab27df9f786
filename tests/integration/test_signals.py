"""Ctrl-C and SIGTERM: the same clean stop, an incomplete report within 2 s, and nothing left
running on the target.

The target is a real lab sshd started in a private mount namespace whose /usr/local/bin holds
a ``lsb_release`` that hangs (``sleep 300``): the batch is stuck on the target exactly as a
slow command on a real server would be.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LabUsers
from tests.labs.base import Lab, LabSshd

pytestmark = pytest.mark.integration

HANG_SECONDS = "297"  # an unusual number, to find exactly our processes


@pytest.fixture(scope="module")
def hanging_sshd(lab: Lab, lab_users: LabUsers, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[LabSshd]:
    fakebin = tmp_path_factory.mktemp("fakebin")
    fakebin.chmod(0o755)
    tool = fakebin / "lsb_release"
    tool.write_text(f"#!/bin/sh\nexec sleep {HANG_SECONDS}\n")
    tool.chmod(0o755)
    wrapper = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
               f'mount --bind {fakebin} /usr/local/bin && exec "$@"', "sh"]
    yield lab.start_sshd("hang", argv_prefix=wrapper)


def _inventory(path: Path, sshd: LabSshd, users: LabUsers) -> Path:
    path.write_text(f"""\
version: 1
organisation: Signal lab
hosts:
  - name: stuck
    address: {sshd.address}
    ssh: {{user: {users.auditor}, port: {sshd.port}, key_file: {users.key},
          known_hosts: {sshd.known_hosts}, ssh_config: /dev/null}}
    timeouts: {{connect: 5, command: 120, host: 240}}
claims:
  - {{id: os, type: os_version, says: We run Debian 12, scope: {{hosts: [stuck]}},
     expect: {{distribution: debian, version: "12"}}}}
""")
    return path


def _hanging_pids(uid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdecimal():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            owner = entry.stat().st_uid
        except OSError:
            continue
        if owner == uid and argv[:2] == [b"sleep", HANG_SECONDS.encode()]:
            found.append(int(entry.name))
    return found


def _new_hang(uid: int, before: list[int]) -> bool:
    return bool(set(_hanging_pids(uid)) - set(before))


def _start(inventory: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "posture", "scan", "-i", str(inventory), "-o", str(out),
         "--format", "json", "-q", "--no-history"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "POSTURE_HISTORY": "off"})


def _wait_for(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_mid_scan_writes_an_incomplete_report_and_ends_remote_commands(
        tmp_path: Path, hanging_sshd: LabSshd, lab_users: LabUsers, sig: signal.Signals) -> None:
    import pwd
    uid = pwd.getpwnam(lab_users.auditor).pw_uid
    inventory = _inventory(tmp_path / "inv.yml", hanging_sshd, lab_users)
    before = _hanging_pids(uid)
    proc = _start(inventory, tmp_path / "out")
    try:
        assert _wait_for(lambda: _new_hang(uid, before), 30), "the batch never reached it"
        sent = time.monotonic()
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=10)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    assert took < 2.0, took
    assert proc.returncode == 2, err.decode()[-2000:]
    assert b"Traceback" not in err
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["incomplete"] is True
    stuck = next(h for h in report["hosts"] if h["name"] == "stuck")
    assert any(sig.name in e for e in stuck["errors"]), stuck
    # The target's side ends too: the batch's watchdog sees the closed channel.
    assert _wait_for(lambda: not _hanging_pids(uid), 5), _hanging_pids(uid)


def test_a_second_signal_ends_at_once_and_quietly(
        tmp_path: Path, hanging_sshd: LabSshd, lab_users: LabUsers) -> None:
    import pwd
    uid = pwd.getpwnam(lab_users.auditor).pw_uid
    inventory = _inventory(tmp_path / "inv.yml", hanging_sshd, lab_users)
    before = _hanging_pids(uid)
    proc = _start(inventory, tmp_path / "out")
    try:
        assert _wait_for(lambda: _new_hang(uid, before), 30)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    assert took < 1.0, took
    assert proc.returncode == 2
    assert b"Traceback" not in err
    assert _wait_for(lambda: not _hanging_pids(uid), 5)


def _catches_sigterm(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = int(next(line.split()[1] for line in status.splitlines()
                      if line.startswith("SigCgt:")), 16)
    return bool(caught & (1 << (signal.SIGTERM - 1)))


def test_a_signal_before_collection_still_gives_a_report(
        tmp_path: Path, hanging_sshd: LabSshd, lab_users: LabUsers) -> None:
    inventory = _inventory(tmp_path / "inv.yml", hanging_sshd, lab_users)
    proc = _start(inventory, tmp_path / "out")
    try:
        assert _wait_for(lambda: _catches_sigterm(proc.pid), 20)
        proc.send_signal(signal.SIGTERM)  # posture has only just started
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2, err.decode()[-2000:]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["incomplete"] is True
    assert {c["verdict"] for c in report["claims"]} == {"inconclusive"}
