"""HTTP failures say where posture connected, what it asked and why, in words (real sockets
on loopback: a closed port, a server that resets, one that never answers)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from posture.collect.probes.tls.http import HttpProbeError, Request, _fetch
from posture.collect.probes.tls.neterrors import reason, request_failed


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    conns: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conns.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join(2)
    for conn in conns:
        conn.close()
    server.close()


def test_refused_connection_names_address_port_path_and_reason() -> None:
    port = _closed_port()
    req = Request("https://shop.example/admin/login?token=SECRET", "127.0.0.1", port,
                  time.monotonic() + 5)
    with pytest.raises(HttpProbeError) as caught:
        _fetch(req)
    text = str(caught.value)
    assert text.startswith("HTTP request to https://shop.example/admin/login (127.0.0.1 port "
                           f"{port}) failed: connection refused")
    assert "SECRET" not in text and "[ConnectionError]" in text


def test_timeout_is_said_in_words(silent_server: int) -> None:
    req = Request("http://shop.example/", "127.0.0.1", silent_server, time.monotonic() + 5,
                  connect_s=1.0)
    try:
        requests.get(f"http://127.0.0.1:{silent_server}/", timeout=(1, 0.5))
    except requests.RequestException as exc:
        assert reason(exc) == "timed out"
        assert "(127.0.0.1 port" in request_failed(req.url, req.address, req.port, exc)
    else:
        pytest.fail("the silent server answered")


def test_unknown_errors_name_their_types() -> None:
    exc = requests.ConnectionError(ValueError("odd"))
    assert reason(exc) == "ConnectionError <- ValueError"
