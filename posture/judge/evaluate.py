"""Judge a facts snapshot against the inventory's claims: pure, no I/O, no clock.

Every finding starts as ``error`` until a check proves otherwise; a check that raises yields an
``error`` finding for that check alone, and the rest of the scan goes on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import cast

import checks as catalogue
from checks.base import Check, CheckContext, CheckMeta
from posture import __version__
from posture.gcpause import collector_paused
from posture.inventory.model import Claim, Inventory
from posture.jsontext import content_key
from posture.judge.ledger import judge_ledger
from posture.judge.memo import OutcomeMemo, watched
from posture.judge.score import claim_verdict, compute_score
from posture.judge.waivers import apply_waivers, waiver_states
from posture.models import (
    JSON,
    ClaimResult,
    Fact,
    FactSource,
    FactsSnapshot,
    FactStatus,
    Finding,
    HostFacts,
    HostSummary,
    ScanResult,
    Severity,
    Status,
    Verdict,
    msg,
)
from posture.store.factsfile import digest as facts_digest


def selected_claims(inventory: Inventory, only: Sequence[str] = ()) -> list[Claim]:
    """The claims in scope of this run (``--only`` filters by id)."""
    return [c for c in inventory.claims if not only or c.id in only]


def scope_of(claim: Claim, kind: str) -> tuple[str, ...]:
    """The claim's targets of one kind (host | endpoint | database | document)."""
    if kind == "document":  # an attestation is judged on the evidence it names: itself
        return (claim.id,)
    return {"host": claim.scope.hosts, "endpoint": claim.scope.endpoints,
            "database": claim.scope.databases}[kind]


def collection_plan(inventory: Inventory,
                    claims: Iterable[Claim]) -> dict[str, dict[str, set[str]]]:
    """kind -> target name -> the fact keys the selected checks need there."""
    plan: dict[str, dict[str, set[str]]] = {"host": {}, "endpoint": {}, "database": {},
                                            "document": {}}
    for claim in claims:
        for check in catalogue.checks_for(claim.type):
            for name in scope_of(claim, check.meta.target):
                plan[check.meta.target].setdefault(name, set()).update(check.meta.needs)
    return plan


def needs_by_host(inventory: Inventory, claims: Iterable[Claim]) -> dict[str, set[str]]:
    """Host name -> the fact keys the selected checks need there."""
    return collection_plan(inventory, claims)["host"]


def parse_time(value: str) -> datetime:
    """Parse the snapshot's ISO time (``...Z``)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def guard_truncated(meta: CheckMeta, facts: Mapping[str, Fact], status: Status, summary: str,
                    evidence: dict[str, JSON]) -> tuple[Status, str, dict[str, JSON]]:
    """Never a pass (nor a warning or "not applicable") from a value cut at a cap.

    A violation found in the part that was read stays a ``fail``: it is true whatever the rest
    holds. Anything milder could be contradicted by the part that was not read, so it becomes
    ``error`` naming the truncated facts.
    """
    if status is Status.FAIL or status is Status.ERROR:  # the common case: nothing to guard
        return status, summary, evidence
    cut = sorted(k for k, f in facts.items()
                 if f.ok and f.truncated and k not in meta.partial_ok)
    if not cut or status in (Status.FAIL, Status.ERROR):
        return status, summary, evidence
    return (Status.ERROR,
            f"could not determine: the output of {', '.join(cut)} went past posture's cap, "
            "so only part of it was read and this judgement needs all of it",
            {**evidence, "truncated_facts": list(cut), "verdict_on_the_part_read": status.value})


# The plain text of each fact status, looked up instead of the enum's ``value`` property (a
# descriptor call, once per fact a finding relied on: tens of thousands on a fleet).
_STATUS_TEXT: dict[FactStatus, str] = {s: s.value for s in FactStatus}

_SOURCES: dict[tuple[str, FactStatus, str, bool, str], FactSource] = {}
SOURCES_KEPT = 10_000
"""Distinct fact sources kept for sharing: a fleet's hosts repeat the same few dozen."""


