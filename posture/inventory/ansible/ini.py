"""The INI flavour of Ansible inventories, and host patterns shared with the YAML flavour.

Host lines are ``name[:port] key=value ...`` and ``[group:vars]`` lines ``key=value`` (values
read as Python literals when they are one, as ansible-core does), and
``[group:children]`` lines name groups. ``www[01:03]`` and ``db-[a:c]`` ranges expand.
"""

from __future__ import annotations

import ast
import ipaddress
import re
import shlex
from typing import Any

from posture.errors import InventoryError
from posture.inventory.ansible.model import Group

MAX_RANGE = 10000
_RANGE = re.compile(r"\[([0-9a-zA-Z]+):([0-9a-zA-Z]+)(?::(\d+))?\]")
_SECTION = re.compile(r"^\[([^\]:]+)(?::(vars|children))?\]\s*$")


def _literal(value: str) -> Any:
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return value


def _expand_range(pattern: str, shown: str) -> list[str]:
    found = _RANGE.search(pattern)
    if not found:
        return [pattern]
    start, end, step = found.group(1), found.group(2), int(found.group(3) or 1)
    head, tail = pattern[:found.start()], pattern[found.end():]
    if start.isdecimal() and end.isdecimal():
        width = len(start) if start.startswith("0") else 0
        values = [str(i).zfill(width) for i in range(int(start), int(end) + 1, max(step, 1))]
    elif len(start) == len(end) == 1 and start.isalpha() and end.isalpha():
        values = [chr(c) for c in range(ord(start), ord(end) + 1, max(step, 1))]
    else:
        raise InventoryError(f"host range {found.group(0)!r}: expected [01:50] or [a:f]",
                             path=shown)
    if len(values) > MAX_RANGE:
        raise InventoryError(f"host range {found.group(0)!r} is too large", path=shown)
    out: list[str] = []
    for value in values:
        out.extend(_expand_range(head + value + tail, shown))
    return out


def split_address(pattern: str, shown: str) -> tuple[list[str], int | None]:
    """Host names of one host pattern, and the port written with it (``host:2222``)."""
    if pattern.startswith("["):  # "[2001:db8::1]:2222" - but not a range like "[a:c].x"
        inner, _, rest = pattern[1:].partition("]")
        try:
            ipaddress.IPv6Address(inner)
        except ValueError:
            pass
        else:
            return [inner], int(rest[1:]) if rest[1:].isdecimal() else None
    head, sep, port = pattern.rpartition(":")
    if sep and port.isdecimal() and head and ":" not in _RANGE.sub("", head):
        return _expand_range(head, shown), int(port)
    if pattern.count(":") > 1 and "[" not in pattern:  # a bare IPv6 address
        return [pattern], None
    return _expand_range(pattern, shown), None


def _host_line(line: str, shown: str, number: int) -> tuple[list[str], dict[str, Any]]:
    try:
        words = shlex.split(line, comments=True)
    except ValueError:
        raise InventoryError("cannot parse this host line", path=shown, line=number) from None
    names, port = split_address(words[0], shown)
    variables: dict[str, Any] = {}
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if not sep:
            raise InventoryError(f"expected key=value, got {word!r}", path=shown, line=number)
        variables[key] = _literal(value)
    if port is not None:
        variables.setdefault("ansible_port", port)
    return names, variables


def parse_ini(text: str, shown: str) -> dict[str, Group]:
    """Groups (name -> :class:`posture.inventory.ansible.model.Group`) of an INI inventory."""
    groups: dict[str, Group] = {"all": Group("all"), "ungrouped": Group("ungrouped")}
    groups["all"].children.append("ungrouped")
    name, kind = "ungrouped", "hosts"
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        section = _SECTION.match(line)
        if section:
            name, kind = section.group(1).strip(), section.group(2) or "hosts"
            groups.setdefault(name, Group(name))
            if name not in ("all", "ungrouped") and name not in groups["all"].children:
                groups["all"].children.append(name)
            continue
        group = groups[name]
        if kind == "vars":
            key, sep, value = line.partition("=")
            if not sep:
                raise InventoryError("expected key=value", path=shown, line=number)
            group.vars[key.strip()] = _literal(value.strip())
        elif kind == "children":
            child = line.split()[0]
            groups.setdefault(child, Group(child))
            if child not in group.children:
                group.children.append(child)
        else:
            names, variables = _host_line(line, shown, number)
            for host in names:
                group.hosts.setdefault(host, {}).update(variables)
    return groups
