"""pg_hba rule matching and the PostgreSQL verdicts of db.tls_required / db.tls_version."""

from __future__ import annotations

from typing import Any

from checks.databases.dbtls_pg import required, version
from checks.databases.pghba import plain_rules


def rule(line: int, kind: str, users: str, address: str = "127.0.0.1/32",
         method: str = "scram-sha-256", database: str = "all") -> dict[str, Any]:
    return {"line": line, "type": kind, "database": database.split(","),
            "user": users.split(","), "address": address, "netmask": "", "method": method,
            "error": ""}


def test_hostssl_only_admits_nobody_without_tls() -> None:
    rules = [rule(1, "local", "all", ""), rule(2, "hostssl", "all", "0.0.0.0/0")]
    assert plain_rules(rules, "app", "shop") == []


def test_host_rule_for_the_user_or_anyone_admits_plain() -> None:
    assert plain_rules([rule(3, "host", "app")], "app", "shop") == [
        "line 3: host all app 127.0.0.1/32 scram-sha-256"]
    assert plain_rules([rule(4, "hostnossl", "all", "10.0.0.0/8")], "app", "shop")
    assert plain_rules([rule(5, "host", "+shoppers")], "app", "shop", ["shoppers"])


def test_rules_for_other_users_databases_and_replication_do_not_count() -> None:
    rules = [rule(1, "host", "other"), rule(2, "host", "all", database="crm"),
             rule(3, "host", "all", database="replication"),
             rule(4, "host", "+admins"), rule(5, "hostgssenc", "all")]
    assert plain_rules(rules, "app", "shop", ["app"]) == []


def test_a_reject_for_every_address_shadows_later_rules_a_narrow_one_does_not() -> None:
    wide = [rule(1, "host", "all", "all", "reject"), rule(2, "host", "app")]
    assert plain_rules(wide, "app", "shop") == []
    narrow = [rule(1, "host", "all", "10.0.0.0/8", "reject"), rule(2, "host", "app")]
    assert len(plain_rules(narrow, "app", "shop")) == 1


def test_unparsed_rules_and_file_includes() -> None:
    broken = rule(1, "host", "app") | {"error": "invalid auth method"}
    assert plain_rules([broken], "app", "shop") == []
    assert plain_rules([rule(2, "host", "@users.txt")], "app", "shop")  # unknown: counted


def value(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "engine": "postgresql", "user": "app", "database": "shop",
        "variables": {"ssl": "on", "ssl_min_protocol_version": "TLSv1.2"},
        "tls_session": {"version": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384"},
        "tls_offered": True, "plain_session": "refused", "plain_reason": "", "roles": ["app"],
        "hba": {"source": "pg_hba_file_rules", "rules": [rule(2, "hostssl", "all")]}}
    return base | over


def test_required_verdicts() -> None:
    assert required(value(), "").status.value == "pass"
    opt = value(plain_session="accepted",
                hba={"source": "pg_hba_file_rules", "rules": [rule(4, "host", "all")]})
    outcome = required(opt, "")
    assert outcome.status.value == "fail" and "line 4: host" in outcome.summary
    off = value(variables={"ssl": "off"}, tls_offered=False, plain_session="accepted",
                tls_session={"error": "does not offer TLS"})
    assert "does not offer TLS" in required(off, "").summary
    # Rules say no plain path, but the server let posture in: the loaded rules differ.
    assert required(value(plain_session="accepted"), "").status.value == "fail"


def test_unknown_rules_or_plain_attempt_are_errors_never_passes() -> None:
    unread = value(hba={"source": None, "error": "permission denied"})
    assert required(unread, "").status.value == "error"
    assert required(value(plain_session="error"), "").status.value == "error"
    assert required(value(tls_session={"error": "x"}), "").status.value == "error"


def test_version_verdicts() -> None:
    assert version(value()).status.value == "pass"
    old = value(variables={"ssl": "on", "ssl_min_protocol_version": "TLSv1"})
    assert version(old).status.value == "warn"
    hidden = value(variables={"ssl": "on"})
    assert version(hidden).status.value == "error"
    assert version(value(variables={"ssl": "off"})).status.value == "not_applicable"


def test_postgresql_tls_probe_plans_the_host_fact_only_for_postgresql() -> None:
    from posture.collect.collector import database_host_facts
    from posture.inventory.model import Database

    pg = Database("p", "h", "postgresql", "shop", "ro")
    maria = Database("m", "h", "mariadb", "shop", "ro")
    assert database_host_facts([(pg, {"db.tls"})]) == {"db.postgres_access"}
    assert database_host_facts([(maria, {"db.tls"}), (pg, {"db.pii_scan"})]) == set()
