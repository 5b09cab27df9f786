"""Ports that misbehave below SSH: silent, dripping, hostile banners, black holes.

Each server listens on 127.0.0.1 on a kernel-chosen port and is closed by :meth:`stop`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class JunkPort:
    """Accepts connections and then does ``behaviour``: ``silent`` (never sends a byte),
    ``drip`` (one byte of ``payload`` every ``interval`` s, forever), or ``banner``
    (sends ``payload`` at once and keeps the connection open)."""

    def __init__(self, behaviour: str, payload: bytes = b"SSH-2.0-", interval: float = 0.5
                 ) -> None:
        self.behaviour, self.payload, self.interval = behaviour, payload, interval
        self._stop = threading.Event()
        self._socks: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            self._socks.append(sock)
            threading.Thread(target=self._talk, args=(sock,), daemon=True).start()

    def _talk(self, sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            if self.behaviour == "banner":
                sock.sendall(self.payload)
            elif self.behaviour == "drip":
                i = 0
                while not self._stop.is_set():
                    sock.sendall(self.payload[i % len(self.payload):][:1])
                    i += 1
                    time.sleep(self.interval)
            self._stop.wait(300)

    def stop(self) -> None:
        """Close the listener and every accepted connection."""
        self._stop.set()
        for sock in [self._listener, *self._socks]:
            with contextlib.suppress(OSError):
                sock.close()


class BlackHole:
    """A port whose SYNs go unanswered: its accept queue is full and never drained.

    Linux drops a SYN when the listener's accept queue is full, so a connect() here hangs
    like one to a firewalled address, without touching the machine's firewall.
    """

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(0)
        self.port = int(self._listener.getsockname()[1])
        self._fillers: list[socket.socket] = []
        for _ in range(4):
            filler = socket.socket()
            filler.settimeout(0.3)
            try:
                filler.connect(("127.0.0.1", self.port))
            except OSError:
                filler.close()
                break
            self._fillers.append(filler)

    def stop(self) -> None:
        """Close the fillers and the listener."""
        for sock in [*self._fillers, self._listener]:
            with contextlib.suppress(OSError):
                sock.close()
