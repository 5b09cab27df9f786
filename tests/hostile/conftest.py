"""Fixtures of the hostile suite: run posture as a real process and collect its artefacts.

``run_posture`` starts ``python -m posture`` with a private TMPDIR, samples the command
lines and environments of every other process while it runs, measures its peak memory
(``wait4``), and returns everything a test needs to search for leaks and unescaped text.
Figures (counts, durations) are gathered in the session ``ledger`` and written as JSON to
``$POSTURE_HOSTILE_FIGURES`` when set (``scripts/hostile_figures.py`` prints them).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import checks as catalogue
from tests.hostile.canary import Leak, ProcSampler, find_in, find_in_paths, make_canaries

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Ledger:
    """Counters the figures script prints; tests add to them."""

    data: dict[str, Any] = field(default_factory=dict)

    def add(self, key: str, amount: float = 1) -> None:
        """Add ``amount`` to counter ``key``."""
        self.data[key] = self.data.get(key, 0) + amount

    def peak(self, key: str, value: float) -> None:
        """Keep the largest ``value`` seen under ``key``."""
        self.data[key] = max(self.data.get(key, value), value)

    def note(self, key: str, value: Any) -> None:
        """Record ``value`` under ``key`` (last write wins)."""
        self.data[key] = value


@pytest.fixture(scope="session")
def ledger() -> Iterator[Ledger]:
    """The session's figures; dumped to $POSTURE_HOSTILE_FIGURES at the end."""
    book = Ledger()
    yield book
    target = os.environ.get("POSTURE_HOSTILE_FIGURES")
    if target:
        Path(target).write_text(json.dumps(book.data, indent=1, sort_keys=True))


@pytest.fixture(scope="session")
def canaries() -> dict[str, str]:
    """The session's canary secrets and personal data."""
    return make_canaries()


@dataclass
class Run:
    """What one posture process did."""

    code: int
    stdout: bytes
    stderr: bytes
    duration: float
    max_rss_kib: int
    outdir: Path
    tmpdir: Path
    proc_leaks: list[Leak]
    proc_samples: int

    def report(self) -> dict[str, Any]:
        """report.json, parsed."""
        return json.loads((self.outdir / "report.json").read_text())  # type: ignore[no-any-return]


def child_environment(tmpdir: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a posture child process: none of the caller's POSTURE_ settings,
    and never the user's scan history (a test that wants one passes --history)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("POSTURE_")}
    environ.update({"TMPDIR": str(tmpdir), "PYTHONPATH": str(REPO), "POSTURE_HISTORY": "off",
                    **(env or {})})
    return environ


def run_posture(args: Sequence[str], *, workdir: Path, canaries: Mapping[str, str],
                env: Mapping[str, str] | None = None, timeout: float = 90,
                on_start: Callable[[subprocess.Popen[bytes]], None] | None = None) -> Run:
    """Run ``python -m posture ARGS`` (``-o`` defaults to ``workdir/out``)."""
    tmpdir = workdir / "tmp"
    tmpdir.mkdir(exist_ok=True)
    outdir = workdir / "out"
    environ = child_environment(tmpdir, env)
    argv = [sys.executable, "-m", "posture", *args]
    if args and args[0] in ("scan", "evaluate") and "-o" not in args:
        argv += ["-o", str(outdir)]
    sampler = ProcSampler(canaries, interval=0.01)
    started = time.monotonic()
    with sampler:
        with sampler.lock:  # the sampler must not read posture's environment before this
            proc = subprocess.Popen(argv, cwd=workdir, env=environ, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            sampler.exclude.add(proc.pid)
        if on_start is not None:
            on_start(proc)
        out, err, rss = _communicate(proc, timeout)
    return Run(proc.returncode, out, err, time.monotonic() - started, rss, outdir, tmpdir,
               sampler.leaks, sampler.samples)


def _hwm_kib(pid: int) -> int:
    """VmHWM of ``pid``: the peak RSS of its current program, in KiB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _communicate(proc: subprocess.Popen[bytes], timeout: float) -> tuple[bytes, bytes, int]:
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}
    # Not wait4's ru_maxrss: on Linux it carries the RSS of the forking parent (this pytest
    # process, hundreds of MiB late in a full run) into the child. VmHWM is the child's own.
    peak = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.01):
            peak[0] = max(peak[0], _hwm_kib(proc.pid))

    def drain(name: str, stream: Any) -> None:
        for block in iter(lambda: stream.read(65536), b""):
            chunks[name].append(block)

    readers = [threading.Thread(target=drain, args=(n, s), daemon=True)
               for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    readers.append(threading.Thread(target=watch, daemon=True))
    for reader in readers:
        reader.start()
    timer = threading.Timer(timeout, lambda: os.kill(proc.pid, signal.SIGKILL))
    timer.start()
    try:
        _, status, _usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
        done.set()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join(10)
    return b"".join(chunks["out"]), b"".join(chunks["err"]), peak[0]


def leaks_of(run: Run, canaries: Mapping[str, str], extra: Sequence[Path] = ()) -> list[Leak]:
    """Every canary found in the run's streams, output, temp folder, extra files and /proc."""
    leaks = list(run.proc_leaks)
    leaks += find_in(run.stdout, canaries, "stdout") + find_in(run.stderr, canaries, "stderr")
    found, _ = find_in_paths([run.outdir, run.tmpdir, *extra], canaries)
    return leaks + found


@pytest.fixture
def posture_run(tmp_path: Path, canaries: dict[str, str]) -> Callable[..., Run]:
    """``run_posture`` bound to this test's folder and the session canaries."""
    def run(args: Sequence[str], **kwargs: Any) -> Run:
        return run_posture(args, workdir=tmp_path, canaries=canaries, **kwargs)

    return run


def false_passes(findings: list[dict[str, Any]], facts: dict[str, Any]) -> list[str]:
    """Findings judged without a single usable fact (an auditor-side probe that worked,
    e.g. a port scan from here, is usable evidence; the hostile SSH answers are not)."""
    bad = []
    for finding in findings:
        needs = catalogue.by_id(finding["check"]).meta.needs
        usable = [k for k in needs if facts.get(k, {}).get("status") == "ok"]
        if finding["status"] != "error" and not usable:
            bad.append(f"{finding['id']}: {finding['status']}")
    return bad
