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
        assert answer == {"answer": "postgresql", "tls": "not-offered"}
        assert time.monotonic() - started < 1
    finally:
        thread.join(5)
        server.close()


def test_plaintext_probe_reuses_the_warm_up_and_probes_the_rest() -> None:
    from posture.collect.probes import plain
    from posture.collect.types import ProbeContext
    from posture.inventory.model import Host, SshSettings, Timeouts

    server = _listener()
    port = int(server.getsockname()[1])
    try:
        ctx = ProbeContext(None, "h", time.monotonic() + 10, {},  # type: ignore[arg-type]
                           host=Host(name="h", address="127.0.0.1", ssh=SshSettings(),
                                     timeouts=Timeouts(connect=3, command=10, host=60)))
        ctx.cache[plain._EARLY] = {(p, s): {"port": p, "service": s, "open": False, "from": 1}
                                   for p, s in plain.WELL_KNOWN.items()}
        ctx.cache["host_facts"] = {}
        value = plain._plaintext_reach(ctx)
        assert [item["port"] for item in value["ports"]] == sorted(plain.WELL_KNOWN)
        assert all(item.get("from") == 1 for item in value["ports"])  # none probed again
        del ctx.cache[plain._EARLY][(21, "FTP")]
        ctx.cache["host_facts"] = {}
        plain.WELL_KNOWN[port] = "Telnet"  # a listener the probe must find itself
        try:
            value = plain._plaintext_reach(ctx)
        finally:
            del plain.WELL_KNOWN[port]
        by_port = {item["port"]: item for item in value["ports"]}
        assert by_port[port]["open"] is True and "from" not in by_port[port]
        assert "from" not in by_port[21]
    finally:
        server.close()
