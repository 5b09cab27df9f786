"""The score's thresholds: grade bands at, below and above each floor; caps only for
contradicted high/critical claims; rounding and weights at their edges."""

from __future__ import annotations

import pytest
from test_score import _score

from posture.judge.score import CREDITS, GRADE_BANDS, GRADE_CAPS, WEIGHTS, _grade
from posture.models import Severity, Status

P, F, W, E, NA = Status.PASS, Status.FAIL, Status.WARN, Status.ERROR, Status.NOT_APPLICABLE


def test_published_constants() -> None:
    assert dict(WEIGHTS) == {Severity.CRITICAL: 10, Severity.HIGH: 6, Severity.MEDIUM: 3,
                             Severity.LOW: 1, Severity.INFO: 0}
    assert dict(CREDITS) == {P: 1.0, W: 0.75, F: 0.0, E: 0.0}
    assert GRADE_BANDS == ((90.0, "A"), (80.0, "B"), (70.0, "C"), (60.0, "D"), (50.0, "E"))
    assert dict(GRADE_CAPS) == {Severity.HIGH: "D", Severity.CRITICAL: "F"}


@pytest.mark.parametrize(("value", "grade"), [
    (100.0, "A"), (90.1, "A"), (90.0, "A"), (89.9, "B"),
    (80.1, "B"), (80.0, "B"), (79.9, "C"),
    (70.1, "C"), (70.0, "C"), (69.9, "D"),
    (60.1, "D"), (60.0, "D"), (59.9, "E"),
    (50.1, "E"), (50.0, "E"), (49.9, "F"), (0.0, "F"),
])
def test_grade_bands(value: float, grade: str) -> None:
    assert _grade(value) == grade


@pytest.mark.parametrize(("passes", "value", "grade"), [
    (1799, 90.0, "A"),   # 89.95 rounds half-up to 90.0: the band reads the rounded score
    (1798, 89.9, "B"),
    (1801, 90.1, "A"),
])
def test_grade_reads_the_rounded_score(passes: int, value: float, grade: str) -> None:
    got = _score((Severity.MEDIUM, (P,) * passes + (F,) * (2000 - passes)))
    assert got[:2] == (value, grade)


# A critical claim with 19 passes and one other finding: 95 % of its weight when not failed.
@pytest.mark.parametrize(("severity", "last", "value", "grade"), [
    (Severity.CRITICAL, E, 95.0, "A"),    # inconclusive: no cap, the error earns nothing
    (Severity.CRITICAL, F, 95.0, "F"),    # contradicted critical: capped at F
    (Severity.CRITICAL, NA, 100.0, "A"),
    (Severity.CRITICAL, W, 98.8, "A"),
    (Severity.HIGH, E, 95.0, "A"),        # inconclusive high: no cap
    (Severity.HIGH, F, 95.0, "D"),        # contradicted high: capped at D
    (Severity.MEDIUM, F, 95.0, "A"),      # medium and below never cap
    (Severity.LOW, F, 95.0, "A"),
    (Severity.INFO, F, 95.0, "A"),
])
def test_caps_apply_to_contradicted_claims_only(severity: Severity, last: Status,
                                                value: float, grade: str) -> None:
    got = _score((severity, (P,) * 19 + (last,)))
    assert got[:2] == (value, grade)


@pytest.mark.parametrize(("grade_before", "cap_severity", "grade"), [
    ("E", Severity.HIGH, "E"),   # a cap never raises: E stays E under a D cap
    ("F", Severity.HIGH, "F"),
])
def test_a_cap_never_raises(grade_before: str, cap_severity: Severity, grade: str) -> None:
    # one contradicted claim alone: share 0.5 (E) or 0.0 (F)
    statuses = (P, F) if grade_before == "E" else (F,)
    assert _score((cap_severity, statuses))[1] == grade


def test_the_worst_cap_wins_in_either_order() -> None:
    high, critical = (Severity.HIGH, (P,) * 9 + (F,)), (Severity.CRITICAL, (P,) * 9 + (F,))
    assert _score(high, critical)[1] == "F"
    assert _score(critical, high)[1] == "F"


@pytest.mark.parametrize(("warns", "value"), [(1, 75.0), (2, 75.0), (0, 0.0)])
def test_warn_credit(warns: int, value: float) -> None:
    statuses = (W,) * warns if warns else (F,)
    assert _score((Severity.LOW, statuses))[0] == value


def test_info_weights_one_only_when_every_claim_is_info() -> None:
    assert _score((Severity.INFO, (P,)), (Severity.INFO, (P,)), (Severity.INFO, (F,)))[0] == 66.7
    assert _score((Severity.LOW, (F,)), (Severity.INFO, (P,)))[0] == 0.0
