"""The owner's part of the HTML report, on the recorded demo scans: Dutch throughout, the three
biggest score gains first, cards worst first with titles in words, attested apart, and the
statement sentence by sentence."""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from report_text import own_text

from posture.inventory import load_inventory
from posture.judge.evaluate import evaluate
from posture.judge.score import claim_verdict, compute_score
from posture.models import ClaimResult, Finding, ScanResult, Severity, Status, Verdict
from posture.render import Format, render
from posture.render.owner import VERDICT_ORDER
from posture.store import factsfile

ROOT = Path(__file__).parents[2]
DATA = ROOT / "tests" / "data"
PO = ROOT / "reports/locale/nl/LC_MESSAGES/posture.po"
DEMOS = ("demo-facts-before.json", "demo-facts-after.json")
# Words that are English and never Dutch; any of them in the report's own text is English.
ENGLISH = re.compile(r"\b(the|which|could|with|and|have|has|are|been|this|from|not|were|"
                     r"should|only|your|every|been|found|promise[sd]?)\b", re.I)


@cache
def demo(name: str) -> ScanResult:
    inventory = load_inventory(ROOT / "inventory" / "demo.yml")
    return evaluate(inventory, factsfile.load(DATA / name))


@cache
def english_fragments() -> tuple[str, ...]:
    """Literal runs of three or more words of every catalog message that Dutch changes."""
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="nl")
    found = set()
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for text in ids:
            if text in strings:
                continue
            for piece in re.split(r"\{[^}]*\}|%\([a-z_]+\)s", text):
                piece = " ".join(piece.split())
                if len(piece.split()) >= 3:
                    found.add(piece)
    return tuple(sorted(found))


def english_in(html: str) -> list[str]:
    """Chunks of the report's own text that are English (by catalog or by word)."""
    text = own_text(html)
    joined = " ".join(text)
    hits = [f for f in english_fragments() if f in joined]
    hits += [c for c in text if ENGLISH.search(c)]
    return hits


@pytest.mark.parametrize("facts", DEMOS)
def test_dutch_demo_report_has_no_english_sentence(facts: str) -> None:
    result = demo(facts)
    nl = render(result, Format.HTML, lang="nl").decode("utf-8")
    assert 'class="untranslated"' not in nl
    assert english_in(nl) == []
    # The detector sees English: the English report of the same scan is full of it.
    en = render(result, Format.HTML, lang="en").decode("utf-8")
    assert len(english_in(en)) > 50
    # Target data stays verbatim inside the Dutch sentences.
    assert '<span class="tgt">pstlegacy</span>' in nl


def _gain(result: ScanResult, check: str) -> float:
    """Score gain when every unmet finding of ``check`` passes, straight from compute_score."""
    findings = {f.id: (dataclasses.replace(f, status=Status.PASS)
                       if f.check == check and f.status is not Status.NOT_APPLICABLE else f)
                for f in result.findings}
    claims = [dataclasses.replace(c, verdict=claim_verdict([findings[i].status
                                                            for i in c.findings]))
              for c in result.claims]
    return compute_score(claims, findings).value - result.score.value


@pytest.mark.parametrize("facts", DEMOS)
def test_first_three_actions_are_the_three_biggest_gains(facts: str) -> None:
    result = demo(facts)
    html = render(result, Format.HTML, lang="nl").decode("utf-8")
    shown = re.findall(r'data-check="([^"]+)" data-gain="([^"]+)"', html)
    assert len(shown) == 3
    gains = sorted((round(_gain(result, c), 1) for c in {f.check for f in result.findings}),
                   reverse=True)
    assert [float(g) for _, g in shown] == gains[:3]
    assert all(round(_gain(result, c), 1) == float(g) for c, g in shown)
    assert gains[0] > 0
    # Each says who acts, in words.
    section = html.split('<ol class="actions">', 1)[1].split("</ol>", 1)[0]
    assert section.count('class="who who-') == 3
    assert any(w in section for w in ("Hostingbedrijf", "Webontwikkelaar", "Winkeleigenaar"))


@pytest.mark.parametrize("facts", DEMOS)
def test_cards_worst_first_titled_in_words(facts: str) -> None:
    html = render(demo(facts), Format.HTML, lang="nl").decode("utf-8")
    verdicts = re.findall(r'<article class="card claim verdict-([a-z_]+)', html)
    assert len(verdicts) == 13
    assert [VERDICT_ORDER[v] for v in verdicts] == sorted(VERDICT_ORDER[v] for v in verdicts)
    assert verdicts[0] == "contradicted"
    assert '<span class="claim-title">Alle verbindingen versleuteld</span>' in html
    assert '<span class="claim-id mono">tls-all-links</span>' in html


def _attested() -> ScanResult:
    evidence = Finding("attestation.evidence", "iso", Status.PASS, Severity.MEDIUM,
                       "The document is unchanged.")
    other = Finding("ssh.root_login", "web1", Status.PASS, Severity.HIGH, "ok")
    result = demo(DEMOS[1])
    claims = (ClaimResult("iso", "attestation", "ISO 27001.", Verdict.VERIFIED,
                          (evidence.id,), Severity.MEDIUM),
              ClaimResult("ssh", "encrypted_admin_channels", "SFTP only.", Verdict.VERIFIED,
                          (other.id,), Severity.HIGH))
    return dataclasses.replace(result, claims=claims, findings=(evidence, other), ledger=())


def test_attested_is_not_verified() -> None:
    html = render(_attested(), Format.HTML).decode("utf-8")
    assert '<span class="badge verdict-attested">1 attested</span>' in html
    assert '<span class="badge verdict-verified">1 verified</span>' in html
    assert html.count('<article class="card claim verdict-attested') == 1
    assert "posture did not observe this itself" in html
    nl = render(_attested(), Format.HTML, lang="nl").decode("utf-8")
    assert "1 aangetoond door de organisatie" in nl


def test_sentence_table_quotes_the_statement_and_links_the_cards() -> None:
    html = render(demo(DEMOS[1]), Format.HTML, lang="nl").decode("utf-8")
    table = html.split('<table class="sentences">', 1)[1].split("</table>", 1)[0]
    assert "Server passwords are changed every three months." in table
    anchors = set(re.findall(r'id="(c-\d+)"', html))
    links = re.findall(r'href="#(c-\d+)"', table)
    assert len(links) >= 12 and set(links) <= anchors
    # The card quotes the statement's own sentence where the ledger keeps it.
    assert ('<q lang="en" class="inv">Our servers are housed in an ISO 27001 certified data '
            'centre.</q>') in html


def test_sentence_text_is_bounded_and_escaped() -> None:
    result = demo(DEMOS[1])
    row = dataclasses.replace(result.ledger[0], text="<script>x</script>" + "a" * 5000)
    html = render(dataclasses.replace(result, ledger=(row,)), Format.HTML).decode("utf-8")
    assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "a" * 401 not in html


def test_console_says_attested_too() -> None:
    from posture.render.console import render_console

    out = render_console(_attested(), color=False, width=100)
    assert "ATTESTED" in out and out.count("VERIFIED") == 1
