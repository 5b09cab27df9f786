"""Two-lane batches: facts marked ``alongside`` run beside the others, run by real shells.

Whatever the lanes, the split facts must be those of the same sections run one after the
other; the second lane must really run at the same time; and the watchdog must end every
process of either lane when the channel is gone.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from posture.collect.batch import build_script, new_marker, split_output, split_sections
from posture.collect.facts.spec import FactSpec
from posture.models import Fact

SHELLS = [s for s in ("dash", "bash", "busybox") if shutil.which(s)]


def _keep(text: str) -> str:
    return text


def _spec(key: str, snippet: str, *, alongside: bool = False, ok: int = 0) -> FactSpec:
    return FactSpec(key, snippet, _keep, ok_exits=frozenset({ok}), alongside=alongside)


def _run(shell: str, script: bytes) -> tuple[bytes, bytes]:
    argv = [shell, "sh", "-s"] if shell == "busybox" else [shell, "-s"]
    proc = subprocess.run(argv, input=script, capture_output=True, timeout=60, check=False)
    return proc.stdout, proc.stderr


def _facts(shell: str, specs: list[FactSpec],
           data: dict[str, list[str]] | None = None) -> dict[str, Fact]:
    marker = new_marker()
    out, err = _run(shell, build_script(specs, marker, 30, data))
    return split_output(out, err, marker, specs, privileged=False)


def _sequential(specs: list[FactSpec]) -> list[FactSpec]:
    return [dataclasses.replace(s, alongside=False) for s in specs]


MIXED = [
    _spec("t.big", "seq 1 60000; echo big-err >&2"),  # past a pipe's buffer
    _spec("t.side", "printf 'one\\ntwo\\n\\n'; echo side-err >&2; exit 3", alongside=True,
          ok=3),
    _spec("t.plain", "printf 'p\\n'"),
    _spec("t.data", "cat; echo data-err >&2", alongside=True),
    _spec("t.fail", "echo failed >&2; exit 5", alongside=True),
    _spec("t.last", "printf 'no newline'; echo last-err >&2"),
]
DATA = {"t.data": ["declared ssh 198.51.100.7", "anywhere internet 203.0.113.99"]}


@pytest.mark.parametrize("shell", SHELLS)
def test_two_lanes_split_into_the_facts_of_one_lane(shell: str) -> None:
    lanes = _facts(shell, MIXED, DATA)
    one = _facts(shell, _sequential(MIXED), DATA)
    assert list(lanes) == [s.key for s in MIXED]
    for key, fact in one.items():
        assert lanes[key] == fact, key
    assert lanes["t.side"].value == "one\ntwo\n" and lanes["t.side"].exit_status == 3
    assert lanes["t.data"].value == "\n".join(DATA["t.data"])
    assert lanes["t.fail"].exit_status == 5 and lanes["t.fail"].reason == "exit status 5: failed"
    assert lanes["t.big"].value is not None and lanes["t.big"].value.endswith("\n60000")
    assert lanes["t.last"].value == "no newline"


@pytest.mark.parametrize("shell", SHELLS)
def test_each_stream_holds_the_first_lane_then_the_second_whole(shell: str) -> None:
    marker = new_marker()
    out, err = _run(shell, build_script(MIXED, marker, 30, DATA))
    order = ["t.big", "t.plain", "t.last", "t.side", "t.data", "t.fail"]
    for stream in (out, err):
        begins = [line.split()[2].decode() for line in stream.splitlines()
                  if line.startswith(f"{marker} B ".encode())]
        ends = [line.split()[2].decode() for line in stream.splitlines()
                if line.startswith(f"{marker} E ".encode())]
        assert begins == order and ends == order
    # the second lane's errors sit inside its own sections, not in the first lane's
    side = err.split(f"{marker} B t.side".encode())[1].split(f"{marker} E t.side".encode())[0]
    assert side.strip() == b"side-err"


def test_one_kind_of_fact_is_one_lane() -> None:
    for specs in (_sequential(MIXED), [dataclasses.replace(s, alongside=True) for s in MIXED]):
        script = build_script(specs, new_marker(), 30, DATA).decode()
        assert "} | {" not in script and "posture_held" not in script
    assert "} | {" in build_script(MIXED, new_marker(), 30, DATA).decode()


@pytest.mark.parametrize("shell", SHELLS)
def test_the_lanes_run_at_the_same_time(shell: str) -> None:
    specs = [_spec("t.a", "sleep 1; echo a"), _spec("t.b", "sleep 1; echo b", alongside=True)]
    started = time.monotonic()
    facts = _facts(shell, specs)
    took = time.monotonic() - started
    assert facts["t.a"].value == "a" and facts["t.b"].value == "b"
    assert took < 1.8, took  # one after the other takes 2 s


def _sleepers(tag: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdecimal():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argv[:2] == [b"sleep", tag.encode()]:
                found.append(int(entry.name))
    return found


@pytest.mark.parametrize("lane", ["first", "second"])
def test_a_closed_channel_ends_every_process_of_both_lanes(lane: str) -> None:
    # A length no other process uses, so that only this test's sleepers are found and ended.
    tag = f"29{3 if lane == 'first' else 1}.{secrets.randbelow(10**6):06d}"
    specs = [_spec("t.a", f"sleep {tag}" if lane == "first" else "true"),
             _spec("t.b", f"sleep {tag}" if lane == "second" else "true", alongside=True)]
    before = set(_sleepers(tag))
    proc = subprocess.Popen(["sh", "-s"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        proc.stdin.write(build_script(specs, new_marker(), 600))
        proc.stdin.close()
        deadline = time.monotonic() + 10
        while not set(_sleepers(tag)) - before and time.monotonic() < deadline:
            time.sleep(0.05)
        mine = set(_sleepers(tag)) - before
        assert mine, "the section never started"
        proc.stdout.close()
        proc.stderr.close()  # the channel is gone: the next keep-alive line fails
        deadline = time.monotonic() + 6
        while mine & set(_sleepers(tag)) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = mine & set(_sleepers(tag))
        for pid in left:  # only the sleepers this test started
            os.kill(pid, signal.SIGKILL)
        assert not left, f"still running: {sorted(left)}"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


@pytest.mark.parametrize("shell", SHELLS)
def test_a_look_alike_separator_cannot_split_the_second_lane(shell: str) -> None:
    # The second lane's streams are split at "<this run's marker> H": any other word before
    # " H" on a line of its own is output like any other.
    forged = "printf 'None H\\nx H\\n__POSTURE_0__ H\\n'"
    specs = [_spec("t.a", "echo a"),
             _spec("t.b", f"{forged}; {forged} >&2; echo after", alongside=True)]
    marker = new_marker()
    out, err = _run(shell, build_script(specs, marker, 30))
    sections = split_sections(out, err, marker, ["t.a", "t.b"])
    assert sections["t.a"] == (b"a\n", b"", 0)
    lines = b"None H\nx H\n__POSTURE_0__ H\n"
    assert sections["t.b"] == (lines + b"after\n", lines, 0)
