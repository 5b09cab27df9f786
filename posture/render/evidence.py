"""A finding's evidence as key/value rows for the HTML report (raw JSON is in report.json).

Nested values are flattened into dotted keys (``stale.1.account``); a list of plain values
becomes one comma-separated value. Everything is target data: neutralised and bounded here,
escaped by Jinja2. A large evidence object is cut at :data:`ROWS_SHOWN` rows and says how many
it left out, so a hostile host cannot make the report unreadable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from posture.models import JSON
from posture.sanitize import safe_text
from posture.store.jsonable import to_jsonable

ROWS_SHOWN = 40
VALUE_LIMIT = 300
KEY_LIMIT = 120


def evidence_rows(evidence: Mapping[str, Any]) -> dict[str, Any]:
    """``{"rows": [(key, value), ...], "left_out": n}``, empty rows for no evidence."""
    return data_rows(to_jsonable(evidence))


def data_rows(data: JSON) -> dict[str, Any]:
    """:func:`evidence_rows` of evidence already made plain JSON data by ``to_jsonable``."""
    rows = flat_rows(data)
    shown = [(safe_text(k, KEY_LIMIT), safe_text(v, VALUE_LIMIT)) for k, v in rows[:ROWS_SHOWN]]
    return {"rows": shown, "left_out": max(len(rows) - ROWS_SHOWN, 0)}


def flat_rows(data: JSON) -> list[tuple[str, str]]:
    """Every row of ``data`` as dotted key and value text, before neutralising and cutting
    (:func:`data_rows` shows the first :data:`ROWS_SHOWN` of them, neutralised)."""
    rows: list[tuple[str, str]] = []
    _flatten("", data, rows)
    return rows


def _flatten(prefix: str, value: Any, rows: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        if not value and prefix:
            rows.append((prefix, "–"))
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            # Text and whole numbers (nearly every value) are written here, as _scalar
            # writes them, rather than through one more call each.
            kind = item.__class__
            if kind is str:
                rows.append((path, item))
            elif kind is int:
                rows.append((path, str(item)))
            else:
                _flatten(path, item, rows)
    elif isinstance(value, list | tuple):  # a tuple as its list (to_jsonable makes it one)
        if _TEXT.issuperset(map(type, value)):  # text only: each item is its own text
            rows.append((prefix, ", ".join(value) or "–"))
        elif all(not isinstance(v, dict | list | tuple) for v in value):
            rows.append((prefix, ", ".join(_scalar(v) for v in value) or "–"))
        else:
            for n, item in enumerate(value, start=1):
                _flatten(f"{prefix}.{n}", item, rows)
    else:
        rows.append((prefix, _scalar(value)))


_TEXT = frozenset({str})


def _scalar(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
