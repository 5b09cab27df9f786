"""The owner's page: what to do first, by how much it raises the score, and who does it.

An *action* is one check: make every finding of that check that is not a pass (fail, warn or
error) pass. Its gain is the score with those findings passing minus the score now, both from
:func:`posture.judge.score.compute_score` itself, so the three actions on page one are by
construction the three biggest gains the score formula allows (ties: more severe first, then
the check id). An error counts as much as a failure in the score, so making missing evidence
available can be among the biggest gains; the page says so in its own words.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from posture.judge.score import (
    claim_findings,
    claim_verdict,
    coverage_counts,
    score_from,
    share_of,
)
from posture.models import ClaimResult, Finding, ScanResult, Status, Verdict
from posture.render.common import SEVERITY_ORDER

ACTIONS_SHOWN = 3

_new = object.__new__

# Who acts on a check family: the hosting company runs the servers, the web developer the
# shop software and its pages, the shop owner decides on data and paperwork.
_WHO: Mapping[str, str] = {
    "accounts": "hosting", "apache": "hosting", "os": "hosting", "ssh": "hosting",
    "services": "hosting", "tls": "hosting", "netfilter": "hosting", "allowlist": "hosting",
    "db": "hosting", "http": "developer", "app": "developer", "shop": "developer",
    "web": "developer", "testdata": "developer", "data": "owner", "attestation": "owner",
}


@dataclass(frozen=True)
class Action:
    """Making every unmet finding of one check pass."""

    check: str
    kind: str  # fix (a failure), improve (only warnings), access (only errors)
    gain: float  # score points, unrounded
    findings: tuple[Finding, ...]
    who: str  # hosting | developer | owner

    @property
    def first(self) -> Finding:
        """The finding whose title and remediation describe the action."""
        return self.findings[0]


def who_acts(check_id: str) -> str:
    """hosting, developer or owner: who can change what this check looks at."""
    return _WHO.get(check_id.split(".", 1)[0], "hosting")


def score_with(result: ScanResult, passing: set[str]) -> float:
    """The score (as :func:`compute_score` rounds it) if the findings ``passing`` (ids) passed;
    claims are judged again from the changed statuses, so grade caps and verdicts follow."""
    return _Rescorer(result).score_with(passing)


class _Rescorer:
    """:func:`score_with` for many sets of findings of one result, sharing the work.

    The score is :func:`posture.judge.score.score_from` of the claims' shares and coverage
    counts, as :func:`compute_score` makes it. What does not depend on the set is done once:
    every claim judged again from its findings' statuses, with its share, and the coverage
    counts of all the claims' findings. For a set, only a claim holding one of its findings
    is judged and shared once more, and the counts change by those of the set's findings
    before and after (coverage counts distinct findings, so they add up).
    """

    def __init__(self, result: ScanResult) -> None:
        self.by_id = {f.id: f for f in result.findings}
        get = self.by_id.get
        # Each claim's findings counted by status (a missing one as an error, each id as
        # often as the claim lists it): a set changes the counts of the claims holding it
        # by its own findings, instead of each such claim's thousands being read again.
        self.claims: list[ClaimResult] = []
        self.shares: list[float] = []
        self.tallies: list[Counter[Status]] = []
        self.listed: list[Counter[str]] = []  # how often each claim lists each finding
        for claim in result.claims:
            statuses = [Status.ERROR if (found := get(fid)) is None else found.status
                        for fid in claim.findings]
            tally = Counter(statuses)
            self.claims.append(dataclasses.replace(claim, verdict=claim_verdict(statuses)))
            self.shares.append(share_of(tally))
            self.tallies.append(tally)
            self.listed.append(Counter(claim.findings))
        self.counted = set(claim_findings(self.claims))
        self.counts = coverage_counts(self.counted, self.by_id)
        self.passed: dict[str, Finding] = {}

    def score_with(self, passing: set[str]) -> float:
        changed = passing & self.by_id.keys()
        if not changed:
            return score_from(self.claims, self.shares, self.counts).value
        ids = changed & self.counted
        before = coverage_counts(ids, self.by_id)
        order = list(changed)
        twins = [self._twin(fid) for fid in order]
        # The set's findings passing, in the index itself (no copy of a fleet's index per
        # set); the index is given back as it was whatever happens.
        findings = self.by_id
        originals = [findings[fid] for fid in order]
        try:
            findings.update(zip(order, twins, strict=True))
            claims, shares = list(self.claims), list(self.shares)
            for n, tally in self._tallies_with(order, originals).items():
                claims[n], shares[n] = self._from_tally(claims[n], tally)
            after = coverage_counts(ids, findings)
        finally:
            findings.update(zip(order, originals, strict=True))
        counts = (self.counts[0] - before[0] + after[0], self.counts[1] - before[1] + after[1])
        return score_from(claims, shares, counts).value

    def _twin(self, fid: str) -> Finding:
        """The finding ``fid`` passing, made once."""
        twin = self.passed.get(fid)
        if twin is None:
            # A copy of the finding's fields with the status changed (what the frozen
            # dataclass's replace would make, without setting each field through __setattr__).
            twin = _new(Finding)
            state = twin.__dict__
            state.update(self.by_id[fid].__dict__)
            state["status"] = Status.PASS
            self.passed[fid] = twin
        return twin

    def _tallies_with(self, order: list[str], originals: list[Finding],
                      ) -> dict[int, Counter[Status]]:
        """The status counts of each claim holding one of the findings ``order`` (whose
        statuses were ``originals``'), with those findings passing."""
        tallies: dict[int, Counter[Status]] = {}
        for n, listed in enumerate(self.listed):
            tally = None
            for fid, original in zip(order, originals, strict=True):
                times = listed.get(fid)
                if times:
                    if tally is None:
                        tally = tallies[n] = self.tallies[n].copy()
                    tally[original.status] -= times
                    tally[Status.PASS] += times
        return tallies

    @staticmethod
    def _from_tally(claim: ClaimResult, tally: Counter[Status]) -> tuple[ClaimResult, float]:
        """The claim judged again and its share, as :func:`claim_verdict` and
        :func:`~posture.judge.score.claim_share` make them from the statuses counted."""
        verdict = claim_verdict([status for status, count in tally.items() if count > 0])
        return dataclasses.replace(claim, verdict=verdict), share_of(tally)


def actions(result: ScanResult) -> list[Action]:
    """Every action, biggest score gain first (only those that raise the score)."""
    unmet: dict[str, list[Finding]] = {}
    for finding in result.findings:
        if finding.status in (Status.FAIL, Status.WARN, Status.ERROR):
            unmet.setdefault(finding.check, []).append(finding)
    rescorer = _Rescorer(result)
    now = rescorer.score_with(set())
    found = []
    for check, group in unmet.items():
        gain = rescorer.score_with({f.id for f in group}) - now
        if gain <= 0:
            continue
        group.sort(key=lambda f: (_STATUS_RANK[f.status], SEVERITY_ORDER[f.severity]))
        statuses = {f.status for f in group}
        kind = ("fix" if Status.FAIL in statuses else
                "access" if Status.ERROR in statuses else "improve")
        found.append(Action(check, kind, round(gain, 1), tuple(group), who_acts(check)))
    found.sort(key=lambda a: (-a.gain, SEVERITY_ORDER[a.first.severity], a.check))
    return found


_STATUS_RANK = {Status.FAIL: 0, Status.ERROR: 1, Status.WARN: 2}

VERDICT_ORDER: Mapping[str, int] = {
    "contradicted": 0, "inconclusive": 1, "not_verifiable": 2, "attested": 3, "verified": 4,
}
"""Cards on page one: broken promises first, kept ones last."""


def shown_verdict(claim: ClaimResult) -> str:
    """The verdict the owner sees: a verified attestation is ``attested``, not verified."""
    if claim.verdict is Verdict.VERIFIED and claim.type == "attestation":
        return "attested"
    return claim.verdict.value


def card_order(claims: tuple[ClaimResult, ...]) -> list[ClaimResult]:
    """Claims by shown verdict (worst first), then severity, then inventory order."""
    return sorted(claims, key=lambda c: (VERDICT_ORDER[shown_verdict(c)],
                                         SEVERITY_ORDER[c.severity]))
