"""What every renderer shares: formats, file names, languages and the order of findings."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from posture.models import Finding, ScanResult, Severity, Status


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
