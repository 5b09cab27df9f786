"""The statement ledger: verdicts per sentence, JSON round trip, the HTML section."""

from __future__ import annotations

import json
from dataclasses import replace

from fixtures_result import mixed_result

from posture.inventory.model import LedgerEntry
from posture.judge.ledger import judge_ledger, ledger_counts
from posture.models import ClaimResult, LedgerVerdict, Verdict
from posture.render.html import render_html
from posture.render.json_report import render_json
from posture.store.results import result_from_json

CLAIMS = [ClaimResult("os", "os_version", "x", Verdict.VERIFIED, ()),
          ClaimResult("dc", "attestation", "x", Verdict.VERIFIED, ()),
          ClaimResult("pw", "password_rotation", "x", Verdict.CONTRADICTED, ()),
          ClaimResult("tls", "tls_all_links", "x", Verdict.INCONCLUSIVE, (), reason="timeout")]
ENTRIES = [LedgerEntry("S001", "1", ("os",)), LedgerEntry("S002", "2", ("dc",)),
           LedgerEntry("S003", "3", ("os", "pw")), LedgerEntry("S004", "4", ("tls",)),
           LedgerEntry("S005", "5", (), "advice to the reader", "You can"),
           LedgerEntry("S006", "6", ("gone",))]


def test_verdict_per_sentence() -> None:
    rows = judge_ledger(ENTRIES, CLAIMS)
    assert [r.verdict for r in rows] == [
        LedgerVerdict.VERIFIED, LedgerVerdict.ATTESTED, LedgerVerdict.CONTRADICTED,
        LedgerVerdict.INCONCLUSIVE, LedgerVerdict.NOT_VERIFIABLE_REMOTELY,
        LedgerVerdict.INCONCLUSIVE]
    assert rows[3].reason == "timeout" and "not judged" in rows[5].reason
    assert ledger_counts(rows)["inconclusive"] == 2


def test_json_and_html_carry_the_ledger() -> None:
    result = replace(mixed_result(), ledger=judge_ledger(ENTRIES, CLAIMS))
    data = json.loads(render_json(result))
    assert [r["verdict"] for r in data["ledger"]][:2] == ["verified", "attested"]
    assert result_from_json(data).ledger == result.ledger
    page = render_html(result).decode()
    assert "S005" in page and "advice to the reader" in page and "attested" in page
