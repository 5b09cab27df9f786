"""pg_hba matching and the PostgreSQL db.tls verdicts, row by row with the deciding evidence."""

from __future__ import annotations

from typing import Any

import pytest

from checks.databases.dbtls_pg import required, version
from checks.databases.pghba import describe, plain_rules, unreadable
from posture.models import Status


def rule(line: int | None, kind: str = "host", users: str = "all", database: str = "all",
         address: str = "127.0.0.1/32", method: str = "scram-sha-256",
         netmask: str = "", error: str = "") -> dict[str, Any]:
    return {"line": line, "type": kind, "database": database.split(","),
            "user": users.split(","), "address": address, "netmask": netmask,
            "method": method, "error": error}


# ----------------------------------------------------------------------------- matching
@pytest.mark.parametrize(("users", "roles", "admitted"), [
    ("all", [], True), ("app", [], True), ("other", [], False), ("@users.txt", [], True),
    ("+shoppers", ["shoppers"], True), ("+app", [], True), ("+other", ["shoppers"], False),
    ("shoppers", ["shoppers"], False), ("xapp", [], False), ("+hoppers", ["shoppers"], False),
    ("other,app", [], True), ("all2", [], False), ("x@y", [], False), ("++app", [], False),
])
def test_user_column(users: str, roles: list[str], admitted: bool) -> None:
    found = plain_rules([rule(1, users=users)], "app", "shop", roles)
    assert found == (["line 1: host all " + users + " 127.0.0.1/32 scram-sha-256"]
                     if admitted else [])


@pytest.mark.parametrize(("databases", "user", "roles", "admitted"), [
    ("all", "app", [], True), ("shop", "app", [], True), ("crm", "app", [], False),
    ("@dbs.txt", "app", [], True), ("sameuser", "shop", [], True),
    ("sameuser", "app", [], False), ("samerole", "app", ["shop"], True),
    ("samerole", "shop", [], True), ("samerole", "app", ["crm"], False),
    ("crm", "shop", [], False), ("crm", "app", ["shop"], False), ("x@y", "app", [], False),
    ("crm,shop", "app", [], True),
])
def test_database_column(databases: str, user: str, roles: list[str], admitted: bool) -> None:
    found = plain_rules([rule(1, database=databases)], user, "shop", roles)
    assert len(found) == (1 if admitted else 0)


@pytest.mark.parametrize(("kind", "plain"), [
    ("host", True), ("hostnossl", True), ("hostnogssenc", True), ("hostssl", False),
    ("hostgssenc", False), ("local", False),
])
def test_connection_types(kind: str, plain: bool) -> None:
    assert bool(plain_rules([rule(7, kind)], "app", "shop")) is plain


def test_rules_are_taken_in_line_order_and_replication_is_skipped() -> None:
    rules = [rule(9, users="app"), rule(None, database="replication"), rule(3),
             rule(5, database="replication"), rule(0, "hostnossl")]
    assert plain_rules(rules, "app", "shop") == [
        "line 0: hostnossl all all 127.0.0.1/32 scram-sha-256",
        "line 3: host all all 127.0.0.1/32 scram-sha-256",
        "line 9: host all app 127.0.0.1/32 scram-sha-256"]
    # A database list that merely contains replication still matches the other names.
    assert plain_rules([rule(2, database="replication,shop")], "app", "shop")


@pytest.mark.parametrize(("reject", "shadowed"), [
    (rule(1, "host", address="all", method="reject"), True),
    (rule(1, "host", address="0.0.0.0/0", method="reject"), True),
    (rule(1, "hostnossl", address="::/0", method="reject"), True),
    (rule(1, "hostnogssenc", address="::0/0", method="reject"), True),
    (rule(1, "host", address="10.0.0.0/8", method="reject"), False),
    (rule(1, "hostssl", address="all", method="reject"), False),
    (rule(1, "host", users="other", address="all", method="reject"), False),
    (rule(1, "host", database="crm", address="all", method="reject"), False),
    (rule(1, "host", address="all", method="reject", error="bad line"), False),
])
def test_reject_rules(reject: dict[str, Any], shadowed: bool) -> None:
    later = [rule(2, users="app"), rule(3, "hostnossl")]
    found = plain_rules([reject, *later], "app", "shop")
    assert found == ([] if shadowed else ["line 2: host all app 127.0.0.1/32 scram-sha-256",
                                          "line 3: hostnossl all all 127.0.0.1/32 "
                                          "scram-sha-256"])


def test_a_reject_without_an_address_and_rules_with_missing_fields() -> None:
    bare = {"line": 1, "type": "host", "database": ["all"], "user": ["all"],
            "method": "reject"}
    assert plain_rules([bare, rule(2)], "app", "shop") == [
        "line 2: host all all 127.0.0.1/32 scram-sha-256"]
    no_method = {"line": 4, "type": "host", "database": ["all"], "user": ["all"]}
    assert plain_rules([no_method], "app", "shop") == ["line 4: host all all None"]
    no_type = {"line": 5, "database": ["all"], "user": ["all"], "method": "trust"}
    assert plain_rules([no_type], "app", "shop") == []
    nothing = {"line": 6, "type": "host", "method": "trust"}
    assert plain_rules([nothing], "app", "shop") == []


