"""The report's numbers are formatted without Babel's locale data, exactly as Babel would."""

from __future__ import annotations

import pytest
from babel.numbers import format_decimal

from posture.render.common import SUPPORTED_LANGUAGES
from posture.render.htmlview import decimal

PATTERNS = ("0.0", "+0.0", "+0.0;-0.0")
EDGES = (-0.0, 0.0, 0.05, -0.05, 0.15, 0.25, 2.675, -3.25, 99.95, 100.0, 1e-9, -1e-9,
         12345678.95, 1e16, -1e16, float("nan"), float("inf"), float("-inf"))


def _babel(value: float, lang: str, pattern: str) -> str:
    return str(format_decimal(round(value, 1), format=pattern, locale=lang))


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_report_number_is_formatted_as_babel_formats_it(lang: str, pattern: str) -> None:
    values = [i / 100 for i in range(-15000, 15001, 7)] + list(EDGES)
    wrong = [(v, decimal(v, lang, pattern), _babel(v, lang, pattern)) for v in values
             if decimal(v, lang, pattern) != _babel(v, lang, pattern)]
    assert wrong == []


def test_the_languages_differ_in_their_decimal_sign() -> None:
    assert decimal(17.94, "en") == "17.9"
    assert decimal(17.94, "nl") == "17,9"
    assert decimal(-0.04, "en", "+0.0;-0.0") == "-0.0"  # Babel keeps the sign of -0.0
    assert decimal(-1.26, "nl", "+0.0") == "-+1,3"  # no negative subpattern: "-" + positive


def test_other_patterns_and_languages_go_to_babel() -> None:
    assert decimal(1234.5, "en", "#,##0.0") == "1,234.5"
    assert decimal(1234.5, "de", "0.0") == "1234,5"
