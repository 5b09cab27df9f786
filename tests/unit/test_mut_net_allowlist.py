"""The allowlist checks end to end on small fact sets: which facts decide, and what each says.

Every case asserts the status and the summary (and the evidence that decides them); a fact that
is unusable must give ``error``, an undeclared service ``not_applicable``, never a pass.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from checks.base import CheckContext, Outcome
from checks.network import allowlist
from checks.network.allowlist import (
    application_admin_paths,
    evaluate_admin,
    evaluate_database,
    evaluate_integrations,
    evaluate_ssh,
    evaluate_undeclared,
    server_software,
)
from posture.models import Fact, FactStatus, Severity, Status

ME, OUT = "198.51.100.7", "203.0.113.9"
_LOOSE_IPT = {"backends": {"legacy": {"ipv4": {"filter": {"policies": {"INPUT": "ACCEPT"},
                                                          "rules": []}}}}}
_APACHE = {"listen": [{"root": "/etc/apache2", "address": "443"}], "sections": [
    {"root": "/etc/apache2", "file": "/etc/apache2/sites-enabled/shop.conf", "line": 9,
     "kind": "location", "arg": "/admin",
     "rules": [{"line": 10, "name": "require", "args": ["ip", ME]}]}]}


def _result(source: str, local: str, state: str, answer: str = "", **extra: Any) -> dict[str, Any]:
    return {"source": source, "local": local, "state": state, "answer": answer, **extra}


def _ctx(params: dict[str, Any], **facts: Any) -> CheckContext:
    values: dict[str, Any] = {
        "net.iptables": _LOOSE_IPT, "net.nftables": FactStatus.MISSING,
        "sshd.config": {"port": ["22"], "listenaddress": ["0.0.0.0:22"],
                        "allowusers": [f"admin@{ME}"]},
        "sshd.access": {"config": [], "tcp_wrappers": []},
        "db.mysql_access": FactStatus.MISSING, "db.postgres_access": FactStatus.MISSING,
        "db.server_version": FactStatus.MISSING,
        "net.reach": {"address": "198.18.0.10", "services": []},
        "apache.access": _APACHE, "nginx.config": FactStatus.MISSING,
        "nginx.version": FactStatus.MISSING, "web.admin_paths": FactStatus.MISSING,
        "net.scan": {"address": "198.18.0.10", "ports_scanned": 49, "open": [22]},
    }
    values.update({k.replace("__", "."): v for k, v in facts.items()})
    built = {k: Fact(k, v, reason="why") if isinstance(v, FactStatus) else Fact(k, FactStatus.OK, v)
             for k, v in values.items()}
    return CheckContext("web1", built, params, datetime(2026, 1, 1, tzinfo=UTC))


def _reach(*services: dict[str, Any]) -> dict[str, Any]:
    return {"address": "198.18.0.10", "services": list(services)}


# ------------------------------------------------------------------------------------- ssh
def test_ssh_pass_names_the_source_and_the_layers() -> None:
    out = evaluate_ssh(_ctx({"ssh": [f"{ME}/32"]}))
    assert out.status is Status.PASS
    assert out.summary == f"SSH (port 22) is reachable only from declared sources: {ME}/32."
    assert list(out.evidence["layers"]) == ["firewall", "listen", "sshd AllowUsers"]
    assert "notes" not in out.evidence


def test_ssh_without_probe_fact_notes_it_and_still_judges() -> None:
    out = evaluate_ssh(_ctx({"ssh": [f"{ME}/32"]}, net__reach=FactStatus.TIMEOUT))
    assert out.status is Status.PASS
    assert out.evidence["notes"] == ["no probe evidence: net.reach is timeout (why)"]


def test_ssh_probe_reason_is_bounded() -> None:
    ctx = _ctx({"ssh": [f"{ME}/32"]})
    facts = dict(ctx.facts)
    facts["net.reach"] = Fact("net.reach", FactStatus.ERROR, reason="r" * 300)
    out = evaluate_ssh(CheckContext("w", facts, ctx.params, ctx.scan_time))
    assert out.evidence["notes"] == [f"no probe evidence: net.reach is error ({'r' * 200})"]


def test_ssh_probe_that_contradicts_fails() -> None:
    reach = _reach({"service": "ssh", "name": "web1", "port": 22,
                    "results": [_result("outside", OUT, "open", "ssh")]})
    out = evaluate_ssh(_ctx({"ssh": [f"{ME}/32"]}, net__reach=reach))
    assert out.status is Status.FAIL
    assert out.evidence["contradicting_probes"] == [f"from outside ({OUT}) to port 22: open, ssh"]


@pytest.mark.parametrize(("params", "facts", "status", "summary"), [
    ({"database": ["10.0.0.0/8"]}, {}, Status.NOT_APPLICABLE,
     "The claim declares no 'ssh' allowlist."),
    ({"ssh": "x"}, {}, Status.ERROR,
     "could not determine: expect.ssh must be a list of networks (CIDR)"),
    ({"ssh": [ME]}, {"sshd__config": FactStatus.DENIED}, Status.ERROR, None),
    ({"ssh": [ME]}, {"net__iptables": FactStatus.DENIED}, Status.ERROR, None),
    ({"ssh": [ME]}, {"sshd__config": ["not", "a", "mapping"]}, Status.FAIL, None),
])
def test_ssh_outcomes(params: dict[str, Any], facts: dict[str, Any], status: Status,
                      summary: str | None) -> None:
    out = evaluate_ssh(_ctx(params, **facts))
    assert out.status is status, out
    if summary is not None:
        assert out.summary == summary


def test_ssh_error_names_the_fact() -> None:
    out = evaluate_ssh(_ctx({"ssh": [ME]}, sshd__config=FactStatus.DENIED))
    assert out.evidence["fact"] == "sshd.config"
    out = evaluate_ssh(_ctx({"ssh": [ME]}, net__nftables=FactStatus.ERROR))
    assert out.evidence["fact"] == "net.nftables"


# -------------------------------------------------------------------------------- database
_MYSQL = {"pids": [1], "variables": {"bind_address": "0.0.0.0", "port": 3306},
          "accounts": [{"user": "shop", "host": "10.%"}]}
_PG = {"clusters": [{"port": 5432, "settings": {"listen_addresses": "*"},
                     "hba": [{"line": 1, "fields": ["host", "all", "all", "10.0.0.0/8", "md5"]}]}]}
_VERSIONS = {"servers": [{"product": "MariaDB", "version": "10.11.6", "binary": "/usr/sbin/mariadbd"},
                         {"binary": "/usr/lib/postgresql/15/bin/postgres"}]}


def test_database_pass_with_server_software() -> None:
    out = evaluate_database(_ctx({"database": ["10.0.0.0/8"]}, db__mysql_access=_MYSQL,
                                 db__server_version=_VERSIONS))
    assert out.status is Status.PASS
    assert out.summary == ("The database (port 3306) is reachable only from declared sources: "
                           "10.0.0.0/8.")
    assert out.evidence["server_software"] == [
        "MariaDB 10.11.6 (/usr/sbin/mariadbd)",
        "unknown product (no version) (/usr/lib/postgresql/15/bin/postgres)"]


def test_database_postgres_when_the_inventory_probes_it() -> None:
    reach = _reach({"service": "database", "engine": "postgresql", "port": 5432, "results": []})
    out = evaluate_database(_ctx({"database": ["10.0.0.0/8"]}, db__mysql_access=_MYSQL,
                                 db__postgres_access=_PG, net__reach=reach))
    assert out.status is Status.PASS
    assert out.evidence["ports"] == [5432]
    assert out.evidence["server_software"] == "not read: db.server_version is missing"


@pytest.mark.parametrize("bad", ["db__mysql_access", "db__postgres_access"])
def test_database_fact_that_failed_is_an_error(bad: str) -> None:
    out = evaluate_database(_ctx({"database": ["10.0.0.0/8"]}, **{bad: FactStatus.DENIED}))
    assert out.status is Status.ERROR
    assert out.evidence["fact"] == bad.replace("__", ".")


def test_database_not_declared_is_not_applicable_before_looking_for_a_server() -> None:
    out = evaluate_database(_ctx({"ssh": [ME]}, db__mysql_access=_MYSQL))
    assert out.status is Status.NOT_APPLICABLE
    assert out.summary == "The claim declares no 'database' allowlist."


def test_no_database_server() -> None:
    out = evaluate_database(_ctx({"database": ["10.0.0.0/8"]}))
    assert (out.status, out.summary) == (Status.NOT_APPLICABLE,
                                         "No database server runs on this host.")


def test_a_database_port_that_answers_without_a_server_configuration_is_an_error() -> None:
    reach = _reach({"service": "database", "port": 3306,
                    "results": [_result("a", ME, "filtered"), _result("b", OUT, "open")]},
                   {"service": "database", "port": 5432, "results": []})
    out = evaluate_database(_ctx({"database": ["10.0.0.0/8"]}, net__reach=reach))
    assert out == Outcome(Status.ERROR, "could not determine: a database port answers but no "
                          "database server configuration was found",
                          {"probes": ["3306", "5432"]})


@pytest.mark.parametrize(("fact", "expected"), [
    (FactStatus.DENIED, "not read: db.server_version is denied"),
    (["x"], "not read: db.server_version is ok"),
    ({"servers": []}, []),
    ({}, []),
    ({"servers": [{"product": "MySQL", "version": "8.0", "binary": "b"}] * 12},
     ["MySQL 8.0 (b)"] * 10),
])
def test_server_software(fact: Any, expected: Any) -> None:
    assert server_software(_ctx({}, db__server_version=fact)) == expected


# ----------------------------------------------------------------------------- admin paths
_ADMIN = {"service": "admin", "name": "admin", "port": 443, "path": "/admin/",
          "results": [_result("auditor", ME, "open", "http", http_status=200),
                      _result("outside", OUT, "open", "http", http_status=403)]}


def test_admin_pass_from_apache_require_ip() -> None:
    out = evaluate_admin(_ctx({"admin": [f"{ME}/32"]}, net__reach=_reach(_ADMIN)))
    assert out.status is Status.PASS
    assert out.summary == ("The admin path (port 443) is reachable only from declared sources: "
                           f"{ME}/32.")
    assert out.evidence["endpoint"] == "admin"
    assert out.evidence["path_from"] == "inventory"
    assert list(out.evidence["layers"]) == ["firewall", "apache access"]


def test_admin_fails_on_an_undeclared_apache_source() -> None:
    out = evaluate_admin(_ctx({"admin": ["198.18.0.0/24"]}, net__reach=_reach(_ADMIN)))
    assert out.status is Status.FAIL
    assert out.summary == ("The admin path (port 443) is reachable from sources not declared: "
                           f"{ME}/32; probe from auditor ({ME}) to port 443: open, http 200.")


def test_the_worst_endpoint_decides() -> None:
    other = {**_ADMIN, "name": "other", "path": "/shop/", "results": []}
    ctx = _ctx({"admin": [f"{ME}/32"]}, net__reach=_reach(_ADMIN, other))
    out = evaluate_admin(ctx)
    assert out.status is Status.FAIL  # /shop/ is covered by no <Location>: everyone
    assert out.evidence["endpoint"] == "other"
    out = evaluate_admin(_ctx({"admin": [f"{ME}/32"]}, net__reach=_reach(other, _ADMIN)))
    assert out.evidence["endpoint"] == "other"


@pytest.mark.parametrize("first", ["admin", "other"])
def test_of_two_equally_bad_endpoints_the_first_is_reported(first: str) -> None:
    other = {**_ADMIN, "name": "other", "path": "/shop/", "results": []}
    entries = [_ADMIN, other] if first == "admin" else [other, _ADMIN]
    out = evaluate_admin(_ctx({"admin": ["198.18.0.0/24"]}, net__reach=_reach(*entries)))
    assert out.status is Status.FAIL
    assert out.evidence["endpoint"] == first


def test_an_endpoint_of_an_unserved_port_is_an_error_and_outranks_a_pass() -> None:
    unserved = {**_ADMIN, "name": "alt", "port": 8443, "results": []}
    out = evaluate_admin(_ctx({"admin": [f"{ME}/32"]}, net__reach=_reach(_ADMIN, unserved)))
    assert out.status is Status.ERROR
    assert out.summary == ("could not determine: which web server answers port 8443 (Apache: "
                           "no Listen on port 8443)")


def test_an_endpoint_without_port_or_path_is_https_at_the_root() -> None:
    bare = {"service": "admin", "name": "bare", "results": []}
    out = evaluate_admin(_ctx({"admin": [f"{ME}/32"]}, net__reach=_reach(bare)))
    assert out.evidence["ports"] == [443]
    assert out.evidence["layers"]["apache access"]["path"] == "/"
    assert out.status is Status.FAIL


def test_admin_paths_of_the_application_join_the_inventory() -> None:
    found = {"service": "admin", "name": "opencart", "port": 443, "path": "/admin/",
             "source": "app.opencart_install", "results": []}
    paths = {"services": [found, "junk"], "folders_problem": None}
    out = evaluate_admin(_ctx({"admin": [f"{ME}/32"]}, web__admin_paths=paths))
    assert out.status is Status.PASS
    assert out.evidence["path_from"] == "app.opencart_install"


def test_unread_admin_folders_make_a_pass_an_error() -> None:
    paths = {"services": [], "folders_problem": "permission denied"}
    out = evaluate_admin(_ctx({"admin": [f"{ME}/32"]}, net__reach=_reach(_ADMIN),
                              web__admin_paths=paths))
    unread = "the application's admin folders were not read (permission denied)"
    assert out.status is Status.ERROR
    assert out.summary == (f"could not determine: {unread}; the admin endpoints read say: The "
                           f"admin path (port 443) is reachable only from declared sources: "
                           f"{ME}/32.")
    assert out.evidence["unread"] == unread
    assert out.evidence["endpoint"] == "admin"


def test_unread_admin_folders_do_not_hide_a_fail() -> None:
    paths = {"services": [], "folders_problem": "permission denied"}
    out = evaluate_admin(_ctx({"admin": ["198.18.0.0/24"]}, net__reach=_reach(_ADMIN),
                              web__admin_paths=paths))
    assert out.status is Status.FAIL


def test_unread_admin_folders_and_nothing_else_is_an_error() -> None:
    out = evaluate_admin(_ctx({"admin": [f"{ME}/32"]}, web__admin_paths=FactStatus.DENIED))
    unread = ("the application's admin paths were not probed (web.admin_paths is denied: "
              "why)")
    assert out == Outcome(Status.ERROR, f"could not determine: {unread}", {"unread": unread})


def test_no_admin_endpoint_is_not_applicable() -> None:
    out = evaluate_admin(_ctx({"admin": [f"{ME}/32"]}))
    assert (out.status, out.summary) == (
        Status.NOT_APPLICABLE, "No admin endpoint of the inventory or the application is served "
        "from this host's address.")


def test_admin_needs_the_probe_fact() -> None:
    out = evaluate_admin(_ctx({"admin": [f"{ME}/32"]}, net__reach=FactStatus.ERROR))
    assert out.status is Status.ERROR
    assert out.evidence["fact"] == "net.reach"


@pytest.mark.parametrize(("fact", "entries", "unread"), [
    (FactStatus.MISSING, [], ""),
    ({"services": [{"port": 1}, "x"], "folders_problem": ""}, [{"port": 1}], ""),
    ({"services": [], "folders_problem": "p"}, [],
     "the application's admin folders were not read (p)"),
    ({}, [], ""),
    (["x"], [], "the application's admin paths were not probed (web.admin_paths is ok: )"),
])
def test_application_admin_paths(fact: Any, entries: list[Any], unread: str) -> None:
    assert application_admin_paths(_ctx({}, web__admin_paths=fact)) == (entries, unread)


def test_application_admin_path_reason_is_bounded() -> None:
    ctx = _ctx({})
    facts = dict(ctx.facts)
    facts["web.admin_paths"] = Fact("web.admin_paths", FactStatus.ERROR, reason="r" * 300)
    _, unread = application_admin_paths(CheckContext("w", facts, {}, ctx.scan_time))
    assert unread == ("the application's admin paths were not probed (web.admin_paths is error: "
                      f"{'r' * 200})")


# ----------------------------------------------------------------------------- integrations
def test_integrations_are_judged_against_their_own_list() -> None:
    feed = {"service": "integrations", "name": "erp", "port": 443, "path": "/admin/feed",
            "results": []}
    out = evaluate_integrations(_ctx({"integrations": [f"{ME}/32"]}, net__reach=_reach(feed)))
    assert out.status is Status.PASS
    assert out.summary.startswith("The integration endpoint (port 443) is reachable only")
    none = evaluate_integrations(_ctx({"integrations": [f"{ME}/32"]}))
    assert none.summary == ("No integration endpoint of the inventory or the application is "
                            "served from this host's address.")
    # the application's admin paths are not integration endpoints
    paths = {"services": [{"service": "admin", "port": 443, "path": "/admin/"}],
             "folders_problem": "p"}
    assert evaluate_integrations(_ctx({"integrations": [ME]}, web__admin_paths=paths)).status \
        is Status.NOT_APPLICABLE


# ------------------------------------------------------------------------ undeclared ports
def _scan_ctx(params: dict[str, Any], opened: list[int], **facts: Any) -> CheckContext:
    reach = _reach({"service": "ssh", "port": 22}, {"service": "database", "port": 3306},
                   {"service": "admin", "port": 443}, {"service": "integrations", "port": 8443})
    return _ctx(params, net__reach=reach,
                net__scan={"address": "198.18.0.10", "ports_scanned": 49, "open": opened},
                **facts)


def test_every_open_port_declared() -> None:
    params = {"ssh": [ME], "database": [ME], "admin": [ME], "integrations": [ME]}
    out = evaluate_undeclared(_scan_ctx(params, [22, 443, 3306, 8443]))
    assert out == Outcome(Status.PASS, "Every open port (4) serves a declared service.", {
        "address": "198.18.0.10", "ports_scanned": 49, "open": [22, 443, 3306, 8443],
        "undeclared": [], "declared_services": ["admin", "database", "integrations", "ssh"]})


@pytest.mark.parametrize(("params", "opened", "summary", "undeclared"), [
    ({"ssh": [ME]}, [22, 3306], "1 open port serves no declared service: 3306.", [3306]),
    ({"database": [ME]}, [22, 3306, 443], "2 open ports serve no declared service: 22, 443.",
     [22, 443]),
    ({"integrations": [ME]}, [8443, 22], "1 open port serves no declared service: 22.", [22]),
    ({"admin": [ME]}, [443, 8080], "1 open port serves no declared service: 8080.", [8080]),
    ({}, list(range(1, 13)), "12 open ports serve no declared service: 1, 2, 3, 4, 5, 6, 7, "
     "8, 9, 10.", list(range(1, 13))),
])
def test_undeclared_ports(params: dict[str, Any], opened: list[int], summary: str,
                          undeclared: list[int]) -> None:
    out = evaluate_undeclared(_scan_ctx(params, opened))
    assert (out.status, out.summary) == (Status.WARN, summary)
    assert out.evidence["undeclared"] == undeclared


def test_an_application_admin_path_declares_its_port() -> None:
    paths = {"services": [{"service": "admin", "port": 8081}], "folders_problem": None}
    out = evaluate_undeclared(_scan_ctx({"admin": [ME]}, [443, 8081], web__admin_paths=paths))
    assert out.status is Status.PASS


def test_undeclared_evidence_is_bounded() -> None:
    out = evaluate_undeclared(_scan_ctx({}, list(range(1, 121))))
    assert out.evidence["open"] == list(range(1, 101))
    assert out.evidence["undeclared"] == list(range(1, 101))


def test_undeclared_needs_the_scan() -> None:
    out = evaluate_undeclared(_ctx({}, net__scan=FactStatus.TIMEOUT))
    assert out.status is Status.ERROR and out.evidence["fact"] == "net.scan"


def test_a_scan_that_is_not_a_mapping_has_no_open_port() -> None:
    out = evaluate_undeclared(_ctx({}, net__scan=["x"]))
    assert out.summary == "Every open port (0) serves a declared service."
    assert out.evidence["address"] is None


# ---------------------------------------------------------------------------- metadata
def test_check_metadata() -> None:
    meta = allowlist._meta("x", "T", ("a", "b"), "R")
    assert (meta.id, meta.title, meta.claim_types, meta.severity, meta.rationale,
            meta.references, meta.needs) == ("allowlist.x", "T", ("ip_allowlist",), Severity.HIGH,
                                             "R", allowlist._REFS, ("a", "b"))
    assert meta.remediation.startswith("Allow the service port only from the declared networks")
    assert allowlist._meta("y", "T", (), "R", Severity.LOW).severity is Severity.LOW
    assert [c.meta.id for c in (allowlist.SSH, allowlist.DATABASE, allowlist.ADMIN,
                                allowlist.INTEGRATIONS, allowlist.UNDECLARED)] == [
        "allowlist.ssh", "allowlist.database", "allowlist.admin", "allowlist.integrations",
        "allowlist.undeclared_services"]
    assert allowlist.UNDECLARED.meta.severity is Severity.MEDIUM


def test_a_probe_entry_without_port_declares_no_real_port() -> None:
    reach = _reach({"service": "ssh"})
    ctx = _ctx({"ssh": [ME]}, net__reach=reach,
               net__scan={"address": "198.18.0.10", "ports_scanned": 49, "open": [1]})
    out = evaluate_undeclared(ctx)
    assert (out.status, out.evidence["undeclared"]) == (Status.WARN, [1])
