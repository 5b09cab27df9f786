"""One rescorer of the owner's page answers set after set as a fresh one would: each set's
findings pass in its index only while that set is scored, and a finding's passing twin is
the finding with its status changed."""

from __future__ import annotations

import dataclasses
import itertools
import random

import pytest
from fixtures_result import mixed_result
from test_html_fast_paths import _reference_score_with

from posture.models import Status
from posture.render import owner


def test_one_rescorer_scores_every_set_as_the_plain_computation() -> None:
    result = mixed_result()
    rescorer = owner._Rescorer(result)
    index = dict(rescorer.by_id)
    ids = [f.id for f in result.findings] + ["no-such@finding"]
    subsets = [set(c) for r in range(len(ids) + 1) for c in itertools.combinations(ids, r)]
    for passing in [*random.Random(11).sample(subsets, min(len(subsets), 40)), set(ids)]:
        assert rescorer.score_with(passing) == _reference_score_with(result, passing)
        assert rescorer.by_id == index
        assert all(rescorer.by_id[k] is v for k, v in index.items())


def test_the_index_is_given_back_when_scoring_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    result = mixed_result()
    rescorer = owner._Rescorer(result)
    index = dict(rescorer.by_id)

    def broken(*args: object) -> float:
        raise RuntimeError("broken")

    monkeypatch.setattr(owner, "claim_verdict", broken)
    unmet = {f.id for f in result.findings if f.status is not Status.PASS}
    with pytest.raises(RuntimeError):
        rescorer.score_with(unmet)
    assert rescorer.by_id == index


def test_a_twin_is_the_finding_passing() -> None:
    result = mixed_result()
    rescorer = owner._Rescorer(result)
    for found in result.findings:
        twin = rescorer._twin(found.id)
        assert twin == dataclasses.replace(found, status=Status.PASS)
        made = dataclasses.replace(found, status=Status.PASS)
        # What is kept beside the fields (the id), copied from the finding, is what the
        # replacement makes of itself.
        assert twin.id == made.id == found.id
        assert vars(twin) == vars(made)
        assert rescorer._twin(found.id) is twin
        with pytest.raises(dataclasses.FrozenInstanceError):
            twin.status = Status.FAIL  # type: ignore[misc]


def test_counted_statuses_score_as_the_plain_computation_with_repeats_and_gaps() -> None:
    # Claims that list a finding twice, name one missing from the result, share findings
    # with other claims, and mix warnings, passes and not-applicable ones: the counts a set
    # changes must give the very score the statuses' lists give.
    result = mixed_result()
    ids = [f.id for f in result.findings]
    rng = random.Random(7)
    claims = tuple(
        dataclasses.replace(c, findings=tuple(rng.choices(ids, k=rng.randint(0, 9)))
                            + (("missing@nowhere",) if n % 3 == 0 else ()))
        for n, c in enumerate(result.claims))
    result = dataclasses.replace(result, claims=claims)
    rescorer = owner._Rescorer(result)
    for _ in range(60):
        passing = set(rng.sample(ids, rng.randint(0, len(ids))))
        assert rescorer.score_with(passing) == _reference_score_with(result, passing)