def test_roles_may_be_any_iterable_used_more_than_once() -> None:
    rules = [rule(1, users="+staff", database="samerole"), rule(2, users="+staff")]
    assert len(plain_rules(rules, "app", "staff", iter(["staff"]))) == 2


@pytest.mark.parametrize(("r", "text"), [
    (rule(4, "host", "app,web", "shop,crm", "10.0.0.0", "md5", netmask="255.0.0.0"),
     "line 4: host shop,crm app,web 10.0.0.0 255.0.0.0 md5"),
    (rule(5, "local", address="", method="peer"), "line 5: local all all peer"),
    ({"line": 6, "type": "host", "method": "trust"}, "line 6: host trust"),
    ({}, "line None: None None"),
])
def test_describe(r: dict[str, Any], text: str) -> None:
    assert describe(r) == text


def test_unreadable() -> None:
    rules = [rule(1), rule(2, error="invalid authentication method \"foo\""),
             rule(3, error="e" * 200), {"line": 4, "error": None}]
    assert unreadable(rules) == ['line 2: invalid authentication method "foo"',
                                 "line 3: " + "e" * 120]
    assert unreadable([]) == []


# ---------------------------------------------------------------------- db.tls_required
def value(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "engine": "postgresql", "user": "app", "database": "shop",
        "variables": {"ssl": "on", "ssl_min_protocol_version": "TLSv1.2"},
        "tls_session": {"version": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384"},
        "tls_offered": True, "plain_session": "refused", "plain_reason": "no pg_hba entry",
        "roles": ["app"], "sessions": {"tls": 2, "plain": 0, "hidden": 1},
        "hba": {"source": "pg_hba_file_rules", "rules": [rule(2, "hostssl")]}}
    return base | over


def test_required_pass_with_its_whole_evidence() -> None:
    out = required(value(), "WORDING")
    assert out.status is Status.PASS
    assert out.summary == ("PostgreSQL requires TLS for app: no pg_hba rule admits it without "
                           "TLS (pg_hba_file_rules) and posture's plain connection was refused; "
                           "own session TLSv1.3 TLS_AES_256_GCM_SHA384. WORDING")
    assert dict(out.evidence) == {
        "ssl": "on", "own_tls_session": {"version": "TLSv1.3",
                                         "cipher": "TLS_AES_256_GCM_SHA384"},
        "plain_session": "refused", "plain_reason": "no pg_hba entry",
        "hba_source": "pg_hba_file_rules", "hba_error": None,
        "rules_admitting_without_tls": [], "rules_with_errors": [],
        "sessions": {"tls": 2, "plain": 0, "hidden": 1}}


@pytest.mark.parametrize("ssl", ["on", "ON", "On"])
def test_required_ssl_setting_in_any_case(ssl: str) -> None:
    assert required(value(variables={"ssl": ssl}), "").status is Status.PASS


@pytest.mark.parametrize("over", [
    {"variables": {"ssl": "off"}}, {"variables": {}}, {"variables": None},
    {"variables": {"ssl": "on"}, "tls_offered": False},
    {"variables": {"ssl": "onn"}},
])
def test_required_fails_when_tls_is_not_offered(over: dict[str, Any]) -> None:
    out = required(value(**over), "W")
    assert out.status is Status.FAIL
    assert out.summary.startswith("The PostgreSQL server does not offer TLS (ssl=")
    assert out.summary.endswith(" W")


def test_required_tls_offered_unknown_is_not_a_refusal() -> None:
    assert required(value(tls_offered=None), "").status is Status.PASS


def test_required_fails_on_admitting_rules_with_evidence() -> None:
    rules = [rule(n, users="app") for n in range(1, 60)] + [rule(70, error="broken")]
    out = required(value(hba={"source": "/etc/pg_hba.conf (read over SSH)", "rules": rules,
                              "view_error": "permission denied"}), "W")
    assert out.status is Status.FAIL
    assert out.summary == ("pg_hba admits app without TLS: line 1: host all app 127.0.0.1/32 "
                           "scram-sha-256; line 2: host all app 127.0.0.1/32 scram-sha-256; "
                           "line 3: host all app 127.0.0.1/32 scram-sha-256 (TLS is offered, "
                           "not required; plain session refused). W")
    ev = out.evidence
    assert len(ev["rules_admitting_without_tls"]) == 50  # type: ignore[arg-type]
    assert ev["rules_with_errors"] == ["line 70: broken"]
    assert ev["hba_source"] == "/etc/pg_hba.conf (read over SSH)"
    assert ev["hba_error"] == "permission denied"


def test_required_uses_the_roles_to_match_rules() -> None:
    hba = {"source": "pg_hba_file_rules", "rules": [rule(3, users="+shoppers")]}
    assert required(value(hba=hba, roles=["shoppers"]), "").status is Status.FAIL
    assert required(value(hba=hba, roles=None), "").status is Status.PASS
    assert required(value(hba=hba, roles=[]), "").status is Status.PASS


def test_required_matches_the_declared_user_and_database() -> None:
    hba = {"source": "pg_hba_file_rules", "rules": [rule(3, users="app", database="shop")]}
    assert required(value(hba=hba), "").status is Status.FAIL
    assert required(value(hba=hba, user="web"), "").status is Status.PASS
    assert required(value(hba=hba, database="crm"), "").status is Status.PASS
    no_names = {k: v for k, v in value(hba=hba).items() if k not in ("user", "database")}
    assert required(no_names, "").status is Status.PASS


def test_required_own_plain_session_accepted_fails() -> None:
    out = required(value(plain_session="accepted"), "W")
    assert out.status is Status.FAIL
    assert out.summary.startswith("TLS is offered but not required: posture's own plain")
    unread = value(plain_session="accepted", hba={"source": None, "error": "denied"})
    assert required(unread, "").status is Status.FAIL


@pytest.mark.parametrize("hba", [
    {"source": None, "error": "permission denied"},
    {"source": None, "rules": [rule(1, "hostssl")]},
    {"source": "", "rules": []},
    {"error": "e" * 300},
    None,
])
def test_required_unread_rules_are_an_error(hba: dict[str, Any] | None) -> None:
    out = required(value(hba=hba), "W")
    assert out.status is Status.ERROR
    err = str((hba or {}).get("error", ""))[:160]
    assert out.summary == (f"could not determine: the pg_hba rules were not read ({err}); "
                           "posture's plain connection from the host was refused, other "
                           "addresses are unknown")
    assert out.evidence["rules_admitting_without_tls"] == []
    assert out.evidence["rules_with_errors"] == []


def test_required_hba_error_comes_from_error_before_view_error() -> None:
    out = required(value(hba={"source": None, "error": "a", "view_error": "b"}), "")
    assert out.evidence["hba_error"] == "a"
    out = required(value(hba={"source": "s", "rules": [], "view_error": "b"}), "")
    assert out.evidence["hba_error"] == "b" and out.status is Status.PASS


@pytest.mark.parametrize(("plain", "reason"), [("error", "x" * 200), (None, "")])
def test_required_plain_attempt_not_refused_is_an_error(plain: str | None, reason: str) -> None:
    out = required(value(plain_session=plain, plain_reason=reason), "")
    assert out.status is Status.ERROR
    assert out.summary == ("could not determine whether plain connections are refused "
                           f"({reason[:120]})")
    missing_reason = {k: v for k, v in value(plain_session="error").items()
                      if k != "plain_reason"}
    assert required(missing_reason, "").summary.endswith("refused ()")


@pytest.mark.parametrize("session", [{"error": "e" * 300}, {}, None, {"version": ""}])
def test_required_own_tls_session_failed_is_an_error(session: dict[str, Any] | None) -> None:
    out = required(value(tls_session=session), "")
    assert out.status is Status.ERROR
    err = str((session or {}).get("error", ""))[:120]
    assert out.summary == f"could not determine: posture's TLS session failed ({err})"
    assert out.evidence["own_tls_session"] == (session or {})


# ----------------------------------------------------------------------- db.tls_version
@pytest.mark.parametrize(("minimum", "status"), [
    ("TLSv1", Status.WARN), ("tlsv1", Status.WARN), ("TLSv1.1", Status.WARN),
    ("", Status.WARN), ("TLSv1.2", Status.PASS), ("TLSv1.3", Status.PASS),
    ("TLSv1.0", Status.PASS),
])
def test_version_minimum(minimum: str, status: Status) -> None:
    out = version(value(variables={"ssl": "on", "ssl_min_protocol_version": minimum}))
    assert out.status is status
    if status is Status.WARN:
        assert out.summary == ("The database still allows TLS 1.0/1.1 "
                               f"(ssl_min_protocol_version='{minimum}').")
    else:
        assert out.summary == (f"The database allows only {minimum} and newer "
                               "(ssl_min_protocol_version).")
    assert dict(out.evidence) == {"ssl": "on", "ssl_min_protocol_version": minimum,
                                  "source": "pg_settings", "own_session": "TLSv1.3"}


def test_version_evidence_source_and_own_session() -> None:
    out = version(value(variables={"ssl": "ON", "ssl_min_protocol_version": "TLSv1.2",
                                   "ssl_min_protocol_version_source": "host configuration"},
                        tls_session=None))
    assert out.status is Status.PASS
    assert out.evidence == {"ssl": "ON", "ssl_min_protocol_version": "TLSv1.2",
                            "source": "host configuration", "own_session": ""}


@pytest.mark.parametrize("variables", [{"ssl": "off"}, {}, None, {"ssl": "yes"}])
def test_version_without_tls_is_not_applicable(variables: dict[str, Any] | None) -> None:
    out = version(value(variables=variables))
    assert out.status is Status.NOT_APPLICABLE
    assert out.summary == "The server offers no TLS (see db.tls_required)."


def test_version_hidden_minimum_is_an_error() -> None:
    out = version(value(variables={"ssl": "on"}))
    assert out.status is Status.ERROR
    assert out.summary.startswith("could not determine: ssl_min_protocol_version is visible")
    assert out.evidence["ssl_min_protocol_version"] is None
