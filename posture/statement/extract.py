"""Parameters a sentence states: versions, periods, minimum lengths, the parties it names.

Each extractor takes the sentence and the language and returns a list of parameter sets: empty
when it found nothing, several when the sentence states several values of the same kind
("WooCommerce 8.9 op WordPress 6.5" gives two versions, hence two claims). They are named in
the rule files (``extract: period``), so a rule says in words what it takes from the sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from posture.statement.parties import clauses, find_parties, negation
from posture.statement.values import min_length, period_days
from posture.statement.versions import find_versions

Params = dict[str, Any]
Extractor = Callable[[str, str], list[Params]]


def _period(sentence: str, lang: str) -> list[Params]:
    days = period_days(sentence, lang)
    return [{"max_age_days": days}] if days else []


def _attested_period(sentence: str, lang: str) -> list[Params]:
    days = period_days(sentence, lang)
    return [{"period_days": days}] if days else []


def _min_length(sentence: str, lang: str) -> list[Params]:
    length = min_length(sentence, lang)
    return [{"min_length": length}] if length else []


def _os_version(sentence: str, lang: str) -> list[Params]:
    return [{"distribution": f.product.id, "version": f.version}
            for f in find_versions(sentence) if f.product.kind == "os" and f.version]


def _apache_version(sentence: str, lang: str) -> list[Params]:
    return [{"version": f.version} for f in find_versions(sentence)
            if f.product.kind == "apache" and f.version]


def _application(sentence: str, lang: str) -> list[Params]:
    out: list[Params] = []
    for found in find_versions(sentence):
        if found.product.kind == "application":
            out.append({"product": found.product.id,
                        **({"version": found.version} if found.version else {})})
    return out


def _software_version(sentence: str, lang: str) -> list[Params]:
    return [{"product": f.product.id, "version": f.version} for f in find_versions(sentence)
            if f.product.kind == "software" and f.version]


_COOKIE_KINDS = (
    ("marketing", re.compile(r"^(marketing\w*|advert\w*|reclame\w*|retarget\w*|tracking\w*)$")),
    ("analytics", re.compile(r"^(analyti\w*|statisti\w*|meetcookie\w*)$")),
    ("functional", re.compile(r"^(functio\w*|techni\w*|noodzakelijk\w*|necessary|essential|"
                              r"strictly|strikt|nodig|needs?|needed|sessi\w*|session\w*|"
                              r"preference\w*|voorkeur\w*)$")),
)
_BEFORE_COOKIE = 4  # "analytics and marketing cookies"
_AFTER_COOKIE = 6  # "cookies die strikt noodzakelijk zijn": only functional words after


def _cookies(sentence: str, lang: str) -> list[Params]:
    allowed = ["strictly_necessary", "functional"]
    seen = False
    for clause in clauses(sentence):
        tokens = re.findall(r"[\w-]+", clause.lower())
        closing = bool(re.search(r"\b(niet|not)\W*$", clause, re.IGNORECASE))
        for i, token in enumerate(tokens):
            if "cookie" not in token:
                continue
            window = [(j, w) for j, w in enumerate(tokens[max(0, i - _BEFORE_COOKIE):i + 1],
                                                   start=max(0, i - _BEFORE_COOKIE))]
            window += [(j, w) for j, w in enumerate(tokens[i + 1:i + 1 + _AFTER_COOKIE],
                                                    start=i + 1)]
            for j, word in window:
                stem = word.removesuffix("cookies").removesuffix("cookie") or word
                for kind, pattern in _COOKIE_KINDS:
                    if not pattern.match(stem) or (j > i and kind != "functional"):
                        continue
                    seen = True
                    negated = closing or bool(negation(lang).search(" ".join(tokens[:max(i, j)])))
                    if not negated and kind != "functional" and kind not in allowed:
                        allowed.append(kind)
    return [{"allowed": allowed}] if seen else []


def _processors(sentence: str, lang: str) -> list[Params]:
    parties = find_parties(sentence, lang)
    found: Params = {}
    if parties.used:
        found["declared"] = parties.used
    if parties.not_used:
        found["not_used"] = parties.not_used
    if parties.unknown:
        found["review"] = parties.unknown
    return [found] if found else []


EXTRACTORS: Mapping[str, Extractor] = {
    "period": _period,
    "attested_period": _attested_period,
    "min_length": _min_length,
    "os_version": _os_version,
    "apache_version": _apache_version,
    "application": _application,
    "software_version": _software_version,
    "processors": _processors,
    "cookies": _cookies,
    "processors_not_used": _processors,
}
"""Extractor names usable in rule files."""
