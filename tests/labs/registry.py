"""What running namespaced labs own, so that a lab whose test session died (SIGKILL, a CI
timeout) is ended by the next session instead of living on.

Each lab writes ``/run/posture-lab/<netns>.json`` while it runs: the PID and start time of
the session that owns it and of the lab's init, its namespace, veth and work folder. A
record whose owner is gone is *stale*: :func:`reap_stale` kills that init (only when the PID
is still the same process, by start time, and its root carries the root file system marker),
deletes that namespace and veth by their recorded names, and removes the work folder only
when it carries the work marker. Nothing else is touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Final

REGISTRY: Final = Path("/run/posture-lab")


def start_time(pid: int) -> str:
    """The kernel's start time of ``pid`` (clock ticks since boot), or '' when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def register(netns: str, host_side: str, init_pid: int, work: Path) -> Path:
    """Record a running lab owned by this process; returns the record's path."""
    REGISTRY.mkdir(mode=0o700, exist_ok=True)
    record = REGISTRY / f"{netns}.json"
    record.write_text(json.dumps({
        "owner": os.getpid(), "owner_start": start_time(os.getpid()), "init": init_pid,
        "init_start": start_time(init_pid), "netns": netns, "host_side": host_side,
        "work": str(work)}))
    return record


def unregister(netns: str) -> None:
    """Forget a lab that was torn down."""
    (REGISTRY / f"{netns}.json").unlink(missing_ok=True)


def reap_stale(rootfs_marker: str, work_marker: str) -> list[str]:
    """End the labs whose owning session is gone; returns the namespaces reaped."""
    reaped: list[str] = []
    if not REGISTRY.is_dir():
        return reaped
    for record in sorted(REGISTRY.glob("pst*.json")):
        try:
            entry = json.loads(record.read_text())
            owner, init = int(entry["owner"]), int(entry["init"])
            netns, host_side, work = str(entry["netns"]), str(entry["host_side"]), \
                Path(entry["work"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a record we can trust: leave it alone
        if start_time(owner) == entry.get("owner_start"):
            continue  # its session still runs
        if init and start_time(init) == entry.get("init_start") \
                and Path(f"/proc/{init}/root/{rootfs_marker}").exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(init, signal.SIGKILL)
            for _ in range(100):  # the overlay goes with the namespace's last process
                if not start_time(init):
                    break
                time.sleep(0.05)
        for argv in (["ip", "link", "del", host_side], ["ip", "netns", "delete", netns]):
            subprocess.run(argv, capture_output=True, timeout=30, check=False)
        if (work / work_marker).is_file():
            shutil.rmtree(work, ignore_errors=True)
        record.unlink(missing_ok=True)
        reaped.append(netns)
    return reaped
