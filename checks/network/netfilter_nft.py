"""nftables rule sets (the objects of ``nft -j list ruleset``) -> the
:mod:`checks.network.netfilter` model.

Only what decides delivery of a new inbound TCP connection is translated exactly: source
addresses (literals, prefixes, ranges, anonymous and named sets), destination ports, layer-4
protocol, ``ct state`` (also as a verdict map), input interface, ``meta nfproto``. Anything
else becomes an undecidable condition that the evaluator reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from checks.network.ipranges import IpSet
from checks.network.netfilter import Chain, Cond, Rule, Ruleset

_FAMILIES = {"ip": (4,), "ip6": (6,), "inet": (4, 6)}
_NOOP = frozenset({"counter", "log", "mangle", "notrack", "set", "map", "comment", "meta",
                   "ct", "dup", "tproxy"})
_L4 = frozenset({"tcp", "udp", "sctp", "dccp", "udplite"})
SERVICES = {"ssh": 22, "http": 80, "https": 443, "mysql": 3306, "postgresql": 5432,
            "ftp": 21, "telnet": 23, "smtp": 25, "domain": 53}


def _elements(right: Any, sets: Mapping[str, list[Any]]) -> list[Any]:
    if isinstance(right, str) and right.startswith("@"):
        if right[1:] not in sets:
            raise ValueError  # caught in match_conds: the match becomes unknown
        items = sets[right[1:]]
    elif isinstance(right, dict) and "set" in right:
        items = list(right["set"]) if isinstance(right["set"], list) else [right["set"]]
    elif isinstance(right, list):
        items = right
    else:
        items = [right]
    return [i["elem"]["val"] if isinstance(i, dict) and "elem" in i else i for i in items]


def _addresses(items: Iterable[Any]) -> IpSet:
    result = IpSet()
    for item in items:
        if isinstance(item, dict) and "prefix" in item:
            part = IpSet.of([f"{item['prefix']['addr']}/{int(item['prefix']['len'])}"])
        elif isinstance(item, dict) and "range" in item:
            part = IpSet.span(str(item["range"][0]), str(item["range"][1]))
        elif isinstance(item, str):
            part = IpSet.of([item])
        else:
            raise ValueError  # caught in match_conds: the match becomes unknown
        result = result.union(part)
    return result


def _port(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError  # caught in match_conds: the match becomes unknown
    if isinstance(value, int):
        return value
    text = str(value)
    return int(text) if text.isdigit() else SERVICES[text]


def _ports(items: Iterable[Any], op: str) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for item in items:
        if isinstance(item, dict) and "range" in item:
            out.append((_port(item["range"][0]), _port(item["range"][1])))
        else:
            port = _port(item)
            out.append({"<": (0, port - 1), "<=": (0, port), ">": (port + 1, 65535),
                        ">=": (port, 65535)}.get(op, (port, port)))
    return tuple(out)


def _words(items: Iterable[Any]) -> tuple[str, ...]:
    return tuple(str(i).lower() for i in items)


def _left_kind(left: Any) -> tuple[str, tuple[Cond, ...]]:
    """What a match's left side is, plus conditions it implies (family, protocol)."""
    if not isinstance(left, dict) or len(left) != 1:
        return "unknown", ()
    (key, spec), = left.items()
    if not isinstance(spec, dict):
        return "unknown", ()
    if key == "payload":
        proto, fieldname = spec.get("protocol"), spec.get("field")
        fam = (Cond("family", _FAMILIES[proto]),) if proto in ("ip", "ip6") else ()
        if proto in ("ip", "ip6") and fieldname == "saddr":
            return "saddr", fam
        if proto in ("ip", "ip6") and fieldname in ("protocol", "nexthdr"):
            return "proto", fam
        if fieldname == "dport" and (proto in _L4 or proto == "th"):
            implied = (Cond("proto", (proto,)),) if proto in _L4 else ()
            return "dport", implied
        if proto in _L4:
            return "unknown", (Cond("proto", (proto,)),)
        return "unknown", fam
    if key == "meta":
        return {"l4proto": "proto", "iifname": "iif", "iif": "iif", "nfproto": "family",
                "protocol": "ethertype"}.get(str(spec.get("key")), "unknown"), ()
    if key == "ct" and spec.get("key") == "state":
        return "ctstate", ()
    return "unknown", ()


def match_conds(match: Mapping[str, Any], sets: Mapping[str, list[Any]]) -> list[Cond]:
    """Translate one ``match`` expression (never raises: oddities become unknown)."""
    op, left, right = str(match.get("op", "==")), match.get("left"), match.get("right")
    kind, implied = _left_kind(left)
    negate = op == "!="
    text = f"{str(left)[:80]} {op} {str(right)[:80]}"
    try:
        items = _elements(right, sets)
        if kind == "saddr" and op in ("==", "!=", "in"):
            return [*implied, Cond("saddr", (), negate, _addresses(items))]
        if kind == "dport":
            return [*implied, Cond("dport", _ports(items, op), negate)]
        if kind in ("proto", "ctstate", "iif") and op in ("==", "!=", "in"):
            values = _words(items)
            if kind == "proto":
                values = tuple({"6": "tcp", "17": "udp"}.get(v, v) for v in values)
            return [*implied, Cond(kind, values, negate)]
        if kind in ("family", "ethertype") and op in ("==", "!="):
            fams = {"ipv4": 4, "ip": 4, "ipv6": 6, "ip6": 6}
            values_f = tuple(fams[w] for w in _words(items) if w in fams)
            return [*implied, Cond("family", values_f, negate)]
    except (ValueError, KeyError, TypeError, IndexError):
        pass
    return [*implied, Cond("unknown", text=text)]


