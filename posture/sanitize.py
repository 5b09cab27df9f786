"""Neutralise hostile text before it reaches a terminal, a log line or a report.

Everything a target returns (banners, file contents, names, error messages) may carry control
characters, ANSI escape sequences, bidirectional overrides ("Trojan Source" tricks) or markup
meant for our own renderers. Rather than silently dropping such characters, they are shown as
visible escapes (``\\x1b``, ``\\u202e``), so an auditor can see that a target tried something.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from typing import Any

from posture.jsontext import fast_indented

UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"})
"""Unicode categories shown as escapes: controls, format characters (bidi overrides, zero-width
characters), lone surrogates, unassigned code points, line and paragraph separators."""

ELLIPSIS = "…"
"""Appended when a text was cut at its limit."""

# Written as the complement of a short ASCII range: the same sets as [\x7f-\U0010ffff] and
# [\x00-\x1f\x7f-\U0010ffff], compiled some twenty times faster (a start-up cost of every run).
_NON_ASCII_OR_DEL = re.compile(r"[^\x00-\x7e]")
_MAYBE_UNSAFE = re.compile(r"[^\x20-\x7e]+")


def is_unsafe_char(ch: str) -> bool:
    """True when one character must not reach a terminal or a report as it is."""
    return unicodedata.category(ch) in UNSAFE_CATEGORIES


def visible_escape(ch: str) -> str:
    """The Python-style escape of one character: ``\\x07``, ``\\u202e``, ``\\U000e0001``."""
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def safe_text(s: str, limit: int = 2000, *, keep_newlines: bool = False) -> str:
    """Return ``s`` with every unsafe character escaped visibly, cut to about ``limit`` chars.

    Tabs become a space; newlines are kept only with ``keep_newlines`` (for multi-line fields
    such as evidence), otherwise escaped, so one field cannot forge extra lines of output. The
    result holds at most ``limit`` characters plus an ellipsis when it was cut. It contains no
    control character, no ANSI escape and no bidi override, but is not escaped for any markup
    language: use :func:`safe_markup` for rich markup, autoescaping for HTML.
    """
    if len(s) <= limit and (s.isprintable() or (keep_newlines and _printable_lines(s))):
        return s
    # Runs of printable ASCII are copied whole, and so are runs of printable non-ASCII text
    # (str.isprintable() is False for every unsafe category); only the rest is looked at one
    # character at a time.
    out: list[str] = []
    room, pos = limit, 0
    for match in _MAYBE_UNSAFE.finditer(s):
        plain, run, pos = s[pos:match.start()], match.group(), match.end()
        if run.isprintable():  # accented letters and the like: nothing to escape
            plain, run = plain + run, ""
        if len(plain) > room:
            return "".join(out) + plain[:room] + ELLIPSIS
        out.append(plain)
        room -= len(plain)
        for ch in run:
            piece = _piece(ch, keep_newlines)
            if len(piece) > room:
                return "".join(out) + ELLIPSIS
            out.append(piece)
            room -= len(piece)
    plain = s[pos:]
    if len(plain) > room:
        return "".join(out) + plain[:room] + ELLIPSIS
    out.append(plain)
    return "".join(out)


def _printable_lines(s: str) -> bool:
    """True when every character of ``s`` but its newlines is printable (then, newlines
    being kept, :func:`safe_text` has nothing to change: multi-line evidence is copied whole
    instead of being walked one line at a time)."""
    return "\n" in s and all(map(str.isprintable, s.split("\n")))


def _piece(ch: str, keep_newlines: bool) -> str:
    """What one control or non-ASCII character becomes in :func:`safe_text`."""
    if ch == "\t":
        return " "
    if (ch == "\n" and keep_newlines) or not is_unsafe_char(ch):
        return ch
    return visible_escape(ch)


def safe_markup(s: str, limit: int = 2000) -> str:
    """:func:`safe_text`, then escaped for rich console markup (``[bold]`` stays literal)."""
    from rich.markup import escape  # only the console needs rich: report-only runs skip it

    return escape(safe_text(s, limit))


def escape_json_invisible(text: str) -> str:
    """Escape unsafe characters in serialised JSON as ``\\uXXXX``, losslessly.

    ``json.dumps(..., ensure_ascii=False)`` escapes C0 controls but leaves DEL, C1 controls,
    bidi overrides and lone surrogates raw. Outside strings JSON text is plain ASCII, so every
    such character sits inside a string, where a ``\\u`` escape means the same character: the
    document parses to the same data, yet ``cat report.json`` cannot drive a terminal.
    """
    if text.isascii() and "\x7f" not in text:
        return text  # nothing to escape: no second copy of a large report
    # Printable characters are never unsafe (str.isprintable() is False for every unsafe
    # category), and a newline of JSON text is one of its own: accented text goes through
    # at C speed instead of through a scan of the regular expression (seconds on a fleet).
    if text.replace("\n", "").isprintable():
        return text
    return _NON_ASCII_OR_DEL.sub(_json_escape_match, text)


def escape_json_bytes(data: bytes) -> bytes:
    """:func:`escape_json_invisible` of UTF-8 JSON text (or a piece of it cut between two
    characters): the same bytes back when nothing needs escaping."""
    if data.isascii() and b"\x7f" not in data:
        return data
    return escape_json_invisible(data.decode("utf-8")).encode("utf-8")


def json_document(value: Any) -> bytes:
    """``value`` as an indented JSON file: the text of ``json.dumps(value, indent=2,
    ensure_ascii=False, allow_nan=False)``, invisible characters escaped
    (:func:`escape_json_invisible`), a final newline, UTF-8.

    The encoder's pieces are written into one buffer as they come: a large report does not
    first become a list of millions of small strings (that list, not the text, was most of
    the peak memory of rendering a fleet). orjson writes the same bytes far faster when it
    can promise them (:func:`posture.jsontext.fast_indented`); the standard library otherwise.
    """
    fast = fast_indented(value, newline=True)
    if fast is not None:
        if fast.isascii() and b"\x7f" not in fast:
            return fast  # nothing to escape: no second copy of a large report
        return escape_json_invisible(fast.decode("utf-8")).encode("utf-8")
    buffer = io.StringIO()
    write = buffer.write
    encoder = json.JSONEncoder(indent=2, ensure_ascii=False, allow_nan=False)
    for piece in encoder.iterencode(value):
        write(piece)
    write("\n")
    text = buffer.getvalue()
    buffer.close()
    return escape_json_invisible(text).encode("utf-8")


def _json_escape_match(match: re.Match[str]) -> str:
    """Replacement for one matched character (a surrogate pair above the BMP)."""
    ch = match.group(0)
    if not is_unsafe_char(ch):
        return ch
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
