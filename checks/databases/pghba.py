"""Which ``pg_hba`` rules let a role in without TLS (pure: rules in, descriptions out).

A rule of type ``host``, ``hostnossl`` or ``hostnogssenc`` matches connections without TLS;
``hostssl`` and ``hostgssenc`` only encrypted ones. PostgreSQL takes the first rule that
matches; posture lists every later non-``reject`` rule too, except after a ``reject`` that
covers the role from every address (a narrower ``reject`` is not taken as shadowing: the
listing stays on the side of caution). ``@file`` lists cannot be read here and count as
matching.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

PLAIN_TYPES = frozenset({"host", "hostnossl", "hostnogssenc"})
EVERY_ADDRESS = frozenset({"all", "0.0.0.0/0", "::/0", "::0/0"})


def _matches_user(users: Sequence[str], user: str, roles: Iterable[str]) -> bool:
    member = {user, *roles}
    return any(u == "all" or u == user or u.startswith("@") or
               (u.startswith("+") and u[1:] in member) for u in users)


def _matches_database(databases: Sequence[str], database: str, user: str,
                      roles: Iterable[str]) -> bool:
    return any(d == "all" or d == database or d.startswith("@") or
               (d == "sameuser" and database == user) or
               (d == "samerole" and database in {user, *roles}) for d in databases)


def describe(rule: Mapping[str, Any]) -> str:
    """``line N: type databases users address method`` for evidence."""
    parts = (f"line {rule.get('line')}:", str(rule.get("type")),
             ",".join(map(str, rule.get("database", []))),
             ",".join(map(str, rule.get("user", []))),
             str(rule.get("address") or ""), str(rule.get("netmask") or ""),
             str(rule.get("method")))
    return " ".join(part for part in parts if part)  # an empty column leaves no gap


def plain_rules(rules: Sequence[Mapping[str, Any]], user: str, database: str,
                roles: Iterable[str] = ()) -> list[str]:
    """Descriptions of the rules that admit ``user`` to ``database`` without TLS."""
    roles = list(roles)
    found: list[str] = []
    for rule in sorted(rules, key=lambda r: int(r.get("line") or 0)):
        if rule.get("error") or str(rule.get("type")) == "local":
            continue
        users = [str(u) for u in rule.get("user", [])]
        dbs = [str(d) for d in rule.get("database", [])]
        if dbs == ["replication"] or not _matches_user(users, user, roles) or \
                not _matches_database(dbs, database, user, roles):
            continue
        method = str(rule.get("method", ""))
        if method == "reject":
            if str(rule.get("address", "")) in EVERY_ADDRESS and \
                    str(rule.get("type")) in PLAIN_TYPES:
                break  # nothing below is reached by this role without TLS
            continue
        if str(rule.get("type")) in PLAIN_TYPES:
            found.append(describe(rule))
    return found


def unreadable(rules: Sequence[Mapping[str, Any]]) -> list[str]:
    """Rules the server could not parse (it ignores them; reported as evidence)."""
    return [f"line {r.get('line')}: {str(r.get('error'))[:120]}" for r in rules
            if r.get("error")]
