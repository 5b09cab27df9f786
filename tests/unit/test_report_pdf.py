"""``--format pdf``: report.pdf and report.nl.pdf from the same HTML, fonts embedded, nothing
fetched while rendering, no English sentence in the Dutch PDF's text.

WeasyPrint lays out about a page a second, so the demo is rendered once per module.
"""

from __future__ import annotations

import re
import zlib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from test_report_owner import DEMOS, demo, english_fragments

from posture.cli import main
from posture.render.html import render_html
from posture.render.pdf import FetchRefused, pdf_available, refusing_fetcher
from tests.conftest import require_lab_part


@pytest.fixture(autouse=True)
def _pdf_tools() -> None:
    require_lab_part(pdf_available())


ROOT = Path(__file__).parents[2]


@cache
def dutch_demo() -> tuple[Any, list[str]]:
    """The laid-out Dutch demo report and what it asked the fetcher for."""
    from weasyprint import HTML

    fetcher = refusing_fetcher()
    page = render_html(demo(DEMOS[0]), lang="nl").decode("utf-8")
    return HTML(string=page, url_fetcher=fetcher, base_url=None).render(), fetcher.asked


def _streams(pdf: bytes) -> bytes:
    """Every stream of the PDF, inflated when Flate-compressed, joined."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            out.append(match.group(1))
    return b"\n".join(out)


def test_fetcher_refuses_and_stops_the_rendering() -> None:
    from weasyprint import HTML

    for page in ('<link rel="stylesheet" href="http://127.0.0.1:9/x.css"><p>x</p>',
                 '<img src="file:///etc/hostname">', '<img src="data:image/png;base64,AA==">'):
        fetcher = refusing_fetcher()
        with pytest.raises(BaseException) as caught:  # FatalURLFetchingError is no Exception
            HTML(string=page, url_fetcher=fetcher, base_url=None).write_pdf()
        assert isinstance(caught.value.__cause__, FetchRefused)
        assert len(fetcher.asked) == 1


def test_the_report_asks_for_nothing() -> None:
    document, asked = dutch_demo()
    assert asked == []
    assert len(document.pages) > 3


def test_dutch_pdf_text_has_no_english_sentence() -> None:
    document, _ = dutch_demo()
    text = " ".join(" ".join(_texts(p._page_box)) for p in document.pages)
    text = " ".join(text.split())
    assert "Niet elke belofte klopt" in text and "Alle verbindingen versleuteld" in text
    assert [f for f in english_fragments() if f in text] == []


def test_fonts_are_embedded() -> None:
    document, _ = dutch_demo()
    pdf = document.copy(document.pages[:1]).write_pdf()
    assert pdf.startswith(b"%PDF-")
    everything = pdf + _streams(pdf)
    assert b"/FontFile" in everything
    assert b"https://" not in everything and b"http://" not in everything


def test_cli_writes_report_pdf_and_report_nl_pdf(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = main(["evaluate", "--facts", str(ROOT / "tests/data" / DEMOS[1]), "-i",
                 str(ROOT / "inventory/demo.yml"), "-o", str(out), "--format", "pdf",
                 "--lang", "en,nl", "-q", "--no-history", "--only", "os-version"])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["report.nl.pdf", "report.pdf"]
    for path in out.iterdir():
        assert path.read_bytes().startswith(b"%PDF-") and path.stat().st_mode & 0o077 == 0


def _texts(box: Any) -> list[str]:
    """The laid-out text of a box tree, without target data and quotations."""
    element = getattr(box, "element", None)
    classes = set(((element.get("class") or "") if element is not None else "").split())
    if classes & {"tgt", "inv", "mono"}:
        return []
    found = [box.text] if getattr(box, "text", None) else []
    for child in getattr(box, "children", None) or []:
        found.extend(_texts(child))
    return found


def test_owner_part_of_the_pdf_is_at_most_three_pages() -> None:
    """The sentence table starts on a new page right after the owner's part."""
    document, _ = dutch_demo()
    first = next(n for n, page in enumerate(document.pages, start=1)
                 if "De verklaring, zin voor zin" in " ".join(_texts(page._page_box)))
    assert 2 <= first <= 4  # pages 1..first-1 hold the owner's part
