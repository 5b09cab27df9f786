"""Loops that must go on after an entry they skip: nft statements and verdict-map entries,
probe results whose source was unavailable."""

from __future__ import annotations

from checks.network.allowlist_judge import probe_verdicts
from checks.network.ipranges import IpSet
from checks.network.netfilter import Cond, Rule
from checks.network.netfilter_nft import rule_from_exprs

_IP = {"payload": {"protocol": "ip", "field": "saddr"}}


def test_a_statement_nft_cannot_read_does_not_end_the_rule() -> None:
    assert rule_from_exprs(["junk", {"accept": None}], {}, "w") == [
        Rule((Cond("unknown", text="junk"),), "accept", "", "w")]


def test_a_bad_verdict_map_entry_does_not_end_the_map() -> None:
    data = {"set": [["x"], ["10.0.0.1", {"accept": None}]]}
    rules = rule_from_exprs([{"vmap": {"key": _IP, "data": data}}], {}, "w")
    assert rules == [Rule((Cond("family", (4,)), Cond("saddr", (), False,
                                                        IpSet.of(["10.0.0.1"]))), "accept",
                          "", "w")]


def test_a_verdict_map_whose_set_is_a_number_has_no_entry() -> None:
    assert rule_from_exprs([{"vmap": {"key": _IP, "data": {"set": 5}}}], {}, "w") == []


def test_a_verdict_map_entry_may_name_a_set() -> None:
    data = {"set": [["@admins", {"accept": None}]]}
    rules = rule_from_exprs([{"vmap": {"key": _IP, "data": data}}],
                            {"admins": ["10.0.0.0/8"]}, "w")
    assert rules[0].conds[1].addresses == IpSet.of(["10.0.0.0/8"])


def test_results_after_an_unavailable_source_still_count() -> None:
    results = [{"source": "a", "local": "198.18.0.1", "state": "source-unavailable"},
               "junk",
               {"source": "b", "local": "203.0.113.9", "state": "open", "answer": "ssh"}]
    contra, refused, every = probe_verdicts([{"port": 22, "results": results}],
                                            IpSet.of(["198.18.0.0/24"]))
    assert contra == ["from b (203.0.113.9) to port 22: open, ssh"]
    assert refused == [] and len(every) == 2
