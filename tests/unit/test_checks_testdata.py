"""Test-data checks on recorded database facts: pass, warn, fail, error, not applicable."""

from __future__ import annotations

import json
from typing import Any

import pytest
from facts_samples import context

from checks.databases.testdata import FICTITIOUS_VALUES, NO_PRODUCTION_RECORDS
from posture.models import Fact, FactStatus, Status


def column(table: str, name: str, kind: str, real: int, fictitious: int,
           decisive: bool = True) -> dict[str, Any]:
    present = real + fictitious
    return {"table": table, "column": name, "kind": kind, "found_by": "name",
            "decisive": decisive, "sampled": present, "non_empty": present, "empty": 0,
            "fictitious": fictitious, "real_looking": real, "invalid": 0, "undetermined": 0,
            "real_share": round(real / present, 4) if present else 0.0, "reasons": {}}


def scan_fact(*columns: dict[str, Any], environment: str = "test",
              truncated: bool = False) -> Fact:
    return Fact("db.pii_scan", FactStatus.OK, {
        "environment": environment, "tables_total": 4, "tables_scanned": 4,
        "truncated": truncated, "columns": list(columns)})


def overlap_fact(kinds: dict[str, int], environment: str = "test") -> Fact:
    return Fact("db.prod_overlap", FactStatus.OK, {
        "environment": environment,
        "comparisons": [{"with": "shop-prod", "environment": "production", "kinds": {
            k: {"test_values": 500, "production_values": 1000, "overlap": n, "capped": False}
            for k, n in kinds.items()}}]})


def test_fictitious_columns_pass() -> None:
    outcome = FICTITIOUS_VALUES.evaluate(context([scan_fact(
        column("oc_customer", "email", "email", 0, 500),
        column("oc_customer", "firstname", "first_name", 0, 0, decisive=False))]))
    assert outcome.status is Status.PASS
    assert outcome.evidence["decisive_columns"] == 1


def test_real_looking_share_above_threshold_fails_with_counts_only() -> None:
    outcome = FICTITIOUS_VALUES.evaluate(context([scan_fact(
        column("oc_customer", "email", "email", 7, 500))]))
    assert outcome.status is Status.FAIL
    assert "oc_customer.email 1.4% real-looking (7 of 507 sampled)" in outcome.summary
    json.dumps(dict(outcome.evidence))


def test_share_within_threshold_warns() -> None:
    outcome = FICTITIOUS_VALUES.evaluate(context(
        [scan_fact(column("oc_customer", "email", "email", 7, 500))], {"max_real_share": 0.05}))
    assert outcome.status is Status.WARN


def test_bad_threshold_is_an_error() -> None:
    outcome = FICTITIOUS_VALUES.evaluate(context(
        [scan_fact(column("t", "email", "email", 0, 5))], {"max_real_share": "lots"}))
    assert outcome.status is Status.ERROR


def test_only_undecidable_columns_warn_and_truncated_scan_warns() -> None:
    names = column("t", "firstname", "first_name", 0, 0, decisive=False)
    assert FICTITIOUS_VALUES.evaluate(context([scan_fact(names)])).status is Status.WARN
    clean = column("t", "email", "email", 0, 9)
    truncated = scan_fact(clean, truncated=True)
    assert FICTITIOUS_VALUES.evaluate(context([truncated])).status is Status.WARN


@pytest.mark.parametrize("check", [FICTITIOUS_VALUES, NO_PRODUCTION_RECORDS])
@pytest.mark.parametrize("status", [FactStatus.DENIED, FactStatus.TIMEOUT, FactStatus.ERROR])
def test_unusable_facts_are_errors(check: Any, status: FactStatus) -> None:
    fact = Fact(check.meta.needs[0], status, None, "db: access denied (error 1045)")
    outcome = check.evaluate(context([fact]))
    assert outcome.status is Status.ERROR
    assert outcome.summary.startswith("could not determine") and outcome.summary.endswith(".")


def test_production_databases_are_not_judged() -> None:
    outcome = FICTITIOUS_VALUES.evaluate(context([scan_fact(
        column("t", "email", "email", 500, 0), environment="production")]))
    assert outcome.status is Status.NOT_APPLICABLE
    outcome = NO_PRODUCTION_RECORDS.evaluate(context([overlap_fact({"email": 9}, "production")]))
    assert outcome.status is Status.NOT_APPLICABLE


def test_overlap_fails_with_the_done_means_sentence() -> None:
    outcome = NO_PRODUCTION_RECORDS.evaluate(context([overlap_fact(
        {"email": 7, "phone": 0, "name_postcode": 6})]))
    assert outcome.status is Status.FAIL
    assert outcome.summary.startswith("7 production records found in test (by e-mail hash)")
    assert "name + postcode (6)" in outcome.summary


def test_no_overlap_passes_and_nothing_comparable_is_an_error() -> None:
    outcome = NO_PRODUCTION_RECORDS.evaluate(context([overlap_fact({"email": 0, "iban": 0})]))
    assert outcome.status is Status.PASS
    assert NO_PRODUCTION_RECORDS.evaluate(context([overlap_fact({})])).status is Status.ERROR


def test_without_compare_with_the_overlap_is_not_applicable() -> None:
    fact = Fact("db.prod_overlap", FactStatus.OK, {"environment": "test", "comparisons": []})
    assert NO_PRODUCTION_RECORDS.evaluate(context([fact])).status is Status.NOT_APPLICABLE
