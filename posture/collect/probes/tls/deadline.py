"""A wall-clock deadline for requests, and the adapter that pins the TCP target.

requests and urllib3 only know per-operation socket timeouts: a server that drips one byte
per second never trips them, and a 16 KiB TLS record or a 64 KiB status line at that pace
holds a probe (and the process's exit) for hours. :class:`Watchdog` shuts down every socket
opened by the requests made inside it when the deadline passes, so the blocked read ends
at once with an error.
"""

from __future__ import annotations

import contextlib
import contextvars
import socket
import ssl
import threading
import time
from functools import lru_cache
from types import TracebackType
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.ssl_ import create_urllib3_context

_CURRENT: contextvars.ContextVar[Watchdog | None] = contextvars.ContextVar(
    "posture_http_watchdog", default=None)


class Watchdog:
    """Within ``with Watchdog(deadline):``, sockets opened by :class:`PinnedAdapter` are shut
    down when ``deadline`` (a ``time.monotonic()`` value) passes."""

    def __init__(self, deadline: float) -> None:
        self.fired = False
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._token: contextvars.Token[Watchdog | None] | None = None

    def register(self, sock: socket.socket) -> None:
        """Watch ``sock``; shut it down at once when the deadline has already passed."""
        with self._lock:
            self._socks.append(sock)
            if self.fired:
                _shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._socks:
                _shutdown(sock)

    def __enter__(self) -> Watchdog:
        self._token = _CURRENT.set(self)
        self._timer.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._timer.cancel()
        if self._token is not None:
            _CURRENT.reset(self._token)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _register(sock: socket.socket) -> socket.socket:
    watchdog = _CURRENT.get()
    if watchdog is not None:
        watchdog.register(sock)
    return sock


class _HTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _register(super()._new_conn())


class _HTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _register(super()._new_conn())


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


@lru_cache(maxsize=1)
def unverified_context() -> ssl.SSLContext:
    """The one TLS client context of the HTTP probes, made once per run.

    They never verify (trust is judged from the handshake probe), yet without a context of
    its own urllib3 makes one per connection and loads the system CA store into it, tens of
    milliseconds each time. urllib3 sets ``verify_mode`` to CERT_NONE on it for every
    connection: the same value, so sharing it between threads is safe.
    """
    context = create_urllib3_context(cert_reqs=ssl.CERT_NONE)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class PinnedAdapter(HTTPAdapter):
    """No retries; TLS server name from the URL (``connect_to`` changes only the TCP target);
    connections watched by the current :class:`Watchdog`."""

    def __init__(self, server_name: str) -> None:
        self._server_name = server_name
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["server_hostname"] = self._server_name
        kwargs.setdefault("ssl_context", unverified_context())
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
