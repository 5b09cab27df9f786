"""Test environments hold only fictitious data (claim type ``test_data_fictitious``).

Both checks judge databases whose inventory ``environment`` is ``test`` or ``staging``; a
production database is only ever the ``compare_with`` side. Their facts hold counts and
categories per table and column, never a value (see ``docs/test-data.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from checks.base import Check, CheckContext, CheckMeta, Outcome, capped, missing, param_error
from posture.models import JSON, Severity, Status, joined, msg

CLAIM = ("test_data_fictitious",)
JUDGED_ENVIRONMENTS = ("test", "staging")
DEFAULT_MAX_REAL_SHARE = 0.01
KIND_WORDS = {"email": msg("e-mail"), "phone": msg("phone"), "iban": "IBAN", "bsn": "BSN",
              "name_postcode": msg("name + postcode")}
REFERENCES = (
    "ISO/IEC 27001:2022 Annex A 8.33 (test information)",
    "GDPR Art. 5(1)(b) and (c), Art. 25 (data protection by design)",
    "RFC 2606 and RFC 6761 (reserved domain names)",
)


def _unusable(ctx: CheckContext, key: str) -> Outcome | None:
    """An ``error`` when the fact is not usable, else ``not_applicable`` outside test."""
    problem = missing(ctx, key)
    if problem is not None:  # one sentence, like every other summary (missing() ends in ")")
        return Outcome(problem.status, msg("{sentence}.", sentence=problem.summary),
                       problem.evidence)
    env = str(ctx.fact(key).value.get("environment", ""))
    if env not in JUDGED_ENVIRONMENTS:
        return Outcome(Status.NOT_APPLICABLE,
                       msg("Environment '{env}' is not a test environment: only test and "
                           "staging databases are judged (production is the compare_with "
                           "side).", env=env),
                       {"environment": env})
    return None


def _share_param(ctx: CheckContext) -> float | Outcome:
    value = ctx.params.get("max_real_share", DEFAULT_MAX_REAL_SHARE)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        return param_error(f"expect.max_real_share must be a number from 0 to below 1, "
                           f"got {value!r}")
    return float(value)


def _label(column: Mapping[str, Any]) -> str:
    return msg("{column} {share} real-looking ({real} of {sampled} sampled)",
               column=f"{column['table']}.{column['column']}",
               share=f"{column['real_share']:.1%}", real=column["real_looking"],
               sampled=column["non_empty"])


def evaluate_values(ctx: CheckContext) -> Outcome:
    """Fail when a decisive column's real-looking share is above ``max_real_share``."""
    problem = _unusable(ctx, "db.pii_scan")
    if problem:
        return problem
    limit = _share_param(ctx)
    if isinstance(limit, Outcome):
        return limit
    scan: Mapping[str, Any] = ctx.fact("db.pii_scan").value
    columns: Sequence[Mapping[str, Any]] = scan.get("columns", [])
    decisive = [c for c in columns if c.get("decisive") and c.get("non_empty", 0) > 0]
    over = [c for c in decisive if c["real_share"] > limit]
    under = [c for c in decisive if 0 < c["real_share"] <= limit]
    evidence: dict[str, JSON] = {
        "max_real_share": limit, "tables_scanned": scan.get("tables_scanned", 0),
        "tables_total": scan.get("tables_total", 0), "truncated": bool(scan.get("truncated")),
        "personal_data_columns": len(columns), "decisive_columns": len(decisive),
        "columns": capped([dict(c) for c in columns])}
    if over:
        listed = joined([_label(c) for c in over[:3]])
        if len(over) > 3:
            return Outcome(Status.FAIL, msg("{n} columns hold real-looking personal data; the "
                                            "first 3: {columns}.", n=len(over),
                                            columns=listed), evidence)
        return Outcome(Status.FAIL, msg("{n} column holds real-looking personal data: "
                                        "{columns}.", "{n} columns hold real-looking personal "
                                        "data: {columns}.", n=len(over), columns=listed),
                       evidence)
    if under:
        return Outcome(Status.WARN, msg("A few real-looking values, within max_real_share "
                                        "{limit}: {columns}.", limit=f"{limit:.1%}",
                                        columns=joined([_label(c) for c in under[:3]])),
                       evidence)
    if scan.get("truncated"):
        return Outcome(Status.WARN, msg("No real-looking values in the part scanned, but the "
                                        "scan stopped early (time or table limit)."), evidence)
    if columns and not decisive:
        return Outcome(Status.WARN, msg("{n} personal-data column without a decisive rule "
                                        "(names, addresses): only the production comparison "
                                        "judges it.", "{n} personal-data columns without a "
                                        "decisive rule (names, addresses): only the production "
                                        "comparison judges them.", n=len(columns)), evidence)
    return Outcome(Status.PASS, msg("{n} personal-data column holds only fictitious or invalid "
                                    "values ({tables} tables scanned).", "{n} personal-data "
                                    "columns hold only fictitious or invalid values ({tables} "
                                    "tables scanned).", n=len(decisive),
                                    tables=scan.get("tables_scanned", 0)), evidence)


