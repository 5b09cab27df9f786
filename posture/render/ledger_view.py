"""The view model of the statement ledger in the HTML report: one row per sentence."""

from __future__ import annotations

from typing import Any

from posture.judge.ledger import ledger_counts
from posture.models import LedgerVerdict, ScanResult
from posture.sanitize import safe_text

# Existing badge colours: attested reads as a (weaker) yes, "not remotely" as not applicable.
_CSS = {
    LedgerVerdict.VERIFIED: "verified",
    LedgerVerdict.ATTESTED: "verified",
    LedgerVerdict.CONTRADICTED: "contradicted",
    LedgerVerdict.INCONCLUSIVE: "inconclusive",
    LedgerVerdict.NOT_VERIFIABLE_REMOTELY: "not_verifiable",
    LedgerVerdict.NEEDS_REVIEW: "inconclusive",
}


def ledger_view(result: ScanResult, claim_anchors: dict[str, str]) -> dict[str, Any]:
    """Rows and counts; claims link to their cards when they are in the report."""
    rows = [{
        "sentence": safe_text(r.sentence, 40),
        "section": safe_text(r.section, 40),
        "verdict": r.verdict.value,
        "css": _CSS[r.verdict],
        "claims": [{"id": safe_text(c, 120), "anchor": claim_anchors.get(c, "")}
                   for c in r.claims],
        "reason": safe_text(r.reason, 600),
        "starts": safe_text(r.starts, 200),
        "text": safe_text(r.text, 400),
    } for r in result.ledger]
    return {"rows": rows, "counts": ledger_counts(result.ledger)}
