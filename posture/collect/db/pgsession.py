"""PostgreSQL sessions through the host's SSH connection: pg8000 over the bridged channel.

The TLS request (``SSLRequest``) is sent by this module, not by the driver, so that posture
knows exactly what the server answered (``S``: TLS offered, ``N``: not) and can ask for TLS,
prefer it, or refuse it. pg8000 then gets the (possibly TLS-wrapped) socket behind a guard
that bounds every protocol message and the bytes of each statement: the driver would
otherwise allocate whatever length a hostile peer announces.

The session is read-only (``default_transaction_read_only``), every statement is bounded on
the server (``statement_timeout``) and on the client (the socket is shut down at the limit).
No driver or server text leaves this module: a failure keeps only the SQLSTATE code and a
fixed description.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import pg8000.dbapi

from posture.collect.db.session import ENGINES, DbSession, _bounded, _session_bounds, _tunnel
from posture.collect.types import ProbeError
from posture.models import FactStatus

if TYPE_CHECKING:
    from posture.inventory.model import Database, Host
    from posture.secret import Secret

TlsMode = Literal["prefer", "require", "disable"]
SSL_REQUEST = struct.pack("!ii", 8, 80877103)
MAX_MESSAGE = 32 << 20  # one protocol message: a row of keyed hashes stays far below
STATEMENT_BYTES = 96 << 20  # everything one statement may send back
LOGIN_BYTES = 1 << 20
_SQLSTATE = re.compile(r"^[0-9A-Z]{5}$")
_GENERIC: dict[str, tuple[FactStatus, str]] = {
    "28P01": (FactStatus.DENIED, "access denied (user or password)"),
    "28000": (FactStatus.DENIED, "no pg_hba.conf rule admits this connection"),
    "3D000": (FactStatus.ERROR, "unknown database"),
    "42501": (FactStatus.DENIED, "permission denied"),
    "57014": (FactStatus.TIMEOUT, "statement time limit reached"),
    "25006": (FactStatus.ERROR, "write refused: the session is read-only"),
    "42P01": (FactStatus.ERROR, "table does not exist"),
    "42601": (FactStatus.ERROR, "SQL syntax error"),
    "42883": (FactStatus.ERROR, "function does not exist"),
    "53300": (FactStatus.ERROR, "too many connections"),
    "57P03": (FactStatus.ERROR, "the server is starting up or shutting down"),
    "08P01": (FactStatus.ERROR, "protocol violation"),
}


class _Limit(OSError):
    """A guard limit was reached (the text is posture's own)."""


class _Stream:
    """What pg8000 reads and writes: a buffered socket file with per-read and total caps."""

    def __init__(self, guard: _Guard) -> None:
        self._guard = guard
        self._file = guard.sock.makefile("rwb")

    def read(self, size: int) -> bytes:
        if size > MAX_MESSAGE:
            raise self._guard.trip(f"the server announced a message of {size} bytes")
        data: bytes = self._file.read(size)
        self._guard.budget -= len(data)
        if self._guard.budget < 0:
            raise self._guard.trip(f"the server sent more than {self._guard.limit} bytes "
                                   f"for one {self._guard.what}")
        return data

    def write(self, data: bytes) -> int:
        return int(self._file.write(data) or 0)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._file.close()


class _Guard:
    """The socket object handed to pg8000 (``sock=``): only ``makefile`` and ``close``."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.budget = self.limit = LOGIN_BYTES
        self.what = "login"
        self.tripped = ""

    def allow(self, limit: int, what: str) -> None:
        """Start a new byte budget (a login, one statement)."""
        self.budget = self.limit = limit
        self.what = what

    def trip(self, why: str) -> _Limit:
        self.tripped = why
        return _Limit(why)

    def makefile(self, mode: str = "rwb") -> _Stream:
        return _Stream(self)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def scrubbed_pg(exc: BaseException, where: str, guard: _Guard | None = None) -> ProbeError:
    """A ProbeError for ``exc`` keeping only the SQLSTATE and a fixed description."""
    if guard is not None and guard.tripped:
        return ProbeError(FactStatus.ERROR, f"{where}: {guard.tripped}")
    fields = exc.args[0] if isinstance(exc, pg8000.dbapi.DatabaseError) and exc.args else None
    code = str(fields.get("C", "")) if isinstance(fields, dict) else ""
    if not _SQLSTATE.match(code):
        if isinstance(exc, ProbeError):
            return exc
        return ProbeError(FactStatus.ERROR, f"{where}: lost the connection or the server went "
                                            f"away ({type(exc).__name__})")
    status, text = _GENERIC.get(code, (FactStatus.ERROR, "database error"))
    if code.startswith("28") and code not in _GENERIC:
        status, text = FactStatus.DENIED, "access denied"
    return ProbeError(status, f"{where}: {text} (SQLSTATE {code})")


def quote_pg(name: str) -> str:
    """A PostgreSQL identifier in double quotes (names come from the target: hostile)."""
    if "\x00" in name:
        raise ProbeError(FactStatus.ERROR, "an identifier holds a NUL byte")
    return '"' + name.replace('"', '""') + '"'


def tls_context() -> ssl.SSLContext:
    """TLS for observation inside the tunnel: the certificate is not what is judged here."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def negotiate(sock: socket.socket, mode: TlsMode, timeout: float,
              where: str) -> tuple[socket.socket, str]:
    """Send ``SSLRequest`` (unless ``disable``) and wrap the socket when the server says S.

    Returns (socket, answer) with answer ``S``, ``N`` or ``""`` (not asked).
    """
    if mode == "disable":
        return sock, ""
    sock.settimeout(timeout)
    try:
        sock.sendall(SSL_REQUEST)
        answer = sock.recv(1)
    except OSError:
        raise ProbeError(FactStatus.ERROR, f"{where}: no answer to the TLS request") from None
    if answer == b"N":
        if mode == "require":
            raise ProbeError(FactStatus.ERROR, f"{where}: the server does not offer TLS "
                                               "(it answered N to the TLS request)")
        return sock, "N"
    if answer != b"S":
        raise ProbeError(FactStatus.ERROR, f"{where}: the TLS request was not answered as a "
                                           "PostgreSQL server answers it")
    try:
        return tls_context().wrap_socket(sock), "S"
    except (OSError, ssl.SSLError):
        raise ProbeError(FactStatus.ERROR, f"{where}: the TLS handshake failed") from None


