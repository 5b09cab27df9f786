"""Indented JSON text at C speed, byte for byte what the standard library writes.

``json.dumps(value, indent=2)`` always runs the pure-Python encoder (the C one knows no
indentation): on a fleet's report that was most of the time spent rendering JSON and SARIF.
:func:`fast_indented` asks orjson for the same text instead and answers ``None`` whenever it
cannot promise the very bytes of ``json.dumps(value, indent=2, ensure_ascii=False,
allow_nan=...)``; the caller then uses the standard library. orjson is optional: without it
every call answers ``None``.

Where the two encoders differ, and how that is ruled out:

* lone surrogates, integers beyond 64 bits, non-string keys, nesting deeper than 254 levels,
  cycles: orjson refuses them (``TypeError``), the standard library has its own answer;
* floats: both write the shortest repr, except that Python writes ``1e-05`` where orjson
  writes ``0.00001`` or ``1e-5`` (exponents -5 to -9), and orjson writes ``null`` for NaN and
  the infinities: any such float sends the value to the standard library;
* types beyond plain JSON data (dataclasses, enums, UUIDs, dates, dict subclasses) would be
  serialised by orjson where ``json`` refuses them or writes them differently: any such value
  sends the value to the standard library too. Subclasses of ``str``, ``int`` and ``float``
  (messages, string enums) are written from their value by both.
"""

from __future__ import annotations

import json
import marshal
import math
from collections import OrderedDict
from enum import Enum
from types import ModuleType
from typing import Any

_orjson: ModuleType | None
try:  # optional: an installation without it takes the standard library's path
    import orjson as _orjson
except ImportError:  # pragma: no cover - orjson is a dependency; kept for bare installs
    _orjson = None

__all__ = ["ContentMemo", "available", "content_key", "fast_indented", "indented_text",
           "plain_json", "plain_tree", "same_float"]


def available() -> bool:
    """Whether the fast encoder is installed."""
    return _orjson is not None


def fast_indented(value: Any, *, newline: bool = False, checked: bool = False) -> bytes | None:
    """UTF-8 bytes of ``json.dumps(value, indent=2, ensure_ascii=False)`` (plus ``"\\n"``
    with ``newline``), or ``None`` when only the standard library can write it.

    A non-finite float always answers ``None``, so the caller's ``json.dumps`` raises or
    writes ``NaN`` as its ``allow_nan`` says. ``checked`` says the caller has already seen
    :func:`plain_tree` answer True for every part of ``value`` (a fleet's report is walked
    once, not twice).
    """
    if _orjson is None:
        return None
    option = _orjson.OPT_INDENT_2 | _orjson.OPT_PASSTHROUGH_DATACLASS \
        | _orjson.OPT_PASSTHROUGH_DATETIME
    if newline:
        option |= _orjson.OPT_APPEND_NEWLINE
    try:
        data: bytes = _orjson.dumps(value, option=option, default=_refuse)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return None
    # orjson has walked it without error, so the value is a finite tree (no cycles).
    return data if checked or _plain(value) else None


def indented_text(value: Any, *, allow_nan: bool = True) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False, allow_nan=allow_nan)``, faster."""
    fast = fast_indented(value)
    if fast is not None:
        return fast.decode("utf-8")
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=allow_nan)


def _refuse(value: Any) -> Any:
    """orjson's ``default``: whatever it cannot write natively goes to the standard library."""
    raise TypeError(type(value).__name__)


_SCALARS = frozenset({str, int, bool, type(None)})


def _plain(value: Any) -> bool:
    """True when ``value`` holds only data both encoders write alike (see the module text)."""
    return plain_json(value)


def plain_json(value: Any, *, exact: bool = False) -> bool:
    """True when ``value`` holds only JSON containers and scalars that orjson writes as
    ``json.dumps`` does: finite floats not in the ``e-0N`` form; subclasses of ``str`` and
    ``int`` (written by value) unless ``exact``, which admits the exact types only (the facts
    digest hashes canonical text, where a subclass's type is not its value's).

    Dict keys are not looked at: the callers' orjson options refuse any key but a string.
    """
    stack = [value]
    pop, push_all = stack.pop, stack.extend
    while stack:
        item = pop()
        cls = item.__class__
        if cls in _SCALARS:
            continue
        if cls is dict:
            push_all(item.values())
        elif cls is list or cls is tuple:
            push_all(item)
        elif cls is float or (not exact and isinstance(item, float)):
            if not same_float(item):
                return False
        elif exact or not isinstance(item, str | int):  # subclasses: written by value
            return False
    return True


