"""Apache access control of an admin path: 2.4 ``Require`` and 2.2 ``Order/Allow/Deny``.

The section that decides is the last ``<Location>`` (or ``<LocationMatch>``) that covers the
path and carries access rules, as Apache merges sections in order; several ``Require``
lines mean "any of them", ``<RequireAll>`` means all. Name-based rules (``Require host``,
``Allow from example.org``) depend on DNS: one that admits is taken as "anywhere", one that
refuses (``Deny from``, ``Require not host``) as "nobody", with a note either way, so that a
name never makes a path look closer than it is. With 2.2's ``Satisfy Any`` a login replaces
the address rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from checks.network.allowlist_layers import Layer, wildcard_hosts
from checks.network.ipranges import LOOPBACK, IpSet


def _apache_ip(text: str) -> IpSet:
    """``10.1`` (a partial address), ``10.1.0.0/16``, ``10.1.0.0/255.255.0.0``, IPv6."""
    if re.fullmatch(r"\d{1,3}(\.\d{1,3}){0,2}\.?", text):
        octets = [o for o in text.split(".") if o]
        return IpSet.of([".".join(octets + ["0"] * (4 - len(octets))) + f"/{8 * len(octets)}"])
    return IpSet.of([text])


def _hosts(words: Sequence[str], notes: list[str], *, refusing: bool = False) -> IpSet:
    """The sources ``words`` name; a DNS name counts as everyone when it admits and as
    nobody when it refuses (``refusing``): the reachable set is never under-estimated."""
    result = IpSet()
    for word in words:
        if word.lower() == "all":
            result = result.union(IpSet.everything())
            continue
        try:
            result = result.union(_apache_ip(word))
        except ValueError:
            found = wildcard_hosts(word)
            if found is None:
                taken = "nobody (it may not apply)" if refusing else "anywhere"
                notes.append(f"'{word}' is decided by DNS; taken as {taken}")
                found = IpSet() if refusing else IpSet.everything()
            result = result.union(found)
    return result


def _require(args: Sequence[str], notes: list[str]) -> tuple[IpSet, bool]:
    """(sources, negated) of one ``Require`` line."""
    words = [a.lower() for a in args]
    negated = bool(words) and words[0] == "not"
    words = words[1:] if negated else words
    if not words:
        return IpSet(), negated
    kind, rest = words[0], list(args[1 + negated:])
    if kind == "all":
        return (IpSet.everything() if rest[:1] == ["granted"] else IpSet()), negated
    if kind == "ip":
        return _hosts(rest, notes, refusing=negated), negated
    if kind == "local":
        return IpSet.of(LOOPBACK), negated
    if kind in ("host", "forward-dns"):
        taken = "nobody (it may not apply)" if negated else "anywhere"
        notes.append(f"Require {'not ' if negated else ''}{kind} {' '.join(rest)[:80]} is "
                     f"decided by DNS; taken as {taken}")
        return (IpSet() if negated else IpSet.everything()), negated
    notes.append(f"Require {kind}: a login, not a network rule; the path is reachable")
    return IpSet.everything(), negated


def _require_block(rules: Sequence[Mapping[str, Any]], notes: list[str],
                   mode: str = "any") -> tuple[IpSet, int]:
    """Evaluate Require lines and nested containers; return (sources, rules consumed)."""
    allowed, denied = IpSet(), IpSet()
    first = True
    i = 0
    while i < len(rules):
        name = str(rules[i].get("name", ""))
        if name.startswith("</"):
            return _combine(allowed, denied, mode, first), i + 1
        if name.startswith("<require"):
            part, used = _require_block(rules[i + 1:], notes, name[8:-1])
            sources, negated, i = part, False, i + 1 + used
        elif name == "require":
            sources, negated = _require([str(a) for a in rules[i].get("args", [])], notes)
            i += 1
        else:
            i += 1
            continue
        if negated:
            denied = denied.union(sources)
        elif mode == "all":
            allowed = sources if first else allowed.intersect(sources)
            first = False
        else:
            allowed, first = allowed.union(sources), False
    return _combine(allowed, denied, mode, first), i


def _combine(allowed: IpSet, denied: IpSet, mode: str, nothing: bool) -> IpSet:
    if mode == "none":
        return IpSet.everything().minus(allowed)
    if nothing and mode == "all":
        allowed = IpSet.everything()
    return allowed.minus(denied)


def _satisfy_any(rules: Sequence[Mapping[str, Any]]) -> bool:
    return any(str(r.get("name")) == "satisfy" and [str(a).lower() for a in r.get("args", [])]
               [:1] == ["any"] for r in rules)


def _legacy(rules: Sequence[Mapping[str, Any]], notes: list[str]) -> IpSet | None:
    """Apache 2.2 ``Order``/``Allow``/``Deny``; None when the section uses none of them."""
    order, allow, deny, seen = "deny,allow", IpSet(), IpSet(), False
    for rule in rules:
        name, args = str(rule.get("name")), [str(a) for a in rule.get("args", [])]
        if name == "order" and args:
            order, seen = args[0].lower().replace(" ", ""), True
        elif name in ("allow", "deny") and args[:1] and args[0].lower() == "from":
            seen = True
            hosts = args[1:]
            if any(h.lower().startswith("env=") for h in hosts):
                notes.append(f"{name} from env=...: decided per request; taken as anywhere")
                part = IpSet.everything() if name == "allow" else IpSet()
            else:
                part = _hosts(hosts, notes, refusing=name == "deny")
            if name == "allow":
                allow = allow.union(part)
            else:
                deny = deny.union(part)
    if not seen:
        return None
    if order == "deny,allow":
        return IpSet.everything().minus(deny).union(allow)
    return allow.minus(deny)


def _covers(section: Mapping[str, Any], path: str) -> bool:
    arg = str(section.get("arg", ""))
    if section.get("kind") == "location":
        return path.startswith(arg.rstrip("/")) if arg.rstrip("/") else True
    if section.get("kind") == "locationmatch" and len(arg) <= 200:
        try:
            return re.search(arg.lstrip("~").strip().strip('"'), path) is not None
        except re.error:
            return False
    return False


def _roots_for(access: Mapping[str, Any], port: int | None) -> set[str]:
    """The server roots that listen on ``port`` (empty: no Listen line says, use all)."""
    roots = set()
    for entry in access.get("listen", []):
        if isinstance(entry, dict) and port is not None and \
                str(entry.get("address")).rpartition(":")[2] == str(port):
            roots.add(str(entry.get("root", "")))
    return roots


def admin_layer(access: Mapping[str, Any], path: str, port: int | None = None) -> Layer:
    """Who Apache (the instance listening on ``port``) admits to ``path``."""
    notes: list[str] = []
    roots = _roots_for(access, port)
    deciding = [s for s in access.get("sections", []) if isinstance(s, dict)
                and (not roots or s.get("root") in roots) and _covers(s, path)
                and s.get("rules")]
    if not deciding:
        return Layer("apache access", IpSet.everything(),
                     {"path": path, "note": f"no <Location> with access rules covers {path}"})
    section = deciding[-1]
    rules = [r for r in section.get("rules", []) if isinstance(r, dict)]
    sources = IpSet.everything()
    requires = any(str(r.get("name", "")).startswith(("require", "<require")) for r in rules)
    if requires:
        sources = _require_block(rules, notes)[0]
    legacy = _legacy(rules, notes)
    if legacy is not None and requires and _satisfy_any(rules):
        # Satisfy Any: the address rule OR the Require lines admit (2.2 request.c); without
        # a Require line the address rule alone decides.
        notes.append("Satisfy Any: a login replaces the address rule")
        sources = sources.union(legacy)
    elif legacy is not None:
        sources = sources.intersect(legacy)
    where = f"{section.get('file')}:{section.get('line')}"
    lines = [f"{r.get('line')}: {r.get('name')} {' '.join(map(str, r.get('args', [])))}"
             for r in rules][:20]
    return Layer("apache access", sources, {"path": path, "section": f"<{section.get('kind')} "
                                            f"{section.get('arg')}> at {where}",
                                            "rules": lines, "allows": sources.networks(),
                                            "notes": notes[:10]})