class PgSession(DbSession):
    """A read-only PostgreSQL session; same interface as :class:`DbSession`."""

    dialect = "postgresql"

    def __init__(self, name: str, conn: pg8000.dbapi.Connection, guard: _Guard,
                 statement_limit: float, tls_answer: str) -> None:
        # DbSession.__init__ is MySQL's; the attributes it sets are set here.
        self.engine = "postgresql"
        self.name = name
        self.is_mariadb = False
        self.statement_limit = statement_limit
        self.tls_answer = tls_answer
        sock = guard.sock
        self.tls: dict[str, str] = {}
        if isinstance(sock, ssl.SSLSocket):
            cipher = sock.cipher()
            self.tls = {"version": str(sock.version() or ""),
                        "cipher": str(cipher[0]) if cipher else ""}
        self.refs: dict[str, str] = {}  # table name shown -> its quoted SQL reference
        self._pg = conn
        self._guard = guard
        self._raw = guard.sock  # TLS wrapping detaches the plain socket: keep the live one
        self.server_version = ""
        rows = self.query("SHOW server_version")
        self.server_version = f"PostgreSQL {str(rows[0][0])[:60]}" if rows else "PostgreSQL"

    def query(self, sql: str, args: Sequence[object] = (), *,
              max_rows: int = 10000) -> list[tuple[object, ...]]:
        """Run one statement (``%s`` placeholders) and return at most ``max_rows`` rows."""
        self._guard.allow(STATEMENT_BYTES, "statement")
        cursor = self._pg.cursor()
        try:
            with _bounded(self._raw, self.statement_limit + 5):
                cursor.execute(sql, tuple(args))
                rows = cursor.fetchall() if cursor.description is not None else []
        except Exception as exc:  # noqa: BLE001 - scrubbed below, never echoed
            error = scrubbed_pg(exc, self.name, self._guard)
            if self._guard.tripped:
                self.close()
            raise error from None
        if len(rows) > max_rows:
            raise ProbeError(FactStatus.ERROR,
                             f"{self.name}: a query returned more than {max_rows} rows")
        return [tuple(r) for r in rows]

    def table_ref(self, name: str) -> str:
        """The SQL reference of a table listed by :func:`posture.collect.db.scan`."""
        return self.refs.get(name) or quote_pg(name)

    def close(self) -> None:
        """Close the session and its tunnel; safe to call again."""
        with contextlib.suppress(Exception):
            self._pg.close()
        with contextlib.suppress(OSError):
            self._raw.close()