def fact_source(fact: Fact) -> FactSource:
    """How ``fact`` was obtained, as a finding records it; equal sources are one object.

    Shared only when every field is a plain ``str`` (a :class:`~posture.models.Msg` reason
    of equal text is translated where a plain one is not, so it is never shared with one).
    """
    key = (fact.key, fact.status, fact.command, fact.privileged, fact.reason)
    known = _SOURCES.get(key)
    if known is not None and known.reason.__class__ is fact.reason.__class__:
        return known
    made = FactSource(fact.key, _STATUS_TEXT[fact.status], fact.command, fact.privileged,
                      fact.reason)
    if (len(_SOURCES) < SOURCES_KEPT and fact.reason.__class__ is str
            and fact.key.__class__ is str and fact.command.__class__ is str):
        _SOURCES[key] = made
    return made


NOT_GATHERED = "not gathered, as no check of this scan needs it (read for evidence only)"
"""The reason of an optional fact (:attr:`~checks.base.CheckMeta.optional`) the scan left
out."""


CUT_OPTIONAL = ("went past posture's cap: a fact read for evidence only is never read in "
                "part")
"""The reason an optional fact cut at a cap is read as an error: the verdict never depends
on it, so :func:`guard_truncated` would not stop evidence judged on a part of it."""


def _optional(host: HostFacts, key: str) -> Fact:
    """The optional fact ``key`` as a check reads it: as gathered, an error when the scan
    left it out, or one naming the cap when its value was cut."""
    fact = host.facts.get(key)
    if fact is None:
        return Fact(key, FactStatus.ERROR, reason=NOT_GATHERED)
    if fact.ok and fact.truncated:
        return Fact(key, FactStatus.ERROR, reason=CUT_OPTIONAL, command=fact.command,
                    privileged=fact.privileged)
    return fact


Memo = tuple[OutcomeMemo, bytes, dict[str, bytes | None]]
"""What :func:`run_check` needs to share outcomes: the memo of the evaluation, the claim's
parameters as :func:`~posture.jsontext.content_key` wrote them, and the fact keys of the
target met so far (see :mod:`posture.judge.memo`)."""


def run_check(check: Check, target: str, host: HostFacts | None, claim: Claim,
              scan_time: datetime, params: Mapping[str, JSON] | None = None,
              memo: Memo | None = None) -> Finding:
    """Evaluate one check on one target; never raises.

    ``params`` is the claim's ``expect`` as the check reads it; the engine passes one
    read-only copy per claim (``None``: a fresh copy of ``claim.expect``, as before).
    With ``memo``, what was judged before on an equal input is taken from it (see
    :mod:`posture.judge.memo`).
    """
    meta = check.meta
    if host is None:
        host = HostFacts(target, False, {}, (f"{meta.target} was not collected",))
    facts = {key: host.fact(key) for key in meta.needs}
    for key in meta.optional:  # evidence only: what the scan gathered for other checks
        facts[key] = _optional(host, key)
    expect = dict(claim.expect) if params is None else params
    keyed = None if memo is None else memo[0].key(check, memo[1], facts, memo[2])
    if keyed is not None and memo is not None:
        known = memo[0].lookup(keyed[0], check)
        if known is not None:
            status, severity, summary, evidence, sources = known
            # The kept evidence itself: a finding's evidence is a read-only Mapping, and
            # renderers tell one shared object's content once (ScanResult.evidence_key).
            return new_finding(meta.id, target, status, severity, summary, evidence,
                               meta.remediation, meta.title, sources)
    seen = None if keyed is None else watched(target, facts, expect, scan_time)
    try:
        outcome = check.evaluate(CheckContext(target, facts, expect, scan_time)
                                 if seen is None else seen)
        status, summary = outcome.status, outcome.summary
        evidence, severity = dict(outcome.evidence), outcome.severity or meta.severity
    except Exception as exc:  # noqa: BLE001 - one broken check must not sink the scan
        seen = None  # an exception is never shared: the next equal input runs again
        status, severity = Status.ERROR, meta.severity
        summary = msg("check failed internally ({exception}); the result is unknown",
                      exception=type(exc).__name__)
        evidence = {"exception": type(exc).__name__}
    status, summary, evidence = guard_truncated(meta, facts, status, summary, evidence)
    sources = tuple([fact_source(f) for k, f in facts.items()
                     if k in host.facts or k not in meta.optional])
    if seen is not None and keyed is not None and memo is not None and not seen.target_read:
        # The parts of the finding but its target: a function of the input (facts, their
        # sources and truncation, parameters, scan time) as the check is pure.
        memo[0].keep(keyed[0], keyed[1], (status, severity, summary, evidence, sources))
    return new_finding(meta.id, target, status, severity, summary, evidence, meta.remediation,
                       meta.title, sources)


