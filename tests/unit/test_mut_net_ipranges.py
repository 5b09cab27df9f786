"""Address sets where an off-by-one hides: the top address, the network list's cap, sizes."""

from __future__ import annotations

import pytest

from checks.network.ipranges import IpSet


@pytest.mark.parametrize(("first", "last", "family", "expected"), [
    # the set stops one short of the top: the top address alone is the complement
    ("0.0.0.0", "255.255.255.254", 4, ["255.255.255.255/32"]),
    ("0.0.0.0", "255.255.255.255", 4, []),
    ("0.0.0.1", "255.255.255.255", 4, ["0.0.0.0/32"]),
    ("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 6,
     ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"]),
])
def test_complement_at_the_top_address(first: str, last: str, family: int,
                                       expected: list[str]) -> None:
    assert IpSet.span(first, last).complement(family).networks() == expected


@pytest.mark.parametrize(("count", "expected_len", "ellipsis"), [
    (63, 63, False), (64, 64, False), (65, 65, True),
])
def test_networks_default_limit_is_64(count: int, expected_len: int, ellipsis: bool) -> None:
    # every other address: no two merge, each is one /32
    many = IpSet.of([f"198.18.{i // 128}.{2 * (i % 128)}" for i in range(count)])
    shown = many.networks()
    assert len(shown) == expected_len
    assert (shown[-1] == "…") is ellipsis
    assert shown[0] == "198.18.0.0/32"


def test_networks_lists_ipv4_before_ipv6_each_in_its_own_notation() -> None:
    both = IpSet.of(["2001:db8::/32", "198.18.0.0/15"])
    assert both.networks() == ["198.18.0.0/15", "2001:db8::/32"]


@pytest.mark.parametrize("family", [0, 5, 7, None])
def test_size_of_an_unknown_family_is_an_error(family: object) -> None:
    with pytest.raises(KeyError):
        IpSet.everything().size(family)  # type: ignore[arg-type]


@pytest.mark.parametrize(("first", "last"), [("198.18.0.1", "198.18.0.9"),
                                             ("2001:db8::1", "2001:db8::9")])
def test_span_and_family_keep_one_family(first: str, last: str) -> None:
    span = IpSet.span(first, last)
    v6 = ":" in first
    assert (span.v4 == ()) is v6 and (span.v6 == ()) is not v6
    assert span.family(6 if v6 else 4) == span
    assert span.family(4 if v6 else 6) == IpSet()


def test_is_world_counts_each_family_at_its_own_threshold() -> None:
    # 2^120 IPv6 addresses make the world, however few IPv4 ones come with them
    v6_world = IpSet.of(["2001:d00::/8"])
    assert v6_world.is_world()
    assert not IpSet.of(["2001:d00::/9"]).is_world()
    assert IpSet.of(["11.0.0.0/8"]).is_world()
    assert not IpSet.of(["11.0.0.0/9", "2001:d00::/9"]).is_world()
