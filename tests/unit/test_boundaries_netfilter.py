"""Port ranges in the netfilter evaluator, iptables and nftables alike: both ends inclusive.

A port just inside an accepting range that looked unreachable would be a false "the allowlist
holds"; each range is probed at its ends and one step outside them.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks.network.ipranges import IpSet
from checks.network.netfilter import Chain, Cond, Rule, Ruleset, reachable
from checks.network.netfilter_iptables import rule_from_args
from checks.network.netfilter_nft import match_conds


def _open(rule: Rule, port: int) -> bool:
    """Whether ``port`` is reachable from anywhere with ``rule`` before a drop policy."""
    chain = Chain("input", (rule,), "input", "drop")
    sources = reachable([Ruleset("t", {"input": chain})], port, (4,)).sources
    assert sources in (IpSet.everything().family(4), IpSet()), sources
    return not sources.empty


# ---------------------------------------------------------------------------- iptables
@pytest.mark.parametrize(("spec", "port", "open_"), [
    ("8000:8100", 7999, False), ("8000:8100", 8000, True), ("8000:8100", 8001, True),
    ("8000:8100", 8099, True), ("8000:8100", 8100, True), ("8000:8100", 8101, False),
    ("1024:", 1023, False), ("1024:", 1024, True), ("1024:", 1025, True),
    ("1024:", 65535, True),
    (":1024", 0, True), (":1024", 1024, True), (":1024", 1025, False),
    ("22", 21, False), ("22", 22, True), ("22", 23, False),
    ("ssh", 22, True), ("ssh", 23, False),
    ("https:8444", 442, False), ("https:8444", 443, True), ("https:8444", 8444, True),
    ("https:8444", 8445, False),
])
def test_iptables_dport(spec: str, port: int, open_: bool) -> None:
    rule = rule_from_args(["-p", "tcp", "--dport", spec, "-j", "ACCEPT"], 4, "w")
    assert _open(rule, port) is open_


@pytest.mark.parametrize(("spec", "port", "open_"), [
    ("22,80:81", 22, True), ("22,80:81", 79, False), ("22,80:81", 80, True),
    ("22,80:81", 81, True), ("22,80:81", 82, False), ("22,80:81", 23, False),
    ("443,1024:", 1024, True), ("443,1024:", 1023, False),
])
def test_iptables_multiport(spec: str, port: int, open_: bool) -> None:
    rule = rule_from_args(["-p", "tcp", "-m", "multiport", "--dports", spec, "-j", "ACCEPT"],
                          4, "w")
    assert _open(rule, port) is open_


@pytest.mark.parametrize(("port", "open_"), [(7999, True), (8000, False), (8100, False),
                                             (8101, True)])
def test_iptables_negated_range(port: int, open_: bool) -> None:
    rule = rule_from_args(["-p", "tcp", "!", "--dport", "8000:8100", "-j", "ACCEPT"], 4, "w")
    assert _open(rule, port) is open_


def test_iptables_range_condition_values() -> None:
    rule = rule_from_args(["-p", "tcp", "--dport", "1024:", "-j", "ACCEPT"], 4, "w")
    assert Cond("dport", ((1024, 65535),), text="--dport 1024:") in rule.conds


# ---------------------------------------------------------------------------- nftables
_TCP_DPORT = {"payload": {"protocol": "tcp", "field": "dport"}}


def _nft_rule(op: str, right: Any) -> Rule:
    conds = match_conds({"op": op, "left": _TCP_DPORT, "right": right}, {})
    assert not [c for c in conds if c.kind == "unknown"], conds
    return Rule(tuple(conds), "accept", "", "r")


@pytest.mark.parametrize(("op", "right", "port", "open_"), [
    ("==", {"range": [8000, 8100]}, 7999, False), ("==", {"range": [8000, 8100]}, 8000, True),
    ("==", {"range": [8000, 8100]}, 8100, True), ("==", {"range": [8000, 8100]}, 8101, False),
    ("==", {"set": [22, {"range": [80, 81]}]}, 81, True),
    ("==", {"set": [22, {"range": [80, 81]}]}, 82, False),
    ("==", 22, 21, False), ("==", 22, 22, True), ("==", 22, 23, False),
    ("!=", 22, 22, False), ("!=", 22, 23, True),
    ("<", 1024, 1023, True), ("<", 1024, 1024, False),
    ("<=", 1024, 1024, True), ("<=", 1024, 1025, False),
    (">", 1024, 1024, False), (">", 1024, 1025, True), (">", 1024, 65535, True),
    (">=", 1024, 1023, False), (">=", 1024, 1024, True), (">=", 1024, 65535, True),
    ("==", "ssh", 22, True), ("==", "https", 443, True), ("==", "https", 444, False),
])
def test_nft_dport(op: str, right: Any, port: int, open_: bool) -> None:
    assert _open(_nft_rule(op, right), port) is open_
