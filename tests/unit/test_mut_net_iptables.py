"""iptables-save rules -> the netfilter model, condition by condition and table by table.

Each case asserts the exact model (kind, values, negation, addresses, the text the report
shows) so that an option read as the wrong kind, a lost negation or a misread port range
cannot hide behind a reachability result that happens to agree.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks.network.ipranges import IpSet
from checks.network.netfilter import Chain, Cond, Rule, Ruleset, reachable
from checks.network.netfilter_iptables import rule_from_args, rulesets_from_iptables

_NET8 = IpSet.of(["10.0.0.0/8"])


def _one(args: list[str], family: int = 4) -> Cond:
    """The single condition ``args`` (followed by ``-j ACCEPT``) translate to."""
    rule = rule_from_args([*args, "-j", "ACCEPT"], family, "w")
    assert rule.verdict == "accept", rule
    assert len(rule.conds) == 1, rule.conds
    return rule.conds[0]


# ------------------------------------------------------------------------- source addresses
@pytest.mark.parametrize(("args", "family", "expected"), [
    (["-s", "10.0.0.0/8"], 4, Cond("saddr", (), False, _NET8, "-s 10.0.0.0/8")),
    (["--source", "10.0.0.0/8"], 4, Cond("saddr", (), False, _NET8, "--source 10.0.0.0/8")),
    (["!", "-s", "10.0.0.0/8"], 4, Cond("saddr", (), True, _NET8, "! -s 10.0.0.0/8")),
    (["-s", "10.0.0.1,10.0.0.3"], 4,
     Cond("saddr", (), False, IpSet.of(["10.0.0.1", "10.0.0.3"]), "-s 10.0.0.1,10.0.0.3")),
    (["-s", "2001:db8::/32"], 6,
     Cond("saddr", (), False, IpSet.of(["2001:db8::/32"]), "-s 2001:db8::/32")),
    # an IPv6 network in an IPv4 rule set matches no IPv4 source
    (["-s", "2001:db8::/32"], 4, Cond("saddr", (), False, IpSet(), "-s 2001:db8::/32")),
    (["-m", "iprange", "--src-range", "10.0.0.1-10.0.0.5"], 4,
     Cond("saddr", (), False, IpSet.span("10.0.0.1", "10.0.0.5"),
          "--src-range 10.0.0.1-10.0.0.5")),
    (["-m", "iprange", "--src-range", "10.0.0.1-10.0.0.5,10.0.0.9"], 4,
     Cond("saddr", (), False, IpSet.span("10.0.0.1", "10.0.0.5").union(IpSet.of(["10.0.0.9"])),
          "--src-range 10.0.0.1-10.0.0.5,10.0.0.9")),
    (["-m", "iprange", "!", "--src-range", "2001:db8::1-2001:db8::ff"], 6,
     Cond("saddr", (), True, IpSet.span("2001:db8::1", "2001:db8::ff"),
          "! --src-range 2001:db8::1-2001:db8::ff")),
    (["-s", "nonsense"], 4, Cond("unknown", text="-s nonsense")),
    (["--src-range", "10.0.0.5-10.0.0.1"], 4, Cond("unknown", text="--src-range 10.0.0.5-10.0.0.1")),
])
def test_source_conditions(args: list[str], family: int, expected: Cond) -> None:
    assert _one(args, family) == expected


@pytest.mark.parametrize(("address", "reached"), [
    ("10.0.0.0", False), ("10.0.0.1", True), ("10.0.0.5", True), ("10.0.0.6", False),
])
def test_source_range_ends_are_inclusive(address: str, reached: bool) -> None:
    rule = rule_from_args(["-m", "iprange", "--src-range", "10.0.0.1-10.0.0.5", "-j", "ACCEPT"],
                          4, "w")
    chain = Chain("INPUT", (rule,), "input", "drop", (4,))
    sources = reachable([Ruleset("t", {"INPUT": chain})], 22, (4,)).sources
    assert sources.covers(IpSet.of([address])) is reached


# ------------------------------------------------------------------------------ protocols
@pytest.mark.parametrize(("args", "expected"), [
    (["-p", "tcp"], Cond("proto", ("tcp",), False, text="-p tcp")),
    (["-p", "TCP"], Cond("proto", ("tcp",), False, text="-p TCP")),
    (["--protocol", "udp"], Cond("proto", ("udp",), False, text="--protocol udp")),
    (["-p", "6"], Cond("proto", ("tcp",), False, text="-p 6")),
    (["-p", "17"], Cond("proto", ("udp",), False, text="-p 17")),
    (["-p", "sctp"], Cond("proto", ("sctp",), False, text="-p sctp")),
    (["!", "-p", "udp"], Cond("proto", ("udp",), True, text="! -p udp")),
    # 'all' matches every protocol, TCP included
    (["-p", "all"], Cond("proto", ("tcp",), False, text="-p all")),
    (["-p", "ALL"], Cond("proto", ("tcp",), False, text="-p ALL")),
    (["!", "-p", "all"], Cond("proto", ("tcp",), True, text="! -p all")),
    (["--syn"], Cond("proto", ("tcp",), False, text="--syn")),
    (["!", "--syn"], Cond("proto", ("tcp",), True, text="! --syn")),
])
def test_protocol_conditions(args: list[str], expected: Cond) -> None:
    assert _one(args) == expected


# ---------------------------------------------------------------------------------- ports
@pytest.mark.parametrize(("args", "expected"), [
    (["--dport", "22"], Cond("dport", ((22, 22),), False, text="--dport 22")),
    (["--destination-port", "22"], Cond("dport", ((22, 22),), False,
                                        text="--destination-port 22")),
    (["--dports", "22,80"], Cond("dport", ((22, 22), (80, 80)), False, text="--dports 22,80")),
    (["--destination-ports", "22,80"], Cond("dport", ((22, 22), (80, 80)), False,
                                            text="--destination-ports 22,80")),
    (["--dport", "8000:8100"], Cond("dport", ((8000, 8100),), False, text="--dport 8000:8100")),
    (["--dport", "1024:"], Cond("dport", ((1024, 65535),), False, text="--dport 1024:")),
    (["--dport", ":1024"], Cond("dport", ((0, 1024),), False, text="--dport :1024")),
    (["--dport", "22:http"], Cond("dport", ((22, 80),), False, text="--dport 22:http")),
    (["--dport", "ssh:https"], Cond("dport", ((22, 443),), False, text="--dport ssh:https")),
    (["!", "--dport", "22"], Cond("dport", ((22, 22),), True, text="! --dport 22")),
    (["--dport", "nosuchservice"], Cond("unknown", text="--dport nosuchservice")),
    (["--dport", "22:nosuchservice"], Cond("unknown", text="--dport 22:nosuchservice")),
    (["--dports", "22,"], Cond("unknown", text="--dports 22,")),
    (["--dport", ":"], Cond("dport", ((0, 65535),), False, text="--dport :")),
])
def test_port_conditions(args: list[str], expected: Cond) -> None:
    assert _one(args) == expected


def test_a_port_option_without_value_is_undecidable_not_port_zero() -> None:
    """Read as port 0 the accept would never apply: a false "unreachable"."""
    rule = rule_from_args(["-p", "tcp", "--dport", "-j", "ACCEPT"], 4, "r")
    chain = Chain("INPUT", (rule,), "input", "drop", (4,))
    reach = reachable([Ruleset("t", {"INPUT": chain})], 22, (4,))
    assert reach.sources == IpSet.everything(4)
    assert reach.assumptions == ["r: cannot decide --dport"]


# ------------------------------------------------------------------ state and interfaces
@pytest.mark.parametrize(("args", "expected"), [
    (["--ctstate", "NEW,ESTABLISHED"],
     Cond("ctstate", ("new", "established"), False, text="--ctstate NEW,ESTABLISHED")),
    (["--state", "NEW"], Cond("ctstate", ("new",), False, text="--state NEW")),
    (["!", "--ctstate", "INVALID"], Cond("ctstate", ("invalid",), True,
                                         text="! --ctstate INVALID")),
    (["-i", "eth0"], Cond("iif", ("eth0",), False, text="-i eth0")),
    (["--in-interface", "eth0"], Cond("iif", ("eth0",), False, text="--in-interface eth0")),
    (["-i", "eth+"], Cond("iif", ("eth",), False, text="-i eth+")),
    (["-i", "+"], Cond("iif", ("*",), False, text="-i +")),
    (["-i", "lo"], Cond("iif", ("lo",), False, text="-i lo")),
    (["!", "-i", "lo"], Cond("iif", ("lo",), True, text="! -i lo")),
    (["-m", "limit", "--limit", "3/min"], Cond("unknown", text="--limit 3/min")),
    (["-m", "set", "--match-set", "allow", "src"], Cond("unknown", text="--match-set allow src")),
    (["!", "--foo", "-1"], Cond("unknown", text="! --foo -1")),
    (["-f"], Cond("unknown", text="-f")),
])
def test_other_conditions(args: list[str], expected: Cond) -> None:
    assert _one(args) == expected


@pytest.mark.parametrize(("port", "open_"), [(21, False), (22, True), (23, False)])
def test_loopback_only_accept_admits_no_one(port: int, open_: bool) -> None:
    """``-i lo`` never matches a packet from the network; ``! -i lo`` always does."""
    rules = (rule_from_args(["-i", "lo", "-j", "ACCEPT"], 4, "a"),
             rule_from_args(["!", "-i", "lo", "-p", "tcp", "--dport", "22", "-j", "ACCEPT"], 4,
                            "b"))
    chain = Chain("INPUT", rules, "input", "drop", (4,))
    reach = reachable([Ruleset("t", {"INPUT": chain})], port, (4,))
    assert (not reach.sources.empty) is open_
    assert reach.accepted_by == (["b (0.0.0.0/0)"] if open_ else [])


# -------------------------------------------------------------------------------- targets
@pytest.mark.parametrize(("args", "verdict", "target", "conds"), [
    (["-j", "ACCEPT"], "accept", "", ()),
    (["--jump", "ACCEPT"], "accept", "", ()),
    (["-j", "DROP"], "drop", "", ()),
    (["-j", "REJECT", "--reject-with", "tcp-reset"], "reject", "", ()),
    (["-j", "RETURN"], "return", "", ()),
    (["-j", "LOG", "--log-prefix", "x"], "", "", ()),
    (["-j", "MARK", "--set-mark", "1"], "", "", ()),
    (["-j", "NFQUEUE", "--queue-num", "1"], "accept", "", (Cond("unknown", text="target NFQUEUE"),)),
    (["--jump", "QUEUE"], "accept", "", (Cond("unknown", text="target QUEUE"),)),
    (["-j", "MASQUERADE"], "", "", (Cond("unknown", text="target MASQUERADE"),)),
    (["-j", "ufw-user-input"], "jump", "ufw-user-input", ()),
    (["--jump", "sub"], "jump", "sub", ()),
    (["-g", "sub"], "goto", "sub", ()),
    (["--goto", "sub"], "goto", "sub", ()),
    (["-g", "SUB"], "goto", "SUB", ()),  # a goto always names a chain
    (["--goto", "SUB"], "goto", "SUB", ()),
    (["-g", "ACCEPT"], "accept", "", ()),
])
def test_targets(args: list[str], verdict: str, target: str, conds: tuple[Cond, ...]) -> None:
    assert rule_from_args(args, 4, "here") == Rule(conds, verdict, target, "here")


@pytest.mark.parametrize(("args", "conds"), [
    (["-j"], (Cond("unknown", text="-j"),)),  # a target without a name decides nothing
    (["-p", "tcp", "-g"], (Cond("proto", ("tcp",), text="-p tcp"), Cond("unknown", text="-g"))),
    (["-p", "tcp"], (Cond("proto", ("tcp",), text="-p tcp"),)),  # counts only
    (["-p", "tcp", "--dport"], (Cond("proto", ("tcp",), text="-p tcp"),
                                Cond("unknown", text="--dport"))),
    ([], ()),
])
def test_rules_without_a_verdict(args: list[str], conds: tuple[Cond, ...]) -> None:
    assert rule_from_args(args, 4, "w") == Rule(conds, "", "", "w")


def test_a_dash_alone_is_a_value_and_modules_and_comments_decide_nothing() -> None:
    rule = rule_from_args(["-m", "comment", "--comment", "-", "-m", "tcp", "-p", "tcp", "-j",
                           "ACCEPT"], 4, "w")
    assert rule == Rule((Cond("proto", ("tcp",), text="-p tcp"),), "accept", "", "w")


def test_negation_applies_to_the_next_option_only() -> None:
    rule = rule_from_args(["!", "-s", "10.0.0.0/8", "-p", "tcp", "--dport", "22", "-j", "DROP"],
                          4, "w")
    assert rule.conds == (Cond("saddr", (), True, _NET8, "! -s 10.0.0.0/8"),
                          Cond("proto", ("tcp",), text="-p tcp"),
                          Cond("dport", ((22, 22),), text="--dport 22"))
    assert rule.verdict == "drop"


# ------------------------------------------------------------------------------ tables
def _filter(**table: Any) -> dict[str, Any]:
    return {"backends": {"legacy": {"ipv4": {"filter": table}}}}


def test_table_chains_policies_and_rule_numbers() -> None:
    value = _filter(policies={"INPUT": "DROP", "FORWARD": "ACCEPT", "mine": "-"},
                    rules=[{"chain": "INPUT", "args": ["-j", "mine"]}, "junk",
                           {"chain": "mine", "args": ["-p", "tcp", "-j", "ACCEPT"]}])
    rulesets, notes, covered = rulesets_from_iptables(value)
    src = "iptables-legacy filter (ipv4)"
    assert rulesets == [Ruleset(src, {
        "INPUT": Chain("INPUT", (Rule((), "jump", "mine", f"{src} INPUT rule 1"),), "input",
                       "drop", (4,)),
        "FORWARD": Chain("FORWARD", (), "", "accept", (4,)),
        "mine": Chain("mine", (Rule((Cond("proto", ("tcp",), text="-p tcp"),), "accept", "",
                                    f"{src} mine rule 3"),), "", "accept", (4,)),
    })]
    assert notes == []
    assert covered == set()


def test_policies_that_are_not_a_mapping_are_ignored() -> None:
    value = _filter(policies=["INPUT"], rules=[{"chain": "INPUT", "args": ["-j", "DROP"]}])
    src = "iptables-legacy filter (ipv4)"
    # without a policy line INPUT is no base chain: nothing hooks it
    assert rulesets_from_iptables(value)[0] == [Ruleset(src, {
        "INPUT": Chain("INPUT", (Rule((), "drop", "", f"{src} INPUT rule 1"),), "", "accept",
                       (4,))})]


def test_rules_without_chain_or_args_and_a_chain_without_policy_line() -> None:
    value = _filter(rules=[{"args": ["-j", "DROP"]}, {"chain": "INPUT"},
                           {"chain": "INPUT", "args": []}])
    src = "iptables-legacy filter (ipv4)"
    chains = rulesets_from_iptables(value)[0][0].chains
    assert chains == {
        "": Chain("", (Rule((), "drop", "", f"{src}  rule 1"),), "", "accept", (4,)),
        "INPUT": Chain("INPUT", (Rule((), "", "", f"{src} INPUT rule 2"),
                                 Rule((), "", "", f"{src} INPUT rule 3")), "", "accept", (4,)),
    }


def test_a_dash_policy_is_no_hook_even_on_a_builtin_name() -> None:
    value = _filter(policies={"INPUT": "-", "PREROUTING": "ACCEPT"}, rules=None)
    chains = rulesets_from_iptables(value)[0][0].chains
    assert chains == {"INPUT": Chain("INPUT", (), "", "accept", (4,)),
                      "PREROUTING": Chain("PREROUTING", (), "prerouting", "accept", (4,))}


@pytest.mark.parametrize(("filler", "verdict", "conds"), [
    (198, "accept", ()),  # '-j ACCEPT' are arguments 199 and 200: read
    (199, "", (Cond("unknown", text="-j"),)),  # 'ACCEPT' is argument 201: cut off
])
def test_arguments_are_capped_at_200(filler: int, verdict: str,
                                     conds: tuple[Cond, ...]) -> None:
    args = ["-m", *(["tcp"] * (filler - 1)), "-j", "ACCEPT"]
    assert len(args) == filler + 2
    value = _filter(policies={"INPUT": "DROP"}, rules=[{"chain": "INPUT", "args": args}])
    rule = rulesets_from_iptables(value)[0][0].chains["INPUT"].rules[0]
    assert (rule.verdict, rule.conds) == (verdict, conds)


def test_backends_families_order_coverage_and_nat_notes() -> None:
    empty: dict[str, Any] = {"policies": {}, "rules": []}
    value = {
        "backends": {
            "nft": {"ipv6": {"filter": empty, "mangle": empty},
                    "ipv4": {"raw": empty, "filter": empty, "nat": {"rules": [{"chain": "X"}]}}},
            "legacy": {"ipv4": {"nat": empty, "security": empty, "broute": empty,
                                "filter": "not a table"},
                       "ipv6": {"nat": {"policies": {}, "rules": [{"chain": "PREROUTING"}]}}},
        },
        "incompatible": [["nft", "ipv4", "raw"], "junk", ["legacy", "ipv6", "mangle"]],
    }
    rulesets, notes, covered = rulesets_from_iptables(value)
    assert [r.source for r in rulesets] == [
        "iptables-legacy security (ipv4)", "iptables-nft filter (ipv4)",
        "iptables-nft filter (ipv6)", "iptables-nft mangle (ipv6)"]
    assert notes == ["iptables-legacy nat (ipv6): NAT not evaluated",
                     "iptables-nft nat (ipv4): NAT not evaluated"]
    assert covered == {("ip", "filter"), ("ip", "nat"), ("ip6", "filter"), ("ip6", "mangle")}


def test_nothing_saved_is_no_rule_set() -> None:
    assert rulesets_from_iptables({}) == ([], [], set())
    assert rulesets_from_iptables({"backends": {"legacy": {}}}) == ([], [], set())
