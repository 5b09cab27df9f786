"""Probe family 'dbtls': is the application-to-database link encrypted?

``db.tls`` runs inside the database's SSH tunnel (the host's connection; the database port
need not be exposed). It opens posture's own session over TLS and reads the server side
(``have_ssl``, ``require_secure_transport``, ``tls_version``), the per-account requirement
(``ssl_type`` from ``mysql.global_priv``/``mysql.user``, when the account may read it) and the
TLS state of sessions where the server shows it; then it tries a second, plain session to
see whether the server refuses it. Only counts, account names and settings leave the server.

Value: {"variables": {name: value}, "tls_session": {"version", "cipher"} | {"error"},
"plain_session": "accepted" | "refused" | "error", "plain_reason", "users": [{"user", "host",
"ssl_type"}] | null, "users_error"?, "sessions": {"tls", "plain"} | null}.
"""

from __future__ import annotations

import ssl
from typing import Any

from posture.collect.db.session import DbSession, open_db_session, password_of
from posture.collect.types import Probe, ProbeContext, ProbeError
from posture.models import JSON, FactStatus

_VARIABLES = ("have_ssl", "have_openssl", "require_secure_transport", "tls_version", "version")
_MAX_USERS = 200
_USERS_QUERIES = (
    "SELECT User, Host, JSON_VALUE(Priv, '$.ssl_type') FROM mysql.global_priv",
    "SELECT User, Host, ssl_type FROM mysql.user",
)
_SSL_TYPES = {"0": "", "1": "ANY", "2": "X509", "3": "SPECIFIED", "": "", "None": ""}


def _tls_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # Observation, not trust: the certificate is not what this probe judges.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1
    return context


def _open(ctx: ProbeContext, tls: bool) -> DbSession:
    if ctx.database is None or ctx.ssh is None or ctx.host is None:
        raise ProbeError(FactStatus.ERROR, "no database or SSH session in this probe context")
    session = open_db_session(ctx.ssh, ctx.host, ctx.database,
                              password_of(ctx.database, ctx.environ),
                              remaining=ctx.remaining(),
                              ssl_context=_tls_context() if tls else None, plain=not tls)
    ctx.cache.setdefault("closers", []).append(session.close)
    return session


def _status(session: DbSession, names: tuple[str, ...], scope: str) -> dict[str, str]:
    marks = ", ".join(["%s"] * len(names))
    rows = session.query(f"SHOW {scope} WHERE Variable_name IN ({marks})", names)
    return {str(r[0]).lower(): str(r[1])[:200] for r in rows}


def _users(session: DbSession) -> tuple[list[dict[str, str]] | None, str]:
    reason = ""
    for sql in _USERS_QUERIES:
        try:
            rows = session.query(sql, max_rows=_MAX_USERS)
        except ProbeError as exc:
            reason = str(exc)[:200]
            continue
        return [{"user": str(u)[:80], "host": str(h)[:80],
                 "ssl_type": _SSL_TYPES.get(str(t), str(t))[:20]} for u, h, t in rows], ""
    return None, reason


def _sessions(session: DbSession) -> dict[str, int] | None:
    """TLS state of current sessions (MySQL performance_schema), None when not visible."""
    try:
        rows = session.query(
            "SELECT VARIABLE_VALUE FROM performance_schema.status_by_thread "
            "WHERE VARIABLE_NAME = 'Ssl_version'", max_rows=5000)
    except ProbeError:
        return None
    tls = sum(1 for (value,) in rows if value)
    return {"tls": tls, "plain": len(rows) - tls}


def _plain_attempt(ctx: ProbeContext) -> tuple[str, str]:
    try:
        _open(ctx, tls=False).close()
    except ProbeError as exc:
        refused = "TLS" in str(exc) or "insecure" in str(exc) or exc.status is FactStatus.DENIED
        return ("refused" if refused else "error"), str(exc)[:200]
    return "accepted", ""


def _db_tls(ctx: ProbeContext) -> JSON:
    if ctx.database is not None and ctx.database.engine == "postgresql":
        from posture.collect.probes.pgtls import pg_db_tls

        return pg_db_tls(ctx)
    out: dict[str, Any] = {}
    try:
        session = _open(ctx, tls=True)
    except ProbeError as exc:
        raise ProbeError(exc.status, f"could not open a session: {exc}") from None
    out["variables"] = _status(session, _VARIABLES, "GLOBAL VARIABLES")
    own = _status(session, ("Ssl_version", "Ssl_cipher"), "SESSION STATUS")
    out["tls_session"] = {"version": own.get("ssl_version", ""),
                          "cipher": own.get("ssl_cipher", "")}
    out["users"], users_error = _users(session)
    if users_error:
        out["users_error"] = users_error
    out["sessions"] = _sessions(session)
    session.close()
    out["plain_session"], out["plain_reason"] = _plain_attempt(ctx)
    return out


PROBES: tuple[Probe, ...] = (
    Probe("db.tls", "database", _db_tls,
          "Server TLS settings, per-account requirements and posture's own TLS and plain "
          "sessions through the SSH tunnel; PostgreSQL: ssl, pg_hba rules, a TLS and a "
          "plain connection (see posture.collect.probes.pgtls).",
          host_facts=(("postgresql", "db.postgres_access"),)),
)
"""The database probes of this family."""
