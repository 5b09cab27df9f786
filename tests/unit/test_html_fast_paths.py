"""The HTML report's shortcuts give what the plain path gives: escaping, memos, rescoring.

Each shortcut is held against the slow path it replaces, on values chosen to collide if the
shortcut keyed on too little (equal English text, equal printed value of another type).
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import re
from typing import Any

import pytest
from fixtures_result import HOSTILE, mixed_result, waived_result
from markupsafe import Markup
from markupsafe import escape as markup_escape
from test_report_golden import sourced_result

from posture.judge.score import claim_verdict, compute_score
from posture.models import Finding, ScanResult, Severity, Status, msg
from posture.render import messages
from posture.render.evidence import data_rows, evidence_rows
from posture.render.htmlcards import escape, finding_cards
from posture.render.messages import MessageMemo, message_html
from posture.render.owner import score_with

TRICKY = ["", "plain", "a&b", "<b>", '"q"', "'s'", HOSTILE, "é ✓ 😀", "\x00\ud800", "&amp;",
          "x" * 5000, " ".join(["<", ">"] * 100)]


@pytest.mark.parametrize("text", TRICKY)
def test_escape_is_markupsafes(text: str) -> None:
    assert escape(text) == str(markup_escape(text))


def test_escape_leaves_markup_alone_as_markupsafe_does() -> None:
    already = Markup("<b>bold</b>")
    assert escape(already) == str(markup_escape(already)) == "<b>bold</b>"


class _Text(str):
    """A string subclass: takes markupsafe's own path."""


def test_escape_of_a_string_subclass() -> None:
    assert escape(_Text("<i>")) == "&lt;i&gt;"


def _lookalikes() -> list[str]:
    """Messages and strings whose English text is equal where their HTML may differ."""
    inner = msg("fact was not gathered")
    return [
        msg("sshd says {value}", value=True), msg("sshd says {value}", value="True"),
        msg("sshd says {value}", value=5), msg("sshd says {value}", value="5"),
        msg("sshd says {value}", value=None), msg("sshd says {value}", value="None"),
        msg("sshd says {value}", value=["a", "b"]), msg("sshd says {value}", value="a, b"),
        msg("sshd says {value}", value={"b", "a"}),
        msg("sshd says {value}", value=inner), msg("sshd says {value}", value=str(inner)),
        msg("{n} account", "{n} accounts", n=1), msg("{n} account", "{n} accounts", n=2),
        msg("sshd says {value}", value=HOSTILE), "sshd says True", "fact was not gathered",
        inner, HOSTILE, "",
    ]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_message_memo_renders_each_message_as_message_html(lang: str) -> None:
    memo = MessageMemo(lang)
    values = _lookalikes()
    for value in values + values[::-1]:  # seen before and not
        assert memo.html(value) == message_html(value, lang)
        assert memo.html(value, 7) == message_html(value, lang, 7)


def _labels() -> dict[str, Any]:
    words = ("target", "severity", "claims", "waiver", "evidence", "facts_used", "with_sudo",
             "command", "remediation")
    states = [s.value for s in Status]
    return {"labels": {w: Markup(w.upper()) for w in words},
            "status": {s: Markup(s) for s in states},
            "severity": {s.value: Markup(s.value) for s in Severity},
            "facts": {"ok": Markup("OK")},
            "waiver_note": lambda w: Markup("W:") + w["reason"],
            "more_values": lambda n: Markup(f"{n} more")}


def _cards(findings: list[Finding], lang: str = "en") -> list[str]:
    anchors = {f.id: f"f-{n}" for n, f in enumerate(findings)}
    owners = {f.id: ["c1"] for f in findings}
    write = finding_cards(findings, anchors, {}, MessageMemo(lang), owners, {"c1": "c-1"})
    labels = _labels()
    return [str(card) for card in write(labels["labels"], labels["status"], labels["severity"],
                                         labels["facts"], labels["waiver_note"],
                                         labels["more_values"])]


EVIDENCE: list[dict[str, Any]] = [
    {"a": 1}, {"a": "1"}, {"a": 1.0}, {"a": True}, {"a": None}, {"a": "None"}, {"a": "–"},
    {"a": float("nan")}, {"a": "nan"}, {"a": [1, 2]}, {"a": "1, 2"}, {"a": (1, 2)},
    {"a": {"b": 1}}, {"a.b": 1}, {"a": {}}, {"a": []}, {1: "x"}, {"1": "x"},
    {f"k{n}": n for n in range(45)}, {"a": HOSTILE}, {HOSTILE: "a"}, {},
]


def test_evidence_tables_are_never_shared_between_different_values() -> None:
    findings = [Finding("c.x", f"h{n}", Status.FAIL, Severity.HIGH, "s", evidence=e)
                for n, e in enumerate(EVIDENCE)]
    together = _cards(findings + findings[::-1])
    alone = [_cards([f])[0] for f in findings]
    for n, card in enumerate(together):
        assert _unanchored(card) == _unanchored(alone[n if n < len(findings) else 2 * len(findings) - 1 - n])


def _unanchored(card: str) -> str:
    return re.sub(r'id="f-[0-9]+"', 'id=""', card)


def test_fact_sources_shared_only_when_equal() -> None:
    result = sourced_result()
    findings = list(result.findings)
    cards = _cards(findings + findings, "nl")
    half = len(findings)
    assert [_unanchored(c) for c in cards[:half]] == [_unanchored(c) for c in cards[half:]]
    assert [_unanchored(c) for c in cards[:half]] == [_unanchored(_cards([f], "nl")[0])
                                                      for f in findings]
    assert "(WITH_SUDO)" in cards[0] and "sudo: a password is required" in cards[0]


def _reference_score_with(result: ScanResult, passing: set[str]) -> float:
    """The plain computation: every finding replaced, every claim judged again."""
    findings = {f.id: (dataclasses.replace(f, status=Status.PASS) if f.id in passing else f)
                for f in result.findings}
    claims = [dataclasses.replace(c, verdict=claim_verdict(
        [findings[i].status if i in findings else Status.ERROR for i in c.findings]))
        for c in result.claims]
    return compute_score(claims, findings).value


@pytest.mark.parametrize("make", [mixed_result, waived_result, sourced_result])
def test_rescoring_equals_the_plain_computation(make: Any) -> None:
    result = make()
    ids = [f.id for f in result.findings] + ["no-such@finding"]
    subsets = [set(c) for r in range(len(ids) + 1) for c in itertools.combinations(ids, r)]
    rng = random.Random(7)
    for passing in [*rng.sample(subsets, min(len(subsets), 60)), set(), set(ids)]:
        assert score_with(result, passing) == _reference_score_with(result, passing)


@pytest.mark.parametrize("evidence", [
    {"a": (1, 2)}, {"a": ({"b": 1}, 2)}, {"a": [({"b": (3,)},)]}, {"t": ()}, {"k": ((1,),)},
    *EVIDENCE[:16],
])
def test_plain_evidence_read_as_is_gives_the_rows_of_its_json_form(evidence: dict[str, Any]
                                                                   ) -> None:
    assert data_rows(evidence) == evidence_rows(evidence)  # evidence_rows: to_jsonable first


def test_message_memo_stops_growing_at_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(messages, "MEMO_KEPT", 3)
    memo = MessageMemo("en")
    values = [msg("host {name}", name=f"h{n}") for n in range(10)]
    assert [memo.html(v) for v in values] == [message_html(v, "en") for v in values]
    assert len(memo._known) == 3
