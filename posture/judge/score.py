"""The headline score and per-claim verdicts: pure functions of the judged findings.

How the score is computed
-------------------------

Every claim of the inventory carries a weight by its severity::

    critical 10, high 6, medium 3, low 1, info 0

Within a claim, each finding earns a credit by its status::

    pass 1, warn 0.75, fail 0, error 0, not_applicable (left out)

A claim earns the mean credit of its findings that are not ``not_applicable``; a claim with no
such finding (``not_verifiable``) earns 0. The score is::

    100 * sum(weight * earned) / sum(weight)        rounded half-up to one decimal

The denominator is fixed by the inventory's claims: a claim that could not be verified or was
inconclusive still counts, with whatever it earned. An ``error`` earns exactly what a ``fail``
earns, so being unable to determine something never raises the score. When every claim weighs 0
(only ``info`` claims), each claim weighs 1 instead; with no claims at all the score is 0.

The grade follows bands on the rounded score: A >= 90, B >= 80, C >= 70, D >= 60, E >= 50,
F below. Like the caps of SSL Labs or cnspec, a contradicted ``high`` claim caps the grade at D,
and a contradicted ``critical`` claim caps it at F, whatever the number says.

Coverage is reported beside the score, never folded into it: the share of the claims' findings
(``not_applicable`` left out) whose outcome was determined, i.e. not ``error``. It is 1.0 when
there is nothing to determine. A finding that a claim names but the result lacks counts as an
``error`` for both.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from posture.models import ClaimResult, Finding, Score, Severity, Status, Verdict

WEIGHTS: Mapping[Severity, int] = {
    Severity.CRITICAL: 10,
    Severity.HIGH: 6,
    Severity.MEDIUM: 3,
    Severity.LOW: 1,
    Severity.INFO: 0,
}
"""Weight of a claim in the score, by the claim's severity."""

CREDITS: Mapping[Status, float] = {
    Status.PASS: 1.0,
    Status.WARN: 0.75,
    Status.FAIL: 0.0,
    Status.ERROR: 0.0,
}
"""Credit of a finding within its claim; ``not_applicable`` findings are left out."""

GRADE_BANDS: tuple[tuple[float, str], ...] = (
    (90.0, "A"),
    (80.0, "B"),
    (70.0, "C"),
    (60.0, "D"),
    (50.0, "E"),
)
"""Lowest score of each grade, best first; anything below the last band is F."""

GRADE_CAPS: Mapping[Severity, str] = {Severity.HIGH: "D", Severity.CRITICAL: "F"}
"""Best grade possible while a claim of this severity is contradicted (the letters sort from
best to worst, so the worse of two grades is their ``max``)."""

METHOD = (
    "posture-score/1: 100 x sum(claim weight x claim share) / sum(claim weight); "
    "weights critical 10, high 6, medium 3, low 1, info 0; claim share = mean finding credit "
    "(pass 1, warn 0.75, fail 0, error 0, not_applicable excluded; none left = 0); "
    "grades A>=90 B>=80 C>=70 D>=60 E>=50 else F; a contradicted high claim caps the grade "
    "at D, a contradicted critical claim at F. Coverage = determined / applicable findings."
)
"""The formula in one paragraph, stored in :attr:`Score.method` of every result."""


def claim_verdict(statuses: Sequence[Status]) -> Verdict:
    """Judge a claim from the statuses of its findings.

    Any ``fail`` contradicts the claim; otherwise any ``error`` leaves it inconclusive; a claim
    without findings, or with only ``not_applicable`` ones, is not verifiable; anything else
    (only ``pass``/``warn``/``not_applicable``, at least one ``pass`` or ``warn``) is verified.
    """
    present = set(statuses)
    if Status.FAIL in present:
        return Verdict.CONTRADICTED
    if Status.ERROR in present:
        return Verdict.INCONCLUSIVE
    if not present - {Status.NOT_APPLICABLE}:
        return Verdict.NOT_VERIFIABLE
    return Verdict.VERIFIED


