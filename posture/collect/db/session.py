"""The database seam: read-only sessions through the host's SSH connection.

A ``direct-tcpip`` channel of the host's one SSH connection reaches the database port as seen
from the host; a local socket pair bridges it to PyMySQL, so the driver talks to an ordinary
socket (timeouts and TLS work as usual). The session is made read-only and every statement
is bounded in time on the server.

Database error messages can echo the data they choke on, so no driver text ever leaves this
module: a failure becomes a :class:`ProbeError` with the server's numeric code and a fixed,
generic description.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import paramiko
import pymysql
import pymysql.cursors

from posture.collect.db.bridge import ChannelBridge
from posture.collect.transport.ssh import SshSession
from posture.collect.types import ProbeContext, ProbeError
from posture.errors import TransportError
from posture.models import FactStatus
from posture.secret import Secret

if TYPE_CHECKING:
    import ssl
    from collections.abc import Mapping

    from posture.inventory.model import Database, Host

GROUP_CONCAT_MAX = 1 << 22  # bytes: room for the binary keyed hashes of ~500,000 values
DEFAULT_PORTS = {"mariadb": 3306, "mysql": 3306, "postgresql": 5432}
_DENIED_CODES = {1044, 1045, 1142, 1143, 1227, 1370, 1698, 3118}
_TIMEOUT_CODES = {1969, 3024, 2013}  # statement time limit (MariaDB, MySQL); lost in a read
_GENERIC = {
    1044: "access to the database denied", 1045: "access denied (user or password)",
    1049: "unknown database", 1142: "command denied", 1143: "column access denied",
    1146: "table does not exist", 1064: "SQL syntax error", 1698: "access denied",
    1792: "write refused: the session is read-only", 1969: "statement time limit reached",
    3024: "statement time limit reached", 2003: "cannot connect to the database server",
    2013: "lost the connection (read timed out or the server went away)",
    2006: "the server went away", 3159: "the server requires a TLS connection",
}


Opener = Callable[[object, "Host", "Database", "Secret | None", float, str], "DbSession"]
ENGINES: dict[str, Opener] = {}
"""Engines other than MariaDB/MySQL: name -> opener (ssh, host, database, password, remaining,
TLS mode ``prefer``/``require``/``disable``); filled by their modules (see
:mod:`posture.collect.db`, which imports them)."""


def scrubbed(exc: BaseException, where: str) -> ProbeError:
    """A ProbeError for ``exc`` that keeps only the error code and a fixed description."""
    code = exc.args[0] if isinstance(exc, pymysql.err.MySQLError) and exc.args else None
    if not isinstance(code, int):
        return ProbeError(FactStatus.ERROR, f"{where}: database failure ({type(exc).__name__})")
    status = FactStatus.ERROR
    if code in _DENIED_CODES:
        status = FactStatus.DENIED
    elif code in _TIMEOUT_CODES:
        status = FactStatus.TIMEOUT
    text = _GENERIC.get(code, "database error")
    return ProbeError(status, f"{where}: {text} (error {code})")


def quote_ident(name: str) -> str:
    """A MariaDB/MySQL identifier in backquotes (names come from the target: hostile)."""
    if "\x00" in name:
        raise ProbeError(FactStatus.ERROR, "an identifier holds a NUL byte")
    return "`" + name.replace("`", "``") + "`"


class DbSession:
    """A read-only database session through the host's SSH connection (paramiko direct-tcpip).

    Open with :func:`db_session` / :func:`db_session_for` inside probes, or
    :func:`open_db_session` elsewhere. PostgreSQL sessions are the subclass
    :class:`posture.collect.db.pgsession.PgSession`; ``dialect`` tells the SQL apart.
    """

    dialect = "mysql"

    def __init__(self, engine: str, name: str, conn: pymysql.connections.Connection[Any],
                 sock: socket.socket, statement_limit: float) -> None:
        self.engine = engine
        self.name = name
        self.server_version = _server_info(conn)[:80]
        self.is_mariadb = "mariadb" in self.server_version.lower()
        self.statement_limit = statement_limit
        self._conn = conn
        self._sock = sock  # closing it also ends the bridge (and channel) behind it

    def query(self, sql: str, args: Sequence[object] = (), *,
              max_rows: int = 10000) -> list[tuple[object, ...]]:
        """Run one statement (``%s`` placeholders) and return at most ``max_rows`` rows.

        More rows than ``max_rows`` is an error rather than a silent truncation.
        """
        cursor = self._conn.cursor(pymysql.cursors.SSCursor)
        try:
            with _bounded(self._sock, self.statement_limit + 5):  # a drip defeats timeouts
                cursor.execute(sql, tuple(args) or None)
                rows = cursor.fetchmany(max_rows + 1)
                if len(rows) > max_rows:
                    raise ProbeError(FactStatus.ERROR,
                                     f"{self.name}: a query returned more than {max_rows} rows")
                cursor.close()
            return [tuple(r) for r in rows]
        except ProbeError:
            _abandon(cursor)
            self.close()  # do not drain an oversized result over the tunnel
            raise
        except Exception as exc:  # noqa: BLE001 - scrubbed below, never echoed
            _abandon(cursor)
            raise scrubbed(exc, self.name) from None

    def table_ref(self, name: str) -> str:
        """The SQL reference of a table of the session's database."""
        return quote_ident(name)

    def close(self) -> None:
        """Close the session and its tunnel; safe to call again."""
        try:
            if self._conn.open:
                self._conn.close()
        except Exception:  # noqa: BLE001, S110 - closing is best effort
            pass
        with contextlib.suppress(OSError):
            self._sock.close()


