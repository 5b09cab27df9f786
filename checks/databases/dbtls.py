"""The application-to-database link: TLS available, required, and of a current version.

Judged from ``db.tls`` (see :mod:`posture.collect.probes.dbtls`). Statements often call this
link "https"; a database speaks its own protocol over TLS, so the summaries say TLS and
explain the wording when that is the only inaccuracy.
"""

from __future__ import annotations

from typing import Any

from checks.base import Check, CheckContext, CheckMeta, Outcome, capped, missing
from checks.databases import dbtls_pg
from posture.models import Severity, Status, msg

WORDING = msg("Note: a database link is encrypted with TLS, not 'https' (HTTP over TLS); a "
              "statement promising 'https' for it should say 'TLS'.")
_REFS = ("https://mariadb.com/kb/en/securing-connections-for-client-and-server/",
         "https://dev.mysql.com/doc/refman/8.0/en/using-encrypted-connections.html",
         "https://www.postgresql.org/docs/current/ssl-tcp.html")


def _value(ctx: CheckContext) -> dict[str, Any] | Outcome:
    error = missing(ctx, "db.tls")
    if error:
        return error
    return dict(ctx.fact("db.tls").value)


def _required(ctx: CheckContext) -> Outcome:
    value = _value(ctx)
    if isinstance(value, Outcome):
        return value
    if value.get("engine") == "postgresql":
        return dbtls_pg.required(value, WORDING)
    variables = value.get("variables") or {}
    own = value.get("tls_session") or {}
    users = value.get("users")
    without = [f"{u['user']}@{u['host']}" for u in users or [] if not u.get("ssl_type")]
    evidence = {"have_ssl": variables.get("have_ssl"),
                "require_secure_transport": variables.get("require_secure_transport"),
                "tls_version": variables.get("tls_version"), "own_tls_session": own,
                "plain_session": value.get("plain_session"),
                "accounts_without_require_ssl": capped(without) if users is not None else None,
                "sessions": value.get("sessions")}
    if str(variables.get("have_ssl", "")).upper() != "YES" or not own.get("version"):
        return Outcome(Status.FAIL, msg("The database server does not offer TLS "
                                        "(have_ssl={have_ssl}): its link is unencrypted. "
                                        "{wording}", have_ssl=variables.get('have_ssl'),
                                        wording=WORDING),
                       evidence)
    if value.get("plain_session") == "accepted":
        return Outcome(Status.FAIL, msg("Database TLS is available but not required: "
                                        "require_secure_transport={require_secure_transport} "
                                        "and posture's own plain connection was accepted. "
                                        "{wording}",
                                        require_secure_transport=variables.get('require_secure_transport'),
                                        wording=WORDING), evidence)
    if value.get("plain_session") != "refused":
        return Outcome(Status.ERROR, msg("could not determine whether plain connections are "
                                         "refused ({value})",
                                         value=value.get('plain_reason', '')[:120]), evidence)
    return Outcome(Status.PASS, msg("The database requires TLS (plain connection refused; "
                                    "own session {version} {cipher}). {wording}",
                                    version=own.get('version'), cipher=own.get('cipher'),
                                    wording=WORDING), evidence)


def _version(ctx: CheckContext) -> Outcome:
    value = _value(ctx)
    if isinstance(value, Outcome):
        return value
    if value.get("engine") == "postgresql":
        return dbtls_pg.version(value)
    allowed = str((value.get("variables") or {}).get("tls_version", ""))
    own = (value.get("tls_session") or {}).get("version", "")
    evidence = {"tls_version": allowed, "own_session": own}
    if not allowed:
        if not own:
            return Outcome(Status.NOT_APPLICABLE, msg("The server offers no TLS (see "
                                                      "db.tls_required)."),
                           evidence)
        return Outcome(Status.ERROR, msg("could not determine: the server does not report "
                                         "tls_version"), evidence)
    old = [v for v in allowed.replace(" ", "").split(",") if v.lower() in ("tlsv1.0", "tlsv1.1")]
    if old:
        return Outcome(Status.WARN, msg("The database still allows {items} "
                                        "(tls_version={allowed}).", items=', '.join(old),
                                        allowed=allowed), evidence)
    return Outcome(Status.PASS, msg("The database allows only {allowed}.", allowed=allowed),
                   evidence)


REQUIRED = Check(CheckMeta(
    id="db.tls_required", title="The database link requires TLS",
    claim_types=("tls_all_links",), severity=Severity.HIGH,
    rationale="If the server accepts plain connections, an application (or attacker) can "
              "connect without encryption and queries, results and passwords cross the "
              "network in clear.",
    remediation="MariaDB/MySQL: configure ssl_cert/ssl_key, set require_secure_transport=ON "
                "(or ALTER USER ... REQUIRE SSL for every application account); PostgreSQL: "
                "'hostssl' lines only in pg_hba.conf.",
    references=_REFS, needs=("db.tls",), target="database"), _required)

VERSION = Check(CheckMeta(
    id="db.tls_version", title="The database allows only TLS 1.2 and newer",
    claim_types=("tls_all_links",), severity=Severity.MEDIUM,
    rationale="TLS 1.0 and 1.1 are deprecated (RFC 8996) for database links as for web ones.",
    remediation="MariaDB: tls_version=TLSv1.2,TLSv1.3; MySQL: tls_version=TLSv1.2,TLSv1.3; "
                "PostgreSQL: ssl_min_protocol_version='TLSv1.2'.",
    references=("https://www.rfc-editor.org/rfc/rfc8996", *_REFS),
    needs=("db.tls",), target="database"), _version)

CHECKS = (REQUIRED, VERSION)
"""The database-link checks, in catalogue order."""
