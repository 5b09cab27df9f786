"""Edges of the allowlist evaluator that the first round of tests left open.

Each case pins one behaviour a reader relies on: the label a verdict is judged under, a probe
entry without results, the destination address that picks an nginx server, an Apache instance
chosen by its Listen port, nginx server names with a leading dot or a trailing wildcard.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from checks.base import CheckContext, Outcome
from checks.network.allowlist import evaluate_database, evaluate_ssh
from checks.network.allowlist_apache import admin_layer as apache_layer
from checks.network.allowlist_layers import Layer, wildcard_hosts
from checks.network.allowlist_nginx import choose_server, match_location
from checks.network.allowlist_web import web_layer
from checks.network.ipranges import IpSet
from posture.models import Fact, FactStatus, Status

ME = "198.51.100.7"
_IPT = {"backends": {"legacy": {"ipv4": {"filter": {"policies": {"INPUT": "ACCEPT"},
                                                    "rules": []}}}}}


def _ctx(params: dict[str, Any], **facts: Any) -> CheckContext:
    values: dict[str, Any] = {
        "net.iptables": _IPT, "net.nftables": FactStatus.MISSING,
        "sshd.config": {"port": ["22"], "listenaddress": ["0.0.0.0:22"],
                        "allowusers": [f"admin@{ME}"]},
        "sshd.access": {"config": [], "tcp_wrappers": []},
        "db.mysql_access": FactStatus.MISSING, "db.postgres_access": FactStatus.MISSING,
        "db.server_version": FactStatus.MISSING,
        "net.reach": {"address": "198.18.0.10", "services": []},
        "apache.access": FactStatus.MISSING, "nginx.config": FactStatus.MISSING,
        "nginx.version": FactStatus.MISSING}
    values.update({k.replace("__", "."): v for k, v in facts.items()})
    built = {k: Fact(k, v, reason="why") if isinstance(v, FactStatus) else
             Fact(k, FactStatus.OK, v) for k, v in values.items()}
    return CheckContext("h", built, params, datetime(2026, 1, 1, tzinfo=UTC))


# ------------------------------------------------------------------------ allowlist checks
def test_ssh_is_judged_under_its_own_label() -> None:
    out = evaluate_ssh(_ctx({"ssh": [f"{ME}/32", "198.18.0.0/24"]}))
    assert out.evidence["service"] == "ssh"
    assert out.evidence["declared"] == [f"{ME}/32", "198.18.0.0/24"]
    assert out.evidence["warnings"] == ["declared network 198.18.0.0/24 cannot reach it"]


@pytest.mark.parametrize("results", [[{"state": "filtered"}, {"state": "closed"}], None])
def test_database_probes_that_answer_nothing_without_a_server(results: Any) -> None:
    entry: dict[str, Any] = {"service": "database", "port": 3306}
    if results is not None:
        entry["results"] = results
    reach = {"address": "198.18.0.10", "services": [entry]}
    out = evaluate_database(_ctx({"database": ["10.0.0.0/8"]}, net__reach=reach))
    assert (out.status, out.summary) == (Status.NOT_APPLICABLE,
                                         "No database server runs on this host.")


def test_database_without_probe_fact_notes_it() -> None:
    mysql = {"pids": [1], "variables": {"bind_address": "10.0.0.1"},
             "accounts": [{"user": "a", "host": "10.%"}]}
    out = evaluate_database(_ctx({"database": ["10.0.0.0/8"]}, db__mysql_access=mysql,
                                 net__reach=FactStatus.DENIED))
    assert out.status is Status.PASS
    assert out.evidence["notes"] == ["no probe evidence: net.reach is denied (why)"]


# --------------------------------------------------------------------------- host patterns
def test_an_ipv6_pattern_of_every_allowed_character() -> None:
    assert wildcard_hosts("0123456789abcdef:%*_") == IpSet.everything(6)


# ------------------------------------------------------------------------------ web server
def _nginx(*servers: dict[str, Any]) -> dict[str, Any]:
    return {"masters": [{"pid": 3, "version": "1.22.1", "dump_rc": 0,
                         "config": {"files": ["n.conf"], "servers": list(servers)}}]}


def _server(at: str, listen: str, *rules: str, names: tuple[str, ...] = ()) -> dict[str, Any]:
    directives: dict[str, Any] = {"listen": [{"args": [listen], "at": at}]}
    if names:
        directives["server_name"] = [{"args": list(names), "at": at}]
    return {"at": at, "directives": directives, "locations": [],
            "access": [{"rule": r.split()[0], "args": r.split()[1:], "at": at} for r in rules]}


_ANY = _server("any", "443", "allow 10.0.0.0/8", "deny all", names=("shop",))
_ON = _server("on", "198.18.0.10:443", "allow 11.0.0.0/8", "deny all", names=("other",))


def test_the_destination_address_picks_the_nginx_server() -> None:
    ctx = _ctx({}, nginx__config=_nginx(_ANY, _ON))
    on = web_layer(ctx, "/", 443, "shop", "198.18.0.10")
    assert isinstance(on, Layer) and on.sources == IpSet.of(["11.0.0.0/8"])
    elsewhere = web_layer(ctx, "/", 443, "shop", "198.18.0.11")
    assert isinstance(elsewhere, Layer) and elsewhere.sources == IpSet.of(["10.0.0.0/8"])


def test_without_a_destination_address_a_server_on_one_address_still_serves() -> None:
    layer = web_layer(_ctx({}, nginx__config=_nginx(_ON)), "/", 443, "x")
    assert isinstance(layer, Layer) and layer.sources == IpSet.of(["11.0.0.0/8"])


def _apache_section(root: str, net: str) -> dict[str, Any]:
    return {"root": root, "file": f"{root}/s.conf", "line": 1, "kind": "location",
            "arg": "/admin", "rules": [{"line": 2, "name": "require", "args": ["ip", net]}]}


def test_the_apache_instance_on_the_port_decides() -> None:
    access = {"listen": [{"root": "/etc/a", "address": "443"},
                         {"root": "/etc/b", "address": "8443"}],
              "sections": [_apache_section("/etc/a", "10.0.0.0/8"),
                           _apache_section("/etc/b", "11.0.0.0/8")]}
    layer = web_layer(_ctx({}, apache__access=access), "/admin", 443, "x")
    assert isinstance(layer, Layer) and layer.sources == IpSet.of(["10.0.0.0/8"])


def test_an_apache_fact_without_listen_lines_still_answers() -> None:
    access = {"sections": [_apache_section("/etc/a", "10.0.0.0/8")]}
    layer = web_layer(_ctx({}, apache__access=access), "/admin", 443, "x")
    assert isinstance(layer, Layer) and layer.sources == IpSet.of(["10.0.0.0/8"])
    assert not isinstance(layer, Outcome)


# ----------------------------------------------------------------------------- nginx names
_FIRST = _server("first", "443", names=("first.test",))


@pytest.mark.parametrize(("name", "host", "matched"), [
    (".dot.test", "dot.test", True), (".dot.test", "www.dot.test", True),
    (".dot.test", "xdot.test", False), (".dot.test", "ot.test", False),
    ("www.pre.*", "www.pre.org", True), ("www.pre.*", "www.prefix.org", False),
    ("www.pre.*", "wxyz.org", False), ("www.pre.*", "www.pre", False),
    ("*.wild.test", "a.wild.test", True), ("*.wild.test", "wild.test", False),
])
def test_server_name_forms(name: str, host: str, matched: bool) -> None:
    other = _server("named", "443", names=(name,))
    server = choose_server({"servers": [_FIRST, other]}, 443, host)
    assert server is not None
    assert server["at"] == ("named" if matched else "first")


def test_a_case_sensitive_regex_with_a_repeat_is_read_exactly() -> None:
    notes: list[str] = []
    locs = [{"modifier": "~", "path": r"^/adm.*\.php$", "at": "r"},
            {"modifier": "", "path": "/", "at": "root"}]
    assert [x["at"] for x in match_location(locs, "/shop", notes)] == ["root"]
    assert [x["at"] for x in match_location(locs, "/admin/a.php", notes)] == ["r"]
    assert notes == []


def test_a_regex_location_without_a_pattern_matches_every_path() -> None:
    loc = {"modifier": "~", "at": "r"}
    assert match_location([loc], "/anything", []) == [loc]


# ------------------------------------------------------------------------------------ Apache
def _rules(*lines: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n, line in enumerate(lines, 10):
        name, *args = line.split()
        out.append({"line": n, "name": name.lower(), "args": args})
    return out


def _apache(*lines: str, **section: Any) -> IpSet:
    base = {"root": "/etc/a", "file": "s.conf", "line": 9, "kind": "location", "arg": "/admin",
            "rules": _rules(*lines)}
    base.update(section)
    return apache_layer({"sections": [base]}, "/admin/").sources


@pytest.mark.parametrize(("lines", "expected"), [
    (["Require ip 10.0.0.0/8", "Satisfy Any"], IpSet.of(["10.0.0.0/8"])),  # no 2.2 rule
    (["Require ip 10.0.0.0/8", "Order deny,allow", "Deny from all", "Allow from 12.0.0.0/8",
      "Satisfy any junk"], IpSet.of(["10.0.0.0/8", "12.0.0.0/8"])),
    (["Require all granted", "Foo from 10.1.0.0/16"], IpSet.everything()),
    (["Require all granted junk"], IpSet.everything()),
    (["<RequireAll>", "Require ip 10.0.0.0/8", "Require ip 10.1.0.0/16"],
     IpSet.of(["10.1.0.0/16"])),  # a container never closed still combines as its kind
    (["<RequireAll>"], IpSet.everything()),
])
def test_apache_edges(lines: list[str], expected: IpSet) -> None:
    assert _apache(*lines) == expected


def test_apache_rules_without_arguments() -> None:
    rules = [{"line": 1, "name": "require"}, {"line": 2, "name": "order"},
             {"line": 3, "name": "satisfy"},
             {"line": 4, "name": "require", "args": ["ip", "10.0.0.0/8"]}]
    section = {"root": "/etc/a", "file": "s.conf", "line": 9, "kind": "location",
               "arg": "/admin", "rules": rules}
    assert apache_layer({"sections": [section]}, "/admin").sources == IpSet.of(["10.0.0.0/8"])


def test_a_rule_without_a_name_is_no_rule() -> None:
    rules = [{"line": 1, "args": ["ip", "11.0.0.0/8"]},
             {"line": 2, "name": "require", "args": ["ip", "10.0.0.0/8"]}]
    section = {"root": "/etc/a", "file": "s.conf", "line": 9, "kind": "location",
               "arg": "/admin", "rules": rules}
    assert apache_layer({"sections": [section]}, "/admin").sources == IpSet.of(["10.0.0.0/8"])


def test_a_location_without_an_argument_covers_every_path() -> None:
    section = {"root": "/etc/a", "file": "s.conf", "line": 9, "kind": "location",
               "rules": _rules("Require ip 10.0.0.0/8")}
    assert apache_layer({"sections": [section]}, "/admin").sources == IpSet.of(["10.0.0.0/8"])


@pytest.mark.parametrize(("arg", "path", "covered"), [
    ("X", "/a", False), ("X", "/aX", True), ('"X"', "/a", False), ("~ X", "/Xa", True),
])
def test_location_match_arguments(arg: str, path: str, covered: bool) -> None:
    section = {"root": "/etc/a", "file": "s.conf", "line": 9, "kind": "locationmatch",
               "arg": arg, "rules": _rules("Require ip 10.0.0.0/8")}
    got = apache_layer({"sections": [section]}, path).sources
    assert (got == IpSet.of(["10.0.0.0/8"])) is covered


def test_a_long_dns_rule_is_cut_in_its_note() -> None:
    names = " ".join(f"host{n}.example.org" for n in range(10))
    section = {"root": "/etc/a", "file": "s.conf", "line": 9, "kind": "location",
               "arg": "/admin", "rules": _rules(f"Require host {names}")}
    layer = apache_layer({"sections": [section]}, "/admin")
    assert layer.evidence["notes"] == [f"Require host {names[:80]} is decided by DNS; taken as "
                                       "anywhere"]
