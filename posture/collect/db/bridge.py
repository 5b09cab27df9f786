"""Bridge a paramiko channel to an ordinary local socket.

Database drivers expect a real socket (``settimeout``, ``makefile``, TLS wrapping); an SSH
``direct-tcpip`` channel is not one. A socket pair plus one pump thread copies bytes both ways,
so the driver gets ``socket`` and the channel stays the only path to the target.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading

import paramiko

_CHUNK = 1 << 16


class ChannelBridge:
    """Copies bytes between ``channel`` and :attr:`socket` until either side closes."""

    def __init__(self, channel: paramiko.Channel) -> None:
        self.socket, self._inner = socket.socketpair()
        self._channel = channel
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, name="posture-db-bridge",
                                        daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        channel, inner = self._channel, self._inner
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([channel.fileno(), inner.fileno()], [], [], 0.5)
                if channel.fileno() in ready:
                    data = channel.recv(_CHUNK)
                    if not data:
                        break
                    inner.sendall(data)
                if inner.fileno() in ready:
                    data = inner.recv(_CHUNK)
                    if not data:
                        break
                    channel.sendall(data)
        except (OSError, EOFError, paramiko.SSHException):
            pass  # either side went away: the driver sees the closed socket
        finally:
            with contextlib.suppress(Exception):
                channel.close()
            with contextlib.suppress(OSError):
                inner.close()

    def close(self) -> None:
        """Stop the pump and close both ends; safe to call again."""
        self._stop.set()
        with contextlib.suppress(OSError):
            self.socket.close()
        with contextlib.suppress(Exception):
            self._channel.close()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=2.0)
