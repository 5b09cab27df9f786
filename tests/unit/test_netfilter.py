"""The packet-filter evaluator on recorded rule sets (nft 1.0.6 JSON, iptables 1.8.9 save)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import posture.collect.facts.registry  # noqa: F401 - loads the fact families in their order
from checks.network.ipranges import IpSet
from checks.network.netfilter import Chain, Cond, Rule, Ruleset, reachable
from checks.network.netfilter_iptables import rule_from_args, rulesets_from_iptables
from checks.network.netfilter_nft import rulesets_from_nft
from posture.collect.facts.parsers_net import parse_iptables, parse_nft

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture(scope="module")
def nft_rules() -> list[Ruleset]:
    value = parse_nft((DATA / "nft_ruleset.json").read_text())
    assert isinstance(value, dict)
    return rulesets_from_nft(value["objects"])[0]


@pytest.fixture(scope="module")
def ipt_rules() -> list[Ruleset]:
    value = parse_iptables((DATA / "iptables_save.txt").read_text())
    assert isinstance(value, dict)
    return rulesets_from_iptables(value)[0]


@pytest.mark.parametrize(("port", "expected"), [
    (22, ["198.51.100.7/32", "203.0.113.0/28", "2001:db8::/32"]),  # named set + ip6 rule
    (80, ["0.0.0.0/0", "::/0"]),  # anonymous port set
    (3306, ["192.0.2.0/24"]),
    (8050, ["10.0.0.0/8", "::/0"]),  # jump, '!= return', 'ip saddr' never matches IPv6
    (5432, []),  # policy drop
])
def test_nft_ruleset(nft_rules: list[Ruleset], port: int, expected: list[str]) -> None:
    assert reachable(nft_rules, port).sources.networks() == expected


def test_nft_verdict_map_and_loopback_do_not_admit_new_connections(
        nft_rules: list[Ruleset]) -> None:
    reach = reachable(nft_rules, 5432)
    assert reach.accepted_by == []
    assert any("policy drop" in d for d in reach.dropped_by)


def test_nft_undecidable_drop_is_reported_not_applied(nft_rules: list[Ruleset]) -> None:
    reach = reachable(nft_rules, 22)
    assert any("raw pre" in a and "fib" in a for a in reach.assumptions)


def test_nft_drop_in_an_earlier_hook_wins_over_a_later_accept() -> None:
    objects = json.loads((DATA / "nft_ruleset.json").read_text())["nftables"]
    # Put 198.51.100.7 (allowed for SSH in the input chain) into the raw drop rule.
    for obj in objects:
        rule = obj.get("rule", {})
        if rule.get("table") == "raw" and rule.get("handle") == 2:
            rule["expr"][0]["match"]["right"] = "198.51.100.7"
    rulesets, _ = rulesets_from_nft(objects)
    assert reachable(rulesets, 22).sources.networks() == ["203.0.113.0/28", "2001:db8::/32"]


@pytest.mark.parametrize(("port", "expected"), [
    (22, ["198.51.100.7/32", "2001:db8::/32"]),  # ufw user chain; ip6tables drops the rest
    (80, ["0.0.0.0/0", "::/0"]),  # multiport; ip6tables policy ACCEPT
    (3306, ["10.0.0.0/8", "::/0"]),  # IPv4 allowlisted, IPv6 wide open
    (5432, ["::/0"]),  # REJECT on IPv4
    (9000, ["192.0.2.0/24", "::/0"]),  # '! -s ... RETURN' back to INPUT, then policy DROP
])
def test_iptables_legacy_ruleset(ipt_rules: list[Ruleset], port: int,
                                 expected: list[str]) -> None:
    assert reachable(ipt_rules, port).sources.networks() == expected


def test_iptables_rate_limit_is_an_assumption(ipt_rules: list[Ruleset]) -> None:
    reach = reachable(ipt_rules, 8050)
    assert reach.sources.networks() == ["0.0.0.0/0", "::/0"]
    assert any("--limit" in a for a in reach.assumptions)


def test_iptables_nft_tables_replace_their_nft_view() -> None:
    text = ("### nft ipv4\n*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.1.0.0/16 -p tcp -m tcp "
            "--dport 22 -j ACCEPT\nCOMMIT\n### nft ipv6\n")
    value = parse_iptables(text)
    assert isinstance(value, dict)
    rulesets, _, covered = rulesets_from_iptables(value)
    assert covered == {("ip", "filter")}
    assert reachable(rulesets, 22, (4,)).sources.networks() == ["10.1.0.0/16"]


def test_incompatible_iptables_nft_table_is_left_to_nft() -> None:
    text = ("### nft ipv4\n# Table `raw' contains incompatible base-chains, use 'nft' tool to "
            "list them.\n*raw\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n")
    value = parse_iptables(text)
    assert isinstance(value, dict)
    assert rulesets_from_iptables(value)[2] == set()


def test_no_rules_means_everyone() -> None:
    assert reachable([], 22).sources == IpSet.everything()


def test_goto_returns_to_the_caller_of_the_caller() -> None:
    everyone = Rule((Cond("dport", ((22, 22),)),), "goto", "sub", "r1")
    sub = Chain("sub", (Rule((), "return", "", "r2"),))
    after = Rule((Cond("saddr", addresses=IpSet.of(["10.0.0.0/8"])),), "accept", "", "r3")
    base = Chain("input", (everyone, after), "input", "drop")
    # goto then return ends the base chain: r3 is never reached, the policy drops.
    assert reachable([Ruleset("t", {"input": base, "sub": sub})], 22).sources.empty
    jump = Rule(everyone.conds, "jump", "sub", "r1")
    base2 = Chain("input", (jump, after), "input", "drop")
    assert reachable([Ruleset("t", {"input": base2, "sub": sub})], 22, (4,)).sources == \
        IpSet.of(["10.0.0.0/8"])


def test_jump_loops_are_bounded() -> None:
    loop = Chain("a", (Rule((), "jump", "a", "r"),))
    base = Chain("input", (Rule((), "jump", "a", "r0"),), "input", "drop")
    reach = reachable([Ruleset("t", {"input": base, "a": loop})], 22)
    assert reach.sources == IpSet.everything()
    assert any("too" in a for a in reach.assumptions)


def test_iptables_negated_interface_and_unknown_target() -> None:
    rule = rule_from_args(["!", "-i", "lo", "-p", "tcp", "-j", "NFQUEUE"], 4, "w")
    assert rule.verdict == "accept"
    assert rule.conds[0] == Cond("iif", ("lo",), True, text="! -i lo")
