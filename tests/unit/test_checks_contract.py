"""Properties every check keeps: errors without evidence, JSON evidence, one-sentence summaries."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from facts_samples import HOSTS, absent, context, denied, host, timed_out

from checks import CATALOGUE
from checks.base import Check
from posture.models import Fact, Status

PARAMS = {"distribution": "ubuntu", "version": "12.04", "max_age_days": 90}
IDS = [c.meta.id for c in CATALOGUE]


@pytest.mark.parametrize("check", CATALOGUE, ids=IDS)
@pytest.mark.parametrize("bad", [denied, timed_out], ids=["denied", "timeout"])
def test_no_usable_fact_means_error(check: Check, bad: Callable[[str], Fact]) -> None:
    outcome = check.evaluate(context([bad(key) for key in check.meta.needs], PARAMS))
    if check.meta.id == "os.eol_claimed":  # judged from the claim alone, by design
        assert outcome.status is Status.FAIL
    else:
        assert outcome.status is Status.ERROR, outcome.summary


@pytest.mark.parametrize("check", CATALOGUE, ids=IDS)
def test_missing_facts_never_pass(check: Check) -> None:
    outcome = check.evaluate(context([absent(key) for key in check.meta.needs], PARAMS))
    assert outcome.status is not Status.PASS or check.meta.id == "os.eol_claimed"


@pytest.mark.parametrize("check", CATALOGUE, ids=IDS)
@pytest.mark.parametrize("name", HOSTS)
def test_outcomes_are_reportable(check: Check, name: str) -> None:
    outcome = check.evaluate(host(name, PARAMS))
    json.dumps(dict(outcome.evidence))
    # Sentences end with a period; "could not determine: ..." notes (base.missing) may not.
    assert "\n" not in outcome.summary
    assert outcome.summary.endswith(".") or outcome.summary.startswith("could not determine")
    first = outcome.summary[0]
    assert first.isupper() or first.isdigit() or outcome.summary.startswith("could not determine")
    if outcome.severity is not None:
        assert outcome.status is Status.FAIL
    if outcome.status is Status.ERROR:
        assert outcome.summary.startswith("could not determine")
