"""The statement importer: splitting, rules, parameters, the skeleton and its ledger.

Runs on a paraphrased Dutch fixture (tests/data) and, when present, on the seed statement in
../shared/seed (read at run time, never copied into the project).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from posture.cli import main
from posture.cli.statement import import_statement
from posture.inventory import load_inventory
from posture.statement.render import render_skeleton
from posture.statement.rules import RulesError, parse_rules
from posture.statement.segment import segment, split_sentences
from posture.statement.source import html_to_text

DATA = Path(__file__).resolve().parents[1] / "data"
FIXTURE = DATA / "statement-nl-paraphrase.txt"
SEED_NAME = "privacy-statement-opticam-nl.txt"


def _find_seed() -> Path:
    """The seed in ``../shared/seed`` beside the repository (or beside a parent of it, for a
    worktree checked out further down); ``POSTURE_SEED_DIR`` overrides."""
    if os.environ.get("POSTURE_SEED_DIR"):
        return Path(os.environ["POSTURE_SEED_DIR"]) / SEED_NAME
    repo = Path(__file__).resolve().parents[2]
    for parent in repo.parents:
        candidate = parent / "shared" / "seed" / SEED_NAME
        if candidate.exists():
            return candidate
    return repo.parent / "shared" / "seed" / SEED_NAME


SEED = _find_seed()
SOURCES = [FIXTURE, SEED]  # always both: a missing seed is reported, never a smaller list


def _present(path: Path) -> Path:
    """``path``, or a skip naming it. A failure where the seed is expected but missing: under
    CI with a ``shared`` folder beside the checkout (or a parent), or POSTURE_SEED_DIR set.
    The seed lives outside the repository, so a clone with no ``shared`` folder anywhere
    above it cannot hold it: that is said as a skip, never a silently smaller list."""
    if not path.exists():
        expected = bool(os.environ.get("POSTURE_SEED_DIR")) or any(
            (parent / "shared").is_dir() for parent in Path(__file__).resolve().parents[3:])
        if expected and (os.environ.get("CI") or os.environ.get("POSTURE_REQUIRE_LAB")):
            pytest.fail(f"the seed statement is required here but missing: {path}")
        pytest.skip(f"the seed statement is not present: {path}")
    return path


def _claims(path: Path) -> dict[str, dict[str, object]]:
    doc = yaml.safe_load(render_skeleton(import_statement(_present(path), "nl")))
    return {c["id"]: c for c in doc["claims"]}


def _filled(text: str) -> str:
    return (text.replace("url: FILL_IN", "url: https://shop.example/")
            .replace("address: FILL_IN", "address: 127.0.0.1").replace("FILL_IN", "shop"))


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_every_sentence_is_mapped_or_explained(path: Path) -> None:
    skeleton = import_statement(_present(path), "nl")
    assert skeleton.ledger and not skeleton.unmatched
    assert all(line.claims or line.reason or line.review for line in skeleton.ledger)
    ids = [line.sentence for line in skeleton.ledger]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_mapped_claim_types_and_parameters(path: Path) -> None:
    claims = _claims(_present(path))
    types = {c["type"] for c in claims.values()}
    assert {"os_version", "apache_version", "password_rotation", "retention",
            "cookies_functional_only", "third_parties_declared", "newsletter_opt_in",
            "no_card_data_stored", "application_version", "attestation", "tls_all_links",
            "test_data_fictitious", "encrypted_admin_channels"} <= types
    assert claims["password-rotation"]["expect"] == {"max_age_days": 90}
    assert claims["retention"]["expect"]["max_age_days"] == 7 * 365
    assert claims["analytics-retention"]["expect"] == {"period_days": 14 * 30}
    declared = claims["third-parties-declared"]["expect"]
    assert {"google-analytics", "mollie", "klarna", "smartsupp"} <= set(declared["declared"])
    assert declared["not_used"] == ["mailchimp"]
    assert claims["os-version"]["source"]["section"].startswith(("8.", "13."))


def test_seed_versions_extracted() -> None:
    claims = _claims(_present(SEED))
    assert claims["os-version"]["expect"] == {"distribution": "ubuntu", "version": "12.04.4"}
    assert claims["apache-version"]["expect"] == {"version": "2.2.22"}
    assert claims["os-version"]["source"]["section"] == "13.6"


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_no_personal_value_in_the_skeleton(path: Path) -> None:
    text = render_skeleton(import_statement(_present(path), "nl"))
    assert "@" not in text.replace("`", "")
    assert not re.search(r"\b0\d{2,3}-\d{6,7}\b", text)
    assert "Jansen" not in text and "Dolder" not in text


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_skeleton_loads_once_targets_are_filled(path: Path, tmp_path: Path) -> None:
    text = render_skeleton(import_statement(_present(path), "nl"))
    (tmp_path / "raw.yml").write_text(text)
    with pytest.raises(Exception, match="FILL_IN"):
        load_inventory(tmp_path / "raw.yml")
    (tmp_path / "inv.yml").write_text(_filled(text))
    inventory = load_inventory(tmp_path / "inv.yml")
    assert len(inventory.ledger) == len(import_statement(_present(path), "nl").ledger)
    assert all(c.source for c in inventory.claims)


def test_ledger_must_name_existing_claims(tmp_path: Path) -> None:
    text = _filled(render_skeleton(import_statement(FIXTURE, "nl")))
    (tmp_path / "inv.yml").write_text(text.replace("claims: [retention]", "claims: [retentoin]"))
    with pytest.raises(Exception, match="did you mean 'retention'"):
        load_inventory(tmp_path / "inv.yml")


def test_sections_and_sentences() -> None:
    text = "Intro line.\n\n1. First\n\nOne. Two b.v. three.\n\n2. Second\n\n1. Sub\n\nSub text.\n"
    got = [(s.section, s.heading, s.text) for s in segment(text)]
    assert got == [("0", "", "Intro line."), ("1", "First", "One."),
                   ("1", "First", "Two b.v. three."), ("2.1", "Sub", "Sub text.")]
    assert split_sentences("Version 2.2.22 runs. Next one") == ["Version 2.2.22 runs.", "Next one"]


def test_html_input_hides_scripts() -> None:
    text = html_to_text("<html><script>var secret=1;</script><h2>1. Title</h2><p>Body "
                        "text.</p><ul><li>Item</li></ul></html>")
    assert "secret" not in text and "Body text." in text and "\u2022 Item" in text


def test_bad_rules_are_reported() -> None:
    with pytest.raises(RulesError):
        parse_rules("rules: [{id: x, match: ['(']}]")
    with pytest.raises(RulesError, match="exactly one"):
        parse_rules("rules: [{id: x, match: [a]}]")


def test_cli_import_writes_private_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "skel.yml"
    assert main(["statement", "import", str(FIXTURE), "--lang", "nl", "-o", str(out)]) == 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert "0 unmatched" in capsys.readouterr().err
    assert main(["statement", "import", str(tmp_path / "none.txt"), "--lang", "nl"]) == 3


def test_ledger_keeps_sentences_but_no_addresses_or_private_ones() -> None:
    from posture.statement.rules import Match
    from posture.statement.segment import Sentence
    from posture.statement.skeleton import quoted

    skeleton = import_statement(FIXTURE, "nl")
    texts = [line.text for line in skeleton.ledger if line.text]
    assert any("ISO 27001" in t for t in texts) and len(texts) < len(skeleton.ledger)
    assert not any("@" in t or "020-1234567" in t for t in texts)
    sentence = Sentence("S1", "1", "", "Mail jan@shop.example of bel +31 20 123 4567, zie "
                        "https://shop.example/x of www.shop.example; Debian 12.")
    assert quoted(sentence, Match((), None)) == "Mail … of bel …, zie … of … Debian 12."
