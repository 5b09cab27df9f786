"""Inventory schema parts for statement imports: the newer claim types' ``expect`` fields,
a claim's ``source`` (where in the statement it comes from) and the top-level ``ledger``
(what became of every sentence). :mod:`posture.inventory.schema` merges them in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from posture.inventory import validators as v
from posture.inventory.model import LedgerEntry
from posture.inventory.structure import Ctx, Field, Rec, list_of, value
from posture.inventory.validators import nearest

COOKIE_CATEGORIES = ("strictly_necessary", "functional", "analytics", "marketing")


_PREFIX = Field(value(v.safe_text))  # table prefix of the shop schema ("oc_")

STATEMENT_EXPECT_FIELDS: Mapping[str, Mapping[str, Field]] = {
    "cookies_functional_only": {
        "allowed": Field(list_of(value(v.one_of(*COOKIE_CATEGORIES)))),
        "max_pages": Field(value(v.positive_int)),
    },
    "third_parties_declared": {
        "declared": Field(list_of(value(v.text))),
        "not_used": Field(list_of(value(v.text))),
        "first_party": Field(list_of(value(v.text))),
        "max_pages": Field(value(v.positive_int)),
    },
    "retention": {"max_age_days": Field(value(v.positive_int)), "table_prefix": _PREFIX},
    "no_card_data_stored": {"table_prefix": _PREFIX},
    "newsletter_opt_in": {"table_prefix": _PREFIX},
    "application_version": {
        "product": Field(value(v.one_of("opencart"))),
        "version": Field(value(v.text)),
    },
    "attestation": {
        "document": Field(value(v.path)),
        "sha256": Field(value(v.text)),
        "attested_by": Field(value(v.text)),
        "expires": Field(value(v.date)),
        "period_days": Field(value(v.positive_int)),
    },
}

SOURCE_FIELDS = {
    "section": Field(value(v.text)),
    "sentence": Field(value(v.text)),
}

LEDGER_FIELDS = {
    "sentence": Field(value(v.text), required=True),
    "section": Field(value(v.text)),
    "claims": Field(list_of(value(v.claim_id))),
    "not_verifiable": Field(value(v.paragraph)),
    "starts": Field(value(v.text)),
    "text": Field(value(v.paragraph)),
}


def ledger_entry(rec: Mapping[str, Any]) -> LedgerEntry:
    """The typed ledger entry of a checked ``ledger`` item."""
    return LedgerEntry(sentence=rec["sentence"], section=rec.get("section", ""),
                       claims=tuple(rec.get("claims", ())),
                       not_verifiable=rec.get("not_verifiable", ""),
                       starts=rec.get("starts", ""), text=rec.get("text", ""))


def check_ledger(doc: Rec, ctx: Ctx) -> None:
    """Each ledger entry names existing claims or says why none; sentence ids are unique."""
    entries = [e for e in doc.get("ledger", []) if isinstance(e, Rec)]
    claim_ids = {c.get("id") for c in doc.get("claims", []) if isinstance(c, Rec)}
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        where = ctx.at("ledger").at(i)
        sentence = str(entry.get("sentence", ""))
        if sentence in seen:
            where.bad(entry.line_of("sentence"), f"duplicate sentence '{sentence}'")
        seen.add(sentence)
        claims = entry.get("claims", [])
        if bool(claims) == ("not_verifiable" in entry):
            where.bad(entry.line, "give either claims or not_verifiable (the reason)")
        for claim in claims:
            if claim not in claim_ids:
                close = nearest(claim, [c for c in claim_ids if isinstance(c, str)])
                hint = f": did you mean '{close}'?" if close else ""
                where.bad(entry.line_of("claims"), f"no claim with id '{claim}'{hint}")
