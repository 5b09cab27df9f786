"""Waivers: matching, expiry by scan time, claim waiving, exit code, renderers."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

from fixtures_result import ACTIVE_WAIVER, DB_TLS_PASS, build_result, claim, finding, waived_result

from posture.judge.evaluate import exit_code
from posture.judge.score import compute_score
from posture.judge.waivers import apply_waivers, is_expired, waiver_states
from posture.models import Severity, Status, Verdict, WaiverState
from posture.render import Format, render

SCAN = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def test_expiry_is_inclusive_and_uses_scan_time() -> None:
    states = waiver_states([
        {"id": "a", "reason": "r", "expires": date(2026, 11, 25)},
        {"id": "b", "reason": "r", "expires": date(2026, 11, 24), "owner": "ops"},
        {"id": "c", "reason": "r"},
        {"id": "d", "reason": "r", "expires": "2027-01-01"},
    ], SCAN)
    assert [(s.id, s.active, s.expires) for s in states] == [
        ("a", True, "2026-11-25"), ("b", False, "2026-11-24"), ("c", True, ""),
        ("d", True, "2027-01-01")]
    assert states[1].owner == "ops"


def _judge(status: Status, waiver: WaiverState) -> tuple[Verdict, bool, Status]:
    bad = finding("ssh.password_auth", "web1", status)
    base = build_result([claim("admin", [bad, DB_TLS_PASS])], [bad, DB_TLS_PASS])
    claims, found = apply_waivers(base.claims, {f.id: f for f in base.findings}, [waiver])
    return claims[0].verdict, claims[0].waived, found[bad.id].status


def test_active_finding_waiver_waives_the_claim_but_keeps_the_truth() -> None:
    waiver = WaiverState("ssh.password_auth@web1", "legacy", active=True)
    assert _judge(Status.FAIL, waiver) == (Verdict.CONTRADICTED, True, Status.FAIL)
    assert _judge(Status.ERROR, waiver) == (Verdict.INCONCLUSIVE, True, Status.ERROR)


def test_expired_or_foreign_waiver_changes_nothing() -> None:
    expired = WaiverState("ssh.password_auth@web1", "legacy", active=False)
    assert _judge(Status.FAIL, expired) == (Verdict.CONTRADICTED, False, Status.FAIL)
    other = WaiverState("ssh.password_auth@web2", "legacy", active=True)
    assert _judge(Status.FAIL, other) == (Verdict.CONTRADICTED, False, Status.FAIL)


def test_claim_waiver_and_per_claim_finding_ids() -> None:
    bad = finding("ssh.password_auth", "web1#admin", Status.FAIL)
    base = build_result([claim("admin", [bad])], [bad])
    states = [WaiverState("ssh.password_auth@web1", "x")]
    _, found = apply_waivers(base.claims, {f.id: f for f in base.findings}, states)
    assert found[bad.id].waiver == states[0]
    claims, _ = apply_waivers(base.claims, {bad.id: bad}, [WaiverState("admin", "x")])
    assert claims[0].waived and claims[0].waiver is not None


def test_exit_code_and_score_ignore_only_active_waivers() -> None:
    result = waived_result()
    by_id = {c.id: c for c in result.claims}
    assert by_id["os-version"].waived and not by_id["admin-channels"].waived
    assert is_expired(by_id["admin-channels"])
    assert exit_code(result) == 1  # the expired waiver counts again
    only_waived = build_result(result.claims[:1], result.findings, [])
    assert exit_code(only_waived) == 0
    assert result.score.value < 100  # the waiver did not raise the score


def test_renderers_show_waivers() -> None:
    result = waived_result()
    data = json.loads(render(result, Format.JSON))
    claims = {c["id"]: c for c in data["claims"]}
    assert claims["os-version"]["waived"] is True
    assert claims["admin-channels"]["waiver"]["active"] is False
    assert data["waivers"][0]["id"] == ACTIVE_WAIVER.id
    sarif = json.loads(render(result, Format.SARIF))["runs"][0]["results"]
    suppressed = [r for r in sarif if r.get("suppressions")]
    assert [r["partialFingerprints"]["postureFindingId/v1"] for r in suppressed] == [
        "versions.os@vps1"]
    root = ET.fromstring(render(result, Format.JUNIT))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["versions.os@vps1"].find("skipped") is not None
    failure = cases["services.plain_ftp@vps1"].find("failure")
    assert failure is not None  # the claim waiver expired, and never covered the finding
    html = render(result, Format.HTML).decode()
    assert "Waiver expired on 2026-01-31" in html and "matches nothing" in html
    assert "Accepted risk: nothing to do until the waiver expires." in html
    assert Severity.MEDIUM.value in html


def test_waivers_do_not_change_the_score() -> None:
    result = waived_result()
    assert compute_score(result.claims, {f.id: f for f in result.findings}) == result.score