def same_float(number: float) -> bool:
    """Whether orjson writes ``number`` as Python's ``float.__repr__`` does."""
    return math.isfinite(number) and "e-0" not in float.__repr__(number)


_LEAVES = frozenset({str, int, bool, type(None)})
_KEYS = frozenset({str})
MAX_PLAIN_DEPTH = 200
"""Deeper values are never called plain (orjson refuses nesting beyond 254 levels)."""


def plain_tree(value: Any) -> bool:
    """True when ``value`` is plain JSON data that orjson writes as ``json.dumps`` does and
    that :func:`posture.store.jsonable.to_jsonable` would give back unchanged (up to tuples,
    which both encoders write as arrays).

    Stricter than the check of :func:`fast_indented`: dict keys are exact strings, no enum
    and no non-finite or exponent-written float anywhere, at most :data:`MAX_PLAIN_DEPTH`
    levels. Containers are checked a level at a time by the types of their items (a C loop),
    so a tree of strings and numbers costs one call per dict or list, not one per value.
    """
    return _plain_tree(value, 0)


def _plain_tree(value: Any, depth: int) -> bool:
    cls = value.__class__
    if cls is dict:
        if not _KEYS.issuperset(map(type, value)):
            return False
        items: Any = value.values()
    elif cls is list or cls is tuple:
        items = value
    elif cls in _LEAVES:
        return True
    else:
        return _plain_leaf(value)
    if _LEAVES.issuperset(map(type, items)):
        return True
    if depth >= MAX_PLAIN_DEPTH:
        return False
    depth += 1
    for item in items:
        kind = item.__class__
        if kind in _LEAVES:
            continue
        # A container of leaves only (most of them) is settled here, without a call.
        if kind is dict:
            if _KEYS.issuperset(map(type, item)) and _LEAVES.issuperset(map(type, item.values())):
                continue
        elif (kind is list or kind is tuple) and _LEAVES.issuperset(map(type, item)):
            continue
        if not _plain_tree(item, depth):
            return False
    return True


def _plain_leaf(value: Any) -> bool:
    """A value of any other type: a finite float Python and orjson write alike, or a
    subclass of ``str``/``int`` that is not an enum (both write its content)."""
    if value.__class__ is float:
        return same_float(value)
    return isinstance(value, str | int) and not isinstance(value, Enum | bool)


_MARSHAL_FORMAT = 2
"""marshal's format 2: exact types, floats by their eight bytes, and no references to
objects written before (format 3 on), whose use depends on reference counts, not values."""


def content_key(value: Any) -> bytes | None:
    """Bytes equal for two values exactly when no code can tell the values apart by their
    content, or None for a value holding anything but the built-in data types.

    The bytes :mod:`marshal` writes: every value's exact type is in them (``1``, ``1.0`` and
    ``True``, a list and a tuple, NaN and ``None`` all differ), and every dict's order; a
    subclass (a :class:`~posture.models.Msg`, an enum), any other type, a cycle or nesting
    past marshal's limit gives None. What a function of plain data makes of one value it
    makes of any value with the same key: the key of a value-keyed memo.
    """
    try:
        return marshal.dumps(value, _MARSHAL_FORMAT)
    except (ValueError, TypeError, RecursionError):
        return None


def keep_newest(memo: OrderedDict[Any, Any], key: Any, made: Any, kept: int) -> None:
    """Keep ``made`` under ``key`` in ``memo``, at most ``kept`` entries: past the bound the
    oldest entry goes. A report meets its findings check by check, so the values that repeat
    are recent ones; a memo that kept its first entries only was filled, on a fleet whose
    hosts differ, by values met once (a clock, an address) and missed the rest."""
    if kept <= 0:
        return
    if len(memo) >= kept and key not in memo:
        memo.popitem(last=False)
    memo[key] = made


class ContentMemo:
    """What a function made of each distinct value (by :func:`content_key`), at most
    ``kept`` of them, the newest (see :func:`keep_newest`); values without a key are never
    kept."""

    def __init__(self, kept: int) -> None:
        self.kept = kept
        self._known: OrderedDict[bytes, Any] = OrderedDict()

    def get(self, key: bytes | None) -> Any:
        """What was kept for ``key``, or None."""
        return None if key is None else self._known.get(key)

    def put(self, key: bytes | None, made: Any) -> None:
        """Keep ``made`` for ``key`` (the oldest entry goes past the bound)."""
        if key is not None:
            keep_newest(self._known, key, made, self.kept)
