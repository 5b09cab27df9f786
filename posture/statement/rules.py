"""Pattern rules per language (``rules_nl.yml``, ``rules_en.yml``): readable, not a black box.

A rule matches a sentence when one of its ``match`` expressions is found in it (and its
``heading`` expression, if any, in the heading above it, and none of its ``unless``). A rule
either maps the sentence to a claim (``claim``: type, id, says, optional ``extract`` and
``expect``) or explains why it cannot be verified remotely (``not_verifiable``). Instead of (or
besides) regular expressions a rule may name ``words``: groups of lemmas (see
:mod:`~posture.statement.lemmas`), one word of every group must be in the sentence; this is
how topics are recognised whatever the word order or inflection. Rules are
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
from posture.statement.lemmas import words as lemma_words
from posture.statement.segment import Sentence

LANGUAGES = ("nl", "en")


class RulesError(PostureError):
    """A rule file is malformed (a bug in the package data or in a user's rule file)."""


@dataclass(frozen=True)
class ClaimSpec:
    """What a claim rule produces.

    ``says``/``says_default`` are accepted for older rule files and ignored: a claim's ``says``
    quotes its sentence in the statement's own language (see :mod:`~posture.statement.skeleton`).
    """

    type: str
    id: str
    says: str
    says_default: str = ""
    extract: tuple[str, ...] = ()
    expect: Mapping[str, Any] = field(default_factory=dict)
    needs: tuple[str, ...] = ()  # parameters ("a|b": either) without which there is no claim
    quiet: bool = False  # a missing ``needs`` value is no reason to review the sentence


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
    words: tuple[tuple[str, ...], ...] = ()  # every group must have a word in the sentence
    unless_words: tuple[str, ...] = ()
    sure: bool = False  # its reason stands even for a sentence that speaks of security

    def matches(self, sentence: Sentence, lang: str = "") -> bool:
        """Whether this rule applies to ``sentence`` (``lang`` lemmatises for ``words``)."""
        if self.heading is not None and not self.heading.search(sentence.heading):
            return False
        if any(p.search(sentence.text) for p in self.unless):
            return False
        if self.match and not any(p.search(sentence.text) for p in self.match):
            return False
        if self.words or self.unless_words:
            found = lemma_words(sentence.text, lang or "en")
            if any(found.has(w) for w in self.unless_words):
                return False
            return all(found.any_of(group) for group in self.words)
        return True


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
    if not isinstance(data, dict) or not {"type", "id"} <= set(data):
        raise RulesError(f"{where}.claim: needs type and id")
    extract = data.get("extract", [])
    extract = (extract,) if isinstance(extract, str) else tuple(extract)
    unknown = [e for e in extract if e not in EXTRACTORS]
    if unknown:
        raise RulesError(f"{where}.claim.extract: unknown extractor {unknown[0]!r} "
                         f"(known: {', '.join(EXTRACTORS)})")
    needs = data.get("needs", [])
    needs = (needs,) if isinstance(needs, str) else tuple(map(str, needs))
    return ClaimSpec(str(data["type"]), str(data["id"]), str(data.get("says", "")),
                     str(data.get("says_default", "")), extract, dict(data.get("expect", {})),
                     needs, bool(data.get("quiet", False)))


def _word_groups(values: Any, where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(values, list) or not values:
        raise RulesError(f"{where}: expected a list of word groups (lists of words)")
    groups = tuple(tuple(str(w).lower() for w in (g if isinstance(g, list) else [g]))
                   for g in values)
    if not all(groups):
        raise RulesError(f"{where}: an empty word group")
    return groups


def _rule(data: Any, index: int) -> Rule:
    where = f"rules[{index}]"
    if not isinstance(data, dict) or "id" not in data or not ({"match", "words"} & set(data)):
        raise RulesError(f"{where}: needs id and match or words")
    claim = _claim(data["claim"], where) if "claim" in data else None
    reason = str(data.get("not_verifiable", ""))
    if (claim is None) == (not reason):
        raise RulesError(f"{where} ({data['id']}): give exactly one of claim, not_verifiable")
    heading = _patterns(data["heading"], f"{where}.heading")[0] if "heading" in data else None
    unless = _patterns(data["unless"], f"{where}.unless") if "unless" in data else ()
    match = _patterns(data["match"], f"{where}.match") if "match" in data else ()
    groups = _word_groups(data["words"], f"{where}.words") if "words" in data else ()
    unless_words = tuple(w for g in _word_groups(data["unless_words"], f"{where}.unless_words")
                         for w in g) if "unless_words" in data else ()
    return Rule(str(data["id"]), match, heading, unless, claim, reason,
                bool(data.get("stop", False)), bool(data.get("private", False)), groups,
                unless_words, bool(data.get("sure", False)))


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
    reason_rule: Rule | None  # the first not_verifiable rule that matched (used when no claim)

    @property
    def private(self) -> bool:
        """Whether any matching rule marks the sentence as holding personal data."""
        rules = [r for r, _ in self.claims] + ([self.reason_rule] if self.reason_rule else [])
        return any(r.private for r in rules)


def match_sentence(sentence: Sentence, rules: Sequence[Rule], lang: str = "") -> Match:
    """Apply ``rules`` to ``sentence`` in order."""
    claims: list[tuple[Rule, ClaimSpec]] = []
    reason: Rule | None = None
    for rule in rules:
        if not rule.matches(sentence, lang):
            continue
        if rule.claim is not None:
            claims.append((rule, rule.claim))
        elif reason is None:
            reason = rule
        if rule.stop:
            break
    return Match(tuple(claims), reason)
