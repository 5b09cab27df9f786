"""allowlist.* checks on recorded facts: pass, fail, warn, error and not applicable."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import posture.collect.facts.registry  # noqa: F401 - loads the fact families in their order
from checks.base import CheckContext
from checks.network import allowlist
from posture.collect.facts.parsers_net import (
    parse_apache_access,
    parse_iptables,
    parse_mysql_access,
)
from posture.models import Fact, FactStatus, Status

DATA = Path(__file__).parent.parent / "data"
ME, OUT = "198.51.100.7", "203.0.113.9"
DECLARED = {"ssh": [f"{ME}/32"], "database": ["10.0.0.0/8"], "admin": [f"{ME}/32"]}
SSHD = {"port": ["22"], "listenaddress": ["0.0.0.0:22", "[::]:22"]}
MYSQL = parse_mysql_access("pid 812\narg --bind-address=0.0.0.0\n"
                           "var\t0.0.0.0\t0\t3306\nacct\tshop\t10.%\nacct\troot\tlocalhost\n")
APACHE = parse_apache_access(
    "root /etc/apache2\n"
    "/etc/apache2/sites-enabled/shop.conf:3:<VirtualHost *:443>\n"
    "/etc/apache2/sites-enabled/shop.conf:9:<Location /admin>\n"
    "/etc/apache2/sites-enabled/shop.conf:10:Order deny,allow\n"
    "/etc/apache2/sites-enabled/shop.conf:11:Deny from all\n"
    f"/etc/apache2/sites-enabled/shop.conf:12:Allow from {ME}\n"
    "/etc/apache2/sites-enabled/shop.conf:13:</Location>\n"
    "/etc/apache2/sites-enabled/shop.conf:14:</VirtualHost>\n")


def _result(source: str, local: str, state: str, answer: str = "", **extra: Any) -> dict:
    return {"source": source, "local": local, "state": state, "answer": answer, **extra}


def _reach(db_outside: str = "filtered", admin_outside: int = 403) -> dict[str, Any]:
    return {"address": "192.0.2.10", "sources": [], "services": [
        {"service": "ssh", "name": "web1", "port": 22, "results": [
            _result("auditor", ME, "open", "ssh"), _result("outside", OUT, "filtered")]},
        {"service": "database", "name": "shop", "port": 3306, "results": [
            _result("auditor", ME, db_outside, "database-handshake"
                    if db_outside == "open" else ""),
            _result("outside", OUT, db_outside, "database-handshake"
                    if db_outside == "open" else "")]},
        {"service": "admin", "name": "admin", "port": 443, "path": "/admin/", "results": [
            _result("auditor", ME, "open", "http", http_status=200),
            _result("outside", OUT, "open", "http", http_status=admin_outside)]}]}


def _ctx(params: dict[str, Any] = DECLARED, **facts: Any) -> CheckContext:
    values: dict[str, Any] = {
        "net.iptables": parse_iptables((DATA / "iptables_save.txt").read_text()),
        "net.nftables": FactStatus.MISSING, "sshd.config": SSHD,
        "sshd.access": {"config": [], "tcp_wrappers": [], "libwrap": False},
        "db.mysql_access": MYSQL, "db.postgres_access": FactStatus.MISSING,
        "apache.access": APACHE, "net.reach": _reach(),
        "nginx.config": FactStatus.MISSING, "nginx.version": FactStatus.MISSING,
        "web.admin_paths": {"address": "198.51.100.1", "folders": [], "folders_problem": None,
                            "services": [], "plain": [], "paths": []},
        "net.scan": {"address": "192.0.2.10", "ports_scanned": 49, "open": [22, 443, 3306]},
    }
    values.update({k.replace("__", "."): v for k, v in facts.items()})
    built = {key: Fact(key, value) if isinstance(value, FactStatus) else
             Fact(key, FactStatus.OK, value) for key, value in values.items()}
    return CheckContext("web1", built, params, datetime(2026, 1, 1, tzinfo=UTC))


def test_ssh_reachable_from_undeclared_ipv6_fails() -> None:
    out = allowlist.evaluate_ssh(_ctx({"ssh": [f"{ME}/32"]}))
    assert out.status is Status.FAIL
    assert out.evidence["not_declared"] == ["2001:db8::/32"]


def test_ssh_pass_when_everything_declared() -> None:
    out = allowlist.evaluate_ssh(_ctx({"ssh": [f"{ME}/32", "2001:db8::/32"]}))
    assert out.status is Status.PASS, out
    assert any("outside" in p for p in out.evidence["probes"])


def test_ssh_listening_on_ipv4_only_ignores_ipv6_rules() -> None:
    sshd = {"port": ["22"], "listenaddress": ["0.0.0.0:22"]}
    out = allowlist.evaluate_ssh(_ctx({"ssh": [f"{ME}/32"]}, sshd__config=sshd))
    assert out.status is Status.PASS, out


def test_ssh_firewall_fact_denied_is_error() -> None:
    out = allowlist.evaluate_ssh(_ctx(net__iptables=FactStatus.DENIED))
    assert out.status is Status.ERROR


def test_not_declared_service_is_not_applicable() -> None:
    assert allowlist.evaluate_ssh(_ctx({"database": ["10.0.0.0/8"]})).status is \
        Status.NOT_APPLICABLE


def test_bad_parameter_is_error() -> None:
    assert allowlist.evaluate_ssh(_ctx({"ssh": "everyone"})).status is Status.ERROR


def test_database_ipv6_open_to_the_world_fails() -> None:
    mysql = parse_mysql_access("pid 1\nvar\t*\t0\t3306\nacct\tapp\t%\n")
    out = allowlist.evaluate_database(_ctx(db__mysql_access=mysql))
    assert out.status is Status.FAIL
    assert "open to the world" in out.summary  # ip6tables accepts everything on 3306
    assert out.evidence["not_declared"] == ["::/0"]


def test_database_account_hosts_narrow_the_firewall() -> None:
    out = allowlist.evaluate_database(_ctx())
    assert out.status is Status.PASS, out
    assert out.evidence["reachable_from"] == ["10.0.0.0/8"]


def test_database_probe_contradiction_fails_with_probe_evidence() -> None:
    out = allowlist.evaluate_database(_ctx(net__reach=_reach(db_outside="open")))
    assert out.status is Status.FAIL
    assert any(OUT in p for p in out.evidence["contradicting_probes"])


def test_database_any_host_account_fails_when_nothing_else_restricts() -> None:
    mysql = parse_mysql_access("pid 1\nvar\t*\tOFF\t3306\nacct\tapp\t%\n")
    out = allowlist.evaluate_database(_ctx(db__mysql_access=mysql, net__iptables=FactStatus.MISSING))
    assert out.status is Status.FAIL
    assert out.evidence["layers"]["database accounts"]["any_host"] == ["'app'@'%'"]


def test_database_skip_networking_declared_unreachable_warns() -> None:
    mysql = parse_mysql_access("pid 1\nvar\t*\t1\t3306\nacct\tapp\t10.%\n")
    out = allowlist.evaluate_database(_ctx(db__mysql_access=mysql))
    assert out.status is Status.WARN
    assert "10.0.0.0/8 cannot reach it" in out.summary


def test_no_database_is_not_applicable_and_denied_is_error() -> None:
    empty = parse_mysql_access("")
    assert allowlist.evaluate_database(
        _ctx(db__mysql_access=empty, net__reach={"services": []})).status is \
        Status.NOT_APPLICABLE
    assert allowlist.evaluate_database(_ctx(db__mysql_access=FactStatus.DENIED)).status is \
        Status.ERROR


def test_admin_apache22_order_allow_deny_passes() -> None:
    out = allowlist.evaluate_admin(_ctx())
    assert out.status is Status.PASS, out
    assert out.evidence["layers"]["apache access"]["allows"] == [f"{ME}/32"]


def test_admin_answering_an_outsider_fails() -> None:
    out = allowlist.evaluate_admin(_ctx(net__reach=_reach(admin_outside=200)))
    assert out.status is Status.FAIL
    assert "probe" in out.summary


def test_admin_without_probe_fact_is_error() -> None:
    assert allowlist.evaluate_admin(_ctx(net__reach=FactStatus.TIMEOUT)).status is Status.ERROR


@pytest.mark.parametrize(("opened", "status"), [([22, 443, 3306], Status.PASS),
                                                ([22, 443, 3306, 6379], Status.WARN)])
def test_undeclared_services(opened: list[int], status: Status) -> None:
    scan = {"address": "192.0.2.10", "ports_scanned": 49, "open": opened}
    out = allowlist.evaluate_undeclared(_ctx(net__scan=scan))
    assert out.status is status


def test_undeclared_services_without_scan_is_error() -> None:
    assert allowlist.evaluate_undeclared(_ctx(net__scan=FactStatus.ERROR)).status is \
        Status.ERROR
