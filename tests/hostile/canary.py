"""Canary secrets and personal data, and the search for them in every artefact of a run.

A canary is found if it occurs raw, base64-encoded (any alignment inside a longer blob),
hex-encoded (either case) or URL-encoded in a file, a stream, or the command line or
environment of a process sampled while posture ran.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ENCODINGS = ("raw", "base64", "hex", "url")
_MAX_FILE = 64 << 20


def make_canaries() -> dict[str, str]:
    """Fresh, unguessable values; the punctuation makes URL-encoding differ from raw."""
    def one(tag: str) -> str:
        return f"Cn{tag}+{secrets.token_hex(6)}/&={secrets.token_hex(4)}"

    return {"ssh_password": one("sp"), "key_passphrase": one("kp"),
            "sudo_password": one("su"), "db_password": one("db"),
            "personal_data": f"Jan Canary-{secrets.token_hex(5)} <jan@example.invalid>"}


def forms(value: str) -> dict[str, list[bytes]]:
    """Every byte form of ``value`` searched for, per encoding."""
    raw = value.encode()
    b64 = []
    for shift in range(3):  # a secret inside a longer blob: three possible alignments
        encoded = base64.b64encode(b"\0" * shift + raw)
        b64.append(encoded[4 if shift else 0:-4])  # drop the chars mixed with neighbours
    return {"raw": [raw], "base64": b64,
            "hex": [raw.hex().encode(), raw.hex().upper().encode()],
            "url": [quote(value, safe="").encode(), quote(value).encode()]}


@dataclass
class Leak:
    """A canary found somewhere it must never be."""

    canary: str
    encoding: str
    where: str


def find_in(blob: bytes, canaries: Mapping[str, str], where: str) -> list[Leak]:
    """Every canary form in ``blob``."""
    leaks = []
    for name, value in canaries.items():
        for encoding, patterns in forms(value).items():
            if any(p and p in blob for p in patterns):
                leaks.append(Leak(name, encoding, where))
    return leaks


def find_in_paths(paths: Iterable[Path], canaries: Mapping[str, str],
                  newer_than: float = 0.0) -> tuple[list[Leak], int]:
    """Search files (folders recursively); returns the leaks and the number of files read."""
    leaks: list[Leak] = []
    count = 0
    for root in paths:
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in files:
            with contextlib.suppress(OSError):
                info = path.lstat()
                if path.is_symlink() or info.st_size > _MAX_FILE or info.st_mtime < newer_than:
                    continue
                leaks += find_in(path.read_bytes(), canaries, str(path))
                count += 1
    return leaks, count


@dataclass
class ProcSampler:
    """Samples /proc/*/cmdline and /proc/*/environ of other processes while a run lasts.

    ``exclude`` holds pids whose environment legitimately carries the secrets (the test
    process and posture itself read them from there).
    """

    canaries: Mapping[str, str]
    exclude: set[int] = field(default_factory=set)
    interval: float = 0.02
    leaks: list[Leak] = field(default_factory=list)
    samples: int = 0
    processes: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> ProcSampler:
        self.exclude.add(os.getpid())
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            time.sleep(self.interval)

    def sample(self) -> None:
        """One pass over every process."""
        with self.lock:
            self.samples += 1
            for entry in Path("/proc").glob("[0-9]*"):
                self._sample_one(entry)

    def _sample_one(self, entry: Path) -> None:
        pid = int(entry.name)
        if pid in self.exclude:
            return
        for part in ("cmdline", "environ"):
            with contextlib.suppress(OSError):
                blob = (entry / part).read_bytes()
                self.processes.add(pid)
                for leak in find_in(blob, self.canaries, f"/proc/{pid}/{part}"):
                    if leak.where not in {x.where for x in self.leaks}:
                        self.leaks.append(leak)
