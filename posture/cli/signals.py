"""SIGINT and SIGTERM, the same from process start to exit.

:func:`installed` wraps all of :func:`posture.cli.app.main`. The first signal requests a
stop on the process-wide :data:`STOP` flag: a scan (which watches it, see :func:`watched`)
closes its connections, judges what it has and writes its reports marked ``incomplete``
within a second or two; a command that does not watch it is interrupted like Ctrl-C. A second
signal ends the process at once and quietly (reports are replaced atomically, so a file is
either the previous one or the new one, never half of each).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from types import FrameType

from posture.collect.transport.stopflag import Interrupt

STOP = Interrupt()
"""Set by the first SIGINT/SIGTERM of this process."""

SECOND_SIGNAL_EXIT = 2
"""Exit status after a second signal: the contract's "could not be determined"."""

_state = {"signals": 0, "watched": 0, "decided": 0}


def _handler(signum: int, frame: FrameType | None) -> None:
    _state["signals"] += 1
    if _state["signals"] > 1:
        with contextlib.suppress(OSError):
            os.write(2, b"posture: stopped\n")
        os._exit(SECOND_SIGNAL_EXIT)
    STOP.request(signal.Signals(signum).name)
    if _state["decided"] and not _state["watched"]:
        raise KeyboardInterrupt  # nothing watches the flag: unblock whatever runs


@contextlib.contextmanager
def installed() -> Iterator[None]:
    """Route SIGINT and SIGTERM to a fresh :data:`STOP` while the block runs (main thread
    only; elsewhere, e.g. an embedding caller's worker thread, signals are left alone)."""
    global STOP
    STOP = Interrupt()
    _state.update(signals=0, watched=0, decided=0)
    previous: dict[int, object] = {}
    with contextlib.suppress(ValueError):  # not the main thread
        for sig in (int(signal.SIGINT), int(signal.SIGTERM)):
            previous[sig] = signal.signal(sig, _handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(sig, old)  # type: ignore[arg-type]


def decide(watching: bool) -> None:
    """Called once the command is known: a scan watches :data:`STOP` (a signal that came
    while the command line was read still ends in an incomplete report); any other command
    is interrupted like Ctrl-C, at once if a signal already came."""
    _state["decided"] = 1
    if not watching and STOP.requested:
        raise KeyboardInterrupt


@contextlib.contextmanager
def watched() -> Iterator[Interrupt]:
    """While the block runs, a first signal only sets :data:`STOP` (the block checks it)."""
    _state["watched"] += 1
    try:
        yield STOP
    finally:
        _state["watched"] -= 1


def note_stop() -> None:
    """Tell the user why the run ends early (once)."""
    if STOP.requested:
        print(f"posture: {STOP.reason or 'signal'} received: the reports are marked incomplete",
              file=sys.stderr)
