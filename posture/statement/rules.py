"""Pattern rules per language (``rules_nl.yml``, ``rules_en.yml``): readable, not a black box.

A rule matches a sentence when one of its ``match`` expressions is found in it (and its
``heading`` expression, if any, in the heading above it, and none of its ``unless``). A rule
either maps the sentence to a claim (``claim``: type, id, says, optional ``extract`` and
``expect``) or explains why it cannot be verified remotely (``not_verifiable``). Rules are
tried in file order; every claim rule that matches adds its claim, and ``stop: true`` ends
the search at that rule. A sentence no claim rule matches takes the reason of the first
``not_verifiable`` rule that matched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from posture.errors import PostureError
from posture.statement.extract import EXTRACTORS
from posture.statement.segment import Sentence

LANGUAGES = ("nl", "en")


class RulesError(PostureError):
    """A rule file is malformed (a bug in the package data or in a user's rule file)."""


@dataclass(frozen=True)
class ClaimSpec:
    """What a claim rule produces."""

    type: str
    id: str
    says: str
    says_default: str = ""
    extract: tuple[str, ...] = ()
    expect: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    """One readable rule."""

    id: str
    match: tuple[re.Pattern[str], ...]
    heading: re.Pattern[str] | None = None
    unless: tuple[re.Pattern[str], ...] = ()
    claim: ClaimSpec | None = None
    not_verifiable: str = ""
    stop: bool = False
    private: bool = False  # the sentence may hold personal data: never quote it

    def matches(self, sentence: Sentence) -> bool:
        """Whether this rule applies to ``sentence``."""
        if self.heading is not None and not self.heading.search(sentence.heading):
            return False
        if any(p.search(sentence.text) for p in self.unless):
            return False
        return any(p.search(sentence.text) for p in self.match)


def _patterns(values: Any, where: str) -> tuple[re.Pattern[str], ...]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or not values:
        raise RulesError(f"{where}: expected a list of regular expressions")
    try:
        return tuple(re.compile(str(v), re.IGNORECASE) for v in values)
    except re.error as exc:
        raise RulesError(f"{where}: bad regular expression ({exc})") from None


def _claim(data: Any, where: str) -> ClaimSpec:
    if not isinstance(data, dict) or not {"type", "id", "says"} <= set(data):
        raise RulesError(f"{where}.claim: needs type, id and says")
    extract = data.get("extract", [])
    extract = (extract,) if isinstance(extract, str) else tuple(extract)
    unknown = [e for e in extract if e not in EXTRACTORS]
    if unknown:
        raise RulesError(f"{where}.claim.extract: unknown extractor {unknown[0]!r} "
                         f"(known: {', '.join(EXTRACTORS)})")
    return ClaimSpec(str(data["type"]), str(data["id"]), str(data["says"]),
                     str(data.get("says_default", "")), extract, dict(data.get("expect", {})))


def _rule(data: Any, index: int) -> Rule:
    where = f"rules[{index}]"
    if not isinstance(data, dict) or "id" not in data or "match" not in data:
        raise RulesError(f"{where}: needs id and match")
    claim = _claim(data["claim"], where) if "claim" in data else None
    reason = str(data.get("not_verifiable", ""))
    if (claim is None) == (not reason):
        raise RulesError(f"{where} ({data['id']}): give exactly one of claim, not_verifiable")
    heading = _patterns(data["heading"], f"{where}.heading")[0] if "heading" in data else None
    unless = _patterns(data["unless"], f"{where}.unless") if "unless" in data else ()
    return Rule(str(data["id"]), _patterns(data["match"], f"{where}.match"), heading, unless,
                claim, reason, bool(data.get("stop", False)), bool(data.get("private", False)))


def parse_rules(text: str) -> tuple[Rule, ...]:
    """Parse a rule file's YAML text."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise RulesError("a rule file is a mapping with a 'rules' list")
    return tuple(_rule(item, i) for i, item in enumerate(data["rules"]))


@cache
def builtin_rules(lang: str) -> tuple[Rule, ...]:
    """The packaged rules of ``lang``."""
    if lang not in LANGUAGES:
        raise RulesError(f"no rules for language {lang!r} (known: {', '.join(LANGUAGES)})")
    path = resources.files("posture.statement").joinpath(f"rules_{lang}.yml")
    return parse_rules(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Match:
    """What the rules say about one sentence."""

    claims: tuple[tuple[Rule, ClaimSpec], ...]
    reason_rule: Rule | None  # the not_verifiable rule, when no claim rule matched

    @property
    def private(self) -> bool:
        """Whether any matching rule marks the sentence as holding personal data."""
        rules = [r for r, _ in self.claims] + ([self.reason_rule] if self.reason_rule else [])
        return any(r.private for r in rules)


def match_sentence(sentence: Sentence, rules: Sequence[Rule]) -> Match:
    """Apply ``rules`` to ``sentence`` in order."""
    claims: list[tuple[Rule, ClaimSpec]] = []
    reason: Rule | None = None
    for rule in rules:
        if not rule.matches(sentence):
            continue
        if rule.claim is not None:
            claims.append((rule, rule.claim))
        elif reason is None:
            reason = rule
        if rule.stop:
            break
    return Match(tuple(claims), None if claims else reason)