def _verdict_rule(conds: list[Cond], stmt: Mapping[str, Any], where: str) -> Rule | None:
    (key, value), = stmt.items()
    if key in ("accept", "drop", "reject", "return"):
        return Rule(tuple(conds), key, "", where)
    if key in ("jump", "goto") and isinstance(value, dict):
        return Rule(tuple(conds), key, str(value.get("target", "")), where)
    if key == "queue":  # userspace decides: it may accept
        return Rule((*conds, Cond("unknown", text="queue to userspace")), "accept", "", where)
    return None


def rule_from_exprs(exprs: Sequence[Any], sets: Mapping[str, list[Any]],
                    where: str) -> list[Rule]:
    """One nft rule as model rules (a verdict map becomes one rule per entry)."""
    conds: list[Cond] = []
    for expr in exprs:
        if not isinstance(expr, dict) or len(expr) != 1:
            conds.append(Cond("unknown", text=str(expr)[:80]))
            continue
        key, value = next(iter(expr.items()))
        if key == "match" and isinstance(value, dict):
            conds.extend(match_conds(value, sets))
        elif key == "vmap" and isinstance(value, dict):
            return _vmap(conds, value, sets, where)
        elif (rule := _verdict_rule(conds, expr, where)) is not None:
            return [rule]
        elif key not in _NOOP:
            conds.append(Cond("unknown", text=f"{key} {str(value)[:60]}"))
    return [Rule(tuple(conds), "", "", where)]


def _vmap(conds: list[Cond], vmap: Mapping[str, Any], sets: Mapping[str, list[Any]],
          where: str) -> list[Rule]:
    data = vmap.get("data")
    if isinstance(data, str) and data.startswith("@"):  # a named verdict map
        if data[1:] not in sets:  # its entries may accept: an undecidable accept
            return [Rule((*conds, Cond("unknown", text=f"vmap {data[:60]}")), "accept", "",
                         where)]
        pairs: Any = sets[data[1:]]
    else:
        pairs = data.get("set", []) if isinstance(data, dict) else []
    rules: list[Rule] = []
    for pair in pairs if isinstance(pairs, list) else []:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[1], dict)
                and len(pair[1]) == 1):
            continue
        entry = [*conds, *match_conds({"op": "==", "left": vmap.get("key"), "right": pair[0]},
                                      sets)]
        rule = _verdict_rule(entry, pair[1], where)
        if rule is not None:
            rules.append(rule)
    return rules


def rulesets_from_nft(objects: Sequence[Any],
                      skip: Iterable[tuple[str, str]] = ()) -> tuple[list[Ruleset], list[str]]:
    """Rule sets per table, skipping ``(family, table)`` pairs read elsewhere; plus notes."""
    skipped, notes = set(skip), []
    sets: dict[tuple[str, str], dict[str, list[Any]]] = {}
    chains: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    rules: dict[tuple[str, str, str], list[Rule]] = {}
    for obj in objects:
        if not isinstance(obj, dict) or len(obj) != 1:
            continue
        kind, body = next(iter(obj.items()))
        if not isinstance(body, dict):
            continue
        table = (str(body.get("family")), str(body.get("table")))
        if kind in ("set", "map"):
            sets.setdefault(table, {})[str(body.get("name"))] = list(body.get("elem", []))
        elif kind == "chain":
            chains.setdefault(table, {})[str(body.get("name"))] = body
        elif kind == "rule":
            where = f"nftables {table[0]} {table[1]} {body.get('chain')} " \
                    f"handle {body.get('handle')}"
            rules.setdefault((*table, str(body.get("chain"))), []).extend(
                rule_from_exprs(body.get("expr") or [], sets.get(table) or {}, where))
    out: list[Ruleset] = []
    for table, table_chains in chains.items():
        if table in skipped:
            continue
        if table[0] not in _FAMILIES:
            if any(c.get("hook") == "ingress" for c in table_chains.values()):
                notes.append(f"nftables {table[0]} {table[1]}: ingress chains not evaluated")
            continue
        model: dict[str, Chain] = {}
        for name, spec in table_chains.items():
            hook = str(spec.get("hook", "")) if spec.get("type", "filter") == "filter" else ""
            if spec.get("type") == "nat" and spec.get("hook") == "prerouting":
                notes.append(f"nftables {table[0]} {table[1]} {name}: NAT not evaluated")
            model[name] = Chain(name, tuple(rules.get((*table, name), [])), hook,
                                str(spec.get("policy", "accept")), _FAMILIES[table[0]])
        out.append(Ruleset(f"nftables {table[0]} {table[1]}", model))
    return out, notes
