"""Every ``msg(...)`` of the code is in the catalog, translated to Dutch with the same
placeholders, and renders with its parameters escaped and untranslated."""

from __future__ import annotations

import importlib
import re
import string
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from posture.models import Msg, msg
from posture.render.messages import message_html, message_text, translated

ROOT = Path(__file__).parents[2]
PO = ROOT / "reports/locale/nl/LC_MESSAGES/posture.po"


def _code_messages() -> list[tuple[str | tuple[str, str], str]]:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        found: list[tuple[str | tuple[str, str], str]] = (
            importlib.import_module("extract_messages").code_messages())
        return found
    finally:
        sys.path.remove(str(ROOT / "scripts"))


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


def test_every_code_message_has_a_dutch_translation_with_the_same_placeholders() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="nl")
    messages = _code_messages()
    assert len(messages) > 100
    problems = []
    for text, where in messages:
        key = text[0] if isinstance(text, tuple) else text
        entry = catalog.get(key)
        strings = ([] if entry is None else
                   [entry.string] if isinstance(entry.string, str) else list(entry.string))
        if not strings or not all(strings):
            problems.append(f"{where}: untranslated {key!r}")
            continue
        wanted = _fields(key) | (_fields(text[1]) if isinstance(text, tuple) else set())
        for translation in strings:
            if _fields(translation) - wanted or _fields(key) - _fields(translation) - {"n"}:
                problems.append(f"{where}: placeholders differ in {translation!r}")
    assert problems == []


def test_parameters_are_escaped_and_kept_verbatim() -> None:
    message = msg("{n} account has {what}.", "{n} accounts have {what}.", n=2,
                  what="<b>x</b>")
    assert message == "2 accounts have <b>x</b>."
    html = str(message_html(message, "en"))
    assert html == '2 accounts have <span class="tgt">&lt;b&gt;x&lt;/b&gt;</span>.'
    nested = msg("could not determine: fact {key} is {status} ({why})", key="k",
                 status=msg("error"), why="Permission denied")
    dutch = str(message_html(nested, "nl"))
    assert dutch.startswith("niet vast te stellen: gegeven") and " fout " in dutch
    assert '<span class="tgt">Permission denied</span>' in dutch and translated(nested, "nl")
    assert message_text(nested, "nl").endswith("is fout (Permission denied)")


def test_unknown_text_is_marked_english_not_hidden() -> None:
    plain = "Something a results file said."
    assert 'lang="en" class="untranslated"' in str(message_html(plain, "nl"))
    assert not translated(Msg("Not in any catalog {x}", params={"x": 1}), "nl")
    assert str(message_html(plain, "en")) == plain


def test_plural_forms_follow_the_count() -> None:
    one = msg("{n} password account has a longer or no maximum age (e.g. {account}: "
              "{max_days})", "{n} password accounts have a longer or no maximum age (e.g. "
              "{account}: {max_days})", n=1, account="a", max_days=5)
    assert re.match(r"1 account met wachtwoord heeft", message_text(one, "nl"))
    many = Msg(one.msgid, one.plural, 3, {**one.params, "n": 3})
    assert re.match(r"3 accounts met wachtwoord hebben", message_text(many, "nl"))
