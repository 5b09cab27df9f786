"""Address sets at their edges: ranges, complements, sizes and the "whole world" threshold.

"The world" is a /8 worth of public IPv4 addresses (2^24) or a /8 worth of IPv6 (2^120);
one address fewer is an allowlist, one more is not.
"""

from __future__ import annotations

import ipaddress

import pytest

from checks.network.ipranges import IpSet


def _v4(first: str, last: str) -> IpSet:
    return IpSet.span(first, last)


@pytest.mark.parametrize(("first", "last", "size"), [
    ("198.18.0.1", "198.18.0.1", 1),          # a range of one address
    ("198.18.0.1", "198.18.0.2", 2),
    ("198.18.0.0", "198.18.1.255", 512),
    ("2001:db8::1", "2001:db8::10", 16),
])
def test_span_is_inclusive(first: str, last: str, size: int) -> None:
    span = IpSet.span(first, last)
    family = ipaddress.ip_address(first).version
    assert span.size(family) == size
    assert span.size(10 - family) == 0   # the other family stays empty
    assert span.covers(IpSet.of([first, last]))
    below = ipaddress.ip_address(first) - 1
    above = ipaddress.ip_address(last) + 1
    assert span.intersect(IpSet.of([str(below), str(above)])).empty


@pytest.mark.parametrize(("first", "last"), [
    ("198.18.0.2", "198.18.0.1"),      # reversed
    ("198.18.0.1", "2001:db8::1"),     # mixed families
])
def test_bad_spans_are_errors(first: str, last: str) -> None:
    with pytest.raises(ValueError, match="bad address range"):
        IpSet.span(first, last)


def test_span_and_prefix_agree() -> None:
    assert _v4("198.18.0.0", "198.18.255.255") == IpSet.of(["198.18.0.0/16"])
    assert IpSet.span("2001:db8::", "2001:db8::ffff") == IpSet.of(["2001:db8::/112"])


def test_of_accepts_host_bits() -> None:
    assert IpSet.of(["198.18.0.5/24"]) == IpSet.of(["198.18.0.0/24"])


@pytest.mark.parametrize(("nets", "family", "size"), [
    (["198.18.0.0/24"], 4, 256), (["198.18.0.0/24"], 6, 0), (["::/127"], 6, 2),
    (["198.18.0.0/32"], 4, 1), ([], 4, 0),
])
def test_size(nets: list[str], family: int, size: int) -> None:
    assert IpSet.of(nets).size(family) == size


@pytest.mark.parametrize(("nets", "family", "expected"), [
    (["0.0.0.0/1"], 4, ["128.0.0.0/1"]),
    (["0.0.0.1/32"], 4, ["0.0.0.0/32", "0.0.0.2/31", "0.0.0.4/30"]),     # first addresses
    (["255.255.255.255/32"], 4, ["0.0.0.0/1"]),                          # the last address
    (["0.0.0.0/0"], 4, []),
    ([], 4, ["0.0.0.0/0"]),
    (["::/1"], 6, ["8000::/1"]),
    (["::/0"], 6, []),
])
def test_complement_edges(nets: list[str], family: int, expected: list[str]) -> None:
    got = IpSet.of(nets).complement(family).networks(limit=3)
    assert got[:len(expected)] == expected
    assert IpSet.of(nets).complement(family).size(10 - family) == 0


def test_complement_of_one_family_keeps_the_other_empty() -> None:
    both = IpSet.of(["198.18.0.0/15", "2001:db8::/32"])
    assert both.complement(4).v6 == () and both.complement(6).v4 == ()
    assert both.complement().size(4) == (1 << 32) - (1 << 17)
    assert both.complement().size(6) == (1 << 128) - (1 << 96)


def test_intersect_with_equal_ends() -> None:
    a = IpSet.of(["198.18.0.0/24", "198.18.2.0/24"])
    b = IpSet.of(["198.18.0.128/25", "198.18.2.0/25"])
    assert a.intersect(b) == b
    assert b.intersect(a) == b


def test_family_selection() -> None:
    both = IpSet.of(["198.18.0.0/24", "2001:db8::/64"])
    assert both.family(4) == IpSet.of(["198.18.0.0/24"])
    assert both.family(6) == IpSet.of(["2001:db8::/64"])


@pytest.mark.parametrize(("limit", "expected"), [
    (1, ["198.18.0.0/24", "…"]),
    (2, ["198.18.0.0/24", "198.18.2.0/24"]),
    (3, ["198.18.0.0/24", "198.18.2.0/24"]),
])
def test_networks_limit(limit: int, expected: list[str]) -> None:
    assert IpSet.of(["198.18.0.0/24", "198.18.2.0/24"]).networks(limit) == expected


def test_networks_lists_ipv6_after_ipv4() -> None:
    assert IpSet.of(["2001:db8::/64", "198.18.0.0/24"]).networks() == [
        "198.18.0.0/24", "2001:db8::/64"]


# 1.0.0.0/8 is all public: exactly 2^24 addresses.
@pytest.mark.parametrize(("first", "last", "world"), [
    ("1.0.0.0", "1.255.255.254", False),   # 2^24 - 1
    ("1.0.0.0", "1.255.255.255", True),    # exactly 2^24
    ("1.0.0.0", "2.0.0.0", True),          # 2^24 + 1
])
def test_world_threshold_ipv4(first: str, last: str, world: bool) -> None:
    assert IpSet.span(first, last).is_world() is world


@pytest.mark.parametrize(("first", "last", "world"), [
    ("2000::", "20ff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", False),   # 2^120 - 1
    ("2000::", "20ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", True),    # exactly 2^120
    ("2000::", "2100::", True),
])
def test_world_threshold_ipv6(first: str, last: str, world: bool) -> None:
    assert IpSet.span(first, last).is_world() is world


def test_private_ranges_never_make_the_world() -> None:
    assert not IpSet.of(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]).is_world()
    assert IpSet.everything().is_world()
    assert IpSet.everything(4).is_world() and IpSet.everything(6).is_world()
