"""Any evidence value as plain JSON data (the form every report format starts from)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from enum import Enum
from typing import Any

from posture.jsontext import plain_tree
from posture.models import JSON


def to_jsonable(value: Any) -> JSON:
    """Turn evidence and other values into plain JSON data, never failing.

    Enums become their values, mappings dicts (string keys), tuples/lists lists, sets sorted
    lists, dataclasses dicts, non-finite floats strings; anything else its ``str()``.
    """
    # Plain JSON data (nearly all evidence) is copied by exact type, leaves inline: the
    # general tests below (an ABC ``isinstance`` for Mapping) cost most of a fleet's report.
    cls = value.__class__
    if cls in _LEAVES:
        return value
    if cls is dict:
        return {k if k.__class__ is str else str(k):
                v if v.__class__ in _LEAVES else to_jsonable(v) for k, v in value.items()}
    if cls is list or cls is tuple:
        return [v if v.__class__ in _LEAVES else to_jsonable(v) for v in value]
    return _general_jsonable(value)


def checked_jsonable(value: Any) -> tuple[JSON, bool]:
    """``(data, plain)``: data whose JSON text is that of ``to_jsonable(value)``, and whether
    :func:`~posture.jsontext.plain_tree` holds for it (orjson may then write it unchecked).

    Plain data is returned as it is, not copied: most evidence already is plain, and copying
    it was most of the time spent writing a fleet's reports.
    """
    if plain_tree(value):
        return value, True
    data = to_jsonable(value)
    return data, plain_tree(data)


_LEAVES = frozenset({str, int, bool, type(None)})
"""Exact types :func:`to_jsonable` returns as they are (subclasses take the general path)."""


def _general_jsonable(value: Any) -> JSON:
    """:func:`to_jsonable` for everything but plain dicts, lists and leaves."""
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((to_jsonable(v) for v in value), key=repr)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return str(value)
