"""Renderers: pure functions from a :class:`~posture.models.ScanResult` to report bytes.

Pick one with :class:`Format` and call :func:`render`; the CLI writes the bytes to
``FILENAMES[fmt]`` in the output folder. The console summary is :func:`render_console` in
:mod:`posture.render.console`. Renderer modules are imported on first use, so importing this
package stays cheap (``posture --version`` does not load Jinja2).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING

from posture.models import Finding, ScanResult, Severity, Status

if TYPE_CHECKING:
    from posture.render.context import ReportHistory

__all__ = [
    "FILENAMES",
    "SUPPORTED_LANGUAGES",
    "Format",
    "claims_by_finding",
    "finding_sort_key",
    "render",
]


class Format(StrEnum):
    """Report formats written to files."""

    HTML = "html"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"
    PDF = "pdf"


FILENAMES: Mapping[Format, str] = {
    Format.HTML: "report.html",
    Format.JSON: "report.json",
    Format.SARIF: "report.sarif",
    Format.JUNIT: "report.junit.xml",
    Format.PDF: "report.pdf",
}
"""File name of each format inside the output folder."""

SUPPORTED_LANGUAGES = ("en", "nl")
"""Languages ``--lang`` accepts (``reports/locale/<lang>/LC_MESSAGES/posture.po``)."""

STATUS_ORDER: Mapping[Status, int] = {
    Status.FAIL: 0,
    Status.ERROR: 1,
    Status.WARN: 2,
    Status.PASS: 3,
    Status.NOT_APPLICABLE: 4,
}
"""Most pressing status first."""

SEVERITY_ORDER: Mapping[Severity, int] = {
    Severity.CRITICAL: 0,
    Severity.HIGH: 1,
    Severity.MEDIUM: 2,
    Severity.LOW: 3,
    Severity.INFO: 4,
}
"""Most severe first."""


def render(result: ScanResult, fmt: Format, *, lang: str = "en",
           history: ReportHistory | None = None) -> bytes:
    """Render ``result`` as ``fmt`` (text UTF-8 encoded); ``lang`` and ``history`` affect HTML
    and PDF only.

    ``fmt`` may also be the format's string value; an unknown one raises :class:`ValueError`.
    """
    fmt = Format(fmt)
    if fmt is Format.JSON:
        from posture.render.json_report import render_json

        return render_json(result)
    if fmt is Format.HTML:
        from posture.render.html import render_html

        return render_html(result, lang=lang, history=history)
    if fmt is Format.SARIF:
        from posture.render.sarif import render_sarif

        return render_sarif(result)
    if fmt is Format.JUNIT:
        from posture.render.junit import render_junit

        return render_junit(result)
    if fmt is Format.PDF:
        from posture.render.pdf import render_pdf

        return render_pdf(result, lang=lang, history=history)
    raise ValueError(f"unknown report format: {fmt!r}")


def claims_by_finding(result: ScanResult) -> dict[str, list[str]]:
    """Map each finding id to the ids of the claims that rely on it, in claim order."""
    owners: dict[str, list[str]] = {}
    for claim in result.claims:
        for fid in claim.findings:
            owners.setdefault(fid, [])
            if claim.id not in owners[fid]:
                owners[fid].append(claim.id)
    return owners


def finding_sort_key(finding: Finding) -> tuple[int, int]:
    """Sort key putting failures before errors, warnings and passes, severe ones first.

    Python's sort is stable, so findings of equal rank keep the result's order.
    """
    return STATUS_ORDER[finding.status], SEVERITY_ORDER[finding.severity]
