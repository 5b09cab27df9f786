"""The importer on the statement corpus (tests/data/statements): floors, negation, review.

The corpus holds 20 statements written for this purpose, each with an answer key written
before the importer ran on it; a quarter is held out of rule work. scripts/statement_bench.py
prints the figures per file; these tests keep them above a floor.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from posture.cli.statement import import_statement
from posture.inventory import load_inventory
from posture.statement.parties import slug
from posture.statement.render import render_skeleton
from posture.statement.review import security_words
from posture.statement.rules import builtin_rules

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "statements"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("statement_bench",
                                                  ROOT / "scripts" / "statement_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["statement_bench"] = module
    spec.loader.exec_module(module)
    return module


BENCH = _bench()
ENTRIES: list[dict[str, Any]] = BENCH.entries()


def test_corpus_shape() -> None:
    langs = [e["lang"] for e in ENTRIES]
    assert len(ENTRIES) >= 20 and langs.count("nl") >= 10 and langs.count("en") >= 10
    assert sum(bool(e.get("heldout")) for e in ENTRIES) * 4 >= len(ENTRIES)
    for entry in ENTRIES:
        assert (CORPUS / entry["file"]).with_suffix(".yml").exists(), entry["file"]


@pytest.mark.parametrize("part, recall, precision",
                         [("heldout", 0.9, 0.95), ("tuning", 0.9, 0.95), ("all", 0.9, 0.95)])
def test_recall_and_precision_floor(part: str, recall: float, precision: float) -> None:
    score = BENCH.total(BENCH.score_file(e) for e in BENCH.entries(part))
    assert score.expected > 50
    assert score.recall >= recall, f"{part}: recall {score.recall:.3f}"
    assert score.precision >= precision, f"{part}: precision {score.precision:.3f}"


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_negated_parties_are_never_declared(entry: dict[str, Any]) -> None:
    key = yaml.safe_load((CORPUS / entry["file"]).with_suffix(".yml").read_text())
    not_used = {slug(str(p)) for promise in key["promises"] for p in promise.get("not_used", [])}
    skeleton = import_statement(CORPUS / entry["file"], entry["lang"])
    declared = {slug(str(p)) for c in skeleton.claims for p in c.expect.get("declared", [])}
    assert not declared & not_used


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_security_sentences_are_never_dismissed_without_review(entry: dict[str, Any]) -> None:
    """A sentence that speaks of security and gave no claim is for review, unless a rule that
    is sure of its reason (contact details, a third party's own practice, an option on
    request...) explains it."""
    skeleton = import_statement(CORPUS / entry["file"], entry["lang"])
    sure = {r.id for r in builtin_rules(entry["lang"]) if r.sure}
    for line in skeleton.ledger:
        if line.claims or line.review or not line.text:
            continue
        if security_words(line.text, entry["lang"]):
            assert line.rule in sure, f"{line.sentence}: {line.text} ({line.rule})"


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_language_is_recognised(entry: dict[str, Any]) -> None:
    other = "en" if entry["lang"] == "nl" else "nl"
    assert not import_statement(CORPUS / entry["file"], entry["lang"]).warnings
    warnings = import_statement(CORPUS / entry["file"], other).warnings
    assert warnings and f"--lang {entry['lang']}" in warnings[0]


def test_navigation_and_footer_are_not_sentences() -> None:
    skeleton = import_statement(CORPUS / "nl-02-fietsonderdelen.html", "nl")
    texts = " ".join(line.text for line in skeleton.ledger)
    assert "Winkelwagen" not in texts and "Gratis verzending" not in texts
    assert "KvK 12345678" not in texts and "Alle prijzen" not in texts
    assert "inzage, correctie en verwijdering" in texts


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_corpus_skeletons_load_once_filled(entry: dict[str, Any], tmp_path: Path) -> None:
    skeleton = import_statement(CORPUS / entry["file"], entry["lang"])
    text = render_skeleton(skeleton)
    filled = (text.replace("url: FILL_IN", "url: https://shop.example/")
              .replace("address: FILL_IN", "address: 127.0.0.1").replace("FILL_IN", "shop"))
    (tmp_path / "inv.yml").write_text(filled, encoding="utf-8")
    inventory = load_inventory(tmp_path / "inv.yml")
    assert len(inventory.ledger) == len(skeleton.ledger)
    assert sum(bool(e.needs_review) for e in inventory.ledger) == len(skeleton.needs_review)
    assert all(e.text or not e.starts for e in inventory.ledger)
