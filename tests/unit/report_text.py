"""Read a rendered HTML report back as text, for tests: what the reader sees in words.

Target data (``class="tgt"``), quotations of the inventory or statement (``class="inv"``),
identifiers and commands (``mono``, ``<pre>``) are left out: they are shown verbatim on
purpose. Everything else is the report's own language.
"""

from __future__ import annotations

from html.parser import HTMLParser

SKIPPED_CLASSES = {"tgt", "inv", "mono"}
SKIPPED_TAGS = {"style", "script", "pre", "title"}
VOID = {"meta", "br", "img", "link", "input", "hr", "path", "line", "circle", "rect",
        "polyline"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is its content skipped?
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        skipped = tag in SKIPPED_TAGS or bool(classes & SKIPPED_CLASSES)
        self.stack.append(skipped or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]) and data.strip():
            self.chunks.append(" ".join(data.split()))


def own_text(html: str) -> list[str]:
    """The report's own words, one chunk per text node, whitespace collapsed."""
    parser = _Text()
    parser.feed(html)
    return parser.chunks
