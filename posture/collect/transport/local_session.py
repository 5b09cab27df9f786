"""``connection: local``: audit the machine posture runs on, with the same batched scripts.

The batch runs as ``/bin/sh -c 'sh -s'`` with the script on stdin, exactly as over SSH, with
the same limits: a deadline (the process group is killed when it passes) and output caps.
Root facts run through ``sudo -n`` (a NOPASSWD rule; there is no terminal to type into), or
directly when posture itself runs as root. pytest-testinfra's ``local://`` backend offers
neither stdin nor a time bound, so this session drives the subprocess itself.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from types import TracebackType

from posture.collect.transport import sudo as sudo_mod
from posture.collect.transport.execresult import DEFAULT_MAX_STDERR, DEFAULT_MAX_STDOUT, ExecResult
from posture.errors import SudoError, TransportError
from posture.inventory.model import Host

_CHUNK = 65536


def _feed(pipe: object, data: bytes) -> None:
    # In a thread: a script larger than the pipe buffer must not block the reader loop.
    with contextlib.suppress(OSError):
        pipe.write(data)  # type: ignore[attr-defined]
    with contextlib.suppress(OSError):
        pipe.close()  # type: ignore[attr-defined]


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)


def run_local(argv: list[str], *, stdin: bytes, timeout: float, max_stdout: int,
              max_stderr: int, env: Mapping[str, str] | None = None) -> ExecResult:
    """Run ``argv`` locally with ``stdin``; bounded like a remote exec (never raises on output)."""
    started = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True,
                                env=None if env is None else dict(env))
    except OSError as exc:
        raise TransportError(f"cannot start {argv[0]}: {exc.strerror}") from None
    feeder = threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True)
    feeder.start()
    buffers = {proc.stdout: bytearray(), proc.stderr: bytearray()}
    caps = {proc.stdout: max_stdout, proc.stderr: max_stderr}
    timed_out = truncated = False
    with selectors.DefaultSelector() as selector:
        for pipe in buffers:
            selector.register(pipe, selectors.EVENT_READ)  # type: ignore[arg-type]
        while selector.get_map():
            left = started + timeout - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            for key, _ in selector.select(min(left, 0.5)):
                chunk = os.read(key.fd, _CHUNK)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                buffer = buffers[key.fileobj]  # type: ignore[index]
                buffer.extend(chunk)
                if len(buffer) > caps[key.fileobj]:  # type: ignore[index]
                    del buffer[caps[key.fileobj]:]  # type: ignore[index]
                    truncated = True
            if truncated:
                break
    if timed_out or truncated:
        _kill(proc)
    status = proc.wait()
    for pipe in buffers:
        pipe.close()  # type: ignore[union-attr]
    return ExecResult(bytes(buffers[proc.stdout]), bytes(buffers[proc.stderr]),
                      None if timed_out or truncated else status, timed_out, truncated,
                      round(time.monotonic() - started, 3))


class LocalSession:
    """The local machine as a :class:`posture.collect.transport.session.Session`."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.host_key = "local"
        self.connections = 0
        self._deadline = time.monotonic() + host.timeouts.host

    @classmethod
    def connect(cls, host: Host, *, trust_on_first_use: bool = False,
                environ: Mapping[str, str] | None = None,
                allow_match_exec: bool = False) -> LocalSession:
        """Nothing to connect to; refuse settings that only make sense remotely."""
        if host.ssh.sudo_password_env and os.geteuid() != 0:
            raise SudoError("needs_password", "a local session runs sudo -n only: use a "
                            "NOPASSWD rule (see 'posture sudoers') instead of sudo_password_env")
        return cls(host)

    def _limit(self, timeout: float) -> float:
        return max(0.0, min(timeout, self._deadline - time.monotonic()))

    def run(self, command: str, *, stdin: bytes = b"", timeout: float,
            max_stdout: int = DEFAULT_MAX_STDOUT,
            max_stderr: int = DEFAULT_MAX_STDERR) -> ExecResult:
        """Run ``command`` with ``/bin/sh -c`` (like a remote login shell would)."""
        return run_local(["/bin/sh", "-c", command], stdin=stdin, timeout=self._limit(timeout),
                         max_stdout=max_stdout, max_stderr=max_stderr)

    def run_sudo(self, script: bytes, *, timeout: float, max_stdout: int = DEFAULT_MAX_STDOUT,
                 max_stderr: int = DEFAULT_MAX_STDERR) -> ExecResult:
        """Run ``script`` as root: directly when we are root, else through ``sudo -n``."""
        if os.geteuid() == 0:
            return self.run("sh -s", stdin=script, timeout=timeout, max_stdout=max_stdout,
                            max_stderr=max_stderr)
        plan = sudo_mod.plan(with_password=False)
        # sudo -n never reads stdin: when it refuses, the script is discarded unread.
        result = self.run(plan.command, stdin=script, timeout=timeout,
                          max_stdout=max_stdout, max_stderr=max_stderr)
        ok_line = plan.ok_marker + b"\n"
        if not result.stdout.startswith(ok_line):
            if result.timed_out:
                return result
            kind = sudo_mod.classify(result.stderr)
            said = " ".join(result.stderr.decode(errors="replace").split())[-300:]
            raise SudoError(kind, f"local sudo -n refused ({kind}): "
                                  f"{''.join(c for c in said if c.isprintable())}")
        return ExecResult(result.stdout[len(ok_line):], result.stderr, result.exit_status,
                          result.timed_out, result.truncated, result.duration_s)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> LocalSession:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
