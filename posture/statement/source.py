"""Read a statement file (plain text or HTML) into lines of visible text.

Bytes become text by their byte-order mark (UTF-8, UTF-16, UTF-32), else as UTF-8 when they
are valid UTF-8, else by charset-normalizer's best guess (cp1252 and Latin-1 files from office
software are common), with cp1252 as the last resort. HTML is parsed with the standard library's
:class:`html.parser.HTMLParser`: block elements end a line, ``<li>`` starts a bullet,
``<script>``/``<style>`` content is dropped, and so are the page's navigation, header, footer
and side bars (``<nav>``, ``<header>``, ``<footer>``, ``<aside>`` and their ARIA roles); when the
page marks its main text (``<main>``, ``<article>``, ``role=main``) only that is read. Nothing the
page references is loaded. (trafilatura, Apache-2.0, was considered: its article heuristics
may drop the short lines and lists a statement's promises live in.) The file is bounded and
must be a regular file; a PDF is refused with a clear message.
"""

from __future__ import annotations

import codecs
import re
import stat
from html.parser import HTMLParser
from pathlib import Path

import charset_normalizer

from posture.errors import UsageError

MAX_BYTES = 2 * 1024 * 1024  # a privacy statement is a few pages; more is a mistake
BULLET = "\u2022"

_BLOCKS = frozenset({"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "ul",
                     "ol", "section", "article", "header", "footer", "table", "dt", "dd",
                     "blockquote", "pre", "hr", "main", "nav", "aside"})
_HIDDEN = frozenset({"script", "style", "noscript", "template", "head", "title"})
# Page furniture around the statement: skipped with everything inside it.
_FURNITURE = frozenset({"nav", "header", "footer", "aside"})
_FURNITURE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
_MAIN = frozenset({"main", "article"})
_INNER = frozenset({"header", "footer"})  # kept inside the main text
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})


class _TextExtractor(HTMLParser):
    """Collects visible text; block elements become line breaks.

    ``parts`` is every visible text outside page furniture; ``main_parts`` only the text inside
    the page's main element(s), when it has any.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.main_parts: list[str] = []
        self._hidden = 0
        self._stack: list[tuple[str, bool, bool]] = []  # (tag, skips, is main)
        self._skip = 0
        self._main = 0

    def _out(self, text: str) -> None:
        if self._hidden or self._skip:
            return
        self.parts.append(text)
        if self._main:
            self.main_parts.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
            return
        if tag not in _VOID:
            role = (dict(attrs).get("role") or "").lower()
            # A header inside the article holds its title: only the page's own is furniture.
            skips = ((tag in _FURNITURE and not (self._main and tag in _INNER))
                     or role in _FURNITURE_ROLES)
            main = tag in _MAIN or role == "main"
            self._stack.append((tag, skips, main))
            self._skip += skips
            self._main += main
        if tag in _BLOCKS:
            self._out("\n")
            if tag == "li":
                self._out(f" {BULLET} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
            return
        if tag in _BLOCKS:
            self._out("\n")
        # Close up to the matching open tag (browsers forgive unclosed <p> and <li>).
        if any(t == tag for t, _, _ in self._stack):
            while self._stack:
                open_tag, skips, main = self._stack.pop()
                self._skip -= skips
                self._main -= main
                if open_tag == tag:
                    break

    def handle_data(self, data: str) -> None:
        self._out(data.replace("\n", " "))


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
    main = "".join(parser.main_parts)
    return main if main.strip() else "".join(parser.parts)


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


_LEGACY = ("cp1252", "iso8859_15", "latin_1", "mac_roman")


def decode(data: bytes) -> tuple[str, str]:
    """The text of ``data`` and the encoding it was read as."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding
    # UTF-16 without a mark: every other byte of ASCII text is NUL.
    if len(data) >= 4 and data[1::2].count(0) > len(data) // 4:
        return data.decode("utf-16-le", errors="replace"), "utf-16-le"
    if len(data) >= 4 and data[0::2].count(0) > len(data) // 4:
        return data.decode("utf-16-be", errors="replace"), "utf-16-be"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Statements in Dutch or English that are not UTF-8 come from Windows or old Mac software;
    # left free, the detector may pick a DOS code page for a short text.
    best = charset_normalizer.from_bytes(data, cp_isolation=list(_LEGACY)).best()
    if best is not None and best.encoding:
        return str(best), best.encoding
    return data.decode("cp1252", errors="replace"), "cp1252"


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
    if data.startswith(b"%PDF-"):
        raise UsageError(f"{p}: a PDF; save the statement as text or HTML first "
                         "(e.g. pdftotext -layout) and import that")
    text, _encoding = decode(data)
    text = text.replace("\x00", "")
    return html_to_text(text) if looks_like_html(text) else text
