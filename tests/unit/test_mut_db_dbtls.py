"""db.tls_required and db.tls_version for MariaDB/MySQL (and the PostgreSQL dispatch):
exact verdicts and the evidence that decides them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from checks.base import CheckContext
from checks.databases import dbtls
from checks.databases.dbtls import REQUIRED, VERSION, WORDING
from posture.models import Fact, FactStatus, Status

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def ctx(value: Any = None, status: FactStatus = FactStatus.OK) -> CheckContext:
    facts = {} if value is None and status is FactStatus.OK else {
        "db.tls": Fact("db.tls", status, value=value, reason="r" if status.value != "ok" else "")}
    return CheckContext("db1", facts, {}, NOW)


def maria(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "engine": "mariadb",
        "variables": {"have_ssl": "YES", "require_secure_transport": "ON",
                      "tls_version": "TLSv1.2,TLSv1.3"},
        "tls_session": {"version": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384"},
        "plain_session": "refused", "plain_reason": "", "users": None,
        "sessions": {"tls": 1, "plain": 0}}
    return base | over


# ---------------------------------------------------------------------- db.tls_required
def test_required_pass_and_its_evidence() -> None:
    out = REQUIRED.evaluate(ctx(maria()))
    assert out.status is Status.PASS
    assert out.summary == ("The database requires TLS (plain connection refused; own session "
                           f"TLSv1.3 TLS_AES_256_GCM_SHA384). {WORDING}")
    assert dict(out.evidence) == {
        "have_ssl": "YES", "require_secure_transport": "ON", "tls_version": "TLSv1.2,TLSv1.3",
        "own_tls_session": {"version": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384"},
        "plain_session": "refused", "accounts_without_require_ssl": None,
        "sessions": {"tls": 1, "plain": 0}}


def test_required_lists_accounts_without_require_ssl() -> None:
    users = [{"user": "app", "host": "%", "ssl_type": ""},
             {"user": "rep", "host": "10.%", "ssl_type": "ANY"},
             {"user": "web", "host": "localhost"}]
    out = REQUIRED.evaluate(ctx(maria(users=users)))
    assert out.evidence["accounts_without_require_ssl"] == ["app@%", "web@localhost"]
    many = [{"user": f"u{i}", "host": "%"} for i in range(60)]
    listed = REQUIRED.evaluate(ctx(maria(users=many))).evidence["accounts_without_require_ssl"]
    assert isinstance(listed, list) and len(listed) == 50
    assert REQUIRED.evaluate(ctx(maria(users=[]))).evidence[
        "accounts_without_require_ssl"] == []


@pytest.mark.parametrize(("over", "shown"), [
    ({"variables": {"have_ssl": "DISABLED"}}, "DISABLED"),
    ({"variables": {}}, "None"),
    ({"variables": None}, "None"),
    ({"variables": {"have_ssl": "YESS"}}, "YESS"),
    ({"tls_session": {"error": "no TLS"}}, "YES"),
    ({"tls_session": None}, "YES"),
    ({"tls_session": {"version": ""}}, "YES"),
])
def test_required_no_tls_offered_fails(over: dict[str, Any], shown: str) -> None:
    out = REQUIRED.evaluate(ctx(maria(**over)))
    assert out.status is Status.FAIL
    assert out.summary == (f"The database server does not offer TLS (have_ssl={shown}): its "
                           f"link is unencrypted. {WORDING}")


def test_required_have_ssl_in_any_case() -> None:
    assert REQUIRED.evaluate(ctx(maria(variables={"have_ssl": "yes"}))).status is Status.PASS


def test_required_plain_accepted_fails() -> None:
    out = REQUIRED.evaluate(ctx(maria(plain_session="accepted",
                                      variables={"have_ssl": "YES",
                                                 "require_secure_transport": "OFF"})))
    assert out.status is Status.FAIL
    assert out.summary == ("Database TLS is available but not required: "
                           "require_secure_transport=OFF and posture's own plain connection "
                           f"was accepted. {WORDING}")


@pytest.mark.parametrize(("plain", "reason", "shown"), [
    ("error", "timed out", "timed out"), (None, "r" * 200, "r" * 120), ("error", "", ""),
])
def test_required_plain_unknown_is_an_error(plain: str | None, reason: str, shown: str) -> None:
    out = REQUIRED.evaluate(ctx(maria(plain_session=plain, plain_reason=reason)))
    assert out.status is Status.ERROR
    assert out.summary == f"could not determine whether plain connections are refused ({shown})"
    bare = {k: v for k, v in maria(plain_session="error").items() if k != "plain_reason"}
    assert REQUIRED.evaluate(ctx(bare)).summary.endswith("refused ()")


def test_required_without_the_fact_is_an_error() -> None:
    for check in (REQUIRED, VERSION):
        out = check.evaluate(ctx())
        assert out.status is Status.ERROR
        assert out.evidence["fact"] == "db.tls"
        denied = check.evaluate(ctx({"engine": "mariadb"}, FactStatus.DENIED))
        assert denied.status is Status.ERROR and denied.evidence["fact_status"] == "denied"


def test_postgresql_values_go_to_the_postgresql_verdicts() -> None:
    pg = {"engine": "postgresql", "user": "app", "database": "shop",
          "variables": {"ssl": "on", "ssl_min_protocol_version": "TLSv1"},
          "tls_session": {"version": "TLSv1.3", "cipher": "C"}, "tls_offered": True,
          "plain_session": "refused", "roles": [],
          "hba": {"source": "pg_hba_file_rules", "rules": []}}
    req = REQUIRED.evaluate(ctx(pg))
    assert req.status is Status.PASS and req.summary.startswith("PostgreSQL requires TLS")
    assert req.summary.endswith(WORDING)
    ver = VERSION.evaluate(ctx(pg))
    assert ver.status is Status.WARN and "ssl_min_protocol_version='TLSv1'" in ver.summary


def test_the_fact_value_is_not_changed() -> None:
    value = maria()
    REQUIRED.evaluate(ctx(value))
    assert value == maria()
    assert isinstance(dbtls._value(ctx(value)), dict)


# ----------------------------------------------------------------------- db.tls_version
@pytest.mark.parametrize(("allowed", "status", "old"), [
    ("TLSv1.2,TLSv1.3", Status.PASS, ""),
    ("TLSv1.3", Status.PASS, ""),
    ("TLSv1.1,TLSv1.2", Status.WARN, "TLSv1.1"),
    ("TLSv1.0,TLSv1.1,TLSv1.2,TLSv1.3", Status.WARN, "TLSv1.0, TLSv1.1"),
    ("TLSv1.0, TLSv1.2", Status.WARN, "TLSv1.0"),
    ("tlsv1.0", Status.WARN, "tlsv1.0"),
    ("TLSv1", Status.PASS, ""),
])
def test_version(allowed: str, status: Status, old: str) -> None:
    out = VERSION.evaluate(ctx(maria(variables={"tls_version": allowed})))
    assert out.status is status
    assert dict(out.evidence) == {"tls_version": allowed, "own_session": "TLSv1.3"}
    if old:
        assert out.summary == f"The database still allows {old} (tls_version={allowed})."
    else:
        assert out.summary == f"The database allows only {allowed}."


@pytest.mark.parametrize(("variables", "session", "status"), [
    ({}, {}, Status.NOT_APPLICABLE), (None, None, Status.NOT_APPLICABLE),
    ({"tls_version": ""}, {"version": ""}, Status.NOT_APPLICABLE),
    ({}, {"version": "TLSv1.3"}, Status.ERROR),
])
def test_version_without_tls_version(variables: dict[str, Any] | None,
                                     session: dict[str, Any] | None, status: Status) -> None:
    out = VERSION.evaluate(ctx(maria(variables=variables, tls_session=session)))
    assert out.status is status
    assert out.evidence == {"tls_version": "", "own_session": (session or {}).get("version", "")}
    if status is Status.ERROR:
        assert out.summary == "could not determine: the server does not report tls_version"
    else:
        assert out.summary == "The server offers no TLS (see db.tls_required)."