def _prepare(conn: pg8000.dbapi.Connection, limit: float) -> None:
    cursor = conn.cursor()
    ms = int(limit * 1000)
    for statement in ("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
                      f"SET statement_timeout = {ms}", "SET lock_timeout = 2000",
                      f"SET idle_in_transaction_session_timeout = {ms + 5000}",
                      "SET client_encoding = 'UTF8'"):
        cursor.execute(statement)
    cursor.execute("SHOW default_transaction_read_only")
    row: Any = cursor.fetchone()
    if not row or str(row[0]) != "on":  # never audit through a session that may write
        raise ProbeError(FactStatus.ERROR, "the session could not be made read-only")


def open_pg_session(ssh: object, host: Host, database: Database, password: Secret | None, *,
                    remaining: float, tls: TlsMode = "prefer") -> PgSession:
    """Tunnel to ``database`` through ``ssh`` and log in read-only. Raises ProbeError.

    ``tls``: ``prefer`` (TLS when the server offers it; like libpq, a TLS login that no
    pg_hba rule admits is tried once more without TLS, for ``hostnossl`` rules), ``require``
    (fail unless the server answers S) or ``disable`` (no TLS request at all).
    """
    try:
        return _open_pg(ssh, host, database, password, remaining, tls)
    except ProbeError as exc:
        if tls != "prefer" or "SQLSTATE 28000" not in str(exc) or "(TLS)" not in str(exc):
            raise
    return _open_pg(ssh, host, database, password, remaining, "disable")


def _open_pg(ssh: object, host: Host, database: Database, password: Secret | None,
             remaining: float, tls: TlsMode) -> PgSession:
    port = database.port or 5432
    connect_timeout, limit = _session_bounds(host, remaining)
    raw = _tunnel(ssh, host, port, connect_timeout, database.name)
    guard: _Guard | None = None
    try:
        with _bounded(raw, connect_timeout + 2):
            sock, answer = negotiate(raw, tls, connect_timeout, database.name)
        sock.settimeout(limit + 5)
        guard = _Guard(sock)
        with _bounded(sock, connect_timeout + 2):  # the live socket: TLS detached ``raw``
            conn = pg8000.dbapi.Connection(
                user=database.user, database=database.database or None,
                password=password.reveal() if password else None,
                ssl_context=False, sock=guard, application_name="posture",
                tcp_keepalive=False)
        conn.autocommit = True
        guard.allow(LOGIN_BYTES, "session set-up")
        with _bounded(sock, limit + 5):
            _prepare(conn, limit)
        return PgSession(database.name, conn, guard, limit, answer)
    except Exception as exc:  # noqa: BLE001 - scrubbed below, never echoed
        for opened in (raw, guard.sock if guard else None):
            if opened is not None:
                with contextlib.suppress(OSError):
                    opened.close()
        error = scrubbed_pg(exc, database.name, guard)
        if guard is not None and isinstance(guard.sock, ssl.SSLSocket):
            error = ProbeError(error.status, f"{error} (TLS)")
        raise error from None


def _open_for_engine(ssh: object, host: Host, database: Database, password: Secret | None,
                     remaining: float, mode: str) -> PgSession:
    tls: TlsMode = "disable" if mode == "disable" else "require" if mode == "require" \
        else "prefer"
    return open_pg_session(ssh, host, database, password, remaining=remaining, tls=tls)


ENGINES["postgresql"] = _open_for_engine

__all__ = ["PgSession", "negotiate", "open_pg_session", "quote_pg", "scrubbed_pg",
           "tls_context"]
