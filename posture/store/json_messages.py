"""Messages in ``report.json``: the English text stays in ``summary``/``reason``; beside it,
``summary_message``/``reason_message`` carry the template, plural and parameters, so a tool
(or a later rendering from the file) can show the sentence in another language.

Reading them back trusts nothing: the shape is checked (identifier keys, plain values, bounded
depth) and the message rebuilt from it must produce exactly the English text stored beside it;
otherwise the plain text is kept, which renders as English, marked as such.
"""

from __future__ import annotations

from typing import Any

from posture.models import Msg

MAX_DEPTH = 4
MAX_PARAMS = 20


def message_to_jsonable(value: str) -> dict[str, Any] | None:
    """The message behind ``value``, or None when it is plain text."""
    if not isinstance(value, Msg):
        return None
    params = {k: (message_to_jsonable(v) if isinstance(v, Msg) else _plain(v))
              for k, v in value.params.items()}
    return {"id": value.msgid, "plural": value.plural, "n": value.n, "params": params}


def message_from_jsonable(text: str, data: Any) -> str:
    """``text`` as a :class:`Msg` when ``data`` describes it exactly, else ``text`` itself."""
    if data is None:
        return text
    try:
        rebuilt = _build(data, 0)
    except (TypeError, ValueError, KeyError, IndexError):
        return text
    return rebuilt if str(rebuilt) == text else text


def _build(data: Any, depth: int) -> Msg:
    if depth > MAX_DEPTH or not isinstance(data, dict):
        raise ValueError("not a message")
    ident, plural, n, params = data["id"], data.get("plural", ""), data.get("n"), data["params"]
    if not (isinstance(ident, str) and isinstance(plural, str) and isinstance(params, dict)):
        raise TypeError("message fields")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int)):
        raise TypeError("n")
    if len(params) > MAX_PARAMS or not all(isinstance(k, str) and k.isidentifier()
                                           for k in params):
        raise ValueError("parameter names")
    values = {k: (_build(v, depth + 1) if isinstance(v, dict) else _value(v))
              for k, v in params.items()}
    return Msg(ident, plural, n, values)


def _value(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return value
    raise TypeError("parameter value")


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [v if isinstance(v, str | int | float) else str(v) for v in value]
    return str(value)
