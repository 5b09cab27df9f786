"""Bridge a paramiko channel to an ordinary local socket.

Database drivers expect a real socket (``settimeout``, ``makefile``, TLS wrapping); an SSH
``direct-tcpip`` channel is not one. A socket pair plus two pump threads (one each way) copies
bytes, so the driver gets ``socket`` and the channel stays the only path to the target.

The pumps block in ``channel.recv`` and ``inner.recv`` with short timeouts and never ask the
channel for a file descriptor: ``Channel.fileno()`` makes an OS pipe that the transport thread
writes into as data arrives, and closing the channel while that write races ends the whole SSH
connection (see :mod:`posture.collect.transport.news`).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

import paramiko

_CHUNK = 1 << 16
_TICK = 0.5  # seconds a pump blocks before it looks at the stop flag again


class ChannelBridge:
    """Copies bytes between ``channel`` and :attr:`socket` until either side closes."""

    def __init__(self, channel: paramiko.Channel) -> None:
        self.socket, self._inner = socket.socketpair()
        self._channel = channel
        self._stop = threading.Event()
        self._ended = threading.Lock()
        channel.settimeout(_TICK)
        self._inner.settimeout(_TICK)
        self._threads = [threading.Thread(target=self._run, args=(pump,), daemon=True,
                                          name=f"posture-db-bridge-{name}")
                         for name, pump in (("down", self._down), ("up", self._up))]
        for thread in self._threads:
            thread.start()

    def _down(self) -> None:
        """Channel to the local socket, until the server's end of file."""
        self._copy(self._channel.recv, self._inner.send)

    def _up(self) -> None:
        """Local socket to the channel, until the driver closes its socket."""
        self._copy(self._inner.recv, self._channel.send)

    def _copy(self, recv: Callable[[int], bytes], send: Callable[[bytes], int]) -> None:
        """Copy until ``recv`` gives end of file (both ends time out every ``_TICK``)."""
        while not self._stop.is_set():
            try:
                data = recv(_CHUNK)
            except TimeoutError:
                continue
            if not data:
                return
            self._send_all(send, data)

    def _send_all(self, send: Callable[[bytes], int], data: bytes) -> None:
        """``sendall`` that outlasts a slow reader: a timed-out send is tried again (both ends
        have ``_TICK`` timeouts so the pumps can stop), never cut short."""
        view = memoryview(data)
        while view and not self._stop.is_set():
            try:
                sent = send(bytes(view[:_CHUNK]))
            except TimeoutError:
                continue
            if sent <= 0:
                raise EOFError("the other side stopped reading")
            view = view[sent:]

    def _run(self, pump: Callable[[], None]) -> None:
        try:
            pump()
        except (OSError, EOFError, paramiko.SSHException):
            pass  # either side went away: the driver sees the closed socket
        finally:
            self._end()

    def _end(self) -> None:
        """Stop both pumps and close the channel and the inner end (once)."""
        if not self._ended.acquire(blocking=False):
            return
        self._stop.set()
        with contextlib.suppress(Exception):
            self._channel.close()
        with contextlib.suppress(OSError):
            self._inner.close()

    def close(self) -> None:
        """Stop the pumps and close both ends; safe to call again."""
        with contextlib.suppress(OSError):
            self.socket.close()
        self._end()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=2.0)
