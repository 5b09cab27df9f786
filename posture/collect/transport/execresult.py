"""What one remote command produced, and the caps of its output: the plain data every
session kind (SSH, local, Ansible, a recorded host) returns. No SSH library here, so a scan
without hosts never loads one (see :mod:`posture.collect.transport.sshio`)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_STDOUT = 8 << 20
"""Default cap of a command's standard output, in bytes."""
DEFAULT_MAX_STDERR = 2 << 20
"""Default cap of a command's standard error, in bytes."""


def clean_error(exc: BaseException) -> str:
    """A one-line, printable, bounded rendering of a library or socket error.

    Such messages can carry bytes a hostile server chose; they end up in reports.
    """
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    return "".join(c if c.isprintable() else "?" for c in " ".join(text.split()))[:200]


@dataclass(frozen=True)
class ExecResult:
    """What one remote command produced."""

    stdout: bytes
    stderr: bytes
    exit_status: int | None  # None if killed, timed out, truncated or the connection dropped
    timed_out: bool
    truncated: bool
    duration_s: float
