"""Readable texts for failed HTTP requests: where posture connected, what it asked, and why.

``requests`` wraps the operating system's error in two or three layers of its own and of
urllib3; a report that only says ``ConnectionError`` leaves the reader guessing. This finds
the innermost cause and says it in words, with the address, port and path of the request.
The query string is left out (it can hold identifiers or tokens), and so is the exception's
own text beyond the OS error: it repeats the full URL.
"""

from __future__ import annotations

import errno
import socket
import ssl
from urllib.parse import urlsplit

import requests

_ERRNO_WORDS = {
    errno.ECONNREFUSED: "connection refused (nothing listens on that port)",
    errno.ECONNRESET: "connection reset by the server",
    errno.ETIMEDOUT: "timed out",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
    errno.ECONNABORTED: "connection aborted",
    errno.EPIPE: "connection closed by the server",
}


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and its causes, outermost first; urllib3 keeps the cause in ``reason``/args."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 12:
        item = todo.pop(0)
        if any(item is s for s in seen):
            continue
        seen.append(item)
        for nxt in (item.__cause__, item.__context__, getattr(item, "reason", None),
                    *[a for a in item.args if isinstance(a, BaseException)]):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
    return seen


def reason(exc: BaseException) -> str:
    """The innermost cause of a failed request, in words."""
    chain = _chain(exc)
    for item in reversed(chain):
        if isinstance(item, socket.gaierror):
            return f"name not resolved ({item.strerror or 'no address'})"
        if isinstance(item, ssl.SSLError):
            return f"TLS handshake failed ({(item.reason or type(item).__name__)[:80]})"
        if isinstance(item, TimeoutError | socket.timeout):
            return "timed out"
        if isinstance(item, OSError) and item.errno in _ERRNO_WORDS:
            return _ERRNO_WORDS[item.errno]
        if isinstance(item, OSError) and item.strerror:
            return item.strerror[:120]
    if any(isinstance(item, requests.Timeout) for item in chain):
        return "timed out"
    if any(isinstance(item, requests.TooManyRedirects) for item in chain):
        return "too many redirects"
    names = [type(item).__name__ for item in chain]
    return " <- ".join(dict.fromkeys(names))[:160]


def request_failed(url: str, address: str | None, port: int | None, exc: BaseException,
                   *, why: str = "") -> str:
    """``HTTP request to https://shop.example/path (127.0.0.1 port 443) failed: <why>``."""
    parts = urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    where_port = port or parts.port or default
    where = address or parts.hostname or "?"
    path = parts.path or "/"
    shown = f"{parts.scheme}://{parts.hostname or '?'}{path}"[:300]
    return (f"HTTP request to {shown} ({where} port {where_port}) failed: "
            f"{why or reason(exc)} [{type(exc).__name__}]")
