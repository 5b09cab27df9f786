"""Evidence of the verdicts that need no decision (not applicable), and the remaining
edges of the database checks."""

from __future__ import annotations

from typing import Any

from checks.databases.dbtls_pg import version
from posture.models import Status


def test_version_not_applicable_carries_its_evidence() -> None:
    value: dict[str, Any] = {"variables": {"ssl": "off", "ssl_min_protocol_version": "TLSv1"},
                             "tls_session": {"version": ""}}
    out = version(value)
    assert out.status is Status.NOT_APPLICABLE
    assert out.evidence == {"ssl": "off", "ssl_min_protocol_version": "TLSv1",
                            "source": "pg_settings", "own_session": ""}


def test_replication_is_a_keyword_not_a_database_name() -> None:
    from checks.databases.pghba import plain_rules
    rule = {"line": 1, "type": "host", "database": ["replication"], "user": ["all"],
            "address": "all", "method": "md5"}
    assert plain_rules([rule], "app", "replication") == []
    assert plain_rules([rule | {"database": ["replication", "x"]}], "app", "x")
    local = rule | {"type": "local", "database": ["all"], "method": "reject"}
    assert plain_rules([local, rule | {"database": ["all"]}], "app", "shop") == [
        "line 1: host all all all md5"]


def test_required_without_user_or_database_names_matches_no_named_rule() -> None:
    from checks.databases.dbtls_pg import required
    rules = [{"line": n, "type": "host", "database": [db], "user": [user], "address": "all",
              "method": "md5"} for n, (db, user) in enumerate(
                  [("all", "None"), ("all", "XXXX"), ("None", "all"), ("XXXX", "all")], 1)]
    value = {"variables": {"ssl": "on"}, "tls_session": {"version": "TLSv1.3"},
             "plain_session": "refused", "hba": {"source": "view", "rules": rules}}
    assert required(value, "").status is Status.PASS


def test_every_exposed_admin_folder_is_named() -> None:
    from datetime import UTC, datetime

    from checks.base import CheckContext
    from checks.databases.shop import ADMIN
    from posture.models import Fact, FactStatus
    shops = [{"root": f"/r{i}", "version": "4.0", "admins": [
        {"name": "admin", "schemes": {"A": "https"}}]} for i in range(2)]
    ctx = CheckContext("w", {"app.opencart_install": Fact(
        "app.opencart_install", FactStatus.OK, value={"shops": shops})}, {},
        datetime(2026, 1, 1, tzinfo=UTC))
    assert ADMIN.evaluate(ctx).summary == (
        "Admin folder at the default path without an IP allowlist: admin, admin.")


def test_required_no_tls_summary_and_evidence() -> None:
    from checks.databases.dbtls_pg import required
    value = {"user": "app", "database": "shop", "variables": {"ssl": "off"},
             "tls_session": {"error": "no"}, "tls_offered": False, "plain_session": "accepted",
             "plain_reason": "", "hba": {"source": "view", "rules": []}, "sessions": None}
    out = required(value, "W.")
    assert out.status is Status.FAIL
    assert out.summary == ("The PostgreSQL server does not offer TLS (ssl=off; it answered N to "
                           "posture's TLS request): its link is unencrypted. W.")
    assert out.evidence == {"ssl": "off", "own_tls_session": {"error": "no"},
                            "plain_session": "accepted", "plain_reason": "",
                            "hba_source": "view", "hba_error": None,
                            "rules_admitting_without_tls": [], "rules_with_errors": [],
                            "sessions": None}
    accepted = required(value | {"variables": {"ssl": "on"}, "tls_offered": True,
                                 "tls_session": {"version": "TLSv1.3"}}, "W.")
    assert accepted.summary == (
        "TLS is offered but not required: posture's own plain connection was accepted (the "
        "pg_hba rules in force differ from the file read; reload pending?). W.")
    assert accepted.evidence["plain_session"] == "accepted"


def test_required_error_verdicts_carry_the_evidence() -> None:
    from checks.databases.dbtls_pg import required
    base = {"user": "app", "database": "shop", "variables": {"ssl": "on"},
            "tls_session": {"version": "TLSv1.3"}, "tls_offered": True,
            "plain_session": "error", "plain_reason": "timeout",
            "hba": {"source": "view", "rules": []}}
    out = required(base, "")
    assert out.status is Status.ERROR and out.evidence["plain_reason"] == "timeout"
    assert out.evidence["hba_source"] == "view"


def test_mariadb_verdicts_carry_the_evidence() -> None:
    from datetime import UTC, datetime

    from checks.base import CheckContext
    from checks.databases.dbtls import REQUIRED
    from posture.models import Fact, FactStatus

    def run(**over: Any) -> Any:
        value = {"engine": "mariadb", "variables": {"have_ssl": "YES",
                                                    "require_secure_transport": "OFF"},
                 "tls_session": {"version": "TLSv1.3", "cipher": "C"},
                 "plain_session": "refused", "users": [{"user": "a", "host": "%"}]} | over
        return REQUIRED.evaluate(CheckContext("d", {"db.tls": Fact(
            "db.tls", FactStatus.OK, value=value)}, {}, datetime(2026, 1, 1, tzinfo=UTC)))

    for out in (run(variables={"have_ssl": "NO"}), run(plain_session="accepted"),
                run(plain_session="error", plain_reason="x")):
        assert out.status in (Status.FAIL, Status.ERROR)
        assert out.evidence["accounts_without_require_ssl"] == ["a@%"]
        assert out.evidence["require_secure_transport"] in ("OFF", None)


