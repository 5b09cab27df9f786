"""Generic walking of the YAML tree against a declared schema, collecting problems.

A checker takes a node and a :class:`Ctx` (where the node is) and returns the clean value,
or :data:`INVALID` after recording why. Mappings come back as :class:`Rec` (a dict that
remembers its lines), references to other objects as :class:`Ref` (name and line).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from posture.inventory.problems import Bad, Problems
from posture.inventory.validators import (
    PRIVATE_KEY_MARK,
    PRIVATE_KEY_MESSAGE,
    describe,
    is_secret_key,
    nearest,
)
from posture.inventory.yamlpos import YMap, YNode, YScalar, YSeq


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()  # returned by a checker after it recorded a problem


@dataclass(frozen=True)
class Ctx:
    """Where in the inventory a value is (``hosts[0].ssh``) and where problems go."""

    problems: Problems
    where: str = ""

    def at(self, key: str | int) -> Ctx:
        """The context of a child: a key of a mapping or an index in a list."""
        if isinstance(key, int):
            return replace(self, where=f"{self.where}[{key}]")
        return replace(self, where=f"{self.where}.{key}" if self.where else key)

    def bad(self, line: int, message: str) -> None:
        """Record a problem about this value."""
        self.problems.add(line, f"{self.where}: {message}" if self.where else message)


Checker = Callable[[YNode, Ctx], Any]


@dataclass(frozen=True)
class Field:
    """One key of a mapping: how its value is checked, and whether it must be present."""

    check: Checker
    required: bool = False


class Rec(dict[str, Any]):
    """The checked values of one mapping, with the line of the mapping and of each key."""

    def __init__(self, line: int, key_lines: Mapping[str, int]) -> None:
        super().__init__()
        self.line = line
        self.key_lines = dict(key_lines)

    def line_of(self, key: str) -> int:
        """The line of ``key`` if it was written, else the line of the mapping."""
        return self.key_lines.get(key, self.line)


class Ref(NamedTuple):
    """A name that must refer to another inventory object, with the line it is written on."""

    name: str
    line: int


def value(func: Callable[[YNode], Any]) -> Checker:
    """Make a checker from a single-value check that raises :class:`Bad`."""

    def check(node: YNode, ctx: Ctx) -> Any:
        try:
            return func(node)
        except Bad as exc:
            ctx.bad(node.line, str(exc))
            return INVALID

    return check


def ref(func: Callable[[YNode], str]) -> Checker:
    """Like :func:`value`, keeping the line so that a dangling reference can be located."""
    check = value(func)

    def check_ref(node: YNode, ctx: Ctx) -> Any:
        result = check(node, ctx)
        return INVALID if result is INVALID else Ref(result, node.line)

    return check_ref


def list_of(item: Checker) -> Checker:
    """A checker of a list whose items are checked by ``item``."""

    def check(node: YNode, ctx: Ctx) -> Any:
        if not isinstance(node, YSeq):
            ctx.bad(node.line, f"expected a list, got {describe(node)}")
            return INVALID
        results = (item(child, ctx.at(i)) for i, child in enumerate(node.items))
        return [r for r in results if r is not INVALID]

    return check


def mapping_of(
    fields: Mapping[str, Field], then: Callable[[Rec, Ctx], None] | None = None
) -> Checker:
    """A checker of a mapping with exactly ``fields``; ``then`` adds checks across keys."""

    def check(node: YNode, ctx: Ctx) -> Any:
        rec = check_mapping(node, ctx, fields)
        if then is not None and rec is not INVALID:
            then(rec, ctx)
        return rec

    return check


def raw(node: YNode, ctx: Ctx) -> Any:
    """Keep the node as it is, for a check that depends on another key."""
    return node


def plain(node: YNode) -> Any:
    """The plain Python value of a node (dicts, lists, scalars)."""
    if isinstance(node, YMap):
        return {k: plain(v) for k, v in node.items.items()}
    if isinstance(node, YSeq):
        return [plain(v) for v in node.items]
    return node.value


def _unknown_key(ctx: Ctx, key: str, line: int, fields: Mapping[str, Field]) -> None:
    place = ctx.where or "the top level"
    close = nearest(key, fields)
    hint = f"did you mean '{close}'?" if close else "valid keys: " + ", ".join(fields)
    ctx.problems.add(line, f"unknown key '{key}' at {place}: {hint}")


def _is_null(node: YNode) -> bool:
    return isinstance(node, YScalar) and node.value is None


def check_mapping(node: YNode, ctx: Ctx, fields: Mapping[str, Field]) -> Any:
    """Check a mapping against ``fields``; return a :class:`Rec` or :data:`INVALID`.

    An empty value (``key:`` or ``key: null``) counts as absent. Keys that look like secrets
    are skipped: :func:`find_secrets` reports them with a better message.
    """
    if not isinstance(node, YMap):
        ctx.bad(node.line, f"expected a mapping, got {describe(node)}")
        return INVALID
    rec = Rec(node.line, node.key_lines)
    for key, child in node.items.items():
        if is_secret_key(key):
            continue
        field = fields.get(key)
        if field is None:
            _unknown_key(ctx, key, node.key_lines[key], fields)
        elif not _is_null(child):
            result = field.check(child, ctx.at(key))
            if result is not INVALID:
                rec[key] = result
    for key, field in fields.items():
        if field.required and (key not in node.items or _is_null(node.items[key])):
            ctx.bad(rec.line_of(key), f"missing required key '{key}'")
    return rec


_ENV_FOR = {"password": "password_env", "sudo_password": "sudo_password_env",
            "passphrase": "key_passphrase_env", "key_passphrase": "key_passphrase_env"}


def find_secrets(node: YNode, ctx: Ctx) -> None:
    """Report every key that would hold a secret in clear, and private keys pasted in."""
    if isinstance(node, YMap):
        for key, child in node.items.items():
            if is_secret_key(key):
                env = _ENV_FOR.get(key.lower(), "password_env")
                ctx.at(key).bad(node.key_lines[key], "secrets are never written in the "
                                f"inventory: use {env}: VAR (the name of an environment variable)")
            else:
                find_secrets(child, ctx.at(key))
    elif isinstance(node, YSeq):
        for i, child in enumerate(node.items):
            find_secrets(child, ctx.at(i))
    elif isinstance(node.value, str) and PRIVATE_KEY_MARK in node.value:
        ctx.bad(node.line, PRIVATE_KEY_MESSAGE)
