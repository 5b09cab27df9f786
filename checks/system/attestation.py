"""Promises nobody can verify remotely, held up by evidence the organisation supplies.

An ``attestation`` claim names a document, its SHA-256, who attested and until when. The
collector reads the document and records its hash (fact ``attestation.document``); this check
only compares. An expired attestation is inconclusive and flagged; a document that no longer
matches its hash contradicts the attestation.
"""

from __future__ import annotations

import re
from datetime import date

from checks.base import Check, CheckContext, CheckMeta, Outcome, missing, scan_date
from posture.models import Severity, Status, msg

DOCUMENT = "attestation.document"
_HEX = re.compile(r"^[0-9a-f]{64}$")


def _expiry(ctx: CheckContext) -> date | None:
    """The expiry day, or None when it is not a date (the caller has checked it is given)."""
    value = ctx.params.get("expires")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _attestation(ctx: CheckContext) -> Outcome:
    needed = [k for k in ("document", "sha256", "attested_by", "expires") if not ctx.params.get(k)]
    if needed:
        return Outcome(Status.ERROR, msg("could not determine: no evidence supplied yet "
                                         "(expect.{items})", items=', expect.'.join(needed)),
                       {"missing": needed})
    claimed = str(ctx.params["sha256"]).strip().lower()
    if not _HEX.match(claimed):
        return Outcome(Status.ERROR, msg("could not determine: expect.sha256 is not 64 hex "
                                         "digits"),
                       {"parameter_error": "sha256"})
    gone = missing(ctx, DOCUMENT)
    if gone:
        return gone
    fact = ctx.fact(DOCUMENT).value
    expires = _expiry(ctx)
    today = scan_date(ctx)
    evidence = {"document": str(ctx.params["document"])[:300],
                "attested_by": str(ctx.params["attested_by"])[:200],
                "expires": expires.isoformat() if expires else None,
                "sha256_expected": claimed, "sha256_found": fact.get("sha256"),
                "bytes": fact.get("bytes"), "expired": bool(expires and expires < today)}
    period = ctx.params.get("period_days")
    if isinstance(period, int) and not isinstance(period, bool):
        evidence["attested_period_days"] = period  # what the document must attest, shown
    if fact.get("sha256") != claimed:
        return Outcome(Status.FAIL, msg("The document does not match the attested SHA-256: "
                                        "it was changed or replaced."), evidence)
    if expires is None or expires < today:
        return Outcome(Status.ERROR, msg("could not determine: the attestation expired on "
                                         "{expires}; renew it", expires=evidence['expires']),
                       evidence)
    if "attested_period_days" in evidence:
        return Outcome(Status.PASS, msg("Attested that the period is {days} days by "
                                        "{attested_by} until {expires}; the document matches.",
                                        days=evidence["attested_period_days"],
                                        attested_by=evidence["attested_by"],
                                        expires=evidence["expires"]), evidence)
    return Outcome(Status.PASS, msg("Attested by {attested_by} until {expires}; the "
                                    "document matches.", attested_by=evidence["attested_by"],
                                    expires=evidence["expires"]), evidence)


ATTESTED = Check(CheckMeta(
    id="attestation.evidence",
    title="The promise is backed by current, unaltered evidence",
    claim_types=("attestation",), severity=Severity.MEDIUM,
    rationale="Data-centre certifications, staff agreements and manual procedures cannot be "
              "observed over the network; a dated, hashed document is the next best evidence.",
    remediation="Supply the current document (certificate, signed agreement, procedure) with "
                "its SHA-256, who attests it and an expiry date.",
    references=("https://www.iso.org/standard/27001 (ISO/IEC 27001 certificates)",),
    needs=(DOCUMENT,), target="document"), _attestation)
