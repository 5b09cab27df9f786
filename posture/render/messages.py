"""Posture's own sentences in the report's language, with target data kept verbatim inside.

A finding summary or a claim reason is a :class:`~posture.models.Msg`: the English template,
its parameters and, for plurals, the count. :func:`message_html` looks the template up in the
catalog (ngettext when it has a plural), then fills in the parameters: numbers as they are,
nested messages translated the same way, anything else (host names, versions, file names,
a tool's error text) neutralised, escaped and marked ``<span class="tgt">``, never translated.

A plain ``str`` (text from a results file, or a check not yet converted to :func:`msg`) is
shown in English inside ``<span lang="en" class="untranslated">`` unless the catalog holds
it word for word: the reader's browser and the tests can tell it apart from the report's
language.
"""

from __future__ import annotations

import string
from collections import OrderedDict
from typing import Any

from markupsafe import Markup, escape

from posture.jsontext import keep_newest
from posture.models import Msg, plain_param
from posture.render.i18n import catalog_text, is_translated, ngettext
from posture.sanitize import safe_text

PARAM_LIMIT = 600
"""Longest target value shown inside a sentence; the evidence tables show the rest."""

_FORMATTER = string.Formatter()

MEMO_KEPT = 50_000
"""Distinct messages a :class:`MessageMemo` keeps, the newest (past it, the oldest goes)."""


def message_html(value: str, lang: str, limit: int = 4000) -> Markup:
    """``value`` as safe HTML in ``lang``; see the module docstring."""
    if isinstance(value, Msg):
        return _msg_html(value, lang)
    if not value:  # most facts carry no reason: nothing to look up or escape
        return Markup("")
    text = safe_text(str(value), limit, keep_newlines=True)
    if is_translated(lang, text) and text:
        return escape(catalog_text(lang, text))
    if lang == "en" or not text:
        return escape(text)
    return _untranslated(escape(text))


class MessageMemo:
    """:func:`message_html` for one report, each distinct message rendered once.

    A fleet's findings repeat the same few sentences thousands of times. Two messages share
    one rendering only when every input of :func:`message_html` is equal: the template, the
    plural and its count, and each parameter as it is shown (nested messages by the same
    rule, booleans and numbers by their text and kind, anything else by its plain text);
    a plain string by its text and length limit.
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._known: OrderedDict[Any, Markup] = OrderedDict()

    @staticmethod
    def key(value: str, limit: int = 4000) -> Any:
        """What :meth:`html` makes of ``value`` depends on this key alone (see the class)."""
        return _message_key(value) if isinstance(value, Msg) else (str(value), limit)

    def html(self, value: str, limit: int = 4000) -> Markup:
        """``message_html(value, lang, limit)``, from the memo when seen before."""
        return self.keyed_html(value, self.key(value, limit), limit)

    def keyed_html(self, value: str, key: Any, limit: int = 4000) -> Markup:
        """:meth:`html` of ``value`` whose :meth:`key` (with ``limit``) the caller has made."""
        known = self._known.get(key)
        if known is None:
            known = message_html(value, self.lang, limit)
            # a fleet of all-different sentences: bounded, the newest kept
            keep_newest(self._known, key, known, MEMO_KEPT)
        return known


def _message_key(message: Msg) -> tuple[Any, ...]:
    """Everything :func:`_msg_html` reads of ``message`` (see :class:`MessageMemo`)."""
    return (Msg, message.msgid, message.plural, message.n,
            tuple([(name, value if value.__class__ is str else _param_key(value))
                   for name, value in message.params.items()]))


def _param_key(value: Any) -> Any:
    cls = value.__class__
    if cls is str:  # the common case; every other kind's key is a tuple
        return value
    if cls is Msg:
        return _message_key(value)
    if isinstance(value, bool) or value is None:
        return ("target", str(value))
    if isinstance(value, int | float):
        return ("number", str(value))
    if isinstance(value, Msg):
        return _message_key(value)
    return ("target", _plain(value))


def message_text(value: str, lang: str) -> str:
    """``value`` in ``lang`` as plain text (for attributes and the console): no markup."""
    if not isinstance(value, Msg):
        return catalog_text(lang, value) if is_translated(lang, value) else value
    template = _template(value, lang)
    params = {k: (message_text(v, lang) if isinstance(v, Msg) else _plain(v))
              for k, v in value.params.items()}
    return template.format_map(params)


def translated(value: str, lang: str) -> bool:
    """True when ``value`` (and every message inside it) has a translation in ``lang``."""
    if not isinstance(value, Msg):
        return is_translated(lang, value)
    return is_translated(lang, value.msgid) and all(
        translated(v, lang) for v in value.params.values() if isinstance(v, Msg))


def _template(message: Msg, lang: str) -> str:
    if message.plural and message.n is not None:
        return ngettext(lang, message.msgid, message.plural, message.n)
    return catalog_text(lang, message.msgid)


def _msg_html(message: Msg, lang: str) -> Markup:
    known = is_translated(lang, message.msgid)
    template = _template(message, lang) if known else str(message.msgid)
    if message.plural and message.n is not None and not known:
        template = message.plural if message.n != 1 else message.msgid
    # Every part is escaped markup already, so plain string joins keep it safe (Markup's own
    # join and format would escape each part again through Python-level formatters).
    parts: list[str] = []
    for literal, field, _spec, _conv in _FORMATTER.parse(template):
        parts.append(escape(literal))
        if field is not None:
            parts.append(_param_html(message.params.get(field, ""), lang))
    html = Markup("".join(parts))  # noqa: S704  (every part escaped above)
    if known or lang == "en":
        return html
    return _untranslated(html)


def _untranslated(html: Markup) -> Markup:
    """Escaped ``html`` marked as English text inside a page of another language."""
    return Markup(f'<span lang="en" class="untranslated">{html}</span>')  # noqa: S704


def _target(text: str) -> Markup:
    """Target data inside a sentence: escaped, marked ``<span class="tgt">``."""
    return Markup(f'<span class="tgt">{escape(text)}</span>')  # noqa: S704  (escaped)


def _param_html(value: Any, lang: str) -> Markup:
    if isinstance(value, Msg):
        return _msg_html(value, lang)
    if isinstance(value, bool) or value is None:
        return _target(str(value))
    if isinstance(value, int | float):
        return escape(str(value))
    return _target(safe_text(_plain(value), PARAM_LIMIT, keep_newlines=False))


def _plain(value: Any) -> str:
    return plain_param(value)
