"""iptables-save rule sets (legacy and nft back ends, IPv4 and IPv6) ->
:mod:`checks.network.netfilter`.

The fact ``net.iptables`` holds, per back end and family, each table's chain policies and its
rules as argument lists (see :func:`posture.collect.facts.parsers_net.parse_iptables`). Built-in
chains of the ``prerouting`` and ``input`` path (raw, mangle, filter, security) are evaluated;
NAT is reported, not evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from checks.network.ipranges import IpSet
from checks.network.netfilter import Chain, Cond, Rule, Ruleset
from checks.network.netfilter_nft import SERVICES

_HOOKS = {"PREROUTING": "prerouting", "INPUT": "input"}
_TABLES = ("raw", "mangle", "filter", "security")
_VERDICTS = {"ACCEPT": "accept", "DROP": "drop", "REJECT": "reject", "RETURN": "return"}
_NO_VERDICT = frozenset({"LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "CT", "NOTRACK", "TRACE",
                         "AUDIT", "CLASSIFY", "DSCP", "TOS", "TCPMSS", "SET", "CHECKSUM"})


def _ports(text: str) -> tuple[tuple[int, int], ...]:
    out = []
    for part in text.split(","):
        if not part:  # '--dport' without a value is no port 0: undecidable
            raise ValueError
        lo, _, hi = part.partition(":")
        first = int(lo) if lo.isdigit() else SERVICES[lo] if lo else 0
        last = (int(hi) if hi.isdigit() else SERVICES[hi]) if hi else (65535 if _ else first)
        out.append((first, last))
    return tuple(out)


def _addresses(text: str) -> IpSet:
    result = IpSet()
    for part in text.split(","):
        if "-" in part:
            first, _, last = part.partition("-")
            result = result.union(IpSet.span(first, last))
        else:
            result = result.union(IpSet.of([part]))
    return result


def _cond(option: str, value: str, negate: bool, family: int) -> Cond:
    """One option of a rule as a condition (unknown when not modelled)."""
    text = f"{'! ' if negate else ''}{option} {value}".strip()
    try:
        if option in ("-s", "--source", "--src-range"):
            return Cond("saddr", (), negate, _addresses(value).family(family), text)
        if option in ("-p", "--protocol"):
            name = {"6": "tcp", "17": "udp"}.get(value, value.lower())
            if name == "all":
                return Cond("proto", ("tcp",), negate, text=text)
            return Cond("proto", (name,), negate, text=text)
        if option in ("--dport", "--destination-port", "--dports", "--destination-ports"):
            return Cond("dport", _ports(value), negate, text=text)
        if option in ("--ctstate", "--state"):
            return Cond("ctstate", tuple(v.lower() for v in value.split(",")), negate, text=text)
        if option in ("-i", "--in-interface"):
            return Cond("iif", (value.rstrip("+") or "*",), negate, text=text)
        if option == "--syn":  # the first packet of a connection is a SYN
            return Cond("proto", ("tcp",), negate, text=text)
    except (ValueError, KeyError):
        pass
    return Cond("unknown", text=text)


_FLAGS = frozenset({"--syn", "-f", "--fragment"})
_SKIP = frozenset({"-m", "--match", "--comment"})  # modules and comments decide nothing


def rule_from_args(args: Sequence[str], family: int, where: str) -> Rule:
    """One ``-A CHAIN ...`` line (without ``-A CHAIN``) as a model rule."""
    conds: list[Cond] = []
    verdict, target = "", ""
    i, negate = 0, False
    while i < len(args):
        word = args[i]
        if word == "!":
            negate, i = True, i + 1
            continue
        if word in ("-j", "--jump", "-g", "--goto") and i + 1 < len(args):
            name = args[i + 1]
            if name in _VERDICTS:
                verdict = _VERDICTS[name]
            elif name in _NO_VERDICT:
                verdict = ""
            elif name.isupper() and word in ("-j", "--jump"):
                conds.append(Cond("unknown", text=f"target {name}"))
                verdict = "accept" if name in ("NFQUEUE", "QUEUE") else ""
            else:
                verdict, target = ("goto" if word in ("-g", "--goto") else "jump"), name
            break  # target options follow; they decide nothing here
        values: list[str] = []
        j = i + 1
        if word not in _FLAGS:
            while j < len(args) and not (args[j].startswith("-") and len(args[j]) > 1
                                         and not args[j][1].isdigit()) and args[j] != "!":
                values.append(args[j])
                j += 1
        if word not in _SKIP:
            conds.append(_cond(word, ",".join(values) if word != "--match-set"
                               else " ".join(values), negate, family))
        negate, i = False, j
    return Rule(tuple(conds), verdict, target, where)


def _table(backend: str, family: int, name: str, table: Mapping[str, Any]) -> Ruleset:
    source = f"iptables-{backend} {name} (ipv{family})"
    policies = table.get("policies")
    policies = policies if isinstance(policies, dict) else {}
    by_chain: dict[str, list[Rule]] = {str(c): [] for c in policies}
    for index, entry in enumerate(table.get("rules") or []):
        if not isinstance(entry, dict):
            continue
        chain = str(entry.get("chain", ""))
        args = [str(a) for a in entry.get("args", [])][:200]
        by_chain.setdefault(chain, []).append(
            rule_from_args(args, family, f"{source} {chain} rule {index + 1}"))
    chains = {}
    for chain, rules in by_chain.items():
        policy = str(policies.get(chain, "-")).lower()
        hook = _HOOKS.get(chain, "") if policy != "-" else ""
        chains[chain] = Chain(chain, tuple(rules), hook, policy if hook else "accept", (family,))
    return Ruleset(source, chains)


def rulesets_from_iptables(value: Mapping[str, Any]) -> tuple[list[Ruleset], list[str],
                                                              set[tuple[str, str]]]:
    """(rule sets, notes, nftables (family, table) pairs that iptables-nft already covers)."""
    out: list[Ruleset] = []
    notes: list[str] = []
    covered: set[tuple[str, str]] = set()
    incompatible = {tuple(x) for x in value.get("incompatible", []) if isinstance(x, list)}
    backends = value.get("backends", {})
    for backend in ("legacy", "nft"):
        for fam_name, family in (("ipv4", 4), ("ipv6", 6)):
            tables = backends.get(backend, {}).get(fam_name, {})
            for name, table in tables.items():
                if (backend, fam_name, name) in incompatible:
                    continue  # nft shows it: the nftables evaluation reads it
                if backend == "nft":
                    covered.add(("ip" if family == 4 else "ip6", name))
                if name == "nat" and table.get("rules"):
                    notes.append(f"iptables-{backend} nat (ipv{family}): NAT not evaluated")
                if name in _TABLES and isinstance(table, dict):
                    out.append(_table(backend, family, name, table))
    return out, notes, covered
