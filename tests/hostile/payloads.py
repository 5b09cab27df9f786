"""Hostile strings a target may return, and the checks that each output neutralised them.

"Unescaped" means, per output: HTML holds a payload's markup as live markup or evaluated a
template; JSON/SARIF/JUnit/console/log text carries a raw control character, ANSI escape or
bidi override; a template expression was evaluated anywhere (its result shows up).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

# (payload, a string that would appear only if some template engine evaluated it)
_CORES: tuple[tuple[str, str | None], ...] = (
    ('<script>alert("pst-xss")</script>', None),
    ('"><img src=x onerror=alert(1)>', None),
    ("{{ 7191*7 }}", "50337"),
    ("{% for i in range(3) %}LOOPED{% endfor %}", "LOOPEDLOOPED"),
    ("${6173*3}", "18519"),
    ("#{4177*3}", "12531"),
    ("{{ ''.__class__.__mro__ }}", "<class 'object'>"),
    ("\x1b[2J\x1b[31mred\x1b]0;pwned\x07tail", None),
    ("abc\u202egnp.exe\u2066x\u2069", None),
    ("one\r\nposture: forged line", None),
    ("nul\x00bel\x07bs\x08del\x7fc1\x9b", None),
    ("]]><!-- <![CDATA[ &amp; &#x3c;", None),
    ("[bold red]rich markup[/bold red] [link=javascript:alert(1)]x[/link]", None),
    ("[md](javascript:alert(1)) **bold**", None),
    ("zero\u200bwidth\ufeffbom\u2028sep", None),
)

PAYLOADS: tuple[tuple[str, str | None], ...] = tuple(
    (f"hx{i:02d}{core}", result) for i, (core, result) in enumerate(_CORES))
"""Each payload starts with a token ``hxNN`` that shows whether it reached an output."""

BAD_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
"""Characters that must never reach a terminal, a log or a report file raw."""

HTML_TAGS_ALLOWED = frozenset({
    "html", "head", "meta", "title", "style", "body", "header", "main", "footer", "section",
    "article", "nav", "aside", "div", "span", "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul",
    "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "th", "td",
    "caption", "colgroup", "col", "a", "strong", "em", "b", "i", "small", "code", "pre", "kbd",
    "samp", "br", "hr", "details", "summary", "svg", "g", "path", "circle", "rect", "line",
    "text", "tspan", "desc", "polyline", "polygon", "figure", "figcaption", "abbr",
    "time", "sup", "sub", "mark", "label", "blockquote", "q", "cite", "wbr", "meter",
    "progress", "output", "data", "bdi", "bdo", "ellipse", "defs", "lineargradient", "stop",
    "use", "symbol", "clippath", "mask", "pattern", "image", "foreignobject", "textpath",
})


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def html_problems(html: str) -> list[str]:
    """Live markup a payload could have injected: unknown tags, handlers, script URLs."""
    parser = _TagCollector()
    parser.feed(html)
    problems = []
    for tag, attrs in parser.tags:
        if tag not in HTML_TAGS_ALLOWED:
            problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or "javascript:" in (value or "").lower():
                problems.append(f"attribute {name}={value!r} on <{tag}>")
    if BAD_CHARS.search(html):
        problems.append("raw control/bidi character")
    return problems


def text_problems(text: str, *, allow_newlines: bool = True) -> list[str]:
    """Raw control characters, ANSI escapes or bidi overrides in plain output."""
    bad = BAD_CHARS.findall(text.replace("\r\n", "\n") if allow_newlines else text)
    return [f"raw {ch!r}" for ch in sorted(set(bad))]


def evaluated(text: str) -> list[str]:
    """Template payloads whose evaluated result shows up in ``text``."""
    return [p for p, result in PAYLOADS if result is not None and result in text]


def json_strings(value: object) -> list[str]:
    """Every string inside a parsed JSON value (keys too)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *json_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in json_strings(v)]
    return []


def output_problems(kind: str, raw: bytes) -> list[str]:
    """Problems of one output file or stream, by kind (html, json, xml, text)."""
    text = raw.decode("utf-8")  # every output must be valid UTF-8, invalid input or not
    problems = evaluated(text)
    if kind == "html":
        problems += html_problems(text)
    elif kind == "json":
        json.loads(text)
        problems += text_problems(text)
    elif kind == "xml":
        ET.fromstring(raw)
        problems += text_problems(text)
    else:
        problems += text_problems(text)
    return problems


def payloads_in(text: str) -> set[int]:
    """Indexes of the payloads that reached ``text`` (escaped or not), by their token."""
    return {i for i in range(len(PAYLOADS)) if f"hx{i:02d}" in text}
