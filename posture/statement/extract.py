"""Parameters a sentence states: versions, periods, the processors it names.

Each extractor takes the sentence and the language and returns the ``expect`` values it
found (an empty mapping when none). They are named in the rule files (``extract: period``),
so a rule says in words what it takes from the sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from checks.webdata import processors

_NUMBER_WORDS = {
    "nl": {"een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
           "zeven": 7, "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12,
           "achttien": 18, "vierentwintig": 24},
    "en": {"one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
           "eighteen": 18, "twenty-four": 24},
}
# Days per unit. A month counts 30 days, so "3 months" is the usual 90-day rotation.
_UNITS = {
    "nl": {"jaar": 365, "jaren": 365, "maand": 30, "maanden": 30, "week": 7, "weken": 7,
           "dag": 1, "dagen": 1},
    "en": {"year": 365, "years": 365, "month": 30, "months": 30, "week": 7, "weeks": 7,
           "day": 1, "days": 1},
}
_DISTRIBUTIONS = {"ubuntu": "ubuntu", "debian": "debian", "centos": "centos",
                  "red hat": "rhel", "rhel": "rhel", "rocky": "rocky", "almalinux": "almalinux"}

Extractor = Callable[[str, str], dict[str, Any]]


def period_days(sentence: str, lang: str) -> int | None:
    """The first period the sentence names, in days ("7 jaar" -> 2555), or None."""
    words = "|".join(map(re.escape, _NUMBER_WORDS[lang]))
    units = "|".join(sorted(_UNITS[lang], key=len, reverse=True))
    match = re.search(rf"\b(\d{{1,4}}|{words})\s+({units})\b", sentence, re.IGNORECASE)
    if not match:
        return None
    raw = match.group(1).lower()
    count = int(raw) if raw.isdecimal() else _NUMBER_WORDS[lang][raw]
    return count * _UNITS[lang][match.group(2).lower()]


def _period(sentence: str, lang: str) -> dict[str, Any]:
    days = period_days(sentence, lang)
    return {"max_age_days": days} if days else {}


def _attested_period(sentence: str, lang: str) -> dict[str, Any]:
    days = period_days(sentence, lang)
    return {"period_days": days} if days else {}


def _os_version(sentence: str, lang: str) -> dict[str, Any]:
    names = "|".join(_DISTRIBUTIONS)
    match = re.search(rf"\b({names})\b[\s/-]*(\d+(?:\.\d+){{0,2}})", sentence, re.IGNORECASE)
    if not match:
        return {}
    return {"distribution": _DISTRIBUTIONS[match.group(1).lower()], "version": match.group(2)}


def _apache_version(sentence: str, lang: str) -> dict[str, Any]:
    match = re.search(r"\bapache(?:\s+httpd)?[\s/]*(\d+\.\d+(?:\.\d+)?)", sentence, re.IGNORECASE)
    return {"version": match.group(1)} if match else {}


def _application(sentence: str, lang: str) -> dict[str, Any]:
    match = re.search(r"\bopencart\b[^0-9]{0,20}(\d+(?:\.\d+){1,3})?", sentence, re.IGNORECASE)
    if not match:
        return {}
    found: dict[str, Any] = {"product": "opencart"}
    if match.group(1):
        found["version"] = match.group(1)
    return found


def named_processors(sentence: str) -> list[str]:
    """Ids of the known third parties the sentence names, in table order, no duplicates."""
    found: list[str] = []
    for proc in processors():
        for name in proc.names:
            if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", sentence, re.IGNORECASE):
                found.append(proc.id)
                break
    # "Google Analytics" also matches the broader "Google": keep the specific one only.
    if "google-analytics" in found and "google" in found and not re.search(
            r"\bgoogle\b(?!\s+(analytics|tag))", sentence, re.IGNORECASE):
        found.remove("google")
    return found


def _processors(sentence: str, lang: str) -> dict[str, Any]:
    found = named_processors(sentence)
    return {"declared": found} if found else {}


def _processors_not_used(sentence: str, lang: str) -> dict[str, Any]:
    found = named_processors(sentence)
    return {"not_used": found} if found else {}


EXTRACTORS: Mapping[str, Extractor] = {
    "period": _period,
    "attested_period": _attested_period,
    "os_version": _os_version,
    "apache_version": _apache_version,
    "application": _application,
    "processors": _processors,
    "processors_not_used": _processors_not_used,
}
"""Extractor names usable in rule files."""
