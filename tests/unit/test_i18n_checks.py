"""Check titles and remediations are translated in the Dutch HTML report, and only there."""

from __future__ import annotations

import dataclasses
import importlib
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from fixtures_result import claim, finding, mixed_result
from markupsafe import escape

from checks import CATALOGUE, by_id
from posture.models import ScanResult, Status
from posture.render import Format, render
from posture.render.i18n import catalog_text

ROOT = Path(__file__).parents[2]
PO = ROOT / "reports/locale/nl/LC_MESSAGES/posture.po"
CHECK = "ssh.password_authentication"


def _dutch() -> dict[str, str]:
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="nl")
    return {m.id: m.string for m in catalog
            if isinstance(m.id, str) and m.id and isinstance(m.string, str) and not m.fuzzy}


def test_every_check_title_and_remediation_has_a_dutch_translation() -> None:
    dutch = _dutch()
    texts = {t for c in CATALOGUE for t in (c.meta.title, c.meta.remediation)}
    missing = sorted(t for t in texts if not dutch.get(t, "").strip())
    assert missing == []
    titles = [c.meta.title for c in CATALOGUE]
    assert [t for t in titles if dutch[t] == t] == [], "copied, not translated"


def test_pot_lists_the_check_catalogue() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        built = importlib.import_module("extract_messages").build_catalog()
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    assert all(c.meta.remediation in built and c.meta.title in built for c in CATALOGUE)
    with (ROOT / "reports/locale/posture.pot").open("rb") as handle:
        stored = {m.id for m in read_po(handle) if m.id}
    assert stored == {m.id for m in built if m.id}, "run scripts/extract_messages.py"


def _sample() -> tuple[ScanResult, str, str]:
    meta = by_id(CHECK).meta
    failing = dataclasses.replace(
        finding(CHECK, "web1", Status.FAIL, summary="PasswordAuthentication yes on web1"),
        title=meta.title, remediation=meta.remediation)
    result = dataclasses.replace(mixed_result(), findings=(failing,),
                                 claims=(claim("admin-ssh", [failing]),))
    return result, meta.title, meta.remediation


def test_dutch_report_shows_dutch_check_text() -> None:
    result, title, remediation = _sample()
    nl = render(result, Format.HTML, lang="nl").decode("utf-8")
    en = render(result, Format.HTML, lang="en").decode("utf-8")
    for text in (title, remediation):
        assert str(escape(catalog_text("nl", text))) in nl
        assert str(escape(text)) not in nl
        assert str(escape(text)) in en
    # The "what to do first" of the claim is the remediation too, shown once per place.
    assert nl.count(str(escape(catalog_text("nl", remediation)))) >= 2
    assert "PasswordAuthentication yes on web1" in nl, "summaries stay as the target said"


def test_unknown_and_empty_text_pass_through() -> None:
    assert catalog_text("nl", "") == ""
    assert catalog_text("nl", "Fix nothing.") == "Fix nothing."
    assert catalog_text("en", by_id(CHECK).meta.title) == by_id(CHECK).meta.title
