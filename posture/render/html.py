"""The self-contained HTML report (``report.html``).

Jinja2 renders ``reports/templates/report.html.j2`` with autoescaping forced on and
``StrictUndefined`` (a typo in the template is an error, not an empty string). The page needs
nothing from the network: CSS from ``reports/report.css`` is inlined, charts are inline SVG
drawn from numbers (:mod:`posture.render.charts`), there is no script, and a
Content-Security-Policy meta tag forbids loading anything but inline styles and data: images.

The template receives a view model built here (:mod:`posture.render.htmlview`): every string
from a target or the inventory has passed :func:`~posture.sanitize.safe_text` and is
then HTML-escaped by Jinja2. Links are internal anchors, plus the statement URL when (and only
when) it is an ``https`` URL.

User-visible words live in the template inside ``_()`` and are translated through the gettext
catalog of the language (:mod:`posture.render.i18n`).
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable, Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    PackageLoader,
    StrictUndefined,
)
from markupsafe import Markup

from posture.gcpause import collector_paused
from posture.models import ScanResult
from posture.render.common import SUPPORTED_LANGUAGES
from posture.render.htmlview import build_view
from posture.render.i18n import has_catalog, translations
from posture.store.history import ReportHistory

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"


def render_html(result: ScanResult, *, lang: str = "en",
                history: ReportHistory | None = None) -> bytes:
    """``report.html`` as UTF-8 bytes; an unknown language falls back to English.

    The page's ``lang`` attribute names the language actually rendered.
    """
    language = _language(lang)
    template = _environment(language).get_template(TEMPLATE)
    with collector_paused():
        view = build_view(result, language, history or ReportHistory())
        return _utf8(template.generate(report=view, css=_stylesheet()))


CHUNK_CHARS = 256 * 1024
"""Characters of the page joined and encoded at a time (see :func:`_utf8`)."""


def _utf8(pieces: Iterator[str]) -> bytes:
    """The page's pieces as one UTF-8 text, encoded about :data:`CHUNK_CHARS` at a time.

    render() would first hold every piece of a large page in a list, and a text buffer would
    hold the page as text (up to four bytes a character) beside its encoding: here the page
    exists only once, as the growing bytes of a :class:`io.BytesIO` (whose value is handed
    over without a copy), most of the peak memory of a fleet's report saved. Chunks are
    counted in characters, not pieces: a piece may be a tag or a whole finding card.
    """
    out = io.BytesIO()
    batch: list[str] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= CHUNK_CHARS:
            out.write("".join(batch).encode("utf-8"))
            batch, size = [], 0
    out.write("".join(batch).encode("utf-8"))
    return out.getvalue()


def prepare_html(lang: str) -> None:
    """Load the template of ``lang`` (and Jinja2) ahead of :func:`render_html`: a scan does
    it while it waits on the network."""
    _environment(_language(lang)).get_template(TEMPLATE)


def _language(lang: str) -> str:
    return lang if lang in SUPPORTED_LANGUAGES and has_catalog(lang) else "en"


@lru_cache(maxsize=4)
def _environment(lang: str) -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(),
    )
    catalog = translations(lang)
    env.install_gettext_translations(  # type: ignore[attr-defined]
        catalog, newstyle=True
    )
    env.globals["_"] = _cached_gettext(catalog.gettext)
    return env


def _cached_gettext(translate: Callable[[str], str]) -> Callable[..., Markup]:
    """``_()`` of the template: Jinja2's new-style gettext, each plain text translated once.

    The template calls ``_()`` about ten times per finding, each call passing through three
    layers of Jinja2 (alias, context call, ``Markup % variables``). The answer for a text
    without variables never changes for a language, so it is kept (per environment, so per
    language; the keys are the template's own literal texts). With variables it is computed
    as Jinja2 does: the translation as markup, the variables escaped into it.
    """
    cache: dict[str, Markup] = {}

    def gettext(string: str, /, **variables: Any) -> Markup:
        if variables:
            return Markup(translate(string)) % variables  # noqa: S704  (our catalog, as Jinja2)
        try:
            return cache[string]
        except KeyError:
            value = cache[string] = Markup(translate(string)) % {}  # noqa: S704  (as above)
            return value

    return gettext


@lru_cache(maxsize=1)
def _bytecode_cache() -> BytecodeCache | None:
    """The compiled template, kept between runs in a private folder of this user.

    Compiling the template costs more than rendering a small report. The cache is keyed by
    the template's source checksum, so an edited template is compiled afresh. Its files are
    code that Jinja2 loads: the folder is used only when it belongs to this user and no one
    else may write to it (``$XDG_CACHE_HOME/posture/jinja2``, else ``~/.cache/...``);
    otherwise, or when it cannot be made, templates are compiled every run.
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "posture" / "jinja2"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    if (not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid()
            or info.st_mode & 0o077):
        return None
    return FileSystemBytecodeCache(str(folder))


@lru_cache(maxsize=1)
def _stylesheet() -> Markup:
    """Our own CSS, trusted, inlined in a ``<style>`` element."""
    css = resources.files("reports").joinpath(STYLESHEET).read_text(encoding="utf-8")
    if "</" in css or "url(" in css or "@import" in css:
        raise ValueError(f"{STYLESHEET} must not close the style element or load resources")
    return Markup(css)  # noqa: S704  (a file of this package, checked above)
