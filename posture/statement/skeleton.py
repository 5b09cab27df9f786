"""Build the inventory skeleton from matched sentences: claims, placeholder targets, ledger.

Sentences that map to the same claim id share one claim (its ``source`` is the first of them;
the ledger lists them all). Lists in ``expect`` are merged; a sentence stating a different
value for the same parameter gets a claim of its own (``retention-2``). A claim's ``says``
quotes its first sentence in the statement's own language. Values the claim type has no
``expect`` field for (a minimum password length, a product version under an attestation) are
kept as ``stated``. A sentence that speaks of security but yields no claim is marked for
review, never dismissed (:mod:`~posture.statement.review`). The skeleton is valid YAML for
the loader once the placeholder targets (``FILL_IN``) are filled in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from posture.statement.extract import EXTRACTORS
from posture.statement.review import security_words
from posture.statement.rules import ClaimSpec, Match, Rule, match_sentence
from posture.statement.segment import Sentence

PLACEHOLDER = "FILL_IN"
NO_RULE = "no rule matched this sentence; review it by hand and map it or explain it"
STARTS_WORDS = 6
TEXT_CHARS = 300  # the sentence text kept in the ledger and quoted in ``says``
REVIEW = "speaks of {topics} but no rule took a promise from it; review it by hand"
MISSING = "speaks of {topic} but no {what} was found in it; review it by hand"
_VALUE_NAMES = {"max_age_days": "period", "period_days": "period", "version": "version",
                "min_length": "length", "allowed": "cookie category"}
# What each claim type's ``expect`` accepts; other extracted values are kept as ``stated``.
EXPECT_KEYS: dict[str, frozenset[str]] = {
    "attestation": frozenset({"period_days"}),
    "third_parties_declared": frozenset({"declared", "not_used"}),
}
# Where each claim type looks: the scope a skeleton gives it (names of placeholder targets).
SCOPES: dict[str, dict[str, list[str]]] = {
    "os_version": {"hosts": ["shop-server"]},
    "apache_version": {"hosts": ["shop-server"]},
    "web_server_version": {"hosts": ["shop-server"]},
    "password_rotation": {"hosts": ["shop-server"]},
    "encrypted_admin_channels": {"hosts": ["shop-server"]},
    "application_version": {"hosts": ["shop-server"]},
    "ip_allowlist": {"hosts": ["shop-server"], "endpoints": ["shop"]},
    "tls_all_links": {"endpoints": ["shop"]},
    "cookies_functional_only": {"endpoints": ["shop"]},
    "third_parties_declared": {"endpoints": ["shop"]},
    "retention": {"databases": ["shop-prod"]},
    "no_card_data_stored": {"databases": ["shop-prod"]},
    "newsletter_opt_in": {"databases": ["shop-prod"]},
    "test_data_fictitious": {"databases": ["shop-test"]},
    "attestation": {},
}


_PERSONAL = (
    (re.compile(r"\S+@\S+"), "[e-mail]"),
    (re.compile(r"(?<!\w)\+?\d[\d\s()-]{7,}\d(?!\w)"), "[number]"),
)


def bounded(text: str, limit: int = TEXT_CHARS) -> str:
    """``text`` with addresses and phone numbers masked, cut at a word boundary to at most
    ``limit`` characters (with an ellipsis)."""
    text = " ".join(text.split())
    for pattern, mask in _PERSONAL:
        text = pattern.sub(mask, text)
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " \u2026"


@dataclass
class DraftClaim:
    """A claim being assembled from one or more sentences."""

    id: str
    type: str
    specs: list[ClaimSpec]
    expect: dict[str, Any]
    source: Sentence
    stated: dict[str, Any] = field(default_factory=dict)
    review: list[str] = field(default_factory=list)  # party names the table does not know

    def says(self) -> str:
        """The promise in the statement's own words: its first sentence, quoted."""
        return bounded(self.source.text)

    @property
    def values(self) -> dict[str, Any]:
        """Every value the statement gave: ``expect`` and ``stated`` together."""
        return {**self.stated, **self.expect}


