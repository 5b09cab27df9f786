"""The stop flag shared by collection threads: set once, it closes every registered session."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

__all__ = ["INTERRUPTED", "Interrupt"]

INTERRUPTED = "the scan was stopped ({reason}) before this target was finished"
"""The error recorded for targets cut short or never visited (see :meth:`Interrupt.why`)."""


class Interrupt:
    """A stop request shared by the collection threads; safe to use from any thread."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._closers: dict[int, Callable[[], None]] = {}
        self._next = 0
        self.reason = ""

    def why(self) -> str:
        """:data:`INTERRUPTED` naming what stopped the scan (the signal's name)."""
        return INTERRUPTED.format(reason=self.reason or "interrupted")

    @property
    def requested(self) -> bool:
        """True once a stop was requested."""
        return self._event.is_set()

    def request(self, reason: str) -> None:
        """Ask everything to stop: set the flag and close every registered resource."""
        with self._lock:
            self.reason = self.reason or reason
            self._event.set()
            closers = list(self._closers.values())
        for close in closers:
            with contextlib.suppress(Exception):
                close()

    def register(self, closer: Callable[[], None]) -> int:
        """Call ``closer`` on a stop (at once if one was already requested); returns a token."""
        with self._lock:
            self._next += 1
            self._closers[self._next] = closer
            token, late = self._next, self._event.is_set()
        if late:
            with contextlib.suppress(Exception):
                closer()
        return token

    def unregister(self, token: int) -> None:
        """Forget a closer (its resource was closed normally)."""
        with self._lock:
            self._closers.pop(token, None)
