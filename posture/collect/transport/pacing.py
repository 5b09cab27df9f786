"""Handshake pacing: few unauthenticated connections at a time to one SSH server.

sshd drops new connections at random once ``MaxStartups`` (default ``10:30:100``) of them are
still unauthenticated: the client reads no banner ("Error reading SSH protocol banner") or the
connection is reset. Many inventory hosts behind one address (a jump host, a NAT, one
provider's front door) scanned with a high ``--concurrency`` would then be reported
unreachable. So every connection holds a slot of its destination from the TCP connect until
authentication ends, at most :data:`DEFAULT_PER_ADDRESS` at once per destination (below
sshd's start of 10), and a connection dropped *before authentication* is retried a few times
with a growing, jittered pause. An authentication failure is never retried: it is an answer,
and retrying could lock an account.

A destination is the address and port connected to; behind a jump host it is the jump
host's destination plus the address and port the jump host connects to.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Iterator

from posture.errors import TransportError

DEFAULT_PER_ADDRESS = 8
"""Unauthenticated connections at once to one destination (sshd's MaxStartups starts at 10)."""

RETRIES = 4
"""Further attempts after a connection dropped before authentication."""

BACKOFF_S = 0.25
"""The first pause before a retry; each next one doubles, plus up to as much jitter."""

_lock = threading.Lock()
_gates: dict[str, threading.BoundedSemaphore] = {}
_limit = DEFAULT_PER_ADDRESS


def configure(per_address: int) -> None:
    """Set the number of concurrent handshakes per destination for gates made from now on."""
    global _limit  # one process-wide setting, changed under the lock
    if per_address < 1:
        raise ValueError("handshakes per address: expected 1 or more")
    with _lock:
        if per_address != _limit:
            _limit = per_address
            _gates.clear()  # connections holding an old gate release that one: no leak


def destination(hostname: str, port: int, via: str = "") -> str:
    """The pacing key of a connection (``via``: the key of the jump host's connection)."""
    here = f"{hostname.lower()}:{port}"
    return f"{via} -> {here}" if via else here


def _gate(key: str) -> threading.BoundedSemaphore:
    with _lock:
        gate = _gates.get(key)
        if gate is None:
            gate = _gates[key] = threading.BoundedSemaphore(_limit)
        return gate


@contextlib.contextmanager
def handshake_slot(key: str, deadline: float, label: str) -> Iterator[None]:
    """Hold one handshake slot of ``key``; wait for one at most until ``deadline``."""
    gate = _gate(key)
    if not gate.acquire(timeout=max(0.0, deadline - time.monotonic())):
        raise TransportError(f"{label}: the host time budget ran out while waiting for a "
                             f"handshake slot of {key} (at most {_limit} connections at a time "
                             "are opened to one address)")
    try:
        yield
    finally:
        gate.release()


def dropped_before_auth(exc: BaseException | None) -> bool:
    """Whether ``exc`` (from the TCP connect or the SSH handshake) is a dropped connection:
    no banner, end of file or a reset, as sshd's MaxStartups does. Timeouts are not."""
    if isinstance(exc, (EOFError, ConnectionResetError, ConnectionAbortedError,
                        BrokenPipeError)):
        return True
    # Imported here: a scan without hosts never loads paramiko (whose error this is, and which
    # is loaded by the time any handshake has failed).
    import paramiko

    if isinstance(exc, paramiko.SSHException) and not isinstance(exc, TimeoutError):
        text = str(exc)
        return ("protocol banner" in text and "timed out" not in text.lower()) \
            or "Connection reset" in text
    return False


def backoff(attempt: int) -> float:
    """Seconds to pause before retry number ``attempt`` (1-based), with jitter."""
    base: float = BACKOFF_S * 2.0 ** (attempt - 1)
    return base + random.uniform(0.0, base)  # jitter, not a secret
