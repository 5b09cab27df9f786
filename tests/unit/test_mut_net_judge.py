"""The allowlist verdict: who can reach a service against who is declared, with probes.

Each case asserts the exact status, summary and the evidence that decides it: the reachable
and undeclared networks, the contradicting and refused probes, the warnings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from checks.base import CheckContext, Outcome
from checks.network.allowlist_judge import (
    declared,
    judge,
    probe_entries,
    probe_verdicts,
    service_layers,
)
from checks.network.allowlist_layers import Firewall, Layer
from checks.network.allowlist_services import Service
from checks.network.ipranges import IpSet
from checks.network.netfilter import Chain, Cond, Rule, Ruleset
from posture.models import Fact, FactStatus, Status

NET = "198.51.100.0/24"
OTHER = "198.18.0.0/24"
_NO_FW = Firewall([], [], [])
_FW_EVIDENCE = {"read_from": [], "port": 22, "allows": ["0.0.0.0/0"], "accepted_by": [],
                "dropped_by": [], "assumptions": [],
                "note": "no packet filter rules: every source can connect"}


def _ctx(params: dict[str, Any]) -> CheckContext:
    return CheckContext("h", {}, params, datetime(2026, 1, 1, tzinfo=UTC))


def _service(*nets: str, label: str = "ssh", ports: tuple[int, ...] = (22,), **kw: Any) -> Service:
    sources = IpSet.of(list(nets)) if nets != ("*",) else IpSet.everything(4)
    return Service(label, list(ports), (4,), [Layer("own", sources, {"k": "v"})], **kw)


def _probe(source: str, local: str, state: str, answer: str = "", **extra: Any) -> dict[str, Any]:
    return {"source": source, "local": local, "state": state, "answer": answer, **extra}


def _judge(service: Service, declared_nets: list[str],
           probes: list[dict[str, Any]] | None = None, label: str = "ssh", note: str = "",
           fw: Firewall = _NO_FW) -> Outcome:
    return judge(_ctx({label: declared_nets}), label, service, fw, IpSet.of(declared_nets),
                 [{"port": service.ports[0], "results": probes}] if probes else [], note)


# -------------------------------------------------------------------------------- pass
def test_pass_with_the_whole_evidence() -> None:
    out = _judge(_service(NET, evidence={"extra": 1}), [NET])
    assert out == Outcome(Status.PASS, f"SSH (port 22) is reachable only from declared sources: "
                                       f"{NET}.", {
        "service": "ssh", "ports": [22], "declared": [NET], "reachable_from": [NET],
        "not_declared": [],
        "layers": {"firewall": _FW_EVIDENCE, "own": {"allows": [NET], "k": "v"}},
        "probes": [], "contradicting_probes": [], "extra": 1})


def test_pass_lists_at_most_five_networks() -> None:
    nets = [f"198.51.100.{8 * n}/29" for n in range(0, 12, 2)]
    out = _judge(_service(*nets), nets)
    assert out.status is Status.PASS
    assert out.summary.endswith(f"sources: {', '.join(nets[:5])}, ….")


def test_pass_when_nothing_but_loopback_is_declared_and_nobody_reaches() -> None:
    out = _judge(_service("127.0.0.1"), ["127.0.0.0/8"])
    assert out.status is Status.PASS
    assert out.summary == "SSH (port 22) is reachable only from declared sources: –."
    assert out.evidence["reachable_from"] == []


# -------------------------------------------------------------------------------- fail
def test_open_to_the_world() -> None:
    out = _judge(_service("*"), [NET])
    assert out.status is Status.FAIL
    assert out.summary == "SSH (port 22) is open to the world."
    assert out.evidence["reachable_from"] == ["0.0.0.0/0"]  # loopback put back for show
    assert out.evidence["not_declared"] == IpSet.everything(4).minus(IpSet.of([NET])) \
        .networks()


def test_undeclared_sources_are_named_five_at_most() -> None:
    extra = [f"198.18.{n}.0/24" for n in range(0, 14, 2)]
    out = _judge(_service(NET, *extra), [NET])
    assert out.status is Status.FAIL
    assert out.summary == ("SSH (port 22) is reachable from sources not declared: "
                           f"{', '.join(extra[:5])}.")
    assert out.evidence["not_declared"] == extra
    assert out.evidence["reachable_from"] == [*extra, NET]


def test_a_probe_from_an_undeclared_address_that_got_through_fails() -> None:
    probes = [_probe("auditor", "198.51.100.7", "open", "ssh"),
              _probe("outside", "203.0.113.9", "open", "ssh")]
    out = _judge(_service(NET), [NET], probes)
    assert out.status is Status.FAIL
    contra = "from outside (203.0.113.9) to port 22: open, ssh"
    assert out.summary == ("SSH (port 22): a probe from an undeclared address got through; "
                           f"probe {contra}.")
    assert out.evidence["contradicting_probes"] == [contra]
    assert out.evidence["probes"] == ["from auditor (198.51.100.7) to port 22: open, ssh", contra]


def test_undeclared_sources_and_a_probe_both_named() -> None:
    probes = [_probe("outside", OTHER.replace("0/24", "9"), "open", "ssh")]
    out = _judge(_service(NET, OTHER), [NET], probes)
    assert out.summary == (f"SSH (port 22) is reachable from sources not declared: {OTHER}; "
                           "probe from outside (198.18.0.9) to port 22: open, ssh.")


# -------------------------------------------------------------------------------- warn
def test_a_declared_network_nobody_can_use_warns() -> None:
    out = _judge(_service(NET), [NET, OTHER])
    assert out.status is Status.WARN
    warning = f"declared network {OTHER} cannot reach it"
    assert out.summary == f"SSH (port 22): only declared sources can connect, but {warning}."
    assert out.evidence["warnings"] == [warning]


def test_declared_networks_are_shown_normalised_five_at_most() -> None:
    unused = [f"198.18.{n}.5/24" for n in range(7)]
    out = _judge(_service(NET), [NET, *unused, "127.0.0.1/8"])
    shown = ", ".join(f"198.18.{n}.0/24" for n in range(5))
    assert out.evidence["warnings"] == [f"declared networks {shown} cannot reach it"]


def test_a_declared_source_that_was_refused_warns() -> None:
    probes = [_probe("auditor", "198.51.100.7", "filtered"),
              _probe("other", "198.51.100.8", "open", "ssh")]
    out = _judge(_service(NET), [NET], probes)
    assert out.status is Status.WARN
    assert out.evidence["warnings"] == [
        "a declared source was refused: from auditor (198.51.100.7) to port 22: filtered"]


def test_service_warnings_come_last_and_are_bounded() -> None:
    probes = [_probe("auditor", "198.51.100.7", "closed")]
    service = _service(NET, warnings=[f"w{n}" for n in range(12)])
    out = _judge(service, [NET, OTHER], probes)
    assert out.evidence["warnings"] == [
        f"declared network {OTHER} cannot reach it",
        "a declared source was refused: from auditor (198.51.100.7) to port 22: closed",
        *[f"w{n}" for n in range(8)]]
    assert out.summary == ("SSH (port 22): only declared sources can connect, but declared "
                           f"network {OTHER} cannot reach it.")


def test_service_warning_alone() -> None:
    out = _judge(_service(NET, warnings=["fragile"]), [NET])
    assert (out.status, out.summary) == (
        Status.WARN, "SSH (port 22): only declared sources can connect, but fragile.")


# ------------------------------------------------------------------------- notes and names
def test_notes_of_the_service_and_of_the_probes() -> None:
    out = _judge(_service(NET, notes=[f"n{n}" for n in range(25)]), [NET], note="no probes")
    assert out.evidence["notes"] == [f"n{n}" for n in range(20)]
    out = _judge(_service(NET), [NET], note="no probes")
    assert out.evidence["notes"] == ["no probes"]
    assert out.status is Status.PASS


@pytest.mark.parametrize(("label", "name"), [
    ("ssh", "SSH (port 22)"), ("database", "The database (port 22)"),
    ("admin", "The admin path (port 22)"), ("integrations", "The integration endpoint (port 22)"),
    ("other", "other (port 22)"),
])
def test_service_names(label: str, name: str) -> None:
    out = _judge(_service("*", label=label), [NET], label=label)
    assert out.summary == f"{name} is open to the world."
    assert out.evidence["service"] == label


def test_probe_lists_are_bounded() -> None:
    probes = [_probe(f"s{n}", f"203.0.113.{n}", "open", "ssh") for n in range(35)]
    out = _judge(_service(NET), [NET], probes)
    assert len(out.evidence["probes"]) == 30
    assert out.evidence["contradicting_probes"] == [
        f"from s{n} (203.0.113.{n}) to port 22: open, ssh" for n in range(20)]


# ---------------------------------------------------------------------- the firewall layer
def test_firewall_over_several_ports_is_their_union() -> None:
    def accept(port: int, net: str) -> Rule:
        return Rule((Cond("dport", ((port, port),)), Cond("saddr", addresses=IpSet.of([net]))),
                    "accept", "", f"p{port}")
    chain = Chain("input", (accept(22, NET), accept(2222, OTHER)), "input", "drop")
    fw = Firewall([Ruleset("t", {"input": chain})], [], ["nft"])
    service = _service("*", ports=(22, 2222))
    layers = service_layers(service, fw)
    assert [layer.name for layer in layers] == ["firewall", "own"]
    assert layers[0].sources == IpSet.of([NET, OTHER])
    assert layers[0].evidence["port"] == 22
    out = _judge(service, [NET], fw=fw)
    assert out.summary == f"SSH (port 22) is reachable from sources not declared: {OTHER}."
    assert out.evidence["ports"] == [22, 2222]
    assert out.evidence["layers"]["firewall"]["allows"] == [NET]  # its own evidence: port 22


# ---------------------------------------------------------------------------------- probes
@pytest.mark.parametrize(("result", "contra", "refused"), [
    (_probe("a", "203.0.113.9", "open", "ssh"), True, False),
    (_probe("a", "203.0.113.9", "open", "host-not-allowed"), False, False),
    (_probe("a", "203.0.113.9", "open", "http", http_status=403), False, False),
    (_probe("a", "203.0.113.9", "open", "http", http_status=200), True, False),
    (_probe("a", "203.0.113.9", "open", "http", http_status=401), True, False),
    (_probe("a", "203.0.113.9", "open", "tls", http_status=403), True, False),
    (_probe("a", "203.0.113.9", "filtered"), False, False),
    (_probe("a", "198.51.100.7", "open", "ssh"), False, False),
    (_probe("a", "198.51.100.7", "filtered"), False, True),
    (_probe("a", "198.51.100.7", "open", "host-not-allowed"), False, True),
    (_probe("a", "198.51.100.7", "open", "http", http_status=403), False, True),
    (_probe("a", "198.51.100.7", "source-unavailable"), False, False),
    (_probe("a", "203.0.113.9", "source-unavailable"), False, False),
    (_probe("a", "", "open", "ssh"), False, False),  # no local address: cannot say
    (_probe("a", "not-an-address", "open", "ssh"), False, False),
])
def test_probe_verdicts(result: dict[str, Any], contra: bool, refused: bool) -> None:
    got = probe_verdicts([{"port": 22, "results": [result, "junk"]}], IpSet.of([NET]))
    text = got[2][0]
    assert got == ([text] if contra else [], [text] if refused else [], [text])


@pytest.mark.parametrize(("result", "text"), [
    (_probe("auditor", "198.51.100.7", "open", "http", http_status=403),
     "from auditor (198.51.100.7) to port 443: open, http 403"),
    (_probe("auditor", "", "filtered"), "from auditor (default address) to port 443: filtered"),
    ({"state": "closed"}, "from None (default address) to port 443: closed"),
    (_probe("a", "10.0.0.1", "open", "", http_status=200),
     "from a (10.0.0.1) to port 443: open 200"),
])
def test_probe_descriptions(result: dict[str, Any], text: str) -> None:
    assert probe_verdicts([{"port": 443, "results": [result]}], IpSet())[2] == [text]


def test_probes_without_results() -> None:
    assert probe_verdicts([{"port": 1}], IpSet()) == ([], [], [])


_REACH = {"services": [{"service": "ssh", "name": "a", "port": 22},
                       {"service": "ssh", "name": "b", "port": 2222},
                       {"service": "database", "name": "a", "port": 3306}, "junk"]}


@pytest.mark.parametrize(("fact", "service", "name", "ports"), [
    (Fact("net.reach", FactStatus.OK, _REACH), "ssh", None, [22, 2222]),
    (Fact("net.reach", FactStatus.OK, _REACH), "ssh", "b", [2222]),
    (Fact("net.reach", FactStatus.OK, _REACH), "database", None, [3306]),
    (Fact("net.reach", FactStatus.OK, _REACH), "admin", None, []),
    (Fact("net.reach", FactStatus.OK, {}), "ssh", None, []),
    (Fact("net.reach", FactStatus.OK, ["x"]), "ssh", None, []),
    (Fact("net.reach", FactStatus.ERROR, _REACH), "ssh", None, []),
])
def test_probe_entries(fact: Fact, service: str, name: str | None, ports: list[int]) -> None:
    assert [e["port"] for e in probe_entries(fact, service, name)] == ports


# ------------------------------------------------------------------------ declared networks
def test_declared_networks() -> None:
    assert declared(_ctx({}), "ssh") is None
    assert declared(_ctx({"ssh": [NET, "2001:db8::/32"]}), "ssh") == IpSet.of(
        [NET, "2001:db8::/32"])
    assert declared(_ctx({"ssh": []}), "ssh") == IpSet()


@pytest.mark.parametrize(("value", "problem"), [
    ("10.0.0.0/8", "expect.ssh must be a list of networks (CIDR)"),
    ([NET, 8], "expect.ssh must be a list of networks (CIDR)"),
    (["nonsense"], "expect.ssh: 'nonsense' does not appear to be an IPv4 or IPv6 network"),
])
def test_bad_declarations_are_errors(value: Any, problem: str) -> None:
    out = declared(_ctx({"ssh": value}), "ssh")
    assert out == Outcome(Status.ERROR, f"could not determine: {problem}",
                          {"parameter_error": problem})
