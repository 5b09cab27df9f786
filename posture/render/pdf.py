"""``report.pdf``: the HTML report printed to PDF with WeasyPrint, for owners who forward it.

The PDF is rendered from exactly the HTML of :func:`posture.render.html.render_html` (same
words, same escaping) with the stylesheet's print rules (A4, the administrator's part on new
pages). Nothing is fetched while rendering: the page loads nothing by design, and the URL
fetcher given to WeasyPrint refuses every URL, so even a mistake in a template could not make
the renderer reach the network or read a local file. The fonts WeasyPrint uses (from
fontconfig: DejaVu on Debian) are embedded, subset, so the file reads the same everywhere.

WeasyPrint needs Pango (Debian: ``libpango-1.0-0``, ``libpangoft2-1.0-0``); it is the
optional extra ``posture[pdf]``. Without it ``--format pdf`` is a usage error, never a file
silently missing.
"""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from posture.models import ScanResult
from posture.render.html import render_html
from posture.store.history import ReportHistory


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or the Pango library it loads) is not installed."""


class FetchRefused(ValueError):
    """Raised for every URL WeasyPrint asks for while rendering a report."""


def refusing_fetcher() -> Any:
    """A WeasyPrint URL fetcher that fetches nothing (no network, no local file, no data:).

    It is made fatal (``fail_on_errors``): a report that asked for anything would be a bug,
    and it stops the rendering instead of leaving a silent hole in the PDF. ``asked`` lists
    what was asked for.
    """
    from weasyprint.urls import URLFetcher

    class Refusing(URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=True)
            self.asked: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> NoReturn:
            self.asked.append(url[:200])
            raise FetchRefused(f"posture renders reports without fetching anything "
                               f"(asked: {url[:200]})")

    return Refusing()


def pdf_available() -> str:
    """``""`` when PDFs can be rendered here, else what is missing (for a usage error)."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        return (f"PDF output needs WeasyPrint and Pango: pip install 'posture[pdf]' and apt-get "
                f"install libpango-1.0-0 libpangoft2-1.0-0 ({type(exc).__name__}: {exc})")
    return ""


def render_pdf(result: ScanResult, *, lang: str = "en",
               history: ReportHistory | None = None) -> bytes:
    """``report.pdf`` as bytes; :class:`PdfUnavailable` when WeasyPrint cannot be loaded."""
    missing = pdf_available()  # OSError too: Pango's shared library may be missing
    if missing:
        raise PdfUnavailable(missing)
    from weasyprint import HTML

    # WeasyPrint warns about CSS it does not know (screen media queries, SVG paint
    # variables); the print rules it uses are all supported, so keep the console quiet.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    page = render_html(result, lang=lang, history=history).decode("utf-8")
    fetcher = refusing_fetcher()
    document = HTML(string=page, url_fetcher=fetcher, base_url=None)
    pdf: bytes = document.write_pdf(url_fetcher=fetcher)
    if fetcher.asked:  # unreachable unless a fetch was swallowed: never ship such a file
        raise FetchRefused(f"the report asked for {fetcher.asked[0]}")
    return pdf
