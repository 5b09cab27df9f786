"""The view model of the statement ledger in the HTML report: one row per sentence.

A row shows the sentence itself when the inventory keeps it (``text``, bounded), else its
first words (``starts``), else its id; its claims link to their cards. The reason of an
inconclusive row is rebuilt from its claims' own (translatable) reasons, each once; the
reason of a sentence that is not verifiable remotely is the inventory's text, quoted.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from posture.judge.ledger import ledger_counts
from posture.models import LedgerRow, LedgerVerdict, ScanResult
from posture.render.messages import message_html
from posture.sanitize import safe_text

SENTENCE_LIMIT = 400
"""Longest sentence shown in the table; the inventory holds at most 600 characters."""


def ledger_view(result: ScanResult, claim_anchors: dict[str, str], lang: str) -> dict[str, Any]:
    """Rows and counts; claims link to their cards when they are in the report."""
    reasons = {c.id: c.reason for c in result.claims}
    verdicts = {c.id: c.verdict.value for c in result.claims}
    rows = [{
        "id": safe_text(r.sentence, 40),
        "text": safe_text(r.text or r.starts, SENTENCE_LIMIT),
        "section": safe_text(r.section, 40),
        "verdict": r.verdict.value,
        "css": "inconclusive" if r.verdict is LedgerVerdict.NEEDS_REVIEW else r.verdict.value,
        "claims": [{"id": safe_text(c, 120), "anchor": claim_anchors.get(c, ""),
                    "verdict": verdicts.get(c, "")} for c in r.claims],
        "reason": _reason(r, reasons, lang),
        "quoted_reason": r.verdict is LedgerVerdict.NOT_VERIFIABLE_REMOTELY,
    } for r in result.ledger]
    return {"rows": rows, "counts": ledger_counts(result.ledger)}


def _reason(row: LedgerRow, reasons: dict[str, str], lang: str) -> Markup | str:
    if row.verdict is LedgerVerdict.NOT_VERIFIABLE_REMOTELY:
        return safe_text(row.reason, 600)  # the inventory's words, shown as a quotation
    if row.claims and all(c in reasons for c in row.claims):
        distinct = list(dict.fromkeys(reasons[c] for c in row.claims if reasons[c]))
        return Markup("; ").join(message_html(r, lang, 600) for r in distinct)
    return message_html(row.reason, lang, 600) if row.reason else ""


def claim_sentences(result: ScanResult) -> dict[str, str]:
    """Claim id -> the statement's own sentence, when exactly one kept sentence names it."""
    found: dict[str, list[str]] = {}
    for row in result.ledger:
        for claim in row.claims:
            if row.text:
                found.setdefault(claim, []).append(row.text)
    return {claim: texts[0] for claim, texts in found.items() if len(texts) == 1}
