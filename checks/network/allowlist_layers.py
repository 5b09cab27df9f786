"""The layers that narrow who can reach a service: firewall, listen address, application rules.

Each function turns facts into a :class:`Layer` (a source set plus evidence); the allowlist
checks intersect the layers of a service and compare the result with the claim.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from checks.base import CheckContext, Outcome, missing
from checks.network.ipranges import LOOPBACK, IpSet
from checks.network.netfilter import Ruleset, reachable
from checks.network.netfilter_iptables import rulesets_from_iptables
from checks.network.netfilter_nft import rulesets_from_nft
from posture.models import JSON, FactStatus, Status, msg

FIREWALL_FACTS = ("net.nftables", "net.iptables")


@dataclass
class Layer:
    """One restriction on the sources of a service."""

    name: str
    sources: IpSet
    evidence: dict[str, JSON] = field(default_factory=dict)


@dataclass
class Firewall:
    """The kernel rule sets of a host, from every tool that could read them."""

    rulesets: list[Ruleset]
    notes: list[str]
    read: list[str]


def firewall(ctx: CheckContext) -> Firewall | Outcome:
    """All rule sets of the host; a tool that is not installed contributes nothing."""
    read, notes = [], []
    rulesets: list[Ruleset] = []
    covered: set[tuple[str, str]] = set()
    ipt = ctx.fact("net.iptables")
    if ipt.status is FactStatus.OK and isinstance(ipt.value, dict):
        rulesets, ipt_notes, covered = rulesets_from_iptables(ipt.value)
        read.append("iptables-save")
        notes.extend(ipt_notes)
    elif ipt.status is not FactStatus.MISSING:
        return fact_error(ctx, "net.iptables")
    nft = ctx.fact("net.nftables")
    if nft.status is FactStatus.OK and isinstance(nft.value, dict):
        nft_sets, nft_notes = rulesets_from_nft(nft.value.get("objects", []), covered)
        rulesets.extend(nft_sets)
        read.append("nft")
        notes.extend(nft_notes)
    elif nft.status is not FactStatus.MISSING:
        return fact_error(ctx, "net.nftables")
    if not read:
        notes.append("neither nft nor iptables is installed: no packet filter")
    return Firewall(rulesets, notes, read)


def fact_error(ctx: CheckContext, key: str) -> Outcome:
    """The ``error`` outcome for a fact that is not usable."""
    return missing(ctx, key) or Outcome(Status.ERROR, msg("could not determine: fact {key}",
                                                          key=key))


def firewall_layer(fw: Firewall, port: int, families: Sequence[int]) -> Layer:
    """Who the packet filter lets open a TCP connection to ``port``."""
    reach = reachable(fw.rulesets, port, families) if families else None
    sources = reach.sources if reach else IpSet()
    evidence: dict[str, JSON] = {
        "read_from": fw.read, "port": port,
        "allows": sources.networks(),
        "accepted_by": reach.accepted_by[:20] if reach else [],
        "dropped_by": reach.dropped_by[:20] if reach else [],
        "assumptions": (reach.assumptions[:20] if reach else []) + fw.notes[:10]}
    if not fw.rulesets:
        evidence["note"] = "no packet filter rules: every source can connect"
    return Layer("firewall", sources, evidence)


def _is_loopback(text: str) -> bool:
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return text == "localhost"


def listen_families(addresses: Iterable[str]) -> tuple[int, ...]:
    """Address families reachable from the network given listen addresses ('' = any)."""
    families: set[int] = set()
    for raw in addresses:
        text = raw.strip().strip("[]")
        if text in ("", "*", "0.0.0.0", "::"):  # noqa: S104 - reading, not binding
            families.update((4, 6) if text != "0.0.0.0" else (4,))  # noqa: S104
        elif not _is_loopback(text):
            families.add(6 if ":" in text else 4)
    return tuple(sorted(families))


def listen_layer(addresses: Sequence[str], source: str) -> Layer:
    """The listen layer: nothing from the network when only loopback is bound."""
    families = listen_families(addresses)
    sources = IpSet()
    for family in families:
        sources = sources.union(IpSet.everything(family))
    return Layer("listen", sources, {"addresses": list(addresses)[:20], "from": source,
                                     "families": [f"ipv{f}" for f in families]})


def wildcard_hosts(pattern: str) -> IpSet | None:
    """An address pattern (``10.0.0.%``, ``10.0.*``, CIDR, ``a/mask``) as a set; None for
    names, which only DNS could decide."""
    text = pattern.strip().lower()
    if text in ("%", "*", "all", "any"):
        return IpSet.everything()
    if text in ("localhost", "127.0.0.1", "::1"):
        return IpSet.of(LOOPBACK)
    try:
        return IpSet.of([text])
    except ValueError:
        pass
    octets = text.split(".")
    if re.fullmatch(r"[0-9.%_*?]+", text) and len(octets) <= 4:
        exact = []
        for octet in octets:
            if not octet.isdigit():
                break
            exact.append(octet)
        if len(exact) == 4:  # four numbers that are no address (an octet over 255): a name
            return None
        prefix = ".".join([*exact, *["0"] * (4 - len(exact))])
        return IpSet.of([f"{prefix}/{8 * len(exact)}"])
    if ":" in text and set(text) <= set("0123456789abcdef:%*_"):
        return IpSet.everything(6)
    return None


def any_layer(name: str, evidence: dict[str, JSON]) -> Layer:
    """A layer that restricts nothing (shown in the evidence all the same)."""
    return Layer(name, IpSet.everything(), evidence)


def intersect(layers: Sequence[Layer]) -> IpSet:
    """Sources that pass every layer, loopback removed (it never arrives from the network)."""
    result = IpSet.everything()
    for layer in layers:
        result = result.intersect(layer.sources)
    return result.minus(IpSet.of(LOOPBACK))


def as_list(value: Any) -> list[str]:
    """A fact value that should be a list of strings, made one."""
    if isinstance(value, list):
        return [str(v) for v in value]
    return [] if value is None else [str(value)]
