"""Split a statement's text into numbered sections and sentences.

Sections: a line ``N. Title`` opens section ``N``; a lower or repeated number inside a section
opens a subsection ``N.M`` (statements often number the paragraphs of their last chapter
again from 1). A short line without final punctuation (``Cookies:``) is a heading that names
the sentences after it without changing the number. Bullets are sentences of their own;
other consecutive lines are joined (wrapped text) and split at sentence ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from posture.statement.source import BULLET

MAX_SENTENCES = 2000  # far beyond any statement; bounds the work on a hostile file
MAX_SENTENCE_CHARS = 2000

_NUMBERED = re.compile(r"^(\d{1,2})[.)]\s+(\S.*)$")
_BULLET = re.compile(r"^(?:[\u2022\u00b7\u25aa\u25cf*\u2013\u2014-]|\d{1,2}[a-z]\))\s+")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)]?\s+(?=[A-Z0-9\"'\u201c\u2018(\u00c0-\u00dd])")
_ABBREVIATIONS = frozenset({"bijv", "bv", "b.v", "o.a", "i.e", "e.g", "etc", "nr", "tel",
                            "ca", "mr", "mrs", "ms", "dr", "st", "vs", "resp", "incl", "excl",
                            "evt", "zgn", "m.b.t", "t.a.v", "a.u.b", "z.s.m", "no", "art"})
LONG_HEADING = 90  # a numbered "heading" longer than this is also a sentence


@dataclass(frozen=True)
class Sentence:
    """One sentence of the statement, where it stands, and the heading above it."""

    id: str  # "S001": stable for one version of the statement
    section: str  # "13.6"; "0" before the first numbered section
    heading: str  # nearest heading ("" when none)
    text: str
    bullet: bool = False


@dataclass
class _Cursor:
    top: int = 0
    sub: int = 0
    heading: str = ""

    @property
    def section(self) -> str:
        return f"{self.top}.{self.sub}" if self.sub else str(self.top)

    def number(self, n: int, title: str) -> None:
        if self.sub and n == self.sub + 1:
            self.sub = n
        elif n > self.top:
            self.top, self.sub = n, 0
        else:
            self.sub = n
        self.heading = title.rstrip(":. ")


def _clean(line: str) -> str:
    return re.sub(r"\s+", " ", line.replace("\u00a0", " ")).strip()


def is_title(line: str) -> bool:
    """A short heading line: few words, no digits or addresses, no final full stop."""
    words = line.split()
    return (0 < len(words) <= 8 and len(line) <= 70 and not re.search(r"[0-9@]|www\.|://", line)
            and line[-1] not in ".,;!?" and (line[0].isupper() or line.endswith(":")))


def split_sentences(paragraph: str) -> list[str]:
    """Split at sentence ends, not after common abbreviations."""
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        before = paragraph[start:match.start()].rstrip(".!?\"')\u201d\u2019")
        last = before.rsplit(" ", 1)[-1].lower()
        if last in _ABBREVIATIONS or len(last) == 1:
            continue
        pieces.append(paragraph[start:match.start()].strip())
        start = match.end()
    pieces.append(paragraph[start:].strip())
    return [p for p in pieces if re.search(r"\w", p)]


def _blocks(text: str) -> Iterator[tuple[str, str]]:
    """(kind, text) with kind in numbered | title | bullet | para; wrapped lines joined."""
    para: list[str] = []
    for raw in text.splitlines():
        line = _clean(raw)
        kind = ("bullet" if line.startswith(BULLET) or _BULLET.match(line) else
                "numbered" if _NUMBERED.match(line) else
                "title" if line and is_title(line) else "para")
        if para and (not line or kind != "para" or para[-1][-1] in ".:!?"):
            yield "para", " ".join(para)
            para = []
        if not line:
            continue
        if kind == "para":
            para.append(line)
        else:
            yield kind, line
    if para:
        yield "para", " ".join(para)


def segment(text: str) -> list[Sentence]:
    """Every sentence of ``text`` with its section number and heading, in order."""
    cursor = _Cursor()
    out: list[Sentence] = []

    def add(body: str, bullet: bool) -> None:
        for piece in split_sentences(body):
            if len(out) < MAX_SENTENCES:
                out.append(Sentence(f"S{len(out) + 1:03d}", cursor.section, cursor.heading,
                                    piece[:MAX_SENTENCE_CHARS], bullet))

    for kind, line in _blocks(text):
        if kind == "numbered":
            match = _NUMBERED.match(line)
            assert match is not None
            title = match.group(2)
            cursor.number(int(match.group(1)), title[:LONG_HEADING])
            if len(title) > LONG_HEADING and not title.endswith(":"):
                add(title, False)
        elif kind == "title":
            cursor.heading = line.rstrip(": ")
        elif kind == "bullet":
            add(_BULLET.sub("", line.lstrip(BULLET + " ")), True)
        else:
            add(line, False)
    return out
