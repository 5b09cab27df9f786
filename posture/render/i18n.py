"""Translations of the HTML report: gettext catalogs read with Babel, one per language.

The catalogs are PO files under ``reports/locale/<lang>/LC_MESSAGES/posture.po``; they are read
at run time (``babel.messages.pofile``) and compiled in memory, so no binary ``.mo`` file is
kept in the repository. English is the source language (the msgids), so it needs no catalog.
Fuzzy entries are ignored, as ``msgfmt`` would. See ``docs/report.md`` for updating them.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from importlib import resources
from io import BytesIO

DOMAIN = "posture"
SOURCE_LANGUAGE = "en"


def catalog_path(lang: str) -> str:
    """Path of the PO file of ``lang`` inside the ``reports`` package."""
    return f"locale/{lang}/LC_MESSAGES/{DOMAIN}.po"


@lru_cache(maxsize=8)
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang``; null translations for English or no catalog."""
    if lang == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    source = resources.files("reports").joinpath(catalog_path(lang))
    if not source.is_file():
        return gettext.NullTranslations()
    # Babel is imported for a catalog only: an English report never loads it.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    with source.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def has_catalog(lang: str) -> bool:
    """True for the source language and every language with a PO file."""
    return lang == SOURCE_LANGUAGE or (
        resources.files("reports").joinpath(catalog_path(lang)).is_file()
    )


def catalog_text(lang: str, text: str) -> str:
    """``text`` (an English message id, e.g. a check title) in ``lang``, or unchanged.

    The empty string stays empty: gettext would answer it with the catalog's header.
    """
    return translations(lang).gettext(text) if text else text


def ngettext(lang: str, singular: str, plural: str, n: int) -> str:
    """The plural-aware translation of a message (English rules without a catalog)."""
    return translations(lang).ngettext(singular, plural, n)


def is_translated(lang: str, text: str) -> bool:
    """True when ``lang`` is English or its catalog holds ``text`` (a msgid)."""
    if lang == SOURCE_LANGUAGE:
        return True
    catalog = getattr(translations(lang), "_catalog", {})
    return bool(text) and (text in catalog or (text, 0) in catalog)
