"""The self-contained HTML report (``report.html``).

Jinja2 renders ``reports/templates/report.html.j2`` with autoescaping forced on and
``StrictUndefined`` (a typo in the template is an error, not an empty string). The page needs
nothing from the network: CSS from ``reports/report.css`` is inlined, there is no script, and a
Content-Security-Policy meta tag forbids loading anything but inline styles and data: images.

The template receives a view model of plain strings built here: every string from a target or
the inventory has passed :func:`~posture.render.sanitize.safe_text` (bidi overrides and control
characters become visible escapes) and is then HTML-escaped by Jinja2. Links are internal
anchors only (``#f-3``); the statement URL is shown as text, never followed.

User-visible words live in the template inside ``_()`` (Jinja2's i18n extension with null
translations for now), ready for a gettext catalog per language.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from posture.models import ClaimResult, Finding, HostSummary, ScanResult
from posture.render import SUPPORTED_LANGUAGES, claims_by_finding, finding_sort_key
from posture.render.json_report import summary_counts, to_jsonable
from posture.render.sanitize import safe_text

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"
FIELD_LIMIT = 4000
EVIDENCE_LIMIT = 50_000
TRANSLATED = ("en",)
"""Languages with a catalog; others in :data:`SUPPORTED_LANGUAGES` render in English."""


def render_html(result: ScanResult, *, lang: str = "en") -> bytes:
    """``report.html`` as UTF-8 bytes; unknown or uncatalogued languages fall back to English.

    The page's ``lang`` attribute names the language actually rendered.
    """
    language = lang if lang in SUPPORTED_LANGUAGES and lang in TRANSLATED else "en"
    template = _environment().get_template(TEMPLATE)
    page = template.render(report=_view(result, language), css=_stylesheet())
    return page.encode("utf-8")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env


@lru_cache(maxsize=1)
def _stylesheet() -> Markup:
    """Our own CSS, trusted, inlined in a ``<style>`` element."""
    css = resources.files("reports").joinpath(STYLESHEET).read_text(encoding="utf-8")
    if "</" in css or "url(" in css or "@import" in css:
        raise ValueError(f"{STYLESHEET} must not close the style element or load resources")
    return Markup(css)  # noqa: S704  (a file of this package, checked above)


def _t(value: str, limit: int = FIELD_LIMIT) -> str:
    """A target- or inventory-derived string, neutralised (HTML escaping is Jinja2's job)."""
    return safe_text(value, limit, keep_newlines=True)


def _view(result: ScanResult, lang: str) -> dict[str, Any]:
    """Everything the template shows, as neutralised plain data."""
    ordered = sorted(result.findings, key=finding_sort_key)
    anchors = {f.id: f"f-{n}" for n, f in enumerate(ordered, start=1)}
    owners = claims_by_finding(result)
    claim_anchors = {c.id: f"c-{n}" for n, c in enumerate(result.claims, start=1)}
    return {
        "lang": lang,
        "organisation": _t(result.organisation, 300),
        "statement": {_t(k, 100): _t(v) for k, v in result.statement.items()},
        "started_at": _t(result.started_at, 64),
        "finished_at": _t(result.finished_at, 64),
        "tool_version": _t(result.tool_version, 64),
        "inventory_sha256": _t(result.inventory_sha256, 128),
        "score": {
            "value": f"{result.score.value:.1f}",
            "grade": _t(result.score.grade, 4),
            "grade_class": result.score.grade if result.score.grade in "ABCDEF" else "F",
            "coverage": f"{result.score.coverage * 100:.0f}",
            "method": _t(result.score.method),
        },
        "summary": summary_counts(result),
        "claims": [_claim_view(c, claim_anchors[c.id], result, anchors) for c in result.claims],
        "findings": [
            _finding_view(
                f, anchors[f.id], [(claim_anchors[c], _t(c)) for c in owners.get(f.id, [])]
            )
            for f in ordered
        ],
        "hosts": [_host_view(h) for h in result.hosts],
    }


def _claim_view(
    claim: ClaimResult, anchor: str, result: ScanResult, anchors: dict[str, str]
) -> dict[str, Any]:
    findings = []
    for fid in claim.findings:
        finding = result.finding(fid)
        findings.append(
            {
                "id": _t(fid),
                "anchor": anchors.get(fid, ""),
                "status": finding.status.value if finding is not None else "error",
            }
        )
    return {
        "anchor": anchor,
        "id": _t(claim.id),
        "type": _t(claim.type),
        "says": _t(claim.says),
        "verdict": claim.verdict.value,
        "severity": claim.severity.value,
        "reason": _t(claim.reason),
        "findings": findings,
    }


def _finding_view(finding: Finding, anchor: str, claims: list[tuple[str, str]]) -> dict[str, Any]:
    evidence = json.dumps(to_jsonable(finding.evidence), indent=2, ensure_ascii=False)
    return {
        "anchor": anchor,
        "id": _t(finding.id),
        "check": _t(finding.check),
        "target": _t(finding.target),
        "title": _t(finding.title),
        "status": finding.status.value,
        "severity": finding.severity.value,
        "summary": _t(finding.summary),
        "evidence": _t(evidence, EVIDENCE_LIMIT) if finding.evidence else "",
        "remediation": _t(finding.remediation),
        "claims": [{"anchor": a, "id": i} for a, i in claims],
    }


def _host_view(host: HostSummary) -> dict[str, Any]:
    return {
        "name": _t(host.name, 300),
        "reachable": host.reachable,
        "host_key": _t(host.host_key, 300),
        "round_trips": host.round_trips,
        "errors": [_t(e) for e in host.errors],
    }
