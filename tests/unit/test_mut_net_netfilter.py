"""The netfilter evaluator's evidence and chain walking, asserted exactly.

What the report shows (which rule accepted whom, what was assumed) must be as exact as the
reachable set itself: an accept that matched nobody listed as evidence, or an assumption
lost, would mislead the reader of a verdict.
"""

from __future__ import annotations

import pytest

from checks.network.ipranges import IpSet
from checks.network.netfilter import Chain, Cond, Rule, Ruleset, reachable

_TEN = Cond("saddr", addresses=IpSet.of(["10.0.0.0/8"]))


def _input(*rules: Rule, policy: str = "drop") -> Chain:
    return Chain("input", rules, "input", policy)


@pytest.mark.parametrize(("count", "shown"), [
    (7, 7), (8, 8), (9, 9),  # 8 networks, then "…" for the rest
])
def test_accept_evidence_names_at_most_eight_networks(count: int, shown: int) -> None:
    nets = [f"10.0.{2 * i}.0/24" for i in range(count)]
    rule = Rule((Cond("saddr", addresses=IpSet.of(nets)),), "accept", "", "r1")
    reach = reachable([Ruleset("t", {"input": _input(rule)})], 22, (4,))
    listed = nets[:8] + (["…"] if count > 8 else [])
    assert len(listed) == shown
    assert reach.accepted_by == [f"r1 ({', '.join(listed)})"]


def test_a_jump_to_an_unknown_chain_is_an_assumption_and_the_flow_goes_on() -> None:
    rules = (Rule((), "jump", "nosuch", "r1"), Rule((_TEN,), "accept", "", "r2"))
    reach = reachable([Ruleset("t", {"input": _input(*rules)})], 22, (4,))
    assert reach.assumptions == ["r1: unknown chain nosuch"]
    assert reach.sources == IpSet.of(["10.0.0.0/8"])


def test_an_accept_whose_sources_are_already_gone_is_no_evidence() -> None:
    drop = Rule((_TEN,), "drop", "", "r1")
    accept = Rule((_TEN,), "accept", "", "r2")
    reach = reachable([Ruleset("t", {"input": _input(drop, accept)})], 22, (4,))
    assert reach.sources.empty
    assert reach.accepted_by == []
    assert reach.dropped_by == ["r1", "t input: policy drop"]


def test_a_maybe_accept_counts_and_a_maybe_drop_does_not() -> None:
    unknown = Cond("unknown", text="-m mark --mark 1")
    rules = (Rule((unknown, _TEN), "drop", "", "r1"), Rule((unknown,), "accept", "", "r2"))
    reach = reachable([Ruleset("t", {"input": _input(*rules)})], 22, (4,))
    assert reach.sources == IpSet.everything(4)
    assert reach.dropped_by == ["t input: policy drop"]  # r1 may not apply: not listed
    assert reach.assumptions == ["r1: cannot decide -m mark --mark 1",
                                 "r2: cannot decide -m mark --mark 1"]
    assert reach.accepted_by == ["r2 (0.0.0.0/0)"]


def test_a_sure_match_ends_the_flow_a_maybe_match_does_not() -> None:
    sure = Rule((_TEN,), "accept", "", "r1")
    later = Rule((Cond("saddr", addresses=IpSet.of(["10.1.0.0/16", "11.0.0.0/8"])),),
                 "accept", "", "r2")
    reach = reachable([Ruleset("t", {"input": _input(sure, later)})], 22, (4,))
    # 10.1/16 was accepted by r1 already: r2 accepts only what is left of its set
    assert reach.accepted_by == ["r1 (10.0.0.0/8)", "r2 (11.0.0.0/8)"]


def test_regular_chains_are_skipped_not_the_end_of_the_table() -> None:
    chains = {"helper": Chain("helper", (Rule((), "accept", "", "h1"),)),
              "output": Chain("output", (), "output", "drop"),
              "input": _input(Rule((_TEN,), "accept", "", "r1"))}
    reach = reachable([Ruleset("t", chains)], 22, (4,))
    assert reach.sources == IpSet.of(["10.0.0.0/8"])


def test_chains_of_another_family_are_skipped_not_the_end_of_the_table() -> None:
    chains = {"in6": Chain("in6", (), "input", "drop", (6,)),
              "input": Chain("input", (Rule((_TEN,), "accept", "", "r1"),), "input", "drop",
                             (4,))}
    reach = reachable([Ruleset("t", chains)], 22, (4,))
    assert reach.sources == IpSet.of(["10.0.0.0/8"])


def test_a_chain_too_complex_is_an_assumption_and_later_chains_still_count() -> None:
    loop = Chain("loop", (Rule((), "jump", "loop", "l1"),))
    chains = {"first": Chain("first", (Rule((), "jump", "loop", "f1"),), "prerouting", "drop"),
              "loop": loop,
              "input": _input(Rule((_TEN,), "accept", "", "r1"))}
    reach = reachable([Ruleset("t", chains)], 22, (4,))
    assert reach.sources == IpSet.of(["10.0.0.0/8"])
    assert reach.assumptions == ["t first: jumps nested too deep; taken as accepting "
                                 "everything"]
