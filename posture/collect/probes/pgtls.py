"""``db.tls`` for PostgreSQL: is the application-to-database link encrypted, and required?

Two connections of posture's own through the SSH tunnel: one that asks for TLS
(``SSLRequest``; the server answers ``S`` or ``N``) and one that does not ask at all. A
server that offers TLS but still admits the plain one does not require it. Beside them the
server's settings (``ssl``, ``ssl_min_protocol_version`` when the role may see it) and the
effective ``pg_hba`` rules: from the ``pg_hba_file_rules`` view when the role may read it,
else from the host fact ``db.postgres_access`` (read over SSH in the host's batch).

Value: {"engine": "postgresql", "user", "database", "variables": {"ssl",
"ssl_min_protocol_version"?, "version"}, "tls_session": {"version", "cipher"} | {"error"},
"tls_offered": bool | null, "plain_session": "accepted" | "refused" | "error",
"plain_reason", "roles": [role the user belongs to], "sessions": {"tls", "plain",
"hidden"} | null (TCP client sessions), "hba": {"source", "rules": [{"line",
"type", "database": [..], "user": [..], "address", "netmask", "method", "error"}]} |
{"source": null, "error"}}.
"""

from __future__ import annotations

from typing import Any

from posture.collect.db.pgsession import PgSession, TlsMode, open_pg_session
from posture.collect.db.session import password_of
from posture.collect.types import ProbeContext, ProbeError
from posture.models import JSON, Fact, FactStatus

MAX_RULES = 500
_SETTINGS = ("ssl", "ssl_min_protocol_version", "ssl_max_protocol_version", "server_version",
             "password_encryption")


def _open(ctx: ProbeContext, mode: TlsMode) -> PgSession:
    if ctx.database is None or ctx.ssh is None or ctx.host is None:
        raise ProbeError(FactStatus.ERROR, "no database or SSH session in this probe context")
    session = open_pg_session(ctx.ssh, ctx.host, ctx.database,
                              password_of(ctx.database, ctx.environ),
                              remaining=ctx.remaining(), tls=mode)
    ctx.cache.setdefault("closers", []).append(session.close)
    return session


def _clip(value: object, limit: int) -> str:
    return "".join(c if c.isprintable() else "?" for c in str(value))[:limit]


def _words(value: object) -> list[str]:
    items = value if isinstance(value, list) else [] if value is None else [value]
    return [_clip(v, 80) for v in items[:50]]


def view_rules(session: PgSession) -> list[dict[str, JSON]]:
    """``pg_hba_file_rules`` rows (raises ProbeError when the role may not read the view)."""
    rows = session.query("SELECT line_number, type, database, user_name, address, netmask, "
                         "auth_method, error FROM pg_hba_file_rules ORDER BY line_number",
                         max_rows=MAX_RULES)
    return [{"line": int(str(line)) if line is not None else 0, "type": _clip(kind, 20),
             "database": _words(dbs), "user": _words(users),
             "address": _clip(address or "", 200), "netmask": _clip(netmask or "", 60),
             "method": _clip(method or "", 30), "error": _clip(error or "", 200)}
            for line, kind, dbs, users, address, netmask, method, error in rows]


def host_cluster(fact: Fact | None, port: int) -> dict[str, Any] | None:
    """The running cluster on ``port`` in the host fact ``db.postgres_access``, if any."""
    if fact is None or fact.status is not FactStatus.OK or not isinstance(fact.value, dict):
        return None
    clusters = [c for c in fact.value.get("clusters", []) if isinstance(c, dict)]
    return next((c for c in clusters if str(c.get("port")) == str(port)), None)


def file_rules(fact: Fact | None, port: int) -> tuple[list[dict[str, JSON]], str] | None:
    """The rules of the cluster on ``port`` from the host fact ``db.postgres_access``."""
    cluster = host_cluster(fact, port)
    if cluster is None:
        return None
    if cluster.get("rules"):  # the server's own view, read by its superuser over SSH
        return list(cluster["rules"])[:MAX_RULES], "pg_hba_file_rules (superuser, over SSH)"
    rules = [_from_fields([str(f) for f in entry["fields"]], entry.get("line", 0))
             for entry in cluster.get("hba", []) if len(entry.get("fields", [])) >= 4]
    if not rules:  # nothing read is not "no rule": the caller reports it as unknown
        return None
    source = f"{cluster.get('hba_file') or 'pg_hba.conf'} (read over SSH)"
    return rules[:MAX_RULES], source


def _looks_ip(text: str) -> bool:
    return bool(text) and ("." in text or ":" in text) and all(
        c in "0123456789.:abcdefABCDEF" for c in text)