FINDING_FIELDS = ("check", "target", "status", "severity", "summary", "evidence",
                  "remediation", "title", "sources", "waiver")
"""The fields of :class:`Finding` that :func:`new_finding` sets (a test holds them equal)."""

_new = object.__new__


def new_finding(check: str, target: str, status: Status, severity: Severity, summary: str,
                evidence: Mapping[str, JSON], remediation: str, title: str,
                sources: tuple[FactSource, ...]) -> Finding:
    """``Finding(check, target, ..., sources)`` without a waiver, as that would build it.

    The frozen dataclass's ``__init__`` sets each of its ten fields through
    ``object.__setattr__``: a tenth of judging a fleet. The finding is as frozen as any.
    """
    made: Finding = _new(Finding)
    state = made.__dict__
    state["check"], state["target"], state["status"] = check, target, status
    state["severity"], state["summary"], state["evidence"] = severity, summary, evidence
    state["remediation"], state["title"], state["sources"] = remediation, title, sources
    state["waiver"] = None
    return made


def _judge_claim(claim: Claim, findings: dict[str, Finding],
                 judged: list[list[Finding]]) -> ClaimResult:
    """The claim's result from ``judged`` (:func:`_judge_all`: per check, its findings in
    scope order), its findings added to ``findings`` in that order."""
    severity = Severity(claim.severity)
    checks = catalogue.checks_for(claim.type)
    if not checks:
        return ClaimResult(claim.id, claim.type, claim.says, Verdict.NOT_VERIFIABLE, (),
                           severity, msg("no check of this version verifies '{type}' yet",
                                         type=claim.type))
    if not any(scope_of(claim, check.meta.target) for check in checks):
        kinds = sorted({check.meta.target for check in checks})
        return ClaimResult(claim.id, claim.type, claim.says, Verdict.NOT_VERIFIABLE, (),
                           severity, msg("nothing in the claim's scope to check: add {kinds}",
                                         kinds=" or ".join(k + "s" for k in kinds)))
    ids: list[str] = []
    for found in judged:  # check by check, as the findings were always listed
        for finding in found:
            fid = f"{finding.check}@{finding.target}"  # Finding.id, without the property call
            if fid in findings and findings[fid] != finding:
                # Same check and host judged under another claim's parameters: keep both.
                fid = f"{fid}#{claim.id}"
                finding = new_finding(finding.check, f"{finding.target}#{claim.id}",
                                      finding.status, finding.severity, finding.summary,
                                      finding.evidence, finding.remediation, finding.title,
                                      finding.sources)
            findings[fid] = finding
            ids.append(fid)
    verdict = claim_verdict([findings[i].status for i in ids])
    reason = ""
    if verdict is Verdict.INCONCLUSIVE:
        reason = msg("some evidence could not be gathered: see the findings in error")
    return ClaimResult(claim.id, claim.type, claim.says, verdict, tuple(ids), severity, reason)


def _judge_all(claims: Sequence[Claim], snapshot: FactsSnapshot, scan_time: datetime,
               memo: OutcomeMemo | None) -> list[list[list[Finding]]]:
    """Per claim, per check of its type, the check's findings on the claim's targets of its
    kind in scope order.

    Judged a target at a time, every check of every claim on it together, so that with
    ``memo`` the keys of its facts are built once (and dropped before the next target).
    Checks are pure: the order they run in changes nothing but the time taken.
    """
    plans: list[tuple[tuple[Check, ...], Mapping[str, JSON], bytes | None]] = []
    slots: list[list[list[Finding | None]]] = []
    visits: dict[tuple[str, str], list[tuple[int, int]]] = {}
    filled = 0
    for number, claim in enumerate(claims):
        checks = catalogue.checks_for(claim.type)
        # One read-only copy of the parameters for every target of the claim: a check can
        # neither change them for the next target nor see another claim's.
        plans.append((checks, MappingProxyType(dict(claim.expect)),
                      None if memo is None else content_key(dict(claim.expect))))
        slots.append([[None] * len(scope_of(claim, check.meta.target)) for check in checks])
        for kind in dict.fromkeys(check.meta.target for check in checks):
            for place, name in enumerate(scope_of(claim, kind)):
                visits.setdefault((kind, name), []).append((number, place))
    for (kind, name), where in visits.items():
        host = _targets(snapshot, kind).get(name)
        cache: dict[str, bytes | None] = {}
        for number, place in where:
            checks, params, params_key = plans[number]
            keys: Memo | None = None if memo is None or params_key is None else (
                memo, params_key, cache)
            for n, check in enumerate(checks):
                if check.meta.target == kind:
                    slots[number][n][place] = run_check(check, name, host, claims[number],
                                                        scan_time, params, keys)
                    filled += 1
    if filled != sum(len(found) for claim_slots in slots for found in claim_slots):
        raise RuntimeError("a target in a claim's scope was not judged")  # never a gap
    return cast(list[list[list[Finding]]], slots)


