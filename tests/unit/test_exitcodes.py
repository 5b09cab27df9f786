"""The test helper that derives the exact exit code agrees with the command's own rule."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

import pytest
from fixtures_result import clean_result, empty_result, hostile_result, mixed_result, waived_result

from posture.judge.evaluate import exit_code
from posture.models import ScanResult, Verdict
from posture.render import Format, render
from tests.exitcodes import expected_exit


def undetermined_result() -> ScanResult:
    """The clean sample with its claims left inconclusive."""
    clean = clean_result()
    return dataclasses.replace(clean, claims=[dataclasses.replace(c, verdict=Verdict.INCONCLUSIVE)
                                              for c in clean.claims])


SAMPLES = [mixed_result, clean_result, empty_result, waived_result, hostile_result,
           undetermined_result]


@pytest.mark.parametrize("make", SAMPLES)
@pytest.mark.parametrize("fail_under", [None, 0.0, 50.0, 100.0])
def test_expected_exit_matches_the_command(make: Callable[[], ScanResult],
                                           fail_under: float | None) -> None:
    result = make()
    report = json.loads(render(result, Format.JSON))
    assert expected_exit(report, fail_under) == exit_code(result, fail_under)


def test_the_samples_cover_every_code() -> None:
    codes = {exit_code(make()) for make in SAMPLES}
    assert codes == {0, 1, 2}
