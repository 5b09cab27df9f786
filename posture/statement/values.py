"""Values a sentence states: periods and frequencies in days, minimum lengths.

Number words become digits first (text2num's ``alpha2digit`` for the bigger ones, a small table
for "een", "twee", "a", "twice" that it leaves alone on purpose), then a period is either a
count with a unit ("5 jaar", "every 8 weeks") or a frequency word ("per kwartaal" = 90 days,
"halfjaarlijks" = 182, "driemaal per jaar" = 121). A month counts 30 days and a year 365, so
"3 months" is the usual 90-day rotation and "6 maanden" is 180, while "half a year" is 182.
"""

from __future__ import annotations

import re
from functools import lru_cache

from text_to_num import alpha2digit  # type: ignore[import-untyped]

YEAR, HALF_YEAR, QUARTER, MONTH, WEEK = 365, 182, 90, 30, 7

_SMALL = {
    "nl": {"een": 1, "één": 1, "eén": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
           "zeven": 7, "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12},
    "en": {"one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12},
}
_UNITS = {
    "nl": {"jaar": YEAR, "jaren": YEAR, "kalenderjaar": YEAR, "maand": MONTH, "maanden": MONTH,
           "kalendermaand": MONTH, "week": WEEK, "weken": WEEK, "dag": 1, "dagen": 1,
           "werkdag": 1, "werkdagen": 1, "kwartaal": QUARTER, "kwartalen": QUARTER},
    "en": {"year": YEAR, "years": YEAR, "month": MONTH, "months": MONTH, "week": WEEK,
           "weeks": WEEK, "day": 1, "days": 1, "quarter": QUARTER, "quarters": QUARTER,
           "fortnight": 14, "fortnights": 14},
}
# Frequency words and phrases, tried before counts: (pattern, days).
_FREQUENCIES = {
    "nl": [(r"\b(half\s*jaarlijks|halfjaarlijk\w*|(een|elk|ieder) half jaar|halfjaar)\b",
            HALF_YEAR),
           (r"\b(1|een|één)\s*keer per kwartaal|\b(per|elk|ieder|eens per|om het) kwartaal\b|"
            r"\bkwartaal(lijks|s)\b", QUARTER),
           (r"\b(maandelijks|(per|elke|iedere|eens per|1 keer per) maand)\b", MONTH),
           (r"\b(wekelijks|(per|elke|iedere|eens per) week)\b", WEEK),
           (r"\b(dagelijks|(elke|iedere) (dag|nacht)|nachtelijk\w*)\b", 1),
           (r"\b(jaarlijks|(per|elk|ieder|eens per) jaar)\b", YEAR)],
    "en": [(r"\b(half[- ]yearly|semi[- ]annual(ly)?|six[- ]monthly|biannual(ly)?|"
            r"(every|each) half[- ]year|half a year)\b", HALF_YEAR),
           (r"\b(quarterly|(every|each|per|once a) quarter)\b", QUARTER),
           (r"\b(monthly|(every|each|per|once a) month)\b", MONTH),
           (r"\b(weekly|(every|each|per|once a) week)\b", WEEK),
           (r"\b(fortnightly|(every|each) fortnight)\b", 14),
           (r"\b(daily|nightly|(every|each) (day|night))\b", 1),
           (r"\b(annual(ly)?|yearly|(every|each|per|once a) year)\b", YEAR)],
}
# "driemaal per jaar", "twice a year", "3 times a year": a count per unit.
_TIMES = {
    "nl": r"\b(\d+|twee|drie|vier|zes)\s*(?:keer|maal|x)\s+(?:per|in het|in een|elk|ieder)\s+"
          r"(jaar|maand|week)\b|"
          r"\b(twee|drie|vier|zes)maal\s+(?:per|in het|elk)\s+(jaar|maand|week)\b",
    "en": r"\b(\d+|two|three|four|six)\s+times\s+(?:a|per|each|every)\s+(year|month|week)\b|"
          r"\b(twice)\s+(?:a|per|each|every)\s+(year|month|week)\b",
}
_PER = {"jaar": YEAR, "year": YEAR, "maand": MONTH, "month": MONTH, "week": WEEK}
_HALF = {"nl": r"\b(een|één) half (jaar)\b", "en": r"\b(half a year|a half year|six-month)\b"}


@lru_cache(maxsize=4096)
def digits(text: str, lang: str) -> str:
    """``text`` with number words as digits ("vijf jaar" -> "5 jaar")."""
    try:
        converted = str(alpha2digit(text, lang))
    except (ValueError, IndexError, KeyError, TypeError):  # free text: never stop an import
        converted = text
    small = _SMALL[lang]
    words = "|".join(sorted(map(re.escape, small), key=len, reverse=True))
    units = "|".join(sorted(_UNITS[lang], key=len, reverse=True))
    return re.sub(rf"\b({words})\s+(?=(?:\w+\s+)?({units})\b)",
                  lambda m: f"{small[m.group(1).lower()]} ", converted, flags=re.IGNORECASE)


def _times(text: str, lang: str) -> int | None:
    match = re.search(_TIMES[lang], text, re.IGNORECASE)
    if not match:
        return None
    raw = (match.group(1) or match.group(3)).lower()
    unit = (match.group(2) or match.group(4)).lower()
    count = {"twice": 2, "twee": 2, "two": 2, "drie": 3, "three": 3, "vier": 4, "four": 4,
             "zes": 6, "six": 6}.get(raw) or int(raw)
    return _PER[unit] // count if count else None


def period_days(sentence: str, lang: str) -> int | None:
    """The first period or frequency the sentence names, in days; None when it names none."""
    text = digits(sentence, lang)
    times = _times(sentence, lang) or _times(text, lang)
    if times:
        return times
    if re.search(_HALF[lang], sentence, re.IGNORECASE):
        return HALF_YEAR
    units = "|".join(sorted(_UNITS[lang], key=len, reverse=True))
    # "24 maanden", "every 8 weeks", "7 kalenderjaren"; "a year" after digits() is "1 year".
    count = re.search(rf"\b(\d{{1,4}})\s+(?:(?:volle|hele|full|whole|calendar)\s+)?({units})\b",
                      text, re.IGNORECASE)
    frequency = next((days for pattern, days in _FREQUENCIES[lang]
                      if re.search(pattern, text, re.IGNORECASE)), None)
    if count:
        return int(count.group(1)) * _UNITS[lang][count.group(2).lower()]
    if re.search(r"\b(fortnight)\b", text, re.IGNORECASE):
        return 14
    return frequency


_LENGTH = {
    "nl": r"(\d{1,3})\s*(?:of meer\s+)?(?:tekens|karakters|posities)\b",
    "en": r"(\d{1,3})\s*(?:or more\s+)?(?:characters|chars)\b",
}


def min_length(sentence: str, lang: str) -> int | None:
    """A minimum length in characters ("minimaal 12 tekens", "at least fifteen characters")."""
    match = re.search(_LENGTH[lang], digits(sentence, lang), re.IGNORECASE)
    return int(match.group(1)) if match else None
