"""The score formula, grade bands and caps, coverage, and claim verdicts."""

from __future__ import annotations

import dataclasses

import pytest
from fixtures_result import claim, finding, mixed_result

from posture.judge.score import METHOD, claim_verdict, compute_score
from posture.models import ClaimResult, Finding, Severity, Status, Verdict

P, F, W, E, NA = Status.PASS, Status.FAIL, Status.WARN, Status.ERROR, Status.NOT_APPLICABLE


def _claim(cid: str, severity: Severity, *statuses: Status) -> tuple[ClaimResult, list[Finding]]:
    found = [finding(f"c.{cid}{n}", "t", s) for n, s in enumerate(statuses)]
    return claim(cid, found, severity), found


def _score(*specs: tuple[Severity, tuple[Status, ...]]) -> tuple[float, str, float]:
    claims: list[ClaimResult] = []
    by_id: dict[str, Finding] = {}
    for n, (severity, statuses) in enumerate(specs):
        built, found = _claim(f"k{n}", severity, *statuses)
        claims.append(built)
        by_id.update((f.id, f) for f in found)
    score = compute_score(claims, by_id)
    assert score.method == METHOD
    return score.value, score.grade, score.coverage


@pytest.mark.parametrize(
    ("statuses", "verdict"),
    [
        ((), Verdict.NOT_VERIFIABLE),
        ((NA, NA), Verdict.NOT_VERIFIABLE),
        ((P,), Verdict.VERIFIED),
        ((P, W, NA), Verdict.VERIFIED),
        ((W,), Verdict.VERIFIED),
        ((P, E), Verdict.INCONCLUSIVE),
        ((E, NA), Verdict.INCONCLUSIVE),
        ((P, E, F), Verdict.CONTRADICTED),
        ((F,), Verdict.CONTRADICTED),
    ],
)
def test_claim_verdict(statuses: tuple[Status, ...], verdict: Verdict) -> None:
    assert claim_verdict(list(statuses)) is verdict


def test_mixed_result_by_hand() -> None:
    # weights 6+3+3+6+10+1+3 = 32; earned 6*.5 + 3*1 + 3*.75 = 8.25 -> 25.78
    score = mixed_result().score
    assert (score.value, score.grade, score.coverage) == (25.8, "F", 0.833)


def test_share_within_a_claim() -> None:
    assert _score((Severity.HIGH, (P, W))) == (87.5, "B", 1.0)
    assert _score((Severity.HIGH, (P, P, P, W))) == (93.8, "A", 1.0)


def test_claims_weighted_by_severity() -> None:
    # critical verified (10) + low contradicted (1): 10/11; a low claim does not cap
    assert _score((Severity.CRITICAL, (P,)), (Severity.LOW, (F,))) == (90.9, "A", 1.0)
    assert _score((Severity.MEDIUM, (P,)), (Severity.HIGH, (W,))) == (83.3, "B", 1.0)


def test_rounding_is_half_up() -> None:
    # (0.75 + 0.875) / 2 = 0.8125 -> 81.25 -> 81.3 (round() would give 81.2)
    assert _score((Severity.HIGH, (W,)), (Severity.HIGH, (P, W)))[0] == 81.3


def test_grade_bands() -> None:
    # a medium claim with p passes out of 10 (fails do not cap a medium claim)
    values = {
        p: _score((Severity.MEDIUM, (P,) * p + (F,) * (10 - p)))[:2]
        for p in (10, 9, 8, 7, 6, 5, 4, 0)
    }
    assert values == {
        10: (100.0, "A"),
        9: (90.0, "A"),
        8: (80.0, "B"),
        7: (70.0, "C"),
        6: (60.0, "D"),
        5: (50.0, "E"),
        4: (40.0, "F"),
        0: (0.0, "F"),
    }


def test_contradicted_high_claim_caps_grade_at_d() -> None:
    # critical verified (10) + high with 3 pass, 1 fail (6 * .75): 14.5/16 = 90.6, capped
    assert _score((Severity.CRITICAL, (P,)), (Severity.HIGH, (P, P, P, F))) == (90.6, "D", 1.0)


def test_contradicted_critical_claim_caps_grade_at_f() -> None:
    assert _score((Severity.CRITICAL, (P,) * 9 + (F,))) == (90.0, "F", 1.0)


def test_contradicted_medium_claim_does_not_cap() -> None:
    assert _score((Severity.CRITICAL, (P,)), (Severity.MEDIUM, (P, P, P, F)))[1] == "A"


def test_cap_never_raises_a_grade() -> None:
    assert _score((Severity.HIGH, (F,)), (Severity.LOW, (P,)))[1] == "F"


def test_error_scores_like_fail_and_never_raises_the_score() -> None:
    with_error = _score((Severity.HIGH, (P, E)), (Severity.MEDIUM, (P,)))
    with_fail = _score((Severity.HIGH, (P, F)), (Severity.MEDIUM, (P,)))
    with_pass = _score((Severity.HIGH, (P, P)), (Severity.MEDIUM, (P,)))
    assert with_error[0] == with_fail[0] < with_pass[0]
    assert with_error[2] == 0.667 and with_fail[2] == 1.0
    # an error is not a contradiction: no cap, but no credit either
    assert with_error[1] == "D" and with_fail[1] == "D"


def test_not_applicable_is_left_out() -> None:
    assert _score((Severity.HIGH, (P, NA, NA))) == (100.0, "A", 1.0)


def test_unverifiable_claims_stay_in_the_denominator() -> None:
    # high verified (6) + medium not verifiable (3, earns 0): 6/9
    assert _score((Severity.HIGH, (P,)), (Severity.MEDIUM, ())) == (66.7, "D", 1.0)
    assert _score((Severity.HIGH, (P,)), (Severity.MEDIUM, (NA,))) == (66.7, "D", 1.0)


def test_info_claims_weigh_nothing_unless_alone() -> None:
    assert _score((Severity.HIGH, (P,)), (Severity.INFO, (F,))) == (100.0, "A", 1.0)
    assert _score((Severity.INFO, (P,)), (Severity.INFO, (F,)))[0] == 50.0


def test_no_claims() -> None:
    score = compute_score([], {})
    assert (score.value, score.grade, score.coverage) == (0.0, "F", 1.0)


def test_missing_finding_counts_as_error() -> None:
    built, found = _claim("k", Severity.HIGH, P, P)
    score = compute_score([built], {found[0].id: found[0]})
    assert (score.value, score.coverage) == (50.0, 0.5)


def test_coverage_counts_shared_findings_once() -> None:
    shared = finding("c.shared", "t", E)
    other = finding("c.other", "t", P)
    claims = [claim("a", [shared, other]), claim("b", [shared])]
    score = compute_score(claims, {f.id: f for f in (shared, other)})
    assert score.coverage == 0.5


def test_score_uses_the_given_verdict_for_caps() -> None:
    built, found = _claim("k", Severity.CRITICAL, P)
    contradicted = dataclasses.replace(built, verdict=Verdict.CONTRADICTED)
    assert compute_score([contradicted], {f.id: f for f in found}).grade == "F"


def test_compute_score_is_pure() -> None:
    result = mixed_result()
    by_id = {f.id: f for f in result.findings}
    before = dict(by_id)
    assert compute_score(result.claims, by_id) == compute_score(result.claims, by_id)
    assert by_id == before
