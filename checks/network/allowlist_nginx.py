"""nginx access control of a path: the server that answers, its location, allow/deny, satisfy.

The server is chosen as nginx chooses it: among the ``server`` blocks listening on the
port, the one whose ``server_name`` is the request's host, else the ``default_server``, else
the first. The location follows nginx's order: an exact ``=`` match, else the longest prefix
(``^~`` stops there), else the first regular expression that matches, else that prefix.
allow/deny rules are taken from the innermost level that has any and applied in order, the
first match deciding; no match lets the request through. ``satisfy any`` with a login means a
password can replace the address rule, so the path is reachable from everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from checks.network.allowlist_layers import Layer
from checks.network.ipranges import IpSet
from checks.websites.nginx_model import inherited_list, listens, setting

Level = Mapping[str, Any]
_DENY_CODES = ("403", "404", "444")


def _names(server: Level) -> list[str]:
    return [str(a).lower() for s in (server.get("directives") or {}).get("server_name", [])
            for a in s.get("args", [])]


def _name_matches(pattern: str, host: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    if pattern.endswith(".*"):
        return host.startswith(pattern[:-1])
    if pattern.startswith("."):
        return host == pattern[1:] or host.endswith(pattern)
    return pattern == host


_WILDCARD = ("*", "0.0.0.0", "::", "")  # noqa: S104 - reading a configuration, not binding


def choose_server(config: Mapping[str, Any], port: int, host: str,
                  address: str = "") -> Level | None:
    """The server block nginx picks for ``host`` on ``port`` (None: nothing listens).

    A ``listen`` on the destination ``address`` itself takes the connection before any
    wildcard one on the same port, as the kernel hands it to that socket."""
    servers = list(config.get("servers") or [])
    exact: list[Level] = [s for s in servers if address and any(
        p == port and a == address for a, p, _ in listens(s))]
    candidates: list[Level] = exact or [s for s in servers if any(
        p == port and a in _WILDCARD for a, p, _ in listens(s))]
    if not candidates and not address:
        candidates = [s for s in servers if any(p == port for _, p, _ in listens(s))]
    if not candidates:
        return None
    host = host.lower()
    for server in candidates:  # exact names first, then wildcards (regexes are not tried)
        if host in _names(server):
            return server
    for server in candidates:
        if any(_name_matches(n, host) for n in _names(server) if not n.startswith("~")):
            return server
    for server in candidates:
        if any(p == port and default for _, p, default in listens(server)):
            return server  # default_server of that address:port
    return candidates[0]


def _regex_match(location: Level, path: str, notes: list[str]) -> bool:
    flags = re.IGNORECASE if location.get("modifier") == "~*" else 0
    try:
        return re.search(str(location.get("path", ""))[:300], path, flags) is not None
    except re.error:
        notes.append(f"location {location.get('path')!r} at {location.get('at')}: a regular "
                     "expression Python cannot read; taken as matching")
        return True


def match_location(locations: Sequence[Level], path: str, notes: list[str]) -> list[Level]:
    """The chain of (nested) locations nginx uses for ``path``."""
    usable = [loc for loc in locations if not str(loc.get("path", "")).startswith("@")]
    for loc in usable:
        if loc.get("modifier") == "=" and loc.get("path") == path:
            return [loc]
    prefixes = [loc for loc in usable if loc.get("modifier") in ("", "^~")
                and path.startswith(str(loc.get("path", "")))]
    best = max(prefixes, key=lambda loc: len(str(loc.get("path", ""))), default=None)
    if best is None or best.get("modifier") != "^~":
        for loc in usable:
            if loc.get("modifier") in ("~", "~*") and _regex_match(loc, path, notes):
                return [loc, *match_location(loc.get("locations") or [], path, notes)]
    if best is None:
        return []
    return [best, *match_location(best.get("locations") or [], path, notes)]


def _rule_set(args: Sequence[str], notes: list[str]) -> IpSet | None:
    word = str(args[0]) if args else ""
    if word == "all":
        return IpSet.everything()
    if word.startswith("unix:"):
        return None
    try:
        return IpSet.of([word])
    except ValueError:
        notes.append(f"allow/deny {word[:60]!r} is not an address; ignored (nginx would not "
                     "start with it)")
        return None


def evaluate_rules(rules: Sequence[Mapping[str, Any]], notes: list[str]) -> IpSet:
    """Sources admitted by allow/deny rules applied in order (first match decides)."""
    remaining, admitted = IpSet.everything(), IpSet()
    for rule in rules:
        part = _rule_set([str(a) for a in rule.get("args", [])], notes)
        if part is None:
            continue
        hit = part.intersect(remaining)
        if rule.get("rule") == "allow":
            admitted = admitted.union(hit)
        remaining = remaining.minus(hit)
    return admitted.union(remaining)  # no rule matched: nginx lets the request through


def _login(chain: Sequence[Level]) -> str:
    basic = setting(chain, "auth_basic")
    if basic and basic.get("args") and str(basic["args"][0]).lower() != "off":
        return f"auth_basic at {basic['at']}"
    request = setting(chain, "auth_request")
    if request and request.get("args") and str(request["args"][0]).lower() != "off":
        return f"auth_request at {request['at']}"
    return ""


def admin_layer(config: Mapping[str, Any], path: str, port: int, host: str,
                address: str = "") -> Layer | None:
    """Who nginx admits to ``path`` on ``port`` of ``address`` for ``host``; None when no
    server listens there."""
    server = choose_server(config, port, host, address)
    if server is None:
        return None
    notes: list[str] = []
    chain: list[Level] = [config.get("http") or {}, server,
                          *match_location(server.get("locations") or [], path, notes)]
    rules = inherited_list(chain, "access")
    sources = evaluate_rules(rules, notes)
    # A server-level return runs before any location is chosen; then the location's own.
    denied = next((level["directives"]["return"][-1] for level in chain[1:]
                   if (level.get("directives") or {}).get("return")), None)
    if denied and denied.get("args") and str(denied["args"][0]) in _DENY_CODES:
        sources = IpSet()
        notes.append(f"return {denied['args'][0]} at {denied['at']}: nobody gets the page")
    satisfy = setting(chain, "satisfy")
    login = _login(chain)
    if satisfy and str(satisfy.get("args", [""])[0]).lower() == "any" and login:
        notes.append(f"satisfy any at {satisfy['at']} with {login}: a password replaces the "
                     "address rule, so the path answers everyone")
        sources = IpSet.everything()
    for level in chain[1:]:
        for block in level.get("conditional") or []:
            notes.append(f"{block.get('kind')} block at {block.get('at')} applies per "
                         "request; not evaluated")
    location = chain[-1] if len(chain) > 2 else None
    names = " ".join(_names(server))[:80] or "_"
    return Layer("nginx access", sources, {
        "path": path, "server": f"server {names} at {server.get('at')}",
        "location": (f"location {location.get('modifier', '')} {location.get('path')} at "
                     f"{location.get('at')}".replace("  ", " ")) if location else None,
        "rules": [f"{r.get('at')}: {r.get('rule')} {' '.join(map(str, r.get('args', [])))}"
                  for r in rules][:20],
        "satisfy": f"{satisfy['args'][0]} at {satisfy['at']}" if satisfy else None,
        "allows": sources.networks(), "notes": notes[:10]})