def _from_fields(fields: list[str], line: object) -> dict[str, JSON]:
    """One pg_hba.conf line (type, database, user, [address [mask]], method) as a rule."""
    kind, rest = fields[0], fields[3:]
    address = netmask = ""
    if kind != "local" and rest:
        address, rest = rest[0], rest[1:]
        if "/" not in address and rest and _looks_ip(address) and _looks_ip(rest[0]):
            netmask, rest = rest[0], rest[1:]
    return {"line": int(str(line)) if str(line).isdecimal() else 0, "type": kind,
            "database": fields[1].split(","), "user": fields[2].split(","),
            "address": address, "netmask": netmask, "method": rest[0] if rest else "",
            "error": ""}


def _settings(session: PgSession) -> dict[str, str]:
    rows = session.query("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
                         (list(_SETTINGS),))
    return {str(n): _clip(v, 100) for n, v in rows}


def _roles(session: PgSession) -> list[str]:
    rows = session.query("SELECT rolname FROM pg_roles WHERE pg_has_role(current_user, oid, "
                         "'member') ORDER BY rolname", max_rows=500)
    return [_clip(r[0], 80) for r in rows]


def _sessions(session: PgSession) -> dict[str, int] | None:
    """TLS state of the server's TCP client sessions (others' are hidden without
    pg_read_all_stats: counted apart); None when not visible at all."""
    try:
        rows = session.query(
            "SELECT count(*) FILTER (WHERE a.client_port > 0 AND s.ssl), "
            "count(*) FILTER (WHERE a.client_port > 0 AND NOT s.ssl), "
            "count(*) FILTER (WHERE a.client_port IS NULL) FROM pg_stat_activity a "
            "JOIN pg_stat_ssl s ON s.pid = a.pid WHERE a.backend_type = 'client backend'")
    except ProbeError:
        return None
    tls, plain, hidden = (int(str(v or 0)) for v in rows[0])
    return {"tls": tls, "plain": plain, "hidden": hidden}


def _plain(ctx: ProbeContext) -> tuple[str, str, PgSession | None]:
    try:
        session = _open(ctx, "disable")
    except ProbeError as exc:
        refused = "SQLSTATE 28000" in str(exc)
        return ("refused" if refused else "error"), str(exc)[:200], None
    return "accepted", "", session


def pg_db_tls(ctx: ProbeContext) -> JSON:
    """The ``db.tls`` value of a PostgreSQL database (see the module docstring)."""
    database = ctx.database
    if database is None:
        raise ProbeError(FactStatus.ERROR, "no database in this probe context")
    out: dict[str, Any] = {"engine": "postgresql", "user": database.user,
                           "database": database.database}
    tls_session: PgSession | None = None
    try:
        tls_session = _open(ctx, "require")
        out["tls_session"], out["tls_offered"] = dict(tls_session.tls), True
    except ProbeError as exc:
        offered = False if "does not offer TLS" in str(exc) else None
        out["tls_session"], out["tls_offered"] = {"error": str(exc)[:200]}, offered
    out["plain_session"], out["plain_reason"], plain = _plain(ctx)
    session = tls_session or plain
    if session is None:
        raise ProbeError(FactStatus.ERROR, "could not open a session: "
                                           f"{out['tls_session']['error']}")
    variables = _settings(session)
    variables["version"] = session.server_version
    host_facts: dict[str, Fact] = ctx.cache.get("host_facts", {})
    cluster = host_cluster(host_facts.get("db.postgres_access"), database.port or 5432)
    if "ssl_min_protocol_version" not in variables and cluster is not None:
        found = cluster.get("settings", {}).get("ssl_min_protocol_version")
        if found is not None:
            variables["ssl_min_protocol_version"] = str(found)
            variables["ssl_min_protocol_version_source"] = "host configuration (over SSH)"
    out["variables"] = variables
    out["roles"] = _roles(session)
    out["sessions"] = _sessions(session)
    try:
        out["hba"] = {"source": "pg_hba_file_rules", "rules": view_rules(session)}
    except ProbeError as exc:
        found = file_rules(host_facts.get("db.postgres_access"), database.port or 5432)
        if found is None:
            fact = host_facts.get("db.postgres_access")
            why = (f"host fact db.postgres_access is {fact.status.value}" if fact else
                   "host fact db.postgres_access was not gathered")
            out["hba"] = {"source": None, "error": f"pg_hba_file_rules: {str(exc)[:120]}; "
                                                   f"{why}"}
        else:
            out["hba"] = {"source": found[1], "rules": found[0],
                          "view_error": str(exc)[:120]}
    for opened in (tls_session, plain):
        if opened is not None:
            opened.close()
    return out
