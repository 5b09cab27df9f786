"""iptables options whose value spans several arguments, and interface wildcards.

An option's values are joined with commas (one value list), except ``--match-set``'s name and
direction flags; the text of an undecidable option is what the report shows.
"""

from __future__ import annotations

import pytest

from checks.network.ipranges import IpSet
from checks.network.netfilter import Cond
from checks.network.netfilter_iptables import rule_from_args


@pytest.mark.parametrize(("args", "expected"), [
    (["-s", "10.0.0.1", "10.0.0.3"],
     Cond("saddr", (), False, IpSet.of(["10.0.0.1", "10.0.0.3"]), "-s 10.0.0.1,10.0.0.3")),
    (["--tcp-flags", "FIN,SYN,RST,ACK", "SYN"],
     Cond("unknown", text="--tcp-flags FIN,SYN,RST,ACK,SYN")),
    (["--match-set", "allow", "src,dst"], Cond("unknown", text="--match-set allow src,dst")),
    (["-i", "ethX+"], Cond("iif", ("ethX",), False, text="-i ethX+")),
    (["-i", "X"], Cond("iif", ("X",), False, text="-i X")),
    (["-i", "X+"], Cond("iif", ("X",), False, text="-i X+")),
])
def test_option_values(args: list[str], expected: Cond) -> None:
    rule = rule_from_args([*args, "-j", "ACCEPT"], 4, "w")
    assert rule.conds == (expected,)
    assert rule.verdict == "accept"
