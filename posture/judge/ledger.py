"""The statement ledger: every imported sentence with a verdict, derived from its claims.

Pure: it reads the inventory's ``ledger`` entries and the judged claims. A sentence mapped to
claims takes the worst of their verdicts (contradicted > inconclusive > verified); when every
claim holds and one of them is an ``attestation``, the sentence is ``attested``: it stands on
the organisation's evidence, not on observation. Sentences without claims are ``not
verifiable remotely`` with the importer's reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from posture.inventory.model import LedgerEntry
from posture.models import ClaimResult, LedgerRow, LedgerVerdict, Verdict, msg

ATTESTATION = "attestation"


def _row_for_claims(entry: LedgerEntry, results: Sequence[ClaimResult],
                    missing: Sequence[str]) -> LedgerRow:
    claims = entry.claims
    if missing:
        return LedgerRow(entry.sentence, entry.section, LedgerVerdict.INCONCLUSIVE, claims,
                         msg("not judged in this run: {claims}", claims=", ".join(missing)),
                         entry.starts, entry.text)
    verdicts = {r.verdict for r in results}
    if Verdict.CONTRADICTED in verdicts:
        verdict, reason = LedgerVerdict.CONTRADICTED, ""
    elif verdicts & {Verdict.INCONCLUSIVE, Verdict.NOT_VERIFIABLE}:
        verdict = LedgerVerdict.INCONCLUSIVE
        reason = "; ".join(r.reason for r in results if r.reason)[:500]
    elif any(r.type == ATTESTATION for r in results):
        verdict, reason = LedgerVerdict.ATTESTED, ""
    else:
        verdict, reason = LedgerVerdict.VERIFIED, ""
    return LedgerRow(entry.sentence, entry.section, verdict, claims, reason, entry.starts,
                     entry.text)


def judge_ledger(entries: Iterable[LedgerEntry],
                 claims: Iterable[ClaimResult]) -> tuple[LedgerRow, ...]:
    """One row per ledger entry, in statement order."""
    judged: Mapping[str, ClaimResult] = {c.id: c for c in claims}
    rows = []
    for entry in entries:
        if not entry.claims:
            verdict = (LedgerVerdict.NEEDS_REVIEW if entry.needs_review
                       else LedgerVerdict.NOT_VERIFIABLE_REMOTELY)
            rows.append(LedgerRow(entry.sentence, entry.section, verdict, (),
                                  entry.needs_review or entry.not_verifiable, entry.starts,
                                  entry.text))
            continue
        results = [judged[c] for c in entry.claims if c in judged]
        missing = [c for c in entry.claims if c not in judged]
        rows.append(_row_for_claims(entry, results, missing))
    return tuple(rows)


def ledger_counts(rows: Iterable[LedgerRow]) -> dict[str, int]:
    """Rows per verdict; every verdict present."""
    counted = list(rows)
    return {"total": len(counted),
            **{v.value: sum(r.verdict is v for r in counted) for v in LedgerVerdict}}
