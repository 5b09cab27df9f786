"""The PostgreSQL session against hostile or broken peers (a loopback fake server)."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Iterator

import pytest

from posture.collect.db.pgsession import SSL_REQUEST, open_pg_session
from posture.collect.probes.net import _postgres_answer
from posture.collect.types import ProbeError
from posture.inventory.model import Database, Host, SshSettings, Timeouts
from posture.models import FactStatus
from posture.secret import Secret

Behaviour = Callable[[socket.socket], None]


@pytest.fixture
def fake_server() -> Iterator[Callable[[Behaviour], int]]:
    """Start a one-connection loopback server running ``behaviour``; returns its port."""
    listeners: list[socket.socket] = []

    def start(behaviour: Behaviour) -> int:
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)

        def serve() -> None:
            conn, _ = listener.accept()
            with conn, contextlib.suppress(OSError):
                behaviour(conn)

        threading.Thread(target=serve, daemon=True).start()
        return int(listener.getsockname()[1])

    yield start
    for listener in listeners:
        listener.close()


def _open(port: int) -> None:
    host = Host(name="h", address="127.0.0.1", ssh=SshSettings(user="u"), connection="local",
                timeouts=Timeouts(connect=2, command=3, host=20))
    database = Database("fake", "h", "postgresql", "shop", "app", port=port)
    open_pg_session(None, host, database, Secret("pw"), remaining=10)


def _read_startup(conn: socket.socket) -> None:
    assert conn.recv(8) == SSL_REQUEST
    conn.sendall(b"N")
    length = struct.unpack("!i", conn.recv(4))[0]
    conn.recv(length - 4)


def test_an_announced_giant_message_is_refused_not_allocated(
        fake_server: Callable[[Behaviour], int]) -> None:
    def giant(conn: socket.socket) -> None:
        _read_startup(conn)
        conn.sendall(b"R" + struct.pack("!i", 0x7FFFFFF0))
        conn.recv(16)

    with pytest.raises(ProbeError) as failed:
        _open(fake_server(giant))
    assert "announced a message of" in str(failed.value)


def test_a_non_postgresql_answer_to_the_tls_request(
        fake_server: Callable[[Behaviour], int]) -> None:
    def mysql_like(conn: socket.socket) -> None:
        conn.sendall(b"J\x00\x00\x00\x0a5.5.5-10.11.6-MariaDB")
        conn.recv(16)

    with pytest.raises(ProbeError) as failed:
        _open(fake_server(mysql_like))
    assert "not answered as a PostgreSQL server answers it" in str(failed.value)


def test_server_error_text_never_leaves_only_the_sqlstate(
        fake_server: Callable[[Behaviour], int]) -> None:
    def refuse(conn: socket.socket) -> None:
        _read_startup(conn)
        fields = b"SFATAL\x00C28P01\x00Mpassword for jan@example.nl failed\x00\x00"
        conn.sendall(b"E" + struct.pack("!i", len(fields) + 4) + fields)
        conn.recv(16)

    with pytest.raises(ProbeError) as failed:
        _open(fake_server(refuse))
    assert failed.value.status is FactStatus.DENIED
    assert "SQLSTATE 28P01" in str(failed.value)
    assert "jan@" not in str(failed.value)


def test_a_silent_server_times_out(fake_server: Callable[[Behaviour], int]) -> None:
    def silent(conn: socket.socket) -> None:
        conn.recv(8)
        threading.Event().wait(6)

    with pytest.raises(ProbeError) as failed:
        _open(fake_server(silent))
    assert "no answer to the TLS request" in str(failed.value)


@pytest.mark.parametrize(("reply", "expected"), [
    (b"S", {"answer": "postgresql", "tls": "offered"}),
    (b"N", {"answer": "postgresql", "tls": "not-offered"}),
    (b"SSH-2.0-OpenSSH_9.2\r\n", {"answer": "other"}),
    (b"", {"answer": "silent"}),
])
def test_reachability_probe_answer(fake_server: Callable[[Behaviour], int], reply: bytes,
                                   expected: dict[str, str]) -> None:
    def answer(conn: socket.socket) -> None:
        assert conn.recv(8) == SSL_REQUEST
        conn.sendall(reply)

    port = fake_server(answer)
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.settimeout(3)
        assert _postgres_answer(sock) == expected


def test_identifiers_from_the_target_are_quoted_once() -> None:
    from posture.collect.db.pgsession import quote_pg
    from posture.collect.probes.pgshopdb import _default, _luhn_sql

    assert quote_pg('we"ird') == '"we""ird"'
    with pytest.raises(ProbeError):
        quote_pg("nul\x00")
    sql = _luhn_sql(quote_pg("@table"), '"public"."t"')
    assert '"@table"::text' in sql and sql.count('"public"."t"') == 1
    assert [_default(v) for v in ("false", "'0'::smallint", "true", None, "1")] == \
        ["0", "0", "1", None, "1"]


def _message(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


def _rows(values: list[bytes]) -> bytes:
    header = _message(b"T", struct.pack("!h", 1) + b"v\x00" + struct.pack(
        "!ihihih", 0, 0, 25, -1, -1, 0))
    data = b"".join(_message(b"D", struct.pack("!hi", 1, len(v)) + v) for v in values)
    return header + data + _message(b"C", b"SELECT 1\x00")


def _minimal_server(big_rows: int) -> Behaviour:
    """Enough of PostgreSQL's protocol for a login, SET/SHOW and one large SELECT."""
    def serve(conn: socket.socket) -> None:
        _read_startup(conn)
        ready = _message(b"Z", b"I")
        conn.sendall(_message(b"R", struct.pack("!i", 0)) + ready)
        stream = conn.makefile("rb")
        while True:
            kind = stream.read(1)
            if kind in (b"", b"X"):
                return
            body = stream.read(struct.unpack("!i", stream.read(4))[0] - 4)
            sql = body.rstrip(b"\x00").decode()
            if sql.startswith("SHOW"):
                conn.sendall(_rows([b"on" if "read_only" in sql else b"15.0"]) + ready)
            elif sql.startswith("SELECT"):
                conn.sendall(_rows([b"x" * 1024] * big_rows) + ready)
            else:
                conn.sendall(_message(b"C", b"SET\x00") + ready)
    return serve


def test_a_statement_answer_beyond_the_byte_cap_is_an_error(
        fake_server: Callable[[Behaviour], int], monkeypatch: pytest.MonkeyPatch) -> None:
    import posture.collect.db.pgsession as pgsession

    monkeypatch.setattr(pgsession, "STATEMENT_BYTES", 64 * 1024)
    host = Host(name="h", address="127.0.0.1", ssh=SshSettings(user="u"), connection="local",
                timeouts=Timeouts(connect=2, command=5, host=20))
    database = Database("fake", "h", "postgresql", "shop", "app", port=fake_server(
        _minimal_server(200)))
    session = open_pg_session(None, host, database, Secret("pw"), remaining=10)
    assert session.server_version == "PostgreSQL 15.0"
    with pytest.raises(ProbeError) as failed:
        session.query("SELECT v FROM t")
    assert "the server sent more than 65536 bytes for one statement" in str(failed.value)
