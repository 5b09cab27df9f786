"""Read a statement file (plain text or HTML) into lines of visible text.

HTML is parsed with the standard library's :class:`html.parser.HTMLParser`: block elements end
a line, ``<li>`` starts a bullet, ``<script>``/``<style>`` content is dropped, and nothing the
page references is loaded. The file is bounded and must be a regular file.
"""

from __future__ import annotations

import re
import stat
from html.parser import HTMLParser
from pathlib import Path

from posture.errors import UsageError

MAX_BYTES = 2 * 1024 * 1024  # a privacy statement is a few pages; more is a mistake
BULLET = "\u2022"

_BLOCKS = frozenset({"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "ul",
                     "ol", "section", "article", "header", "footer", "table", "dt", "dd",
                     "blockquote", "pre", "hr", "main", "nav", "aside"})
_HIDDEN = frozenset({"script", "style", "noscript", "template", "head", "title"})


class _TextExtractor(HTMLParser):
    """Collects visible text; block elements become line breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append(f" {BULLET} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data.replace("\n", " "))


def looks_like_html(text: str) -> bool:
    """True when the text is markup rather than prose."""
    head = text.lstrip()[:2000].lower()
    return head.startswith(("<!doctype html", "<html")) or bool(
        re.search(r"<(p|div|body|h[1-6]|li|br)\b", head))


def html_to_text(markup: str) -> str:
    """The visible text of an HTML document, one block per line."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def read_statement(path: str | Path) -> str:
    """The statement's text (HTML converted); :class:`UsageError` when unreadable."""
    p = Path(path)
    try:
        info = p.stat()
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"{p}: not a regular file")
        with p.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"{p}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{p}: cannot read ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise UsageError(f"{p}: larger than {MAX_BYTES >> 20} MiB")
    text = data.decode("utf-8-sig", errors="replace")
    return html_to_text(text) if looks_like_html(text) else text
