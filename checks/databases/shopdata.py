"""Checks of what a shop keeps in its production database, from counts only.

``db.retention``, ``db.card_numbers`` and ``db.newsletter`` are gathered inside the database
(see :mod:`posture.collect.probes.shopdb`): ages in days, row counts and column defaults;
never a value of a row.
"""

from __future__ import annotations

from typing import Any

from checks.base import Check, CheckContext, CheckMeta, Outcome, capped, int_param
from checks.base import missing as _missing
from posture.models import Severity, Status, msg

_GDPR = "https://eur-lex.europa.eu/eli/reg/2016/679/oj"


def missing(ctx: CheckContext, key: str) -> Outcome | None:
    """The fact's problem, or ``not_applicable`` when the probe found no table it applies to
    (a PostgreSQL schema without the application's tables or columns)."""
    gone = _missing(ctx, key)
    if gone:
        return gone
    value = ctx.fact(key).value
    if isinstance(value, dict) and value.get("not_applicable"):
        reason = str(value["not_applicable"])[:300]
        return Outcome(Status.NOT_APPLICABLE, f"Not applicable: {reason}.", {"reason": reason})
    return None


def _retention(ctx: CheckContext) -> Outcome:
    gone = missing(ctx, "db.retention")
    if gone:
        return gone
    days = int_param(ctx, "max_age_days", required=True)
    if isinstance(days, Outcome):
        return days
    assert days is not None  # a required parameter is a number or an error, never None
    tables: dict[str, Any] = ctx.fact("db.retention").value.get("tables", {})
    over = {name: t for name, t in tables.items()
            if t.get("oldest_age_days") is not None and t["oldest_age_days"] > days}
    evidence = {"max_age_days": days, "tables": {
        name: {"rows": t.get("rows"), "oldest_age_days": t.get("oldest_age_days"),
               "rows_older": t.get("older_than", {}).get(str(days))}
        for name, t in tables.items()}}
    if over:
        worst = max(t["oldest_age_days"] for t in over.values())
        return Outcome(Status.FAIL, msg("Rows older than the promised {days} days in {tables} "
                                        "(oldest {oldest} days).", days=days,
                                        tables=", ".join(sorted(over)), oldest=worst), evidence)
    return Outcome(Status.PASS, msg("No customer or order row is older than {days} days.",
                                    days=days), evidence)


RETENTION = Check(CheckMeta(
    id="data.retention",
    title="Customer and order rows are not older than the promised retention period",
    claim_types=("retention",), severity=Severity.HIGH,
    rationale="Keeping personal data longer than promised breaks the statement and the "
              "storage-limitation principle.",
    remediation="Delete or anonymise customers and orders past the period (OpenCart keeps "
                "them forever unless a clean-up job runs).",
    references=(f"{_GDPR} (art. 5(1)(e))",), needs=("db.retention",), target="database"),
    _retention)


def _cards(ctx: CheckContext) -> Outcome:
    gone = missing(ctx, "db.card_numbers")
    if gone:
        return gone
    value = ctx.fact("db.card_numbers").value
    hits = value.get("hits", [])
    rows = sum(int(h.get("rows", 0)) for h in hits)
    evidence = {"columns": value.get("columns"), "columns_scanned": value.get("columns_scanned"),
                "columns_with_card_numbers": capped(hits), "rows": rows}
    if hits:
        where = msg("in {n} column", "in {n} columns", n=len(hits))
        return Outcome(Status.FAIL, msg("{n} value holding a Luhn-valid card number {where}.",
                                        "{n} values holding a Luhn-valid card number {where}.",
                                        n=rows, where=where), evidence)
    if not value.get("complete"):
        return Outcome(Status.ERROR, msg("could not determine: not every text column was "
                                         "scanned in time"), evidence)
    scanned = int(value.get("columns_scanned") or 0)
    return Outcome(Status.PASS, msg("No card number in {n} text column.",
                                    "No card number in {n} text columns.", n=scanned), evidence)


NO_CARD_DATA = Check(CheckMeta(
    id="data.no_card_numbers",
    title="No card numbers are stored in the production database",
    claim_types=("no_card_data_stored",), severity=Severity.CRITICAL,
    rationale="Stored card numbers put the shop in PCI DSS scope and make a breach costly; "
              "payment providers should be the only ones holding them.",
    remediation="Delete the values (and their backups), find the code path that stored "
                "them (order comments, logs, custom fields).",
    references=("https://www.pcisecuritystandards.org/document_library/ (PCI DSS req. 3)",),
    needs=("db.card_numbers",), target="database"), _cards)


def _newsletter(ctx: CheckContext) -> Outcome:
    gone = missing(ctx, "db.newsletter")
    if gone:
        return gone
    value = ctx.fact("db.newsletter").value
    default = str(value.get("default") or "0").strip("'\"")
    customers, subscribers = int(value.get("customers", 0)), int(value.get("subscribers", 0))
    without = value.get("subscribers_without_record")
    evidence = {"default": default, "customers": customers, "subscribers": subscribers,
                "opt_in_column": value.get("opt_in_column"),
                "subscribers_without_record": without}
    if default not in ("0", "NULL"):
        return Outcome(Status.FAIL, msg("New customers are subscribed by default (default "
                                        "{default}).", default=default), evidence)
    if without:
        return Outcome(Status.FAIL, msg("{n} subscriber without an opt-in record.",
                                        "{n} subscribers without an opt-in record.", n=without),
                       evidence)
    if customers >= 20 and subscribers == customers:
        return Outcome(Status.WARN, msg("Every customer is subscribed: looks like opt-out."),
                       evidence)
    note = "" if value.get("opt_in_column") else msg("; the schema keeps no opt-in record")
    return Outcome(Status.PASS, msg("Not subscribed by default; {subscribers} of "
                                    "{customers} customers subscribed{note}.",
                                    subscribers=subscribers, customers=customers, note=note),
                   evidence)


NEWSLETTER = Check(CheckMeta(
    id="data.newsletter_opt_in",
    title="Customers are not subscribed to the newsletter by default",
    claim_types=("newsletter_opt_in",), severity=Severity.MEDIUM,
    rationale="Consent to e-mail marketing must be an explicit opt-in, not a pre-ticked box.",
    remediation="Set the subscription field's default to 0 and keep a record of each opt-in.",
    references=(f"{_GDPR} (art. 7)", "https://eur-lex.europa.eu/eli/dir/2002/58/oj (art. 13)"),
    needs=("db.newsletter",), target="database"), _newsletter)
