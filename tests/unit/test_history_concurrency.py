"""The history never drops a scan: concurrent writers, killed writers, old files."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import random
import signal
import sqlite3
import time
from pathlib import Path

from fixtures_result import mixed_result

from posture.store.history import History, report_history

WRITERS = 10


def _record(path: str, index: int, start: multiprocessing.synchronize.Event) -> None:
    start.wait(10)
    # Same organisation, same start second: only a unique id tells them apart.
    result = dataclasses.replace(mixed_result(), finished_at=f"2026-11-30T10:00:{index:02d}Z")
    History(Path(path)).record(result)


def test_ten_concurrent_scans_are_all_recorded(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    ctx = multiprocessing.get_context("fork")
    start = ctx.Event()
    procs = [ctx.Process(target=_record, args=(str(path), i, start)) for i in range(WRITERS)]
    for proc in procs:
        proc.start()
    start.set()
    for proc in procs:
        proc.join(60)
    assert [p.exitcode for p in procs] == [0] * WRITERS
    assert History(path).count(mixed_result().organisation) == WRITERS


def test_two_scans_in_the_same_second_are_both_kept(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    first = mixed_result()
    second = dataclasses.replace(first, facts_sha256="b" * 64)
    History(path).record(first)
    History(path).record(second)
    assert History(path).count(first.organisation) == 2


def _hammer(path: str, seed: int) -> None:
    rng = random.Random(seed)
    history = History(Path(path))
    for i in range(10_000):
        result = dataclasses.replace(mixed_result(), started_at=f"2026-11-{1 + i % 28:02d}T"
                                     f"{rng.randrange(24):02d}:00:00Z")
        history.record(result)


def test_scans_killed_at_random_points_leave_a_sound_history(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    History(path).record(mixed_result())
    ctx = multiprocessing.get_context("fork")
    rng = random.Random(7)
    for round_ in range(6):
        procs = [ctx.Process(target=_hammer, args=(str(path), round_ * 10 + k))
                 for k in range(3)]
        for proc in procs:
            proc.start()
        time.sleep(rng.uniform(0.05, 0.4))
        for proc in procs:
            if proc.pid is not None:
                os.kill(proc.pid, signal.SIGKILL)
            proc.join(10)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    history = History(path)
    assert history.count(mixed_result().organisation) >= 1
    assert history.trend(mixed_result().organisation)  # still readable
    later = dataclasses.replace(mixed_result(), started_at="2026-12-31T00:00:00Z")
    assert report_history(path, later).previous_started_at  # and still writable


def test_a_history_of_the_earlier_layout_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE scans (organisation TEXT NOT NULL, started_at TEXT NOT NULL, "
                     "finished_at TEXT NOT NULL, inventory_sha256 TEXT NOT NULL, score REAL "
                     "NOT NULL, grade TEXT NOT NULL, coverage REAL NOT NULL, report TEXT NOT "
                     "NULL, PRIMARY KEY (organisation, started_at))")
        conn.execute("INSERT INTO scans VALUES ('Shop', '2026-01-01T00:00:00Z', "
                     "'2026-01-01T00:01:00Z', 'x', 50.0, 'D', 1.0, '{}')")
    history = History(path)
    assert history.count("Shop") == 1
    assert [p.score for p in history.trend("Shop")] == [50.0]
