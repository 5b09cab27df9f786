"""Build the inventory skeleton from matched sentences: claims, placeholder targets, ledger.

Sentences that map to the same claim id share one claim (its ``source`` is the first of them;
the ledger lists them all). Lists in ``expect`` are merged; a sentence stating a different
value for the same parameter gets a claim of its own (``retention-2``). The skeleton is valid
YAML for the loader once the placeholder targets (``FILL_IN``) are filled in.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from posture.statement.extract import EXTRACTORS
from posture.statement.rules import ClaimSpec, Match, Rule, match_sentence
from posture.statement.segment import Sentence

PLACEHOLDER = "FILL_IN"
NO_RULE = "no rule matched this sentence; review it by hand and map it or explain it"
STARTS_WORDS = 6
# Where each claim type looks: the scope a skeleton gives it (names of placeholder targets).
SCOPES: dict[str, dict[str, list[str]]] = {
    "os_version": {"hosts": ["shop-server"]},
    "apache_version": {"hosts": ["shop-server"]},
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


@dataclass
class DraftClaim:
    """A claim being assembled from one or more sentences."""

    id: str
    type: str
    specs: list[ClaimSpec]
    expect: dict[str, Any]
    source: Sentence

    def says(self) -> str:
        """The paraphrase: the first template all of whose placeholders are known."""
        values = {**self.expect, **_derived(self.expect)}
        for spec in self.specs:
            names = {n for _, n, _, _ in string.Formatter().parse(spec.says) if n}
            if names <= values.keys():
                return spec.says.format_map({k: _plain(values[k]) for k in names})
        first = self.specs[0]
        return first.says_default or re.sub(r"\{[^}]*\}", "(to be filled in)", first.says)


@dataclass(frozen=True)
class LedgerLine:
    """What became of one sentence."""

    sentence: str
    section: str
    claims: tuple[str, ...] = ()
    reason: str = ""
    rule: str = ""
    starts: str = ""  # the first words, for finding it again; empty for private sentences
    text: str = ""  # the whole sentence (bounded) for the report; empty for private sentences


@dataclass
class Skeleton:
    """The result of an import."""

    language: str
    claims: list[DraftClaim] = field(default_factory=list)
    ledger: list[LedgerLine] = field(default_factory=list)

    @property
    def unmatched(self) -> list[LedgerLine]:
        """Ledger lines no rule explained."""
        return [line for line in self.ledger if not line.claims and not line.rule]


def _plain(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _derived(expect: dict[str, Any]) -> dict[str, str]:
    allowed = expect.get("allowed", [])
    note = " (and analytics cookies that respect privacy)" if "analytics" in allowed else ""
    return {"analytics_note": note}


def _params(spec: ClaimSpec, sentence: Sentence, lang: str) -> dict[str, Any]:
    params: dict[str, Any] = {k: (list(v) if isinstance(v, list) else v)
                              for k, v in spec.expect.items()}
    for name in spec.extract:
        params.update(EXTRACTORS[name](sentence.text, lang))
    return params


def _merge(claims: list[DraftClaim], spec: ClaimSpec, params: dict[str, Any],
           sentence: Sentence) -> str:
    """Add ``params`` to the claim with ``spec.id`` (or a numbered sibling); return its id."""
    siblings = [c for c in claims if c.id == spec.id or c.id.startswith(spec.id + "-")]
    for claim in siblings:
        clash = any(k in claim.expect and not isinstance(v, list) and claim.expect[k] != v
                    for k, v in params.items())
        if clash:
            continue
        for key, value in params.items():
            if isinstance(value, list):
                old = claim.expect.setdefault(key, [])
                old.extend(v for v in value if v not in old)
            else:
                claim.expect.setdefault(key, value)
        if spec not in claim.specs:
            claim.specs.append(spec)
        return claim.id
    ident = spec.id if not siblings else f"{spec.id}-{len(siblings) + 1}"
    claims.append(DraftClaim(ident, spec.type, [spec], dict(params), sentence))
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


def build(sentences: Sequence[Sentence], rules: Sequence[Rule], lang: str) -> Skeleton:
    """Match every sentence and assemble the skeleton."""
    skeleton = Skeleton(lang)
    for sentence in sentences:
        match = match_sentence(sentence, rules)
        ids: list[str] = []
        for _rule, spec in match.claims:
            ident = _merge(skeleton.claims, spec, _params(spec, sentence, lang), sentence)
            if ident not in ids:
                ids.append(ident)
        reason_rule = match.reason_rule
        skeleton.ledger.append(LedgerLine(
            sentence.id, sentence.section, tuple(ids),
            "" if ids else (reason_rule.not_verifiable if reason_rule else NO_RULE),
            ",".join(r.id for r, _ in match.claims) or (reason_rule.id if reason_rule else ""),
            starts(sentence, match), quoted(sentence, match)))
    return skeleton