def test_newsletter_verdicts_carry_the_evidence_and_strip_only_quotes() -> None:
    from datetime import UTC, datetime

    from checks.base import CheckContext
    from checks.databases.shopdata import NEWSLETTER
    from posture.models import Fact, FactStatus

    def run(**over: Any) -> Any:
        value = {"default": "0", "customers": 20, "subscribers": 3, "opt_in_column": None,
                 "subscribers_without_record": 0} | over
        return NEWSLETTER.evaluate(CheckContext("d", {"db.newsletter": Fact(
            "db.newsletter", FactStatus.OK, value=value)}, {}, datetime(2026, 1, 1, tzinfo=UTC)))

    for out in (run(default="1"), run(subscribers_without_record=2), run(subscribers=20)):
        assert out.status in (Status.FAIL, Status.WARN)
        assert out.evidence["customers"] == 20 and "default" in out.evidence
    assert run(default="X0").evidence["default"] == "X0"
    assert run(default="X0").status is Status.FAIL


def test_test_data_verdicts_carry_the_evidence_and_one_sampled_value_decides() -> None:
    from datetime import UTC, datetime

    from checks.base import CheckContext
    from checks.databases.testdata import FICTITIOUS_VALUES
    from posture.models import Fact, FactStatus

    def col(name: str, real: int, sampled: int = 100, decisive: bool = True) -> dict[str, Any]:
        return {"table": "t", "column": name, "decisive": decisive, "non_empty": sampled,
                "real_looking": real, "real_share": real / sampled}

    def run(*columns: dict[str, Any], truncated: bool = False) -> Any:
        value = {"environment": "test", "tables_scanned": 1, "tables_total": 1,
                 "truncated": truncated, "columns": list(columns)}
        return FICTITIOUS_VALUES.evaluate(CheckContext("d", {"db.pii_scan": Fact(
            "db.pii_scan", FactStatus.OK, value=value)}, {}, datetime(2026, 1, 1, tzinfo=UTC)))

    one = run(col("email", 1, sampled=1))
    assert one.status is Status.FAIL and one.evidence["decisive_columns"] == 1
    many = run(*[col(f"c{i}", 50) for i in range(4)])
    few = run(col("e", 1))
    cut = run(col("e", 0), truncated=True)
    loose = run(col("n", 0, decisive=False), col("m", 0, decisive=False))
    for out in (one, many, few, cut, loose):
        assert out.evidence["tables_scanned"] == 1
        assert out.evidence["personal_data_columns"] >= 1


def test_a_support_table_without_a_date(monkeypatch: Any) -> None:
    from datetime import UTC, datetime

    from checks.base import CheckContext
    from checks.databases import shop
    from posture.models import Fact, FactStatus

    def table() -> dict[str, Any]:
        return {"branches": [{"branch": "4", "status": "supported"}]}

    monkeypatch.setattr(shop, "support_table", table)
    ctx = CheckContext("w", {"app.opencart_install": Fact(
        "app.opencart_install", FactStatus.OK, value={"shops": [
            {"root": "/r", "version": "4.0"}]})}, {}, datetime(2026, 1, 1, tzinfo=UTC))
    out = shop.SUPPORT.evaluate(ctx)
    assert out.status is Status.PASS and out.evidence["table_as_of"] == ""


def test_overlap_with_kinds_posture_has_no_word_for() -> None:
    from datetime import UTC, datetime

    from checks.base import CheckContext
    from checks.databases.testdata import NO_PRODUCTION_RECORDS
    from posture.models import Fact, FactStatus

    def run(*comparisons: dict[str, Any]) -> Any:
        value = {"environment": "test", "comparisons": list(comparisons)}
        return NO_PRODUCTION_RECORDS.evaluate(CheckContext("d", {"db.prod_overlap": Fact(
            "db.prod_overlap", FactStatus.OK, value=value)}, {}, datetime(2026, 1, 1, tzinfo=UTC)))

    clean = run({"with": "p", "kinds": {"loyalty": {"overlap": 0}}})
    assert clean.status is Status.PASS
    assert clean.summary == "No production records found in test (compared by loyalty hashes)."
    assert clean.evidence["comparisons"][0]["with"] == "p"
    both = run({"with": "p", "kinds": {"loyalty": {"overlap": 2}, "email": {"overlap": 1}}})
    assert both.summary == ("2 production records found in test (by loyalty hash), compared "
                            "with p; also matched by e-mail (1).")
    none = run({"with": "p", "kinds": {}})
    assert none.status is Status.ERROR and none.evidence["comparisons"] == [
        {"with": "p", "kinds": {}}]
