"""Sets of IP addresses (IPv4 and IPv6 at once) as sorted, merged integer intervals.

The firewall evaluator narrows "every possible source" rule by rule; networks of any shape
(prefixes, ranges, netmasks, complements) stay exact and cheap to combine this way.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

Interval = tuple[int, int]  # inclusive bounds
_TOP = {4: (1 << 32) - 1, 6: (1 << 128) - 1}
LOOPBACK = ("127.0.0.0/8", "::1/128")
NON_GLOBAL = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8",
              "169.254.0.0/16", "fc00::/7", "fe80::/10", "::1/128")


def _merge(items: Iterable[Interval]) -> tuple[Interval, ...]:
    merged: list[list[int]] = []
    for lo, hi in sorted(items):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return tuple((a, b) for a, b in merged)


def _intersect(a: tuple[Interval, ...], b: tuple[Interval, ...]) -> tuple[Interval, ...]:
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def _complement(a: tuple[Interval, ...], top: int) -> tuple[Interval, ...]:
    out: list[Interval] = []
    start = 0
    for lo, hi in a:
        if lo > start:
            out.append((start, lo - 1))
        start = hi + 1
    if start <= top:
        out.append((start, top))
    return tuple(out)


@dataclass(frozen=True)
class IpSet:
    """An immutable set of IPv4 and IPv6 addresses."""

    v4: tuple[Interval, ...] = ()
    v6: tuple[Interval, ...] = ()

    @classmethod
    def everything(cls, family: int | None = None) -> IpSet:
        """Every address (of one family when ``family`` is 4 or 6)."""
        return cls(((0, _TOP[4]),) if family in (None, 4) else (),
                   ((0, _TOP[6]),) if family in (None, 6) else ())

    @classmethod
    def of(cls, networks: Iterable[str]) -> IpSet:
        """The union of networks written as CIDR or single addresses (``ValueError`` if bad)."""
        v4: list[Interval] = []
        v6: list[Interval] = []
        for text in networks:
            net = ipaddress.ip_network(text.strip(), strict=False)
            bounds = (int(net.network_address), int(net.broadcast_address))
            (v4 if net.version == 4 else v6).append(bounds)
        return cls(_merge(v4), _merge(v6))

    @classmethod
    def span(cls, first: str, last: str) -> IpSet:
        """Every address from ``first`` to ``last`` inclusive (one family)."""
        lo, hi = ipaddress.ip_address(first), ipaddress.ip_address(last)
        if lo.version != hi.version or int(lo) > int(hi):
            raise ValueError(f"bad address range {first}-{last}")
        pair = ((int(lo), int(hi)),)
        return cls(pair) if lo.version == 4 else cls((), pair)

    def union(self, other: IpSet) -> IpSet:
        """Addresses in either set."""
        return IpSet(_merge(self.v4 + other.v4), _merge(self.v6 + other.v6))

    def intersect(self, other: IpSet) -> IpSet:
        """Addresses in both sets."""
        return IpSet(_intersect(self.v4, other.v4), _intersect(self.v6, other.v6))

    def complement(self, family: int | None = None) -> IpSet:
        """Every address (of ``family``, or of both) not in this set."""
        return IpSet(_complement(self.v4, _TOP[4]) if family in (None, 4) else (),
                     _complement(self.v6, _TOP[6]) if family in (None, 6) else ())

    def minus(self, other: IpSet) -> IpSet:
        """Addresses in this set and not in ``other``."""
        return self.intersect(other.complement())

    def family(self, family: int) -> IpSet:
        """Only the addresses of one family."""
        return IpSet(self.v4) if family == 4 else IpSet((), self.v6)

    @property
    def empty(self) -> bool:
        """True when the set holds no address."""
        return not (self.v4 or self.v6)

    def size(self, family: int) -> int:
        """How many addresses of ``family`` the set holds."""
        return sum(hi - lo + 1 for lo, hi in {4: self.v4, 6: self.v6}[family])

    def covers(self, other: IpSet) -> bool:
        """True when every address of ``other`` is in this set."""
        return other.minus(self).empty

    def networks(self, limit: int = 64) -> list[str]:
        """The set as the fewest CIDR networks, IPv4 first (at most ``limit`` of them)."""
        out: list[str] = []
        makers = ((ipaddress.IPv4Address, self.v4), (ipaddress.IPv6Address, self.v6))
        for make, intervals in makers:
            for lo, hi in intervals:
                for net in ipaddress.summarize_address_range(make(lo), make(hi)):
                    if len(out) >= limit:
                        return [*out, "…"]
                    out.append(str(net))
        return out

    def is_world(self) -> bool:
        """True for a set no allowlist would write: the equivalent of a /8 of public
        addresses or more (private, loopback and link-local ranges aside)."""
        public = self.minus(IpSet.of(NON_GLOBAL))
        return public.size(4) >= 1 << 24 or public.size(6) >= 1 << 120


NOTHING = IpSet()
