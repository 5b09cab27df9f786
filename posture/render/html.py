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
from functools import lru_cache
from importlib import resources
from pathlib import Path

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    PackageLoader,
    StrictUndefined,
)
from markupsafe import Markup

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
    view = build_view(result, language, history or ReportHistory())
    # Streamed into one buffer: render() would first hold every piece of a large page in a
    # list (most of the peak memory of a fleet's report).
    buffer = io.StringIO()
    for piece in template.generate(report=view, css=_stylesheet()):
        buffer.write(piece)
    page = buffer.getvalue()
    buffer.close()
    return page.encode("utf-8")


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
    env.install_gettext_translations(  # type: ignore[attr-defined]
        translations(lang), newstyle=True
    )
    return env


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
