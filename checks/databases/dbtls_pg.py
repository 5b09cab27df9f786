"""``db.tls_required`` and ``db.tls_version`` for PostgreSQL (value of
:mod:`posture.collect.probes.pgtls`).

Required means: the server offers TLS, no ``pg_hba`` rule lets the declared user (or anyone)
in without it, and posture's own plain connection is refused. TLS offered is not TLS
required: ``host`` lines match TLS and plain connections alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.base import Outcome, capped
from checks.databases.pghba import plain_rules, unreadable
from posture.models import Status

OLD_VERSIONS = ("", "tlsv1", "tlsv1.1")


def required(value: Mapping[str, Any], wording: str) -> Outcome:
    """The verdict of ``db.tls_required`` for a PostgreSQL ``db.tls`` value."""
    variables = value.get("variables") or {}
    own = value.get("tls_session") or {}
    hba = value.get("hba") or {}
    user, database = str(value.get("user", "")), str(value.get("database", ""))
    rules = hba.get("rules") if hba.get("source") else None
    admitting = plain_rules(rules, user, database, value.get("roles") or []) \
        if rules is not None else None
    evidence = {"ssl": variables.get("ssl"), "own_tls_session": own,
                "plain_session": value.get("plain_session"),
                "plain_reason": value.get("plain_reason"), "hba_source": hba.get("source"),
                "hba_error": hba.get("error") or hba.get("view_error"),
                "rules_admitting_without_tls": capped(list(admitting or [])),
                "rules_with_errors": capped(list(unreadable(rules or []))),
                "sessions": value.get("sessions")}
    if str(variables.get("ssl", "")).lower() != "on" or value.get("tls_offered") is False:
        return Outcome(Status.FAIL, "The PostgreSQL server does not offer TLS (ssl="
                       f"{variables.get('ssl')}; it answered N to posture's TLS request): its "
                       f"link is unencrypted. {wording}", evidence)
    if admitting:
        return Outcome(Status.FAIL, f"pg_hba admits {user} without TLS: "
                       f"{'; '.join(admitting[:3])} (TLS is offered, not required; "
                       f"plain session {value.get('plain_session')}). {wording}", evidence)
    if value.get("plain_session") == "accepted":
        return Outcome(Status.FAIL, "TLS is offered but not required: posture's own plain "
                       "connection was accepted (the pg_hba rules in force differ from the "
                       f"file read; reload pending?). {wording}", evidence)
    if rules is None:
        return Outcome(Status.ERROR, "could not determine: the pg_hba rules were not read "
                       f"({str(hba.get('error', ''))[:160]}); posture's plain connection "
                       f"from the host was {value.get('plain_session')}, other addresses "
                       "are unknown", evidence)
    if value.get("plain_session") != "refused":
        return Outcome(Status.ERROR, "could not determine whether plain connections are "
                       f"refused ({str(value.get('plain_reason', ''))[:120]})", evidence)
    if not own.get("version"):
        return Outcome(Status.ERROR, "could not determine: posture's TLS session failed "
                       f"({str(own.get('error', ''))[:120]})", evidence)
    return Outcome(Status.PASS, f"PostgreSQL requires TLS for {user}: no pg_hba rule admits "
                   f"it without TLS ({hba.get('source')}) and posture's plain connection was "
                   f"refused; own session {own.get('version')} {own.get('cipher')}. "
                   f"{wording}", evidence)


def version(value: Mapping[str, Any]) -> Outcome:
    """The verdict of ``db.tls_version`` for a PostgreSQL ``db.tls`` value."""
    variables = value.get("variables") or {}
    own = (value.get("tls_session") or {}).get("version", "")
    minimum = variables.get("ssl_min_protocol_version")
    evidence = {"ssl": variables.get("ssl"), "ssl_min_protocol_version": minimum,
                "source": variables.get("ssl_min_protocol_version_source", "pg_settings"),
                "own_session": own}
    if str(variables.get("ssl", "")).lower() != "on":
        return Outcome(Status.NOT_APPLICABLE, "The server offers no TLS (see "
                       "db.tls_required).", evidence)
    if minimum is None:
        return Outcome(Status.ERROR, "could not determine: ssl_min_protocol_version is "
                       "visible only to superusers and pg_read_all_settings members, and "
                       "the host's configuration was not read", evidence)
    if str(minimum).lower() in OLD_VERSIONS:
        return Outcome(Status.WARN, "The database still allows TLS 1.0/1.1 "
                       f"(ssl_min_protocol_version='{minimum}').", evidence)
    return Outcome(Status.PASS, f"The database allows only {minimum} and newer "
                   f"(ssl_min_protocol_version).", evidence)