def _abandon(cursor: pymysql.cursors.SSCursor) -> None:
    """Forget the cursor's unread result: PyMySQL would otherwise try to drain it when the
    cursor is closed or collected, and that error would replace the real one."""
    result = getattr(cursor, "_result", None)
    if result is not None:
        result.unbuffered_active = False


@contextlib.contextmanager
def _bounded(sock: socket.socket, seconds: float) -> Iterator[None]:
    """Shut ``sock`` down if the block lasts longer than ``seconds``: socket timeouts bound
    each read, not a server that stalls a login or drips a result byte by byte."""
    timer = threading.Timer(seconds, lambda: _shutdown(sock))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _server_info(conn: pymysql.connections.Connection[Any]) -> str:
    info: object = conn.get_server_info()  # type: ignore[no-untyped-call]
    return str(info)[:80]


def _tunnel(ssh: object, host: Host, port: int, timeout: float,
            where: str) -> socket.socket:
    """A socket reaching ``127.0.0.1:port`` as seen from ``host``.

    Over SSH: a ``direct-tcpip`` channel of the host's connection (the last hop: ProxyJump
    hops come first), bridged to a local socket. For ``connection: local`` the auditor's
    machine is the host, so a plain loopback connection is the same path.
    """
    transports: list[paramiko.Transport] | None = getattr(ssh, "_transports", None)
    if transports is None:
        if host.connection != "local":
            raise ProbeError(FactStatus.ERROR, f"{where}: databases cannot be reached through "
                                               f"a {host.connection!r} connection")
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=timeout)
        except OSError:
            raise ProbeError(FactStatus.ERROR, f"{where}: cannot connect to the database "
                                               f"port {port}") from None
    if not transports:
        raise ProbeError(FactStatus.ERROR, f"{where}: the SSH session to the host is closed")
    try:
        channel = transports[-1].open_channel("direct-tcpip", ("127.0.0.1", port),
                                              ("127.0.0.1", 0), timeout=timeout)
    except (paramiko.SSHException, OSError, EOFError):
        if not transports[-1].is_active():  # not the database's doing: say what was lost
            raise ProbeError(FactStatus.ERROR, f"{where}: the SSH connection to the host was "
                                               "lost before the database port was reached") \
                from None
        raise ProbeError(FactStatus.ERROR, f"{where}: the host could not connect to the "
                                           f"database port {port}") from None
    return ChannelBridge(channel).socket


def _session_bounds(host: Host, remaining: float) -> tuple[float, float]:
    """(connect timeout, per-statement limit) in seconds, within the time left."""
    connect = max(1.0, min(host.timeouts.connect, remaining))
    statement = max(1.0, min(host.timeouts.command, remaining - 1.0))
    return connect, statement


def _prepare(conn: pymysql.connections.Connection[Any], limit: float) -> None:
    mariadb = "mariadb" in _server_info(conn).lower()
    with conn.cursor() as cursor:
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
        cursor.execute("SET SESSION group_concat_max_len = %s", (GROUP_CONCAT_MAX,))
        if mariadb:
            cursor.execute("SET SESSION max_statement_time = %s", (round(limit, 1),))
        else:
            cursor.execute("SET SESSION max_execution_time = %s", (int(limit * 1000),))


