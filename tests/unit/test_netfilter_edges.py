"""The netfilter evaluator at its limits: jump depth, step budget, reject, conntrack state.

Each limit is probed exactly at its value and one step past it; past a limit the evaluator must
assume the worst (everyone can connect) and say so, never report a tighter allowlist.
"""

from __future__ import annotations

import pytest

from checks.network.ipranges import IpSet
from checks.network.netfilter import _MAX_DEPTH, _MAX_STEPS, Chain, Cond, Rule, Ruleset, reachable

NET = IpSet.of(["198.18.0.0/15"])
OTHER_PORT = Cond("dport", ((1, 1),))


def _reach(chains: dict[str, Chain], port: int = 22) -> tuple[IpSet, list[str], list[str]]:
    reach = reachable([Ruleset("t", chains)], port, (4,))
    return reach.sources, reach.assumptions, reach.dropped_by


def test_the_limits() -> None:
    assert (_MAX_DEPTH, _MAX_STEPS) == (16, 20000)


@pytest.mark.parametrize(("jumps", "too_deep"), [
    (_MAX_DEPTH - 1, False), (_MAX_DEPTH, False), (_MAX_DEPTH + 1, True)])
def test_jump_depth(jumps: int, too_deep: bool) -> None:
    # input -> c1 -> ... -> c<jumps>, whose only rule drops everything
    chains = {f"c{n}": Chain(f"c{n}", (Rule((), "jump", f"c{n + 1}", f"r{n}"),))
              for n in range(1, jumps)}
    chains[f"c{jumps}"] = Chain(f"c{jumps}", (Rule((), "drop", "", "last"),))
    chains["input"] = Chain("input", (Rule((), "jump", "c1", "r0"),), "input", "accept")
    sources, assumptions, _ = _reach(chains)
    if too_deep:
        assert sources == IpSet.everything(4)
        assert assumptions == ["t input: jumps nested too deep; taken as accepting everything"]
    else:
        assert sources.empty and assumptions == []


@pytest.mark.parametrize(("rules", "too_many"), [
    (_MAX_STEPS - 1, False), (_MAX_STEPS, False), (_MAX_STEPS + 1, True)])
def test_step_budget(rules: int, too_many: bool) -> None:
    body = tuple(Rule((OTHER_PORT,), "accept", "", f"r{n}") for n in range(rules - 1))
    chain = Chain("input", (*body, Rule((), "drop", "", "last")), "input", "accept")
    sources, assumptions, _ = _reach({"input": chain})
    if too_many:
        assert sources == IpSet.everything(4)
        assert assumptions == ["t input: rule set too complex to evaluate; taken as accepting "
                               "everything"]
    else:
        assert sources.empty and assumptions == []


@pytest.mark.parametrize("verdict", ["drop", "reject"])
def test_drop_and_reject_both_stop_a_source(verdict: str) -> None:
    rule = Rule((Cond("saddr", addresses=NET),), verdict, "", "block")
    sources, _, dropped = _reach({"input": Chain("input", (rule,), "input", "accept")})
    assert sources == IpSet.everything(4).minus(NET)
    assert dropped == ["block"]


@pytest.mark.parametrize(("states", "open_"), [
    (("new",), True), (("new", "established"), True), (("established", "related"), False),
    (("invalid",), False)])
def test_conntrack_state_of_a_first_packet(states: tuple[str, ...], open_: bool) -> None:
    rule = Rule((Cond("ctstate", states),), "accept", "", "ct")
    sources, _, _ = _reach({"input": Chain("input", (rule,), "input", "drop")})
    assert (sources == IpSet.everything(4)) is open_
    assert sources.empty is not open_


@pytest.mark.parametrize(("protos", "open_"), [
    (("tcp",), True), (("6",), True), (("udp",), False), (("17",), False)])
def test_protocol_by_name_or_number(protos: tuple[str, ...], open_: bool) -> None:
    rule = Rule((Cond("proto", protos),), "accept", "", "p")
    sources, _, _ = _reach({"input": Chain("input", (rule,), "input", "drop")})
    assert sources.empty is not open_


def test_an_undecidable_drop_is_an_assumption_and_not_applied() -> None:
    rule = Rule((Cond("unknown", text="x" * 300),), "drop", "", "odd")
    sources, assumptions, dropped = _reach({"input": Chain("input", (rule,), "input", "accept")})
    assert sources == IpSet.everything(4)
    assert assumptions == ["odd: cannot decide " + "x" * 200]
    assert dropped == []


@pytest.mark.parametrize(("verdict", "noted"), [("jump", True), ("", False)])
def test_undecidable_conditions_are_noted_for_verdicts_only(verdict: str, noted: bool) -> None:
    # A rule without a verdict (LOG, counters) decides nothing: its unknowns are no assumption.
    sub = Chain("sub", (Rule((), "return", "", "back"),))
    rule = Rule((Cond("unknown", text="mystery"),), verdict, "sub" if verdict else "", "r")
    _, assumptions, _ = _reach({"input": Chain("input", (rule,), "input", "accept"), "sub": sub})
    assert assumptions == (["r: cannot decide mystery"] if noted else [])


def test_an_accepting_rule_is_named_with_its_networks() -> None:
    rule = Rule((Cond("saddr", addresses=NET),), "accept", "", "allow")
    reach = reachable([Ruleset("t", {"input": Chain("input", (rule,), "input", "drop")})], 22,
                      (4,))
    assert reach.sources == NET
    assert reach.accepted_by == ["allow (198.18.0.0/15)"]
    assert reach.dropped_by == ["t input: policy drop"]


def test_only_the_asked_family_is_judged() -> None:
    assert reachable([], 22, (4,)).sources == IpSet.everything(4)
    assert reachable([], 22, (6,)).sources == IpSet.everything(6)
