"""Character sets written for a fast start are the very sets they replace, code point by point."""

from __future__ import annotations

import re

import pytest

from posture.render.junit import _XML_ILLEGAL
from posture.sanitize import _MAYBE_UNSAFE, _NON_ASCII_OR_DEL

# The sets as first written (ranges up to U+10FFFF, slow to compile) beside their replacements.
PAIRS = [
    ("[\x7f-\U0010ffff]", _NON_ASCII_OR_DEL),
    ("[\x00-\x1f\x7f-\U0010ffff]", _MAYBE_UNSAFE),
    ("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", _XML_ILLEGAL),
]


@pytest.mark.parametrize(("original", "fast"), PAIRS, ids=["non-ascii", "unsafe", "xml"])
def test_the_fast_set_matches_exactly_the_original_one(original: str,
                                                       fast: re.Pattern[str]) -> None:
    slow = re.compile(original)
    matched = [bool(fast.match(chr(code))) for code in range(0x110000)]
    differ = [hex(code) for code, hit in enumerate(matched)
              if bool(slow.match(chr(code))) != hit]
    assert differ == []
    assert 0 < sum(matched) < len(matched)  # neither empty nor everything
