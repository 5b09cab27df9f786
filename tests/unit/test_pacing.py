"""Handshake pacing: what counts as a dropped connection, slots per destination, back-off."""

from __future__ import annotations

import threading
import time

import paramiko
import pytest

from posture.collect.transport import pacing
from posture.errors import TransportError


@pytest.mark.parametrize("exc", [
    paramiko.SSHException("Error reading SSH protocol banner"),
    paramiko.SSHException("Error reading SSH protocol banner[Errno 104] Connection reset by peer"),
    EOFError(), ConnectionResetError(104, "Connection reset by peer"), BrokenPipeError(),
])
def test_drops_before_authentication_are_retried(exc: BaseException) -> None:
    assert pacing.dropped_before_auth(exc)


@pytest.mark.parametrize("exc", [
    None, paramiko.AuthenticationException("Authentication failed."),
    paramiko.BadAuthenticationType("Bad authentication type", ["password"]),
    paramiko.SSHException("Error reading SSH protocol bannertimed out"),
    paramiko.SSHException("Incompatible ssh peer (no acceptable host key)"),
    TimeoutError(), ConnectionRefusedError(111, "Connection refused"),
    TransportError("authentication failed"),
])
def test_answers_and_timeouts_are_not_retried(exc: BaseException | None) -> None:
    assert not pacing.dropped_before_auth(exc)


def test_at_most_n_handshakes_per_destination() -> None:
    pacing.configure(3)
    try:
        busy, peak, lock = [0], [0], threading.Lock()

        def connect(key: str) -> None:
            with pacing.handshake_slot(key, time.monotonic() + 10, "h"):
                with lock:
                    busy[0] += 1
                    peak[0] = max(peak[0], busy[0])
                time.sleep(0.05)
                with lock:
                    busy[0] -= 1

        threads = [threading.Thread(target=connect, args=("10.0.0.1:22",)) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert peak[0] == 3
        # Another destination (or the same one behind a jump host) has slots of its own.
        pacing.configure(1)
        soon = time.monotonic() + 1
        with pacing.handshake_slot("10.0.0.1:22", soon, "h"), \
                pacing.handshake_slot(pacing.destination("10.0.0.1", 22, "jump:22"), soon, "h"):
            pass
    finally:
        pacing.configure(pacing.DEFAULT_PER_ADDRESS)


def test_waiting_for_a_slot_is_bounded_by_the_deadline() -> None:
    pacing.configure(1)
    try:
        with pacing.handshake_slot("10.0.0.2:22", time.monotonic() + 1, "h"):
            started = time.monotonic()
            with pytest.raises(TransportError, match="handshake slot"), \
                    pacing.handshake_slot("10.0.0.2:22", time.monotonic() + 0.2, "h2"):
                pass
            assert time.monotonic() - started < 1
    finally:
        pacing.configure(pacing.DEFAULT_PER_ADDRESS)
    with pytest.raises(ValueError):
        pacing.configure(0)


def test_backoff_grows_with_jitter() -> None:
    for attempt in (1, 2, 3):
        base = pacing.BACKOFF_S * 2 ** (attempt - 1)
        assert all(base <= pacing.backoff(attempt) <= 2 * base for _ in range(50))
