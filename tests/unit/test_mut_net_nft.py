"""nft JSON -> the netfilter model, match by match, statement by statement, table by table.

Each case asserts the exact conditions (with the family and protocol a match implies) so that
a match read as the wrong kind, a lost negation or an operator misread cannot hide behind a
reachability result that happens to agree.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks.network.ipranges import IpSet
from checks.network.netfilter import Chain, Cond, Rule, Ruleset, reachable
from checks.network.netfilter_nft import match_conds, rule_from_exprs, rulesets_from_nft

_IP = {"payload": {"protocol": "ip", "field": "saddr"}}
_IP6 = {"payload": {"protocol": "ip6", "field": "saddr"}}
_TCP = {"payload": {"protocol": "tcp", "field": "dport"}}
_F4, _F6 = Cond("family", (4,)), Cond("family", (6,))
_PTCP = Cond("proto", ("tcp",))
_NET8 = IpSet.of(["10.0.0.0/8"])


def _m(left: Any, right: Any, op: str | None = "==") -> dict[str, Any]:
    out: dict[str, Any] = {"left": left, "right": right}
    if op is not None:
        out["op"] = op
    return out


def _unknown(left: Any, op: str, right: Any) -> Cond:
    return Cond("unknown", text=f"{str(left)[:80]} {op} {str(right)[:80]}")


_SETS: dict[str, list[Any]] = {"allow": ["10.0.0.0/8", {"elem": {"val": "192.0.2.1"}}], "ports": [22, 80]}


# ------------------------------------------------------------------------------- addresses
@pytest.mark.parametrize(("match", "expected"), [
    (_m(_IP, "10.0.0.1"), [_F4, Cond("saddr", (), False, IpSet.of(["10.0.0.1"]))]),
    (_m(_IP, {"prefix": {"addr": "10.0.0.0", "len": 8}}), [_F4, Cond("saddr", (), False, _NET8)]),
    (_m(_IP, {"prefix": {"addr": "10.0.0.0", "len": "8"}}),
     [_F4, Cond("saddr", (), False, _NET8)]),
    (_m(_IP, {"range": ["10.0.0.1", "10.0.0.5"]}),
     [_F4, Cond("saddr", (), False, IpSet.span("10.0.0.1", "10.0.0.5"))]),
    (_m(_IP, "10.0.0.0/8", "!="), [_F4, Cond("saddr", (), True, _NET8)]),
    (_m(_IP, "10.0.0.0/8", "in"), [_F4, Cond("saddr", (), False, _NET8)]),
    (_m(_IP, "10.0.0.0/8", None), [_F4, Cond("saddr", (), False, _NET8)]),  # '==' by default
    (_m(_IP6, "2001:db8::/32"), [_F6, Cond("saddr", (), False, IpSet.of(["2001:db8::/32"]))]),
    (_m(_IP, "@allow"),
     [_F4, Cond("saddr", (), False, IpSet.of(["10.0.0.0/8", "192.0.2.1"]))]),
    (_m(_IP, {"set": ["10.0.0.1", {"prefix": {"addr": "10.9.0.0", "len": 16}}]}),
     [_F4, Cond("saddr", (), False, IpSet.of(["10.0.0.1", "10.9.0.0/16"]))]),
    (_m(_IP, {"set": "10.0.0.1"}), [_F4, Cond("saddr", (), False, IpSet.of(["10.0.0.1"]))]),
    (_m(_IP, ["10.0.0.1", "10.0.0.2"]),
     [_F4, Cond("saddr", (), False, IpSet.of(["10.0.0.1", "10.0.0.2"]))]),
    (_m(_IP, "@nosuch"), [_F4, _unknown(_IP, "==", "@nosuch")]),
    (_m(_IP, 167772161), [_F4, _unknown(_IP, "==", 167772161)]),
    (_m(_IP, "not-an-address"), [_F4, _unknown(_IP, "==", "not-an-address")]),
    (_m(_IP, {"range": ["10.0.0.1"]}), [_F4, _unknown(_IP, "==", {"range": ["10.0.0.1"]})]),
    (_m(_IP, "10.0.0.0/8", "<"), [_F4, _unknown(_IP, "<", "10.0.0.0/8")]),
])
def test_source_matches(match: dict[str, Any], expected: list[Cond]) -> None:
    assert match_conds(match, _SETS) == expected


# ------------------------------------------------------------------------------------ ports
@pytest.mark.parametrize(("match", "expected"), [
    (_m(_TCP, 22), [_PTCP, Cond("dport", ((22, 22),))]),
    (_m(_TCP, "22"), [_PTCP, Cond("dport", ((22, 22),))]),
    (_m(_TCP, "ssh"), [_PTCP, Cond("dport", ((22, 22),))]),
    (_m(_TCP, 22, "!="), [_PTCP, Cond("dport", ((22, 22),), True)]),
    (_m(_TCP, 1024, "<"), [_PTCP, Cond("dport", ((0, 1023),))]),
    (_m(_TCP, 1024, "<="), [_PTCP, Cond("dport", ((0, 1024),))]),
    (_m(_TCP, 1024, ">"), [_PTCP, Cond("dport", ((1025, 65535),))]),
    (_m(_TCP, 1024, ">="), [_PTCP, Cond("dport", ((1024, 65535),))]),
    (_m(_TCP, {"range": [8000, "8100"]}), [_PTCP, Cond("dport", ((8000, 8100),))]),
    (_m(_TCP, {"range": ["http", 8080]}, ">"), [_PTCP, Cond("dport", ((80, 8080),))]),
    (_m(_TCP, "@ports"), [_PTCP, Cond("dport", ((22, 22), (80, 80)))]),
    (_m({"payload": {"protocol": "udp", "field": "dport"}}, 53),
     [Cond("proto", ("udp",)), Cond("dport", ((53, 53),))]),
    (_m({"payload": {"protocol": "th", "field": "dport"}}, 22), [Cond("dport", ((22, 22),))]),
    (_m(_TCP, True), [_PTCP, _unknown(_TCP, "==", True)]),
    (_m(_TCP, "nosuchservice"), [_PTCP, _unknown(_TCP, "==", "nosuchservice")]),
])
def test_port_matches(match: dict[str, Any], expected: list[Cond]) -> None:
    assert match_conds(match, _SETS) == expected


# ---------------------------------------------------------------- protocols, state, meta
_META = {"meta": {"key": "l4proto"}}
_CT = {"ct": {"key": "state"}}


@pytest.mark.parametrize(("match", "expected"), [
    (_m({"payload": {"protocol": "ip", "field": "protocol"}}, "tcp"), [_F4, _PTCP]),
    (_m({"payload": {"protocol": "ip", "field": "protocol"}}, 6), [_F4, _PTCP]),
    (_m({"payload": {"protocol": "ip6", "field": "nexthdr"}}, "17"),
     [_F6, Cond("proto", ("udp",))]),
    (_m(_META, {"set": ["TCP", "udp"]}), [Cond("proto", ("tcp", "udp"))]),
    (_m(_META, "tcp", "!="), [Cond("proto", ("tcp",), True)]),
    (_m(_META, "tcp", "in"), [_PTCP]),
    (_m(_META, "tcp", "<"), [_unknown(_META, "<", "tcp")]),
    (_m(_CT, {"set": ["established", "RELATED"]}), [Cond("ctstate", ("established", "related"))]),
    (_m(_CT, "new", "!="), [Cond("ctstate", ("new",), True)]),
    (_m({"ct": {"key": "status"}}, "dnat"), [_unknown({"ct": {"key": "status"}}, "==", "dnat")]),
    (_m({"meta": {"key": "iifname"}}, "eth0"), [Cond("iif", ("eth0",))]),
    (_m({"meta": {"key": "iif"}}, "lo"), [Cond("iif", ("lo",))]),
    (_m({"meta": {"key": "nfproto"}}, "ipv4"), [Cond("family", (4,))]),
    (_m({"meta": {"key": "nfproto"}}, "ipv6", "!="), [Cond("family", (6,), True)]),
    (_m({"meta": {"key": "nfproto"}}, {"set": ["ip", "ip6", "arp"]}), [Cond("family", (4, 6))]),
    (_m({"meta": {"key": "nfproto"}}, "ipv4", "in"),
     [_unknown({"meta": {"key": "nfproto"}}, "in", "ipv4")]),
    (_m({"meta": {"key": "protocol"}}, "ip6"), [Cond("family", (6,))]),
    (_m({"meta": {"key": "mark"}}, 1), [_unknown({"meta": {"key": "mark"}}, "==", 1)]),
    (_m({"payload": {"protocol": "tcp", "field": "flags"}}, "syn"),
     [_PTCP, _unknown({"payload": {"protocol": "tcp", "field": "flags"}}, "==", "syn")]),
    (_m({"payload": {"protocol": "ip", "field": "daddr"}}, "10.0.0.1"),
     [_F4, _unknown({"payload": {"protocol": "ip", "field": "daddr"}}, "==", "10.0.0.1")]),
    (_m({"payload": {"protocol": "ip", "field": "dport"}}, 22),
     [_F4, _unknown({"payload": {"protocol": "ip", "field": "dport"}}, "==", 22)]),
    (_m({"payload": {"protocol": "ether", "field": "saddr"}}, "x"),
     [_unknown({"payload": {"protocol": "ether", "field": "saddr"}}, "==", "x")]),
    (_m({"fib": {"result": "type"}}, "local"),
     [_unknown({"fib": {"result": "type"}}, "==", "local")]),
    (_m("ip saddr", "10.0.0.1"), [_unknown("ip saddr", "==", "10.0.0.1")]),
    (_m({"payload": "x", "meta": "y"}, 1), [_unknown({"payload": "x", "meta": "y"}, "==", 1)]),
    (_m({"payload": "raw"}, 1), [_unknown({"payload": "raw"}, "==", 1)]),
])
def test_other_matches(match: dict[str, Any], expected: list[Cond]) -> None:
    assert match_conds(match, _SETS) == expected


def test_the_text_of_an_unknown_match_is_bounded_on_both_sides() -> None:
    left = {"meta": {"key": "mark" + "k" * 200}}
    right = "v" * 200
    [cond] = match_conds(_m(left, right, "!="), {})
    assert cond == Cond("unknown", text=f"{str(left)[:80]} != {'v' * 80}")
    assert len(cond.text) == 80 + 4 + 80


# ------------------------------------------------------------------------ rule statements
_ACCEPT_22 = [{"match": _m(_TCP, 22)}, {"counter": {"packets": 0}}, {"accept": None}]


@pytest.mark.parametrize(("exprs", "expected"), [
    (_ACCEPT_22, [Rule((_PTCP, Cond("dport", ((22, 22),))), "accept", "", "w")]),
    ([{"drop": None}], [Rule((), "drop", "", "w")]),
    ([{"reject": {"type": "tcp reset"}}], [Rule((), "reject", "", "w")]),
    ([{"return": None}], [Rule((), "return", "", "w")]),
    ([{"jump": {"target": "sub"}}], [Rule((), "jump", "sub", "w")]),
    ([{"goto": {"target": "sub"}}], [Rule((), "goto", "sub", "w")]),
    ([{"jump": {}}], [Rule((), "jump", "", "w")]),
    ([{"jump": "sub"}], [Rule((Cond("unknown", text="jump sub"),), "", "", "w")]),
    ([{"queue": {"num": 1}}], [Rule((Cond("unknown", text="queue to userspace"),), "accept", "",
                                     "w")]),
    ([{"log": {"prefix": "x"}}, {"limit": {"rate": 3}}, {"accept": None}],
     [Rule((Cond("unknown", text="limit {'rate': 3}"),), "accept", "", "w")]),
    ([{"limit": {"rate": "9" * 100}}],
     [Rule((Cond("unknown", text=f"limit {str({'rate': '9' * 100})[:60]}"),), "", "", "w")]),
    (["accept"], [Rule((Cond("unknown", text="accept"),), "", "", "w")]),
    ([{"accept": None, "drop": None}],
     [Rule((Cond("unknown", text="{'accept': None, 'drop': None}"),), "", "", "w")]),
    (["a" * 100], [Rule((Cond("unknown", text="a" * 80),), "", "", "w")]),
    ([{"match": "tcp dport 22"}, {"accept": None}],
     [Rule((Cond("unknown", text="match tcp dport 22"),), "accept", "", "w")]),
    ([{"counter": None}, {"meta": {"key": "mark"}}, {"ct": {}}, {"mangle": {}}, {"notrack": None},
      {"set": {}}, {"map": {}}, {"comment": "x"}, {"dup": {}}, {"tproxy": {}}],
     [Rule((), "", "", "w")]),
    ([], [Rule((), "", "", "w")]),
    # the verdict ends the rule: what follows it is never read
    ([{"accept": None}, {"drop": None}], [Rule((), "accept", "", "w")]),
])
def test_rule_statements(exprs: list[Any], expected: list[Rule]) -> None:
    assert rule_from_exprs(exprs, _SETS, "w") == expected


def _vmap(data: Any, key: Any = _CT) -> list[Any]:
    return [{"match": _m(_IP, "10.0.0.0/8")}, {"vmap": {"key": key, "data": data}}]


def test_a_verdict_map_is_one_rule_per_entry() -> None:
    data = {"set": [["established", {"accept": None}], ["invalid", {"drop": None}],
                    ["new", {"jump": {"target": "in_new"}}],
                    ["related", {"counter": None}],  # no verdict: no rule
                    ["x"], ["y", "accept"], ["z", {"accept": None, "drop": None}], "junk"]}
    src = [_F4, Cond("saddr", (), False, _NET8)]
    assert rule_from_exprs(_vmap(data), {}, "w") == [
        Rule((*src, Cond("ctstate", ("established",))), "accept", "", "w"),
        Rule((*src, Cond("ctstate", ("invalid",))), "drop", "", "w"),
        Rule((*src, Cond("ctstate", ("new",))), "jump", "in_new", "w"),
    ]


@pytest.mark.parametrize("data", [None, "x", {"set": "x"}, {"nope": []}, {"set": []}])
def test_a_verdict_map_without_entries_is_no_rule(data: Any) -> None:
    assert rule_from_exprs(_vmap(data), {}, "w") == []


def test_a_port_verdict_map() -> None:
    data = {"set": [[22, {"accept": None}], [{"range": [8000, 8100]}, {"accept": None}]]}
    rules = rule_from_exprs([{"vmap": {"key": _TCP, "data": data}}], {}, "w")
    assert rules == [Rule((_PTCP, Cond("dport", ((22, 22),))), "accept", "", "w"),
                     Rule((_PTCP, Cond("dport", ((8000, 8100),))), "accept", "", "w")]


# ---------------------------------------------------------------------------------- tables
def _rule(family: str, table: str, chain: str, handle: int, expr: Any) -> dict[str, Any]:
    return {"rule": {"family": family, "table": table, "chain": chain, "handle": handle,
                     "expr": expr}}


def test_tables_chains_sets_and_where() -> None:
    objects: list[Any] = [
        {"metainfo": {"version": "1.0.6"}}, "junk", {"a": {}, "b": {}}, {"table": "x"},
        {"table": {"family": "inet", "name": "filter"}},
        {"set": {"family": "inet", "table": "filter", "name": "admins",
                 "elem": ["10.0.0.0/8"]}},
        {"set": {"family": "ip", "table": "other", "name": "admins", "elem": ["11.0.0.0/8"]}},
        {"map": {"family": "inet", "table": "filter", "name": "m"}},
        {"chain": {"family": "inet", "table": "filter", "name": "input", "type": "filter",
                   "hook": "input", "prio": 0, "policy": "drop"}},
        {"chain": {"family": "inet", "table": "filter", "name": "sub"}},
        {"chain": {"family": "inet", "table": "filter", "name": "notype", "hook": "prerouting"}},
        {"chain": {"family": "inet", "table": "filter", "name": "two"}, "x": 1},
        _rule("inet", "filter", "input", 4, [{"match": _m(_IP, "@admins")},
                                             {"jump": {"target": "sub"}}]),
        _rule("inet", "filter", "sub", 5, [{"accept": None}]),
        _rule("inet", "filter", "sub", 6, None),
        {"chain": {"family": "ip", "table": "nat", "name": "pre", "type": "nat",
                   "hook": "prerouting", "policy": "accept"}},
        {"chain": {"family": "ip", "table": "nat", "name": "post", "type": "nat",
                   "hook": "postrouting"}},
        {"chain": {"family": "ip6", "table": "raw", "name": "pre", "type": "filter",
                   "hook": "prerouting"}},
        {"chain": {"family": "ip", "table": "mangle", "name": "out", "type": "route",
                   "hook": "output"}},
    ]
    rulesets, notes = rulesets_from_nft(objects)
    assert notes == ["nftables ip nat pre: NAT not evaluated"]
    where = "nftables inet filter"
    assert rulesets == [
        Ruleset("nftables inet filter", {
            "input": Chain("input", (Rule((_F4, Cond("saddr", (), False, _NET8)), "jump",
                                          "sub", f"{where} input handle 4"),),
                           "input", "drop", (4, 6)),
            "sub": Chain("sub", (Rule((), "accept", "", f"{where} sub handle 5"),
                                 Rule((), "", "", f"{where} sub handle 6")), "", "accept",
                         (4, 6)),
            "notype": Chain("notype", (), "prerouting", "accept", (4, 6))}),
        Ruleset("nftables ip nat", {
            "pre": Chain("pre", (), "", "accept", (4,)),
            "post": Chain("post", (), "", "accept", (4,))}),
        Ruleset("nftables ip6 raw", {"pre": Chain("pre", (), "prerouting", "accept", (6,))}),
        Ruleset("nftables ip mangle", {"out": Chain("out", (), "", "accept", (4,))}),
    ]


def test_skipped_tables_and_other_families() -> None:
    objects = [
        {"chain": {"family": "ip", "table": "filter", "name": "INPUT", "type": "filter",
                   "hook": "input", "policy": "drop"}},
        {"chain": {"family": "ip6", "table": "filter", "name": "INPUT", "type": "filter",
                   "hook": "input", "policy": "drop"}},
        {"chain": {"family": "netdev", "table": "edge", "name": "in", "type": "filter",
                   "hook": "ingress"}},
        {"chain": {"family": "bridge", "table": "br", "name": "in", "type": "filter",
                   "hook": "input"}},
        {"chain": {"family": "arp", "table": "a", "name": "in", "hook": "input"}},
        {"chain": {"family": "inet", "table": "late", "name": "in", "hook": "input"}},
    ]
    rulesets, notes = rulesets_from_nft(objects, [("ip", "filter")])
    assert [r.source for r in rulesets] == ["nftables ip6 filter", "nftables inet late"]
    assert notes == ["nftables netdev edge: ingress chains not evaluated"]


def test_a_rule_of_a_table_without_its_own_set_sees_no_set() -> None:
    objects = [
        {"set": {"family": "ip", "table": "a", "name": "s", "elem": ["10.0.0.0/8"]}},
        {"set": {"family": "ip", "table": "b", "name": "s"}},
        {"chain": {"family": "ip", "table": "b", "name": "input", "type": "filter",
                   "hook": "input", "policy": "drop"}},
        _rule("ip", "b", "input", 1, [{"match": _m(_IP, "@s")}, {"accept": None}]),
        _rule("ip", "c", "input", 1, [{"match": _m(_IP, "@s")}, {"accept": None}]),
        {"chain": {"family": "ip", "table": "c", "name": "input", "type": "filter",
                   "hook": "input", "policy": "drop"}},
    ]
    rulesets, _ = rulesets_from_nft(objects)
    b, c = (r.chains["input"].rules[0] for r in rulesets)
    assert b.conds == (_F4, Cond("saddr", (), False, IpSet()))  # an empty set: no source
    assert c.conds == (_F4, _unknown(_IP, "==", "@s"))


# ------------------------------------------------------------------------ named verdict maps
def _vmap_table(*extra: Any) -> list[Any]:
    return [{"chain": {"family": "ip", "table": "t", "name": "input", "type": "filter",
                       "hook": "input", "policy": "drop"}},
            *extra,
            _rule("ip", "t", "input", 7, [{"vmap": {"key": _IP, "data": "@m"}}])]


def test_a_named_verdict_map_is_one_rule_per_entry() -> None:
    elements = [[{"prefix": {"addr": "10.0.0.0", "len": 8}}, {"accept": None}],
                [{"elem": {"val": "10.9.9.9", "counter": {"packets": 1}}}, {"drop": None}],
                ["11.0.0.1", {"accept": None}], ["bad"]]
    objects = _vmap_table({"map": {"family": "ip", "table": "t", "name": "m", "map": "verdict",
                                   "elem": elements}})
    rulesets, _ = rulesets_from_nft(objects)
    where = "nftables ip t input handle 7"
    assert rulesets[0].chains["input"].rules == (
        Rule((_F4, Cond("saddr", (), False, _NET8)), "accept", "", where),
        Rule((_F4, Cond("saddr", (), False, IpSet.of(["10.9.9.9"]))), "drop", "", where),
        Rule((_F4, Cond("saddr", (), False, IpSet.of(["11.0.0.1"]))), "accept", "", where))
    reach = reachable(rulesets, 22, (4,))
    assert reach.sources == IpSet.of(["10.0.0.0/8", "11.0.0.1"])


def test_an_unknown_named_verdict_map_may_accept() -> None:
    rulesets, _ = rulesets_from_nft(_vmap_table())
    where = "nftables ip t input handle 7"
    assert rulesets[0].chains["input"].rules == (
        Rule((Cond("unknown", text="vmap @m"),), "accept", "", where),)
    reach = reachable(rulesets, 22, (4,))
    assert reach.sources == IpSet.everything(4)
    assert reach.assumptions == [f"{where}: cannot decide vmap @m"]


def test_the_name_of_an_unknown_map_is_bounded() -> None:
    name = "@" + "m" * 100
    rules = rule_from_exprs([{"vmap": {"key": _IP, "data": name}}], {}, "w")
    assert rules == [Rule((Cond("unknown", text=f"vmap {name[:60]}"),), "accept", "", "w")]
