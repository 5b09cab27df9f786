"""Which sources can open a new TCP connection to a port, as the kernel's netfilter decides.

Rule sets from nftables (:mod:`checks.network.netfilter_nft`) and iptables-save
(:mod:`checks.network.netfilter_iptables`) are translated into the small model below, then evaluated
symbolically: the set of possible source addresses flows through each base chain of the
``prerouting`` and ``input`` hooks; every rule splits it into the part it matches (which gets
the rule's verdict) and the rest (which goes on). ``jump``/``goto``/``return`` and policies
work as in the kernel. A packet is delivered only if *every* base chain on its path accepts
it (an accept ends one base chain, a drop ends the packet), so the reachable set is the
intersection over all base chains of all tables, nftables and both iptables back ends.

What the model cannot decide (a mark, a rate limit, a destination address, an unknown
interface) is a *maybe*: an accept that may apply counts, a drop that may apply does not.
The result over-approximates reachability and every assumption is reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from checks.network.ipranges import NOTHING, IpSet

YES, NO, MAYBE = "yes", "no", "maybe"
TERMINAL = ("accept", "drop", "reject", "jump", "goto", "return")
_MAX_STEPS = 20000
_MAX_DEPTH = 16


@dataclass(frozen=True)
class Cond:
    """One match of a rule. ``kind``: saddr | dport | proto | ctstate | iif | family | unknown."""

    kind: str
    values: tuple[object, ...] = ()
    negate: bool = False
    addresses: IpSet = NOTHING  # for saddr
    text: str = ""  # for unknown: what it was, for the report


@dataclass(frozen=True)
class Rule:
    """Conditions (all must hold) and a verdict ('' when the rule only counts or logs)."""

    conds: tuple[Cond, ...]
    verdict: str = ""
    target: str = ""  # chain of a jump/goto
    where: str = ""  # "nftables inet filter input #3", for evidence


@dataclass(frozen=True)
class Chain:
    """A chain; base chains hang on a hook and have a policy."""

    name: str
    rules: tuple[Rule, ...]
    hook: str = ""  # prerouting | input | ... ('' for a regular chain)
    policy: str = "accept"
    families: tuple[int, ...] = (4, 6)


@dataclass(frozen=True)
class Ruleset:
    """Chains of one table (names are unique within it)."""

    source: str  # "nftables inet filter", "iptables-legacy filter (ipv4)"
    chains: Mapping[str, Chain]


@dataclass(frozen=True)
class Packet:
    """The packet being judged: the first packet of a new TCP connection."""

    family: int
    port: int
    proto: str = "tcp"


@dataclass
class Reach:
    """The evaluation result: who can reach, why, and what was assumed."""

    sources: IpSet
    accepted_by: list[str] = field(default_factory=list)
    dropped_by: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)


class _Budget:
    def __init__(self) -> None:
        self.steps = 0

    def tick(self) -> None:
        self.steps += 1
        if self.steps > _MAX_STEPS:
            raise RecursionError("rule set too complex to evaluate")


def _match(cond: Cond, pkt: Packet) -> tuple[IpSet | None, str]:
    """(source restriction or None, yes|no|maybe) for one condition."""
    if cond.kind == "saddr":
        addrs = cond.addresses.complement(pkt.family) if cond.negate else cond.addresses
        return addrs.family(pkt.family), YES
    if cond.kind == "dport":
        hit = any(isinstance(r, tuple) and r[0] <= pkt.port <= r[1] for r in cond.values)
    elif cond.kind == "proto":
        hit = pkt.proto in cond.values or "6" in cond.values
    elif cond.kind == "ctstate":
        hit = "new" in cond.values  # the first packet of a connection is NEW
    elif cond.kind == "family":
        hit = pkt.family in cond.values
    elif cond.kind == "iif":
        # The packet arrives from the network, never on loopback; other names are unknown.
        if set(cond.values) <= {"lo"}:
            hit = False
        else:
            return None, MAYBE
    else:  # unknown: the model cannot decide it
        return None, MAYBE
    return None, YES if hit != cond.negate else NO


class Evaluator:
    """Evaluates rule sets for one packet shape; collects evidence as it goes."""

    def __init__(self, rulesets: Sequence[Ruleset], pkt: Packet) -> None:
        self.rulesets = rulesets
        self.pkt = pkt
        self.reach = Reach(IpSet.everything(pkt.family))
        self._budget = _Budget()

    def run(self) -> Reach:
        """Intersect what every applicable base chain accepts."""
        for ruleset in self.rulesets:
            for chain in ruleset.chains.values():
                if chain.hook not in ("prerouting", "input") or self.pkt.family not in \
                        chain.families:
                    continue
                try:
                    accepted = self._base(ruleset, chain)
                except RecursionError as exc:
                    self.reach.assumptions.append(f"{ruleset.source} {chain.name}: {exc}; "
                                                  "taken as accepting everything")
                    continue
                self.reach.sources = self.reach.sources.intersect(accepted)
        return self.reach

    def _base(self, ruleset: Ruleset, chain: Chain) -> IpSet:
        start = IpSet.everything(self.pkt.family)
        accepted, rest = self._chain(ruleset, chain, start, 0)
        if chain.policy == "accept":
            return accepted.union(rest)
        if not rest.empty:
            self.reach.dropped_by.append(f"{ruleset.source} {chain.name}: policy {chain.policy}")
        return accepted

    def _chain(self, ruleset: Ruleset, chain: Chain, flow: IpSet,
               depth: int) -> tuple[IpSet, IpSet]:
        """(accepted, returned-to-caller) for ``flow`` entering ``chain``."""
        if depth > _MAX_DEPTH:
            raise RecursionError("jumps nested too deep")
        accepted, returned = NOTHING, NOTHING
        for rule in chain.rules:
            self._budget.tick()
            if flow.empty:
                break
            sources, certainty = self._rule_match(rule, flow)
            if certainty == NO or sources.empty:
                continue
            flow, acc, ret = self._apply(ruleset, rule, flow, sources, certainty, depth)
            accepted, returned = accepted.union(acc), returned.union(ret)
        return accepted, returned.union(flow)

    def _rule_match(self, rule: Rule, flow: IpSet) -> tuple[IpSet, str]:
        sources, unknown = flow, []
        for cond in rule.conds:
            restrict, result = _match(cond, self.pkt)
            if result == NO:
                return NOTHING, NO
            if result == MAYBE:
                unknown.append(cond.text or cond.kind)
            if restrict is not None:
                sources = sources.intersect(restrict)
        if unknown and rule.verdict in TERMINAL:
            note = f"{rule.where}: cannot decide {', '.join(unknown)[:200]}"
            if note not in self.reach.assumptions:
                self.reach.assumptions.append(note)
        return sources, MAYBE if unknown else YES

    def _apply(self, ruleset: Ruleset, rule: Rule, flow: IpSet, hit: IpSet, certainty: str,
               depth: int) -> tuple[IpSet, IpSet, IpSet]:
        """Apply a matching rule: (flow that goes on, accepted, returned)."""
        sure = certainty == YES
        rest = flow.minus(hit) if sure else flow
        verdict = rule.verdict
        if verdict == "accept":
            self.reach.accepted_by.append(f"{rule.where} ({', '.join(hit.networks(8))})")
            return rest, hit, NOTHING
        if verdict in ("drop", "reject"):
            if sure:
                self.reach.dropped_by.append(rule.where)
            return rest, NOTHING, NOTHING
        if verdict == "return":
            return rest, NOTHING, hit
        if verdict in ("jump", "goto"):
            target = ruleset.chains.get(rule.target)
            if target is None:
                self.reach.assumptions.append(f"{rule.where}: unknown chain {rule.target}")
                return flow, NOTHING, NOTHING
            acc, back = self._chain(ruleset, target, hit, depth + 1)
            if verdict == "jump":
                return rest.union(back), acc, NOTHING
            return rest, acc, back  # goto: the callee's return goes to our caller
        return flow, NOTHING, NOTHING


def reachable(rulesets: Sequence[Ruleset], port: int, families: Sequence[int] = (4, 6)) -> Reach:
    """The sources (of ``families``) that can open a TCP connection to ``port``."""
    total = Reach(NOTHING)
    for family in families:
        part = Evaluator(rulesets, Packet(family, port)).run()
        total.sources = total.sources.union(part.sources)
        for mine, theirs in ((total.accepted_by, part.accepted_by),
                             (total.dropped_by, part.dropped_by),
                             (total.assumptions, part.assumptions)):
            mine.extend(x for x in theirs if x not in mine)
    return total