def open_db_session(ssh: object, host: Host, database: Database, password: Secret | None, *,
                    remaining: float, ssl_context: ssl.SSLContext | None = None,
                    plain: bool = False) -> DbSession:
    """Tunnel to ``database`` through ``ssh`` (the session of ``host``) and log in read-only.

    Raises ProbeError. ``ssl_context`` (optional) wraps the database protocol in TLS inside
    the tunnel. ``plain`` forbids TLS (PyMySQL otherwise upgrades whenever the server offers
    it), to test whether the server accepts unencrypted sessions.
    """
    opener = ENGINES.get(database.engine)
    if opener is not None:
        mode = "disable" if plain else "require" if ssl_context else "prefer"
        return opener(ssh, host, database, password, remaining, mode)
    if database.engine not in ("mariadb", "mysql"):
        raise ProbeError(FactStatus.ERROR, f"{database.name}: unknown engine "
                                           f"{database.engine!r}")
    port = database.port or DEFAULT_PORTS[database.engine]
    connect_timeout, limit = _session_bounds(host, remaining)
    sock = _tunnel(ssh, host, port, connect_timeout, database.name)
    conn = pymysql.connections.Connection(
        host="127.0.0.1", port=port, user=database.user, database=database.database,
        password=password.reveal() if password else "", charset="utf8mb4",
        connect_timeout=int(connect_timeout), read_timeout=int(limit + 5),
        write_timeout=int(limit + 5), autocommit=True, defer_connect=True,
        ssl=ssl_context, ssl_disabled=plain or None, local_infile=False)
    try:
        with _bounded(sock, connect_timeout):  # PyMySQL applies read_timeout to a given socket
            conn.connect(sock=sock)
        with _bounded(sock, limit + 5):
            _prepare(conn, limit)
    except Exception as exc:  # noqa: BLE001 - scrubbed below, never echoed
        with contextlib.suppress(OSError):
            sock.close()
        raise scrubbed(exc, database.name) from None
    return DbSession(database.engine, database.name, conn, sock, limit)


def password_of(database: Database, environ: Mapping[str, str]) -> Secret | None:
    """The database password from its environment variable; the error names the variable."""
    if not database.password_env:
        return None
    value = environ.get(database.password_env)
    if value is None:
        raise ProbeError(FactStatus.ERROR, f"{database.name}: environment variable "
                                           f"{database.password_env} is not set")
    return Secret(value)


def _opened(ctx: ProbeContext, database: Database, ssh: object) -> DbSession:
    cache: dict[str, DbSession | ProbeError] = ctx.cache.setdefault("db_by_name", {})
    found = cache.get(database.name)
    if isinstance(found, ProbeError):  # fail every probe the same way, without retrying
        raise ProbeError(found.status, str(found))
    if found is not None:
        return found
    try:
        session = open_db_session(ssh, ctx.inventory.host(database.host), database,
                                  password_of(database, ctx.environ), remaining=ctx.remaining())
    except ProbeError as exc:
        cache[database.name] = exc
        raise
    cache[database.name] = session
    ctx.cache.setdefault("closers", []).append(session.close)
    return session


def db_session(ctx: ProbeContext) -> DbSession:
    """The session of the probed database (``ctx.database``), opened once per target."""
    if ctx.database is None or ctx.ssh is None:
        raise ProbeError(FactStatus.ERROR, "no database or SSH session in this probe context")
    session = _opened(ctx, ctx.database, ctx.ssh)
    ctx.cache["db"] = session
    return session


def db_session_for(ctx: ProbeContext, database: Database) -> DbSession:
    """A session to another database of the inventory (e.g. ``compare_with``), cached by name.

    A database on another host gets its own SSH connection, closed with the probe context.
    """
    ssh = ctx.ssh
    if ctx.host is None or database.host != ctx.host.name:
        ssh = _other_host(ctx, database)
    if ssh is None:
        raise ProbeError(FactStatus.ERROR, "no SSH session in this probe context")
    return _opened(ctx, database, ssh)


def _other_host(ctx: ProbeContext, database: Database) -> SshSession:
    sessions: dict[str, SshSession] = ctx.cache.setdefault("ssh_by_host", {})
    if database.host not in sessions:
        try:
            sessions[database.host] = SshSession.connect(ctx.inventory.host(database.host),
                                                         environ=ctx.environ)
        except TransportError as exc:
            raise ProbeError(FactStatus.ERROR, f"{database.name}: host {database.host} is "
                                               f"unreachable ({str(exc)[:200]})") from None
        ctx.cache.setdefault("closers", []).append(sessions[database.host].close)
    return sessions[database.host]


__all__ = ["DbSession", "db_session", "db_session_for", "open_db_session", "password_of",
           "quote_ident", "scrubbed"]

