"""The allowlist layers: the host's packet filter, listen addresses and host patterns.

Each case asserts the exact layer (sources and the evidence a reader checks them against);
a host pattern read one octet too wide or too narrow moves the verdict.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from checks.base import CheckContext, Outcome
from checks.network.allowlist_layers import (
    Firewall,
    Layer,
    any_layer,
    as_list,
    firewall,
    firewall_layer,
    intersect,
    listen_families,
    listen_layer,
    wildcard_hosts,
)
from checks.network.ipranges import LOOPBACK, IpSet
from checks.network.netfilter import Chain, Cond, Rule, Ruleset
from posture.models import Fact, FactStatus, Status

_ALL = IpSet.everything()
_NONE_NOTE = "neither nft nor iptables is installed: no packet filter"


def _ctx(**facts: Any) -> CheckContext:
    built = {k.replace("__", "."): (Fact(k.replace("__", "."), v) if isinstance(v, FactStatus)
                                    else Fact(k.replace("__", "."), FactStatus.OK, v))
             for k, v in facts.items()}
    return CheckContext("h", built, {}, datetime(2026, 1, 1, tzinfo=UTC))


_IPT = {"backends": {"nft": {"ipv4": {
    "filter": {"policies": {"INPUT": "DROP"},
               "rules": [{"chain": "INPUT", "args": ["-s", "10.0.0.0/8", "-j", "ACCEPT"]}]},
    "nat": {"policies": {}, "rules": [{"chain": "PREROUTING", "args": []}]}}}}}
_NFT = {"objects": [
    {"chain": {"family": "ip", "table": "filter", "name": "INPUT", "type": "filter",
               "hook": "input", "policy": "accept"}},
    {"chain": {"family": "inet", "table": "fw", "name": "input", "type": "filter",
               "hook": "input", "policy": "drop"}},
    {"chain": {"family": "netdev", "table": "edge", "name": "in", "hook": "ingress"}}]}


# --------------------------------------------------------------------------------- firewall
def test_no_packet_filter_tool_is_an_empty_firewall_with_a_note() -> None:
    fw = firewall(_ctx(net__iptables=FactStatus.MISSING, net__nftables=FactStatus.MISSING))
    assert fw == Firewall([], [_NONE_NOTE], [])


def test_iptables_and_nft_together_without_double_reading() -> None:
    fw = firewall(_ctx(net__iptables=_IPT, net__nftables=_NFT))
    assert isinstance(fw, Firewall)
    assert fw.read == ["iptables-save", "nft"]
    # the ip filter table is the one iptables-nft printed: read once, from iptables
    assert [r.source for r in fw.rulesets] == ["iptables-nft filter (ipv4)", "nftables inet fw"]
    assert fw.notes == ["iptables-nft nat (ipv4): NAT not evaluated",
                        "nftables netdev edge: ingress chains not evaluated"]


def test_only_nft() -> None:
    fw = firewall(_ctx(net__iptables=FactStatus.MISSING, net__nftables={}))
    assert fw == Firewall([], [], ["nft"])


def test_only_iptables() -> None:
    fw = firewall(_ctx(net__iptables={"backends": {}}, net__nftables=FactStatus.MISSING))
    assert fw == Firewall([], [], ["iptables-save"])


@pytest.mark.parametrize(("facts", "key", "status"), [
    ({"net__iptables": FactStatus.DENIED, "net__nftables": FactStatus.MISSING}, "net.iptables",
     "denied"),
    ({"net__iptables": FactStatus.MISSING, "net__nftables": FactStatus.TIMEOUT}, "net.nftables",
     "timeout"),
    ({"net__iptables": FactStatus.ERROR, "net__nftables": {}}, "net.iptables", "error"),
    ({"net__iptables": {}, "net__nftables": FactStatus.DENIED}, "net.nftables", "denied"),
])
def test_an_unreadable_firewall_fact_is_an_error(facts: dict[str, Any], key: str,
                                                  status: str) -> None:
    out = firewall(_ctx(**facts))
    assert isinstance(out, Outcome)
    assert out.status is Status.ERROR
    assert out.evidence["fact"] == key and out.evidence["fact_status"] == status


@pytest.mark.parametrize(("facts", "key"), [
    ({"net__iptables": ["x"], "net__nftables": {}}, "net.iptables"),
    ({"net__iptables": FactStatus.MISSING, "net__nftables": "x"}, "net.nftables"),
])
def test_a_firewall_fact_of_the_wrong_shape_is_an_error(facts: dict[str, Any],
                                                        key: str) -> None:
    assert firewall(_ctx(**facts)) == Outcome(Status.ERROR, f"could not determine: fact {key}")


# --------------------------------------------------------------------------- firewall layer
def _fw(*rules: Rule, notes: list[str] | None = None) -> Firewall:
    chain = Chain("input", rules, "input", "drop")
    return Firewall([Ruleset("t", {"input": chain})], notes or [], ["nft"])


def test_firewall_layer_evidence() -> None:
    rule = Rule((Cond("saddr", addresses=IpSet.of(["10.0.0.0/8", "2001:db8::/32"])),),
                "accept", "", "r1")
    layer = firewall_layer(_fw(rule, notes=["n1"]), 22, (4, 6))
    assert layer == Layer("firewall", IpSet.of(["10.0.0.0/8", "2001:db8::/32"]), {
        "read_from": ["nft"], "port": 22, "allows": ["10.0.0.0/8", "2001:db8::/32"],
        "accepted_by": ["r1 (10.0.0.0/8)", "r1 (2001:db8::/32)"],
        "dropped_by": ["t input: policy drop"], "assumptions": ["n1"]})


def test_firewall_layer_of_one_family() -> None:
    rule = Rule((Cond("saddr", addresses=IpSet.of(["10.0.0.0/8", "2001:db8::/32"])),),
                "accept", "", "r1")
    assert firewall_layer(_fw(rule), 22, (6,)).sources == IpSet.of(["2001:db8::/32"])


def test_firewall_layer_without_rules_says_so() -> None:
    layer = firewall_layer(Firewall([], [_NONE_NOTE], []), 443, (4, 6))
    assert layer == Layer("firewall", _ALL, {
        "read_from": [], "port": 443, "allows": ["0.0.0.0/0", "::/0"], "accepted_by": [],
        "dropped_by": [], "assumptions": [_NONE_NOTE],
        "note": "no packet filter rules: every source can connect"})


def test_firewall_layer_without_families_admits_nobody() -> None:
    layer = firewall_layer(_fw(Rule((), "accept", "", "r1"), notes=["n"]), 22, ())
    assert layer == Layer("firewall", IpSet(), {
        "read_from": ["nft"], "port": 22, "allows": [], "accepted_by": [], "dropped_by": [],
        "assumptions": ["n"]})


def test_firewall_layer_lists_are_bounded() -> None:
    maybe = Cond("unknown", text="mark")
    rules = [Rule((Cond("saddr", addresses=IpSet.of([f"10.{n}.0.0/16"])),), "drop", "",
                  f"d{n}") for n in range(25)]
    rules += [Rule((maybe, Cond("saddr", addresses=IpSet.of([f"11.{n}.0.0/16"]))), "accept",
                   "", f"a{n}") for n in range(25)]
    layer = firewall_layer(_fw(*rules, notes=[f"n{n}" for n in range(15)]), 22, (4,))
    assert layer.evidence["dropped_by"] == [f"d{n}" for n in range(20)]
    assert layer.evidence["accepted_by"] == [f"a{n} (11.{n}.0.0/16)" for n in range(20)]
    assert layer.evidence["assumptions"] == [f"a{n}: cannot decide mark" for n in range(20)] + \
        [f"n{n}" for n in range(10)]


# --------------------------------------------------------------------------- listen layer
@pytest.mark.parametrize(("addresses", "families"), [
    ([""], (4, 6)), (["*"], (4, 6)), (["::"], (4, 6)), (["[::]"], (4, 6)),
    (["0.0.0.0"], (4,)), ([" 0.0.0.0 "], (4,)),
    (["127.0.0.1"], ()), (["127.0.0.2"], ()), (["::1"], ()), (["[::1]"], ()),
    (["localhost"], ()),
    (["10.0.0.1"], (4,)), (["2001:db8::1"], (6,)), (["[2001:db8::1]"], (6,)),
    (["db.example.org"], (4,)),  # a name: counted as reachable, never as loopback
    (["127.0.0.1", "2001:db8::1"], (6,)), (["10.0.0.1", "::1"], (4,)), ([], ()),
])
def test_listen_families(addresses: list[str], families: tuple[int, ...]) -> None:
    assert listen_families(addresses) == families


def test_listen_layer() -> None:
    assert listen_layer(["10.0.0.1", "::1"], "from here") == Layer(
        "listen", IpSet.everything(4),
        {"addresses": ["10.0.0.1", "::1"], "from": "from here", "families": ["ipv4"]})
    assert listen_layer(["*"], "x") == Layer("listen", _ALL, {
        "addresses": ["*"], "from": "x", "families": ["ipv4", "ipv6"]})
    assert listen_layer(["::"], "x").sources == _ALL
    many = [f"10.0.0.{n}" for n in range(25)]
    assert listen_layer(many, "x").evidence["addresses"] == many[:20]


# --------------------------------------------------------------------------- host patterns
@pytest.mark.parametrize(("pattern", "expected"), [
    ("%", ["0.0.0.0/0", "::/0"]), ("*", ["0.0.0.0/0", "::/0"]), (" ALL ", ["0.0.0.0/0", "::/0"]),
    ("any", ["0.0.0.0/0", "::/0"]),
    ("localhost", ["127.0.0.0/8", "::1/128"]), ("127.0.0.1", ["127.0.0.0/8", "::1/128"]),
    ("::1", ["127.0.0.0/8", "::1/128"]),
    ("10.0.0.0/8", ["10.0.0.0/8"]), ("10.0.0.1/255.255.255.0", ["10.0.0.0/24"]),
    ("10.0.0.7", ["10.0.0.7/32"]), ("2001:DB8::/32", ["2001:db8::/32"]),
    ("10.0.0.%", ["10.0.0.0/24"]), ("10.0.%", ["10.0.0.0/16"]), ("10.%", ["10.0.0.0/8"]),
    ("10.1.%.%", ["10.1.0.0/16"]), ("10.0.0._", ["10.0.0.0/24"]), ("10.0.0.?", ["10.0.0.0/24"]),
    ("10.0.0.*", ["10.0.0.0/24"]), ("10.1%", ["10.0.0.0/8"]), ("%.%.%.%", ["0.0.0.0/0"]),
    ("10.0.0.1%", ["10.0.0.0/24"]),
    ("2001:db8::%", ["::/0"]), ("fe80::*", ["::/0"]), ("fe80::1%eth0", ["fe80::1/128"]),
])
def test_wildcard_hosts(pattern: str, expected: list[str]) -> None:
    found = wildcard_hosts(pattern)
    assert found is not None and found.networks() == expected


@pytest.mark.parametrize("pattern", [
    "db.example.org", "%.example.org", "10.0.0.999", "1.2.3.4.%", "fe80::g", "",
    "10.0.0.%.%",
])
def test_names_are_left_to_the_caller(pattern: str) -> None:
    assert wildcard_hosts(pattern) is None


# ------------------------------------------------------------------------------- the rest
def test_intersect_drops_loopback_and_starts_from_everything() -> None:
    assert intersect([]) == _ALL.minus(IpSet.of(LOOPBACK))
    layers = [Layer("a", IpSet.of(["10.0.0.0/8", "127.0.0.0/8"])),
              Layer("b", IpSet.of(["10.1.0.0/16", "127.0.0.1", "::1"]))]
    assert intersect(layers) == IpSet.of(["10.1.0.0/16"])


def test_any_layer_and_as_list() -> None:
    assert any_layer("n", {"k": 1}) == Layer("n", _ALL, {"k": 1})
    assert as_list(None) == []
    assert as_list(["a", 2]) == ["a", "2"]
    assert as_list("a b") == ["a b"]
    assert as_list(0) == ["0"]
