"""Renderers: pure functions from a :class:`~posture.models.ScanResult` to report bytes.

Pick one with :class:`Format` and call :func:`render`; the CLI writes the bytes to
``FILENAMES[fmt]`` in the output folder. The console summary is :func:`render_console` in
:mod:`posture.render.console`. Renderer modules are imported on first use, so importing this
package stays cheap (``posture --version`` does not load Jinja2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from posture.models import ScanResult
from posture.render.common import (
    FILENAMES,
    SEVERITY_ORDER,
    STATUS_ORDER,
    SUPPORTED_LANGUAGES,
    Format,
    claims_by_finding,
    finding_sort_key,
)

if TYPE_CHECKING:
    from posture.store.history import ReportHistory

__all__ = [
    "FILENAMES",
    "RENDERERS",
    "SEVERITY_ORDER",
    "STATUS_ORDER",
    "SUPPORTED_LANGUAGES",
    "Format",
    "Renderer",
    "claims_by_finding",
    "finding_sort_key",
    "render",
]


class Renderer(Protocol):
    """A pure renderer: a judged result (and, for HTML, language and history) to bytes."""

    def __call__(self, result: ScanResult, *, lang: str,
                 history: ReportHistory | None) -> bytes: ...


def _json(result: ScanResult, *, lang: str, history: ReportHistory | None) -> bytes:
    from posture.render.json_report import render_json

    return render_json(result)


def _html(result: ScanResult, *, lang: str, history: ReportHistory | None) -> bytes:
    from posture.render.html import render_html

    return render_html(result, lang=lang, history=history)


def _sarif(result: ScanResult, *, lang: str, history: ReportHistory | None) -> bytes:
    from posture.render.sarif import render_sarif

    return render_sarif(result)


def _junit(result: ScanResult, *, lang: str, history: ReportHistory | None) -> bytes:
    from posture.render.junit import render_junit

    return render_junit(result)


def _pdf(result: ScanResult, *, lang: str, history: ReportHistory | None) -> bytes:
    from posture.render.pdf import render_pdf

    return render_pdf(result, lang=lang, history=history)


RENDERERS: Mapping[Format, Renderer] = {
    Format.JSON: _json,
    Format.HTML: _html,
    Format.SARIF: _sarif,
    Format.JUNIT: _junit,
    Format.PDF: _pdf,
}
"""One renderer per format; each module is imported on first use (``--help`` stays fast)."""


def render(result: ScanResult, fmt: Format, *, lang: str = "en",
           history: ReportHistory | None = None) -> bytes:
    """Render ``result`` as ``fmt`` (text UTF-8 encoded); ``lang`` and ``history`` affect HTML
    and PDF only.

    ``fmt`` may also be the format's string value; an unknown one raises :class:`ValueError`.
    """
    return RENDERERS[Format(fmt)](result, lang=lang, history=history)