def compute_score(claims: Sequence[ClaimResult], findings: Mapping[str, Finding]) -> Score:
    """Compute the score, grade and coverage of judged claims (see the module docstring)."""
    return score_from(claims, [claim_share(claim, findings) for claim in claims],
                      coverage_counts(claim_findings(claims), findings))


def score_from(claims: Sequence[ClaimResult], shares: Sequence[float],
               counts: tuple[int, int]) -> Score:
    """:func:`compute_score` from its parts: each claim's :func:`claim_share` and the
    :func:`coverage_counts` of the claims' findings (for a caller that changes a few)."""
    weights = [WEIGHTS[claim.severity] for claim in claims]
    if any(weights):
        value = _round(100.0 * sum(map(operator.mul, weights, shares)) / sum(weights), "0.1")
    elif claims:  # only info claims: each weighs the same
        value = _round(100.0 * sum(shares) / len(shares), "0.1")
    else:
        value = 0.0
    applicable, determined = counts
    return Score(
        value=value,
        grade=_capped_grade(_grade(value), claims),
        coverage=_round(determined / applicable, "0.001") if applicable else 1.0,
        method=METHOD,
    )


def claim_findings(claims: Sequence[ClaimResult]) -> list[str]:
    """The distinct finding ids of ``claims``, in claim order."""
    return list(dict.fromkeys(fid for claim in claims for fid in claim.findings))


def _statuses(claim: ClaimResult, findings: Mapping[str, Finding]) -> list[Status]:
    """Statuses of a claim's findings; a finding missing from the result counts as error."""
    get = findings.get  # a fleet's claims hold thousands of findings: one lookup each
    return [Status.ERROR if (found := get(fid)) is None else found.status
            for fid in claim.findings]


def claim_share(claim: ClaimResult, findings: Mapping[str, Finding]) -> float:
    """Mean credit (0..1) of the claim's applicable findings; 0 when none is applicable.

    The report draws this as the claim's bar.
    """
    return share_of(Counter(_statuses(claim, findings)))


def share_of(counts: Mapping[Status, int]) -> float:
    """:func:`claim_share` of findings counted by status (the owner's page rescores claims
    by their counts). Every credit is a quarter or whole, so the sum is exact."""
    applicable = 0
    credit = 0.0
    for status, count in counts.items():
        if status is not Status.NOT_APPLICABLE:
            applicable += count
            credit += CREDITS[status] * count
    return credit / applicable if applicable else 0.0


def coverage_counts(ids: Iterable[str], findings: Mapping[str, Finding]) -> tuple[int, int]:
    """(applicable, determined) among the findings ``ids`` (distinct): coverage is their
    ratio. A finding missing from the result counts as error."""
    get = findings.get
    applicable = determined = 0
    for fid in ids:
        found = get(fid)
        status = Status.ERROR if found is None else found.status
        if status is not Status.NOT_APPLICABLE:
            applicable += 1
            determined += status is not Status.ERROR
    return applicable, determined


def _grade(value: float) -> str:
    """The letter of the band the (rounded) score falls in."""
    return next((grade for floor, grade in GRADE_BANDS if value >= floor), "F")


def _capped_grade(grade: str, claims: Sequence[ClaimResult]) -> str:
    """Lower ``grade`` to the cap of the worst contradicted claim, if any applies."""
    for claim in claims:
        cap = GRADE_CAPS.get(claim.severity)
        if claim.verdict is Verdict.CONTRADICTED and cap is not None:
            grade = max(grade, cap)
    return grade


def _round(value: float, quantum: str) -> float:
    """Round half-up on the decimal representation (62.25 -> 62.3, not 62.2)."""
    return float(Decimal(repr(value)).quantize(Decimal(quantum), rounding=ROUND_HALF_UP))