def _overlaps(comparison: Mapping[str, Any]) -> list[tuple[str, int]]:
    kinds: Mapping[str, Mapping[str, Any]] = comparison.get("kinds", {})
    return [(k, int(v.get("overlap", 0))) for k, v in kinds.items() if v.get("overlap", 0)]


def evaluate_overlap(ctx: CheckContext) -> Outcome:
    """Fail when identifying values of the database also occur in the production database."""
    problem = _unusable(ctx, "db.prod_overlap")
    if problem:
        return problem
    fact: Mapping[str, Any] = ctx.fact("db.prod_overlap").value
    comparisons: Sequence[Mapping[str, Any]] = fact.get("comparisons", [])
    evidence: dict[str, JSON] = {"comparisons": [dict(c) for c in comparisons]}
    if not comparisons:
        return Outcome(Status.NOT_APPLICABLE, msg("No compare_with database: copies of "
                                                  "production were not looked for."), evidence)
    env = fact.get("environment", "test")
    for comparison in comparisons:
        found = _overlaps(comparison)
        if found:
            kind, count = found[0]  # identifiers are listed most convincing first
            also = ", ".join(f"{KIND_WORDS.get(k, k)} ({n})" for k, n in found[1:])
            if also:
                return Outcome(Status.FAIL, msg("{n} production records found in {env} (by "
                                                "{kind} hash), compared with {other}; also "
                                                "matched by {also}.", n=count, env=env,
                                                kind=KIND_WORDS.get(kind, kind),
                                                other=comparison.get("with"), also=also),
                               evidence)
            return Outcome(Status.FAIL, msg("{n} production record found in {env} (by {kind} "
                                            "hash), compared with {other}.", "{n} production "
                                            "records found in {env} (by {kind} hash), compared "
                                            "with {other}.", n=count, env=env,
                                            kind=KIND_WORDS.get(kind, kind),
                                            other=comparison.get("with")), evidence)
    if not all(c.get("kinds") for c in comparisons):
        return Outcome(Status.ERROR, msg("could not determine: no identifying column "
                                         "(e-mail, phone, IBAN, BSN, name + postcode) "
                                         "exists in both databases."), evidence)
    kinds = sorted({KIND_WORDS.get(k, k) for c in comparisons for k in c.get("kinds", {})})
    return Outcome(Status.PASS, msg("No production records found in {env} (compared by "
                                    "{items} hashes).", env=env, items=', '.join(kinds)), evidence)


FICTITIOUS_VALUES = Check(CheckMeta(
    id="testdata.fictitious_values",
    title="Personal-data columns of the test database hold fictitious values",
    severity=Severity.HIGH,
    rationale="Test systems are less guarded than production; real e-mail addresses, phone "
              "numbers, IBANs or BSNs there are personal data processed without need.",
    remediation="Replace the data with generated values: reserved domains (example.com, "
                ".test), test BSNs (99999xxxx), published example IBANs and test card numbers.",
    needs=("db.pii_scan",), claim_types=CLAIM, references=REFERENCES, target="database"),
    evaluate_values)

NO_PRODUCTION_RECORDS = Check(CheckMeta(
    id="testdata.no_production_records",
    title="The test database holds no copies of production records",
    severity=Severity.HIGH,
    rationale="A copy of production customers in a test database breaks purpose limitation "
              "and exposes them wherever the test environment is reachable.",
    remediation="Remove the copied records and stop refreshing test from production dumps; "
                "if production-like data is needed, pseudonymise it irreversibly first.",
    needs=("db.prod_overlap",), claim_types=CLAIM, references=REFERENCES,
    target="database"), evaluate_overlap)
