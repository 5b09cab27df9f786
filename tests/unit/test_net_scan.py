"""The connect scan starts every connect at once: open and closed ports on loopback."""

from __future__ import annotations

import socket
import threading
import time

from posture.collect.probes.net import _greeting, open_ports


def _listener() -> socket.socket:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    return server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_open_and_closed_ports() -> None:
    servers = [_listener() for _ in range(3)]
    try:
        up = [int(s.getsockname()[1]) for s in servers]
        down = [_free_port() for _ in range(20)]
        started = time.monotonic()
        assert open_ports("127.0.0.1", sorted(up + down), timeout=5) == set(up)
        assert time.monotonic() - started < 2  # refused ports do not wait for the timeout
    finally:
        for server in servers:
            server.close()


def test_a_postgresql_port_answers_the_ssl_request() -> None:
    server = _listener()

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            if conn.recv(8) == bytes.fromhex("0000000804d2162f"):
                conn.sendall(b"N")

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with socket.create_connection(server.getsockname(), timeout=2) as sock:
            started = time.monotonic()
            answer = _greeting(sock, {"service": "database", "engine": "postgresql"})
        assert answer == {"answer": "database-handshake"}
        assert time.monotonic() - started < 1
    finally:
        thread.join(5)
        server.close()