def _targets(snapshot: FactsSnapshot, kind: str) -> Mapping[str, HostFacts]:
    """The snapshot's table of one target kind (what :meth:`FactsSnapshot.target` reads)."""
    return {"host": snapshot.hosts, "endpoint": snapshot.endpoints,
            "database": snapshot.databases, "document": snapshot.documents}[kind]


def evaluate(inventory: Inventory, snapshot: FactsSnapshot, *, only: Sequence[str] = (),
             finished_at: str | None = None) -> ScanResult:
    """Judge ``snapshot``: the same snapshot always gives the same result."""
    with collector_paused(long_lived=True):  # the findings live on in the result
        return _evaluate(inventory, snapshot, only, finished_at)


def _evaluate(inventory: Inventory, snapshot: FactsSnapshot, only: Sequence[str],
              finished_at: str | None) -> ScanResult:
    scan_time = parse_time(snapshot.scan_time)
    findings: dict[str, Finding] = {}
    selected = selected_claims(inventory, only)
    memo = OutcomeMemo()  # this evaluation's: same scan time, same snapshot
    judged = _judge_all(selected, snapshot, scan_time, memo)
    claims = tuple(_judge_claim(c, findings, found) for c, found in zip(selected, judged,
                                                                         strict=True))
    hosts = tuple(_host_summary(name, snapshot.hosts.get(name))
                  for name in _hosts_in_scope(inventory, claims))
    score = compute_score(claims, findings)  # before waivers: they never change the score
    waivers = tuple(waiver_states(inventory.waivers, scan_time))
    claims, findings = apply_waivers(claims, findings, waivers)
    return ScanResult(
        started_at=snapshot.started_at, finished_at=finished_at or snapshot.finished_at,
        organisation=inventory.organisation, inventory_sha256=inventory.sha256,
        score=score, claims=claims,
        findings=tuple(findings.values()), hosts=hosts, tool_version=__version__,
        statement=dict(inventory.statement), scan_time=snapshot.scan_time,
        facts_sha256=facts_digest(snapshot),
        waivers=waivers, ledger=judge_ledger(inventory.ledger, claims))


def _hosts_in_scope(inventory: Inventory, claims: Sequence[ClaimResult]) -> list[str]:
    wanted = {c.id for c in claims}
    names = {h for c in inventory.claims if c.id in wanted for h in c.scope.hosts}
    return [h.name for h in inventory.hosts if h.name in names]


def _host_summary(name: str, host: HostFacts | None) -> HostSummary:
    if host is None:
        return HostSummary(name, False, ("not collected",))
    return HostSummary(name, host.reachable, host.errors, host.host_key, host.round_trips)


def exit_code(result: ScanResult, fail_under: float | None = None) -> int:
    """The contract's exit code for a judged scan (0, 1 or 2); waived claims do not count."""
    verdicts = {c.verdict for c in result.claims if not c.waived}
    if Verdict.CONTRADICTED in verdicts:
        return 1
    if fail_under is not None and result.score.value < fail_under:
        return 1
    undetermined = verdicts & {Verdict.INCONCLUSIVE, Verdict.NOT_VERIFIABLE}
    if undetermined or any(not h.reachable for h in result.hosts):
        return 2
    return 0


def claim_map(result: ScanResult) -> Mapping[str, ClaimResult]:
    """Claims by id."""
    return {c.id: c for c in result.claims}
