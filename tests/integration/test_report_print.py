"""The report printed and on a phone, in headless Chromium: the owner's part of the demo scans
prints on at most three A4 pages, and nothing is wider than a 390 px screen.

Pages are counted in the PDF Chromium prints of the owner's part (the report up to the
marker that ends it; the rest starts on a new page by CSS). The phone check loads the report
into a 390 px wide frame of a probe page whose script (the report itself has none and allows
none) measures every element. Both detectors are shown to fire on a control page.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from posture.inventory import load_inventory
from posture.judge.evaluate import evaluate
from posture.models import ScanResult
from posture.render import Format, render
from posture.store import factsfile
from tests.integration.test_report_browser import Proxy, chromium, console_lines
from tests.unit.fixtures_result import hostile_result, mixed_result

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
OWNER_END = "<!-- end of the owner's part -->"
PHONE = 390
PROBE = """<!DOCTYPE html><html><body style="margin:0;background:#888">
<iframe id="f" style="border:0;width:{width}px;height:844px;background:#fff" srcdoc="{page}">
</iframe>
<script>
window.addEventListener('load', () => {{
  const doc = document.getElementById('f').contentDocument;
  const width = doc.documentElement.clientWidth;
  const wide = [];
  for (const el of doc.body.querySelectorAll('*')) {{
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > width + 0.5 || r.left < -0.5)) {{
      wide.push(el.tagName + '.' + el.className + ' ' + Math.round(r.left) + '..' +
                Math.round(r.right));
    }}
  }}
  document.body.setAttribute('data-overflow', JSON.stringify(
    {{width: width, scroll: doc.documentElement.scrollWidth, wide: wide.slice(0, 20)}}));
}});
</script></body></html>"""


@pytest.fixture(scope="module")
def proxy() -> Iterator[Proxy]:
    if shutil.which("chromium") is None:
        if os.environ.get("CI") or os.environ.get("POSTURE_REQUIRE_LAB"):
            pytest.fail("chromium is required here (Debian package chromium)")
        pytest.skip("chromium not installed")
    server = Proxy()
    yield server
    server.close()


@cache
def demo(name: str) -> ScanResult:
    inventory = load_inventory(ROOT / "inventory" / "demo.yml")
    return evaluate(inventory, factsfile.load(ROOT / "tests" / "data" / name))


def pdf_pages(page: Path, proxy: Proxy) -> int:
    """Pages of the PDF Chromium prints of ``page`` (A4, the report's own @page rule)."""
    pdf = page.with_suffix(".pdf")
    chromium(page, proxy, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    return len(re.findall(rb"/Type\s*/Page[^s]", data))


def overflow(page_html: str, tmp: Path, proxy: Proxy, width: int = PHONE) -> dict[str, object]:
    """Layout width and the elements sticking out of a ``width`` px frame."""
    probe = tmp / "probe.html"
    probe.write_text(PROBE.format(width=width, page=html.escape(page_html, quote=True)))
    dom, _ = chromium(probe, proxy, "--dump-dom", "--window-size=800,900")
    found = re.search(r'data-overflow="([^"]*)"', dom)
    assert found, "the probe did not run"
    result: dict[str, object] = json.loads(html.unescape(found.group(1)))
    return result


def test_detectors_fire(tmp_path: Path, proxy: Proxy) -> None:
    long = "<p>" + "<br>".join(["x"] * 400) + "</p>"  # many short lines: several pages
    page = tmp_path / "long.html"
    page.write_text(f"<!DOCTYPE html><html><body>{long}</body></html>")
    assert pdf_pages(page, proxy) > 3
    wide = '<div style="width:600px">wide</div>'
    seen = overflow(f"<!DOCTYPE html><html><body>{wide}</body></html>", tmp_path, proxy)
    assert seen["wide"], seen


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("facts", ["demo-facts-before.json", "demo-facts-after.json"])
def test_owner_part_prints_on_three_pages(tmp_path: Path, proxy: Proxy, facts: str,
                                          lang: str) -> None:
    report = render(demo(facts), Format.HTML, lang=lang).decode("utf-8")
    assert report.count(OWNER_END) == 1
    owner = report.split(OWNER_END, 1)[0] + "</main></body></html>"
    page = tmp_path / "owner.html"
    page.write_text(owner)
    assert pdf_pages(page, proxy) <= 3
    # The whole report prints too; the administrator's part starts on a page of its own.
    full = tmp_path / "report.html"
    full.write_text(report)
    assert pdf_pages(full, proxy) > 3


@pytest.mark.parametrize("make", [lambda: demo("demo-facts-before.json"), mixed_result,
                                  hostile_result], ids=["demo", "mixed", "hostile"])
@pytest.mark.parametrize("lang", ["en", "nl"])
def test_nothing_wider_than_a_phone(tmp_path: Path, proxy: Proxy, make: object,
                                    lang: str) -> None:
    result = make()  # type: ignore[operator]
    page = render(result, Format.HTML, lang=lang).decode("utf-8")
    seen = overflow(page, tmp_path, proxy)
    assert isinstance(seen["width"], int) and 300 < seen["width"] <= PHONE
    assert seen["wide"] == [] and seen["scroll"] == seen["width"], seen


def test_screenshots(tmp_path: Path, proxy: Proxy) -> None:
    """Page one in both languages and the phone view; kept with POSTURE_KEEP_SCREENSHOTS."""
    keep = os.environ.get("POSTURE_KEEP_SCREENSHOTS")
    shots = {}
    for lang in ("en", "nl"):
        page = tmp_path / f"report.{lang}.html"
        page.write_bytes(render(demo("demo-facts-before.json"), Format.HTML, lang=lang))
        shot = tmp_path / f"report-page-one.{lang}.png"
        _, err = chromium(page, proxy, f"--screenshot={shot}", "--window-size=900,1270",
                          "--hide-scrollbars")
        assert console_lines(err) == []
        shots[shot.name] = shot
    phone_page = render(demo("demo-facts-before.json"), Format.HTML, lang="nl").decode()
    probe = tmp_path / "phone.html"
    probe.write_text(PROBE.format(width=PHONE, page=html.escape(phone_page, quote=True)))
    shot = tmp_path / "report-phone.nl.png"
    chromium(probe, proxy, f"--screenshot={shot}", "--window-size=390,844", "--hide-scrollbars")
    shots[shot.name] = shot
    for name, path in shots.items():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
        if keep:
            shutil.copy(path, Path(keep) / name)
