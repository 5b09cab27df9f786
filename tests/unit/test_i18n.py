"""The Dutch catalog covers every message of the report templates; the report uses it."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fixtures_result import mixed_result

from posture.render import Format, render

REPORTS = Path(__file__).parents[2] / "reports"


def _template_messages() -> set[str]:
    method_map = [("**/templates/**.j2", "jinja2")]
    options = {"**/templates/**.j2": {"extensions": "jinja2.ext.i18n", "trim_blocks": "True",
                                      "lstrip_blocks": "True"}}
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(REPORTS), method_map, options):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_dutch_catalog_is_complete() -> None:
    with (REPORTS / "locale/nl/LC_MESSAGES/posture.po").open("rb") as handle:
        catalog = read_po(handle, locale="nl")
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog
                  if m.id and m.string and all(m.string) and not m.fuzzy}
    messages = _template_messages()
    assert len(messages) > 100
    assert sorted(messages - translated) == []


def test_dutch_report_is_dutch() -> None:
    html = render(mixed_result(), Format.HTML, lang="nl").decode("utf-8")
    assert '<html lang="nl">' in html
    for word in ("Rapport beveiligingsstatus", "weerlegd", "Uw beloften, gecontroleerd",
                 "Bijlage: hoe de score wordt berekend", "Eerst herstellen"):
        assert word in html
    assert "Your promises, checked" not in html
