"""Recorded hosts: a :class:`~posture.collect.transport.session.Session` answered from files.

A recording is a folder with one set of files per fact, as the target printed them:
``<key>.out`` (the snippet's standard output), optionally ``<key>.err`` and ``<key>.rc`` (its
exit status, 0 when absent), plus ``host.json`` (``{"host_key": ..., "sudo": "ok"}``; ``sudo``
may name a refusal such as ``needs_password``). :class:`ReplaySession` reads the script the
collector sends, finds its per-run marker and fact keys, and answers exactly as a target
would: a section per key between the markers, a fact the recording lacks as a missing command
(exit 127). So the whole collector -- batch building, splitting, classification, parsing,
truncation -- runs end to end without a server, on outputs recorded from real ones (or
written from an old tool's documented format).

:class:`RecordingSession` wraps a live session and writes such a folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from posture.collect.batch import split_sections
from posture.collect.transport.execresult import DEFAULT_MAX_STDERR, DEFAULT_MAX_STDOUT, ExecResult
from posture.collect.transport.session import Session
from posture.errors import SudoError, TransportError
from posture.inventory.model import Host

_SECTION = re.compile(rb"printf '(?:\\n)?%s B %s\\n' (__POSTURE_[0-9a-f]+__) ([a-z0-9_.]+);")
_KEY = re.compile(r"^[a-z0-9_.]+$")


def _script_plan(script: bytes) -> tuple[str, list[str]]:
    found = _SECTION.findall(script)
    if not found:
        raise TransportError("replay: the script holds no fact section")
    return found[0][0].decode(), list(dict.fromkeys(k.decode() for _, k in found))


class ReplaySession:
    """A host answered from a recording folder (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        """Open the recording in ``folder`` (``host.json`` is optional)."""
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise TransportError(f"replay: no recording at {self.folder}")
        meta_path = self.folder / "host.json"
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        self.host_key: str = str(meta.get("host_key", "recorded"))
        self.sudo: str = str(meta.get("sudo", "ok"))
        self.connections = 1
        self.commands: list[str] = []

    @classmethod
    def connect(cls, host: Host, *, trust_on_first_use: bool = False,
                environ: Mapping[str, str] | None = None,
                allow_match_exec: bool = False) -> ReplaySession:
        """Not reachable from an inventory: recordings are opened with a folder."""
        raise TransportError("replay sessions are opened from a recording folder")

    def _answer(self, script: bytes, max_stdout: int, max_stderr: int) -> ExecResult:
        marker, keys = _script_plan(script)
        out, err = bytearray(), bytearray()
        for key in keys:
            rc, body, errors = 127, b"", b"sh: 1: not found\n"
            if (self.folder / f"{key}.out").exists():
                body = (self.folder / f"{key}.out").read_bytes()
                err_file, rc_file = self.folder / f"{key}.err", self.folder / f"{key}.rc"
                errors = err_file.read_bytes() if err_file.exists() else b""
                rc = int(rc_file.read_text().strip()) if rc_file.exists() else 0
            begin = f"\n{marker} B {key}\n".encode()
            end = f"\n{marker} E {key} {rc}\n".encode()
            out += begin + body + end
            err += begin + errors + end
        truncated = len(out) > max_stdout or len(err) > max_stderr
        return ExecResult(bytes(out[:max_stdout]), bytes(err[:max_stderr]),
                          None if truncated else 0, False, truncated, 0.0)

    def run(self, command: str, *, stdin: bytes = b"", timeout: float,
            max_stdout: int = DEFAULT_MAX_STDOUT,
            max_stderr: int = DEFAULT_MAX_STDERR) -> ExecResult:
        """Answer the batch in ``stdin`` from the recording."""
        self.commands.append(command)
        return self._answer(stdin, max_stdout, max_stderr)

    def run_sudo(self, script: bytes, *, timeout: float, max_stdout: int = DEFAULT_MAX_STDOUT,
                 max_stderr: int = DEFAULT_MAX_STDERR) -> ExecResult:
        """Answer the root batch, or refuse as the recorded sudo did."""
        self.commands.append("sudo")
        if self.sudo != "ok":
            raise SudoError(self.sudo, f"recorded sudo refusal: {self.sudo}")
        return self._answer(script, max_stdout, max_stderr)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> ReplaySession:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class RecordingSession:
    """Wraps a live session and writes every fact it answers into a recording folder."""

    def __init__(self, inner: Session, folder: Path) -> None:
        """Record what ``inner`` answers into ``folder`` (created)."""
        self.inner = inner
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.host_key = inner.host_key
        self.connections = inner.connections
        (self.folder / "host.json").write_text(json.dumps({"host_key": inner.host_key,
                                                           "sudo": "ok"}) + "\n")

    @classmethod
    def connect(cls, host: Host, *, trust_on_first_use: bool = False,
                environ: Mapping[str, str] | None = None,
                allow_match_exec: bool = False) -> RecordingSession:
        """Not reachable from an inventory: wrap a live session instead."""
        raise TransportError("recording sessions wrap a live session")

    def _keep(self, script: bytes, result: ExecResult) -> ExecResult:
        marker, keys = _script_plan(script)
        for key, (out, err, rc) in split_sections(result.stdout, result.stderr, marker,
                                                  keys).items():
            if not _KEY.match(key):
                continue
            (self.folder / f"{key}.out").write_bytes(out)
            if err:
                (self.folder / f"{key}.err").write_bytes(err)
            if rc not in (None, 0):
                (self.folder / f"{key}.rc").write_text(f"{rc}\n")
        return result

    def run(self, command: str, *, stdin: bytes = b"", timeout: float,
            max_stdout: int = DEFAULT_MAX_STDOUT,
            max_stderr: int = DEFAULT_MAX_STDERR) -> ExecResult:
        """Run on the live session and record the sections."""
        return self._keep(stdin, self.inner.run(command, stdin=stdin, timeout=timeout,
                                                max_stdout=max_stdout, max_stderr=max_stderr))

    def run_sudo(self, script: bytes, *, timeout: float, max_stdout: int = DEFAULT_MAX_STDOUT,
                 max_stderr: int = DEFAULT_MAX_STDERR) -> ExecResult:
        """Run as root on the live session and record the sections."""
        return self._keep(script, self.inner.run_sudo(script, timeout=timeout,
                                                      max_stdout=max_stdout,
                                                      max_stderr=max_stderr))

    def close(self) -> None:
        """Close the live session."""
        self.inner.close()

    def __enter__(self) -> RecordingSession:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
