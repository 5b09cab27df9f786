"""The HTML report in headless Chromium: no script runs, nothing is fetched, hostile text stays text.

Every request the browser makes goes to a local proxy that records it and answers nothing, so
the test sees any network access without traffic ever leaving the machine. Chromium's own
background services (update checks) also knock there; only requests the page could have
caused count, and a control page proves the detector sees those.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from posture.render import Format, render
from tests.unit.fixtures_result import (
    HOSTILE_URL,
    IMG_ONERROR,
    SCRIPT,
    hostile_result,
    mixed_result,
)
from tests.unit.report_samples import sample_history

pytestmark = pytest.mark.integration

CHROMIUM = shutil.which("chromium")
CANARY = "posture-canary.invalid"
BROWSER_HOSTS = ("google.com", "googleapis.com", "gvt1.com", "gstatic.com")


class Proxy:
    """A loopback HTTP proxy that records the first line of every request and drops it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.requests: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    line = conn.recv(512).split(b"\r\n", 1)[0]
                except OSError:
                    line = b"?"
                self.requests.append(line.decode("latin-1"))

    def page_requests(self) -> list[str]:
        """Requests not made by the browser's own background services."""
        return [r for r in self.requests if not any(h in r for h in BROWSER_HOSTS)]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def proxy() -> Iterator[Proxy]:
    if CHROMIUM is None:
        if os.environ.get("CI") or os.environ.get("POSTURE_REQUIRE_LAB"):
            pytest.fail("chromium is required here (Debian package chromium)")
        pytest.skip("chromium not installed")
    server = Proxy()
    yield server
    server.close()


def chromium(page: Path, proxy: Proxy, *extra: str) -> tuple[str, str]:
    """Run headless Chromium on ``page``; return (stdout, stderr)."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
             f"--proxy-server=http://127.0.0.1:{proxy.port}", "--proxy-bypass-list=<-loopback>",
             *extra, page.as_uri()],
            capture_output=True, text=True, timeout=60, check=False)
    return done.stdout, done.stderr


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_detector_sees_page_requests_and_console(tmp_path: Path, proxy: Proxy) -> None:
    page = tmp_path / "control.html"
    page.write_text(f'<img src="http://{CANARY}/x.png"><script>console.error("x")</script>')
    chromium(page, proxy, "--dump-dom")
    assert any(CANARY in r for r in proxy.page_requests())
    _, err = chromium(page, proxy, "--dump-dom")
    assert console_lines(err)


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_hostile_report_is_inert(tmp_path: Path, proxy: Proxy, lang: str) -> None:
    result = hostile_result()
    page = tmp_path / f"report.{lang}.html"
    page.write_bytes(render(result, Format.HTML, lang=lang))
    before = len(proxy.page_requests())
    dom, err = chromium(page, proxy, "--dump-dom")
    assert console_lines(err) == []
    assert proxy.page_requests()[before:] == []
    body = dom.split("<body>", 1)[1]
    assert "<script" not in body.lower() and "<img" not in body.lower()
    assert "javascript:" not in dom.split(HOSTILE_URL, 1)[0].rsplit("<", 1)[-1]
    assert 'href="javascript' not in dom
    # Shown as text: the DOM serialiser escapes it again, exactly once.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body and HOSTILE_URL in body
    assert "\\x07" in body and "\\x01" in body and "\x07" not in body


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_full_report_screenshot(tmp_path: Path, proxy: Proxy, lang: str) -> None:
    page = tmp_path / "report.html"
    page.write_bytes(render(mixed_result(), Format.HTML, lang=lang, history=sample_history()))
    shot = tmp_path / "shot.png"
    before = len(proxy.page_requests())
    _, err = chromium(page, proxy, f"--screenshot={shot}", "--window-size=1000,1600")
    assert console_lines(err) == []
    assert proxy.page_requests()[before:] == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    if os.environ.get("POSTURE_KEEP_SCREENSHOTS"):
        shutil.copy(shot, Path(os.environ["POSTURE_KEEP_SCREENSHOTS"]) / f"report.{lang}.png")
    assert IMG_ONERROR not in err and SCRIPT not in err
