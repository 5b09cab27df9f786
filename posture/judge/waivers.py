"""Waivers: accepted risks from the inventory, applied to a judged scan (pure, no clock).

An inventory waiver is ``{id, reason, owner?, expires?}``. Its ``id`` names either a claim
(``admin-channels``) or a finding (``ssh.password_auth@web1``; it also covers the per-claim
variants ``ssh.password_auth@web1#CLAIM`` the evaluator makes when one check is judged under
two claims' parameters).

The rules (documented for users in ``docs/report.md``):

* A waiver is **active** through the end of its ``expires`` day (UTC) as seen by the scan's
  own time, never the wall clock, so replaying a facts file gives the same answer. A waiver
  without ``expires`` stays active until it is removed from the inventory.
* Nothing is rewritten: a finding keeps its status and a claim its evidence-based verdict
  (always one of the four verdicts). The matching finding or claim carries the waiver.
* A claim is **waived** when it is not verified and either a waiver names the claim or every
  finding that keeps it from being verified (``fail`` or ``error``) has an active waiver.
  A waived claim does not count as a failure for the exit code (it neither makes the run
  exit 1 nor 2). The score ignores waivers: a waiver is a decision, not a fix, so the weekly
  number keeps measuring the servers.
* An **expired** waiver is still attached (so the report can flag it), but the item counts
  again exactly as without a waiver.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from posture.models import ClaimResult, Finding, Status, Verdict, WaiverState

_UNMET = frozenset({Status.FAIL, Status.ERROR})


def waiver_states(waivers: Sequence[Mapping[str, Any]], scan_time: datetime) -> list[WaiverState]:
    """The inventory's waivers with whether each is active at ``scan_time``."""
    today = scan_time.date()
    states = []
    for raw in waivers:
        expires = raw.get("expires")
        expiry = expires if isinstance(expires, date) else None
        if expiry is None and expires:
            expiry = date.fromisoformat(str(expires))
        states.append(WaiverState(
            id=str(raw.get("id", "")),
            reason=str(raw.get("reason", "")),
            owner=str(raw.get("owner") or ""),
            expires=expiry.isoformat() if expiry else "",
            active=expiry is None or today <= expiry,
        ))
    return states


def _lookup(states: Sequence[WaiverState]) -> dict[str, WaiverState]:
    """Waivers by id; with duplicates an active one wins, so an old expired copy is harmless."""
    table: dict[str, WaiverState] = {}
    for state in states:
        if state.id not in table or state.active:
            table[state.id] = state
    return table


def _finding_waiver(finding_id: str, table: Mapping[str, WaiverState]) -> WaiverState | None:
    return table.get(finding_id) or table.get(finding_id.partition("#")[0])


def apply_waivers(
    claims: Sequence[ClaimResult],
    findings: Mapping[str, Finding],
    states: Sequence[WaiverState],
) -> tuple[tuple[ClaimResult, ...], dict[str, Finding]]:
    """Attach waivers to the claims and findings they name and mark waived claims."""
    if not states:
        return tuple(claims), dict(findings)
    table = _lookup(states)
    waived_findings = {
        fid: dataclasses.replace(f, waiver=w) if (w := _finding_waiver(fid, table)) else f
        for fid, f in findings.items()
    }
    judged = tuple(_claim(c, waived_findings, table.get(c.id)) for c in claims)
    return judged, waived_findings


def _claim(claim: ClaimResult, findings: Mapping[str, Finding],
           waiver: WaiverState | None) -> ClaimResult:
    waived = False
    if claim.verdict is not Verdict.VERIFIED:
        if waiver is not None and waiver.active:
            waived = True
        elif claim.verdict in (Verdict.CONTRADICTED, Verdict.INCONCLUSIVE):
            unmet = [findings.get(fid) for fid in claim.findings]
            unmet = [f for f in unmet if f is None or f.status in _UNMET]
            waived = bool(unmet) and all(
                f is not None and f.waiver is not None and f.waiver.active for f in unmet
            )
    if waiver is None and not waived:
        return claim
    return dataclasses.replace(claim, waiver=waiver, waived=waived)


def is_expired(item: ClaimResult | Finding) -> bool:
    """True when the item carries a waiver that has run out (the report flags it)."""
    return item.waiver is not None and not item.waiver.active