@dataclass(frozen=True)
class LedgerLine:
    """What became of one sentence."""

    sentence: str
    section: str
    claims: tuple[str, ...] = ()
    reason: str = ""
    rule: str = ""
    starts: str = ""  # the first words, for finding it again; empty for private sentences
    review: str = ""  # why a person must look at it (no claim, but it speaks of security)
    text: str = ""  # the sentence itself, bounded; empty for private sentences


@dataclass
class Skeleton:
    """The result of an import."""

    language: str
    claims: list[DraftClaim] = field(default_factory=list)
    ledger: list[LedgerLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def unmatched(self) -> list[LedgerLine]:
        """Ledger lines no rule explained and nothing flagged for review."""
        return [line for line in self.ledger
                if not line.claims and not line.rule and not line.review]

    @property
    def needs_review(self) -> list[LedgerLine]:
        """Ledger lines a person must look at: security sentences without a claim."""
        return [line for line in self.ledger if line.review]


def _params(spec: ClaimSpec, sentence: Sentence, lang: str,
            own: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    base: dict[str, Any] = {k: (list(v) if isinstance(v, list) else v)
                            for k, v in spec.expect.items()}
    results = [base]
    for name in spec.extract:
        found = EXTRACTORS[name](sentence.text, lang)
        if found:
            results = [{**r, **f} for r in results for f in found]
    results = [_without_own(r, own) for r in results]
    return [r for r in results
            if all(any(k in r for k in need.split("|")) for need in spec.needs)]


def _split(claim_type: str, params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = EXPECT_KEYS.get(claim_type)
    if keys is None:
        return params, {}
    return ({k: v for k, v in params.items() if k in keys},
            {k: v for k, v in params.items() if k not in keys})


def _merge(claims: list[DraftClaim], spec: ClaimSpec, params: dict[str, Any],
           sentence: Sentence) -> str:
    """Add ``params`` to the claim with ``spec.id`` (or a numbered sibling); return its id."""
    review = [str(n) for n in params.pop("review", [])]
    expect, stated = _split(spec.type, params)
    siblings = [c for c in claims if c.id == spec.id or c.id.startswith(spec.id + "-")]
    for claim in siblings:
        values = claim.values
        clash = any(k in values and not isinstance(v, list) and values[k] != v
                    for k, v in params.items())
        if clash:
            continue
        for target, new in ((claim.expect, expect), (claim.stated, stated)):
            for key, value in new.items():
                if isinstance(value, list):
                    old = target.setdefault(key, [])
                    seen = {str(v).lower() for v in old}
                    for item in value:
                        if str(item).lower() not in seen:
                            old.append(item)
                            seen.add(str(item).lower())
                else:
                    target.setdefault(key, value)
        claim.review.extend(n for n in review if n.lower() not in
                            {r.lower() for r in claim.review})
        if spec not in claim.specs:
            claim.specs.append(spec)
        return claim.id
    ident = spec.id if not siblings else f"{spec.id}-{len(siblings) + 1}"
    claims.append(DraftClaim(ident, spec.type, [spec], dict(expect), sentence, dict(stated),
                             review))
    return ident


TEXT_LIMIT = 600
"""Longest sentence kept in the inventory's ledger (the report quotes it)."""


_IDENTIFYING = re.compile(r"\S+@\S+|\b[a-z][a-z0-9+.-]*://\S+|\bwww\.\S+|\+?\d[\d .\-/]{6,}\d",
                          re.IGNORECASE)


def quoted(sentence: Sentence, match: Match) -> str:
    """The sentence for the report (bounded): '' if private; addresses, links and long
    numbers (phone, IBAN) masked even in a sentence no rule marked private."""
    if match.private:
        return ""
    return _IDENTIFYING.sub("\u2026", sentence.text)[:TEXT_LIMIT]


def starts(sentence: Sentence, match: Match) -> str:
    """The sentence's first words, with addresses and numbers masked; '' if private."""
    if match.private:
        return ""
    words = sentence.text.split()[:STARTS_WORDS]
    masked = ["\u2026" if re.search(r"[@\d]|www\.|://", w) else w for w in words]
    return " ".join(masked) + (" \u2026" if len(sentence.text.split()) > STARTS_WORDS else "")


def _drop_broad_google(claims: list[DraftClaim]) -> None:
    """"Google" beside "Google Analytics" elsewhere in the statement is the same party."""
    for claim in claims:
        declared = claim.expect.get("declared", [])
        if "google-analytics" in declared and "google" in declared:
            declared.remove("google")


def own_names(sentences: Sequence[Sentence]) -> frozenset[str]:
    """Words that name the organisation itself, which is no third party: those that open two
    or more sentences ("OptiCam verwerkt...", "Opticam maakt...") and the capitalised words
    of the statement's title and first sentence ("Privacy Statement - Cartwheel Commerce")."""
    openers: dict[str, int] = {}
    for sentence in sentences:
        first = sentence.text.split()[0].lower().strip(",.:;") if sentence.text.split() else ""
        openers[first] = openers.get(first, 0) + 1
    own = {w for w, n in openers.items() if n >= 2}
    if sentences:
        opening = f"{sentences[0].heading} {sentences[0].text}"
        own |= {w.lower().strip(",.:;") for w in opening.split() if w[:1].isupper()}
    return frozenset(own)


def _without_own(params: dict[str, Any], own: frozenset[str]) -> dict[str, Any]:
    """``params`` without the names of the organisation itself (only names the party table
    does not know, listed under ``review``, are candidates)."""
    drop = {n for n in params.get("review", []) if n.split()[0].lower() in own}
    if not drop:
        return params
    out = {k: ([x for x in v if x not in drop] if isinstance(v, list) else v)
           for k, v in params.items()}
    return {k: v for k, v in out.items() if not (isinstance(v, list) and not v
                                                 and k in ("declared", "not_used", "review"))}


def build(sentences: Sequence[Sentence], rules: Sequence[Rule], lang: str) -> Skeleton:
    """Match every sentence and assemble the skeleton."""
    skeleton = Skeleton(lang)
    own = own_names(sentences)
    for sentence in sentences:
        match = match_sentence(sentence, rules, lang)
        ids: list[str] = []
        missing: list[ClaimSpec] = []
        for _rule, spec in match.claims:
            found = _params(spec, sentence, lang, own)
            if not found and spec.needs and not spec.quiet:
                missing.append(spec)
            for params in found:
                ident = _merge(skeleton.claims, spec, params, sentence)
                if ident not in ids:
                    ids.append(ident)
        reason_rule = match.reason_rule
        topics = [] if ids or match.private or (reason_rule is not None and reason_rule.sure) \
            else security_words(sentence.text, lang)
        if not topics:
            review = ""
        elif missing:
            what = " or ".join(_VALUE_NAMES.get(n, n.replace("_", " ")) for n in missing[0].needs)
            review = MISSING.format(topic=missing[0].id.replace("-", " "), what=what)
        else:
            review = REVIEW.format(topics=", ".join(t.strip("*") for t in topics[:3]))
        rule_ids = ",".join(r.id for r, _ in match.claims) if ids else ""
        skeleton.ledger.append(LedgerLine(
            sentence.id, sentence.section, tuple(ids),
            "" if ids or review else (reason_rule.not_verifiable if reason_rule else NO_RULE),
            rule_ids or ("" if review else (reason_rule.id if reason_rule else "")),
            starts(sentence, match), review,
            "" if match.private else bounded(sentence.text)))
    _drop_broad_google(skeleton.claims)
    return skeleton
