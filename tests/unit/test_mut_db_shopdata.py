"""data.retention, data.no_card_numbers and data.newsletter_opt_in: boundaries of the period,
of the opt-out heuristic, and the evidence each verdict carries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from checks.base import CheckContext
from checks.databases.shopdata import NEWSLETTER, NO_CARD_DATA, RETENTION, missing
from posture.models import Fact, FactStatus, Status

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def ctx(key: str, value: Any, status: FactStatus = FactStatus.OK,
        **params: Any) -> CheckContext:
    return CheckContext("db1", {key: Fact(key, status, value=value, reason="why")}, params, NOW)


# ----------------------------------------------------------------------------- missing
def test_missing_passes_through_an_unusable_fact() -> None:
    out = missing(ctx("db.retention", None, FactStatus.DENIED), "db.retention")
    assert out is not None and out.status is Status.ERROR
    assert out.evidence == {"fact": "db.retention", "fact_status": "denied", "reason": "why"}


@pytest.mark.parametrize(("value", "reason"), [
    ({"not_applicable": "no oc_customer table"}, "no oc_customer table"),
    ({"not_applicable": "x" * 400}, "x" * 300),
    ({"not_applicable": 7}, "7"),
])
def test_missing_not_applicable(value: dict[str, Any], reason: str) -> None:
    out = missing(ctx("db.newsletter", value), "db.newsletter")
    assert out is not None and out.status is Status.NOT_APPLICABLE
    assert out.summary == f"Not applicable: {reason}."
    assert out.evidence == {"reason": reason}


@pytest.mark.parametrize("value", [{"not_applicable": ""}, {"not_applicable": None}, {},
                                   ["not_applicable"], "not_applicable"])
def test_missing_is_none_for_an_applicable_value(value: Any) -> None:
    assert missing(ctx("db.newsletter", value), "db.newsletter") is None


def test_each_check_passes_not_applicable_on() -> None:
    for check, key in ((RETENTION, "db.retention"), (NO_CARD_DATA, "db.card_numbers"),
                       (NEWSLETTER, "db.newsletter")):
        out = check.evaluate(ctx(key, {"not_applicable": "no table"}, max_age_days=30))
        assert out.status is Status.NOT_APPLICABLE and out.summary == "Not applicable: no table."
        err = check.evaluate(ctx(key, None, FactStatus.TIMEOUT, max_age_days=30))
        assert err.status is Status.ERROR and err.evidence["fact"] == key


# ---------------------------------------------------------------------------- retention
def tables(**ages: int | None) -> dict[str, Any]:
    return {"tables": {name: {"rows": 10, "oldest_age_days": age,
                              "older_than": {"30": 4, "365": 1}}
                       for name, age in ages.items()}}


@pytest.mark.parametrize(("age", "status"), [
    (29, Status.PASS), (30, Status.PASS), (31, Status.FAIL), (0, Status.PASS),
    (None, Status.PASS),
])
def test_retention_boundary(age: int | None, status: Status) -> None:
    out = RETENTION.evaluate(ctx("db.retention", tables(oc_customer=age), max_age_days=30))
    assert out.status is status
    assert out.evidence == {"max_age_days": 30, "tables": {
        "oc_customer": {"rows": 10, "oldest_age_days": age, "rows_older": 4}}}
    if status is Status.PASS:
        assert out.summary == "No customer or order row is older than 30 days."
    else:
        assert out.summary == ("Rows older than the promised 30 days in oc_customer "
                               "(oldest 31 days).")


def test_retention_names_every_table_over_and_the_oldest() -> None:
    value = tables(oc_order=400, oc_customer=45, oc_address=10, oc_return=None)
    out = RETENTION.evaluate(ctx("db.retention", value, max_age_days=365))
    assert out.status is Status.FAIL
    assert out.summary == ("Rows older than the promised 365 days in oc_order (oldest 400 "
                           "days).")
    out = RETENTION.evaluate(ctx("db.retention", value, max_age_days=30))
    assert out.summary == ("Rows older than the promised 30 days in oc_customer, oc_order "
                           "(oldest 400 days).")
    assert out.evidence["tables"]["oc_return"] == {  # type: ignore[index, call-overload]
        "rows": 10, "oldest_age_days": None, "rows_older": 4}


def test_retention_evidence_without_counts() -> None:
    value = {"tables": {"oc_customer": {"oldest_age_days": 3}}}
    out = RETENTION.evaluate(ctx("db.retention", value, max_age_days=7))
    assert out.status is Status.PASS
    assert out.evidence == {"max_age_days": 7, "tables": {
        "oc_customer": {"rows": None, "oldest_age_days": 3, "rows_older": None}}}
    empty = RETENTION.evaluate(ctx("db.retention", {}, max_age_days=7))
    assert empty.status is Status.PASS and empty.evidence == {"max_age_days": 7, "tables": {}}


@pytest.mark.parametrize("days", [None, 0, -1, "30", True])
def test_retention_needs_a_positive_period(days: Any) -> None:
    params = {} if days is None else {"max_age_days": days}
    out = RETENTION.evaluate(CheckContext("db1", {"db.retention": Fact(
        "db.retention", FactStatus.OK, value=tables(a=400))}, params, NOW))
    assert out.status is Status.ERROR
    assert out.summary == ("could not determine: expect.max_age_days must be a positive "
                           f"whole number, got {days!r}")


# -------------------------------------------------------------------------------- cards
def test_cards_found() -> None:
    hits = [{"table": "oc_order", "column": "comment", "rows": 2},
            {"table": "oc_customer", "column": "custom_field", "rows": "1"}]
    value = {"columns": 12, "columns_scanned": 12, "complete": True, "hits": hits}
    out = NO_CARD_DATA.evaluate(ctx("db.card_numbers", value))
    assert out.status is Status.FAIL
    assert out.summary == "3 values holding a Luhn-valid card number in 2 columns."
    assert out.evidence == {"columns": 12, "columns_scanned": 12,
                            "columns_with_card_numbers": hits, "rows": 3}


def test_one_card_in_one_column_and_a_hit_without_a_count() -> None:
    one = {"hits": [{"table": "t", "column": "c", "rows": 1}], "complete": False}
    out = NO_CARD_DATA.evaluate(ctx("db.card_numbers", one))
    assert out.status is Status.FAIL  # a hit decides even when the scan was incomplete
    assert out.summary == "1 value holding a Luhn-valid card number in 1 column."
    bare = {"hits": [{"table": "t", "column": "c"}], "complete": True}
    out = NO_CARD_DATA.evaluate(ctx("db.card_numbers", bare))
    assert out.status is Status.FAIL and out.evidence["rows"] == 0


def test_many_hits_are_capped_in_evidence() -> None:
    hits = [{"table": "t", "column": f"c{i}", "rows": 1} for i in range(60)]
    out = NO_CARD_DATA.evaluate(ctx("db.card_numbers", {"hits": hits, "complete": True}))
    assert len(out.evidence["columns_with_card_numbers"]) == 50  # type: ignore[arg-type]
    assert out.evidence["rows"] == 60


@pytest.mark.parametrize("value", [{"columns_scanned": 3}, {"complete": False, "hits": []},
                                   {"complete": None, "columns_scanned": 9}])
def test_cards_incomplete_scan_is_an_error(value: dict[str, Any]) -> None:
    out = NO_CARD_DATA.evaluate(ctx("db.card_numbers", value))
    assert out.status is Status.ERROR
    assert out.summary == ("could not determine: not every text column was scanned in time")
    assert out.evidence["rows"] == 0 and out.evidence["columns_with_card_numbers"] == []


@pytest.mark.parametrize(("scanned", "summary"), [
    (1, "No card number in 1 text column."), (7, "No card number in 7 text columns."),
    (None, "No card number in 0 text columns."), (0, "No card number in 0 text columns."),
])
def test_cards_none(scanned: int | None, summary: str) -> None:
    value = {"columns": 7, "columns_scanned": scanned, "complete": True, "hits": []}
    out = NO_CARD_DATA.evaluate(ctx("db.card_numbers", value))
    assert out.status is Status.PASS and out.summary == summary
    assert out.evidence == {"columns": 7, "columns_scanned": scanned,
                            "columns_with_card_numbers": [], "rows": 0}


# --------------------------------------------------------------------------- newsletter
def news(**over: Any) -> dict[str, Any]:
    return {"default": "0", "customers": 30, "subscribers": 5, "opt_in_column": "newsletter_ip",
            "subscribers_without_record": 0} | over


@pytest.mark.parametrize(("default", "shown", "status"), [
    ("0", "0", Status.PASS), ("'0'", "0", Status.PASS), ('"0"', "0", Status.PASS),
    ("NULL", "NULL", Status.PASS), (None, "0", Status.PASS), ("", "0", Status.PASS),
    ("1", "1", Status.FAIL), ("'1'", "1", Status.FAIL), ("null", "null", Status.FAIL),
    (0, "0", Status.PASS), (1, "1", Status.FAIL),
])
def test_newsletter_default(default: Any, shown: str, status: Status) -> None:
    out = NEWSLETTER.evaluate(ctx("db.newsletter", news(default=default)))
    assert out.status is status
    assert out.evidence["default"] == shown
    if status is Status.FAIL:
        assert out.summary == f"New customers are subscribed by default (default {shown})."


def test_newsletter_pass_and_evidence() -> None:
    out = NEWSLETTER.evaluate(ctx("db.newsletter", news()))
    assert out.status is Status.PASS
    assert out.summary == "Not subscribed by default; 5 of 30 customers subscribed."
    assert out.evidence == {"default": "0", "customers": 30, "subscribers": 5,
                            "opt_in_column": "newsletter_ip", "subscribers_without_record": 0}
    bare = NEWSLETTER.evaluate(ctx("db.newsletter", {}))
    assert bare.status is Status.PASS
    assert bare.summary == ("Not subscribed by default; 0 of 0 customers subscribed; the schema "
                            "keeps no opt-in record.")
    assert bare.evidence == {"default": "0", "customers": 0, "subscribers": 0,
                             "opt_in_column": None, "subscribers_without_record": None}


@pytest.mark.parametrize(("without", "summary"), [
    (1, "1 subscriber without an opt-in record."),
    (4, "4 subscribers without an opt-in record."),
])
def test_newsletter_subscribers_without_record(without: int, summary: str) -> None:
    out = NEWSLETTER.evaluate(ctx("db.newsletter", news(subscribers_without_record=without)))
    assert out.status is Status.FAIL and out.summary == summary


@pytest.mark.parametrize(("customers", "subscribers", "status"), [
    (19, 19, Status.PASS), (20, 20, Status.WARN), (21, 21, Status.WARN),
    (20, 19, Status.PASS), (21, 20, Status.PASS), (20, 21, Status.PASS), (0, 0, Status.PASS),
])
def test_newsletter_everyone_subscribed_heuristic(customers: int, subscribers: int,
                                                  status: Status) -> None:
    out = NEWSLETTER.evaluate(ctx("db.newsletter", news(customers=customers,
                                                        subscribers=subscribers)))
    assert out.status is status
    if status is Status.WARN:
        assert out.summary == "Every customer is subscribed: looks like opt-out."
    else:
        assert out.summary == (f"Not subscribed by default; {subscribers} of {customers} "
                               "customers subscribed.")
