"""testdata.fictitious_values and testdata.no_production_records: boundaries of
max_real_share, of the "first 3" listing, and the exact evidence."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from checks.base import CheckContext
from checks.databases.testdata import (
    DEFAULT_MAX_REAL_SHARE,
    FICTITIOUS_VALUES,
    NO_PRODUCTION_RECORDS,
)
from posture.models import Fact, FactStatus, Status

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def col(name: str, real: int, sampled: int = 100, decisive: bool = True,
        table: str = "t") -> dict[str, Any]:
    return {"table": table, "column": name, "decisive": decisive, "non_empty": sampled,
            "real_looking": real, "real_share": real / sampled if sampled else 0.0}


def scan(*columns: dict[str, Any], **over: Any) -> dict[str, Any]:
    return {"environment": "test", "tables_total": 9, "tables_scanned": 4,
            "truncated": False, "columns": list(columns)} | over


def values(value: Any, status: FactStatus = FactStatus.OK, **params: Any) -> CheckContext:
    return CheckContext("db1", {"db.pii_scan": Fact("db.pii_scan", status, value=value,
                                                    reason="no access")}, params, NOW)


def overlap(value: Any, status: FactStatus = FactStatus.OK) -> CheckContext:
    return CheckContext("db1", {"db.prod_overlap": Fact("db.prod_overlap", status, value=value,
                                                        reason="no access")}, {}, NOW)


# ------------------------------------------------------------------------ applicability
def test_unusable_fact_is_an_error_in_one_sentence() -> None:
    for out in (FICTITIOUS_VALUES.evaluate(values(None, FactStatus.DENIED)),
                NO_PRODUCTION_RECORDS.evaluate(overlap(None, FactStatus.DENIED))):
        assert out.status is Status.ERROR
        assert out.summary.startswith("could not determine: fact db.")
        assert out.summary.endswith(" is denied (no access).")
        assert out.evidence["fact_status"] == "denied"


@pytest.mark.parametrize(("env", "judged"), [
    ("test", True), ("staging", True), ("production", False), ("", False), ("Test", False),
    (None, False),
])
def test_only_test_and_staging_are_judged(env: str | None, judged: bool) -> None:
    value = scan(col("email", 0), environment=env)
    if env is None:
        del value["environment"]
    out = FICTITIOUS_VALUES.evaluate(values(value))
    shown = env or ""
    if judged:
        assert out.status is Status.PASS
    else:
        assert out.status is Status.NOT_APPLICABLE
        assert out.summary == (f"Environment '{shown}' is not a test environment: only test "
                               "and staging databases are judged (production is the "
                               "compare_with side).")
        assert out.evidence == {"environment": shown}
    other = NO_PRODUCTION_RECORDS.evaluate(overlap({"comparisons": []} | (
        {} if env is None else {"environment": env})))
    assert other.status is Status.NOT_APPLICABLE


# ---------------------------------------------------------------------- max_real_share
@pytest.mark.parametrize(("share", "ok"), [
    (0, True), (0.0, True), (0.5, True), (0.999, True), (1, False), (1.0, False),
    (-0.01, False), (-1, False), (True, False), (False, False), ("0.1", False), (None, False),
])
def test_share_parameter(share: Any, ok: bool) -> None:
    out = FICTITIOUS_VALUES.evaluate(values(scan(col("email", 0)), max_real_share=share))
    if ok:
        assert out.status is Status.PASS and out.evidence["max_real_share"] == float(share)
        assert isinstance(out.evidence["max_real_share"], float)
    else:
        assert out.status is Status.ERROR
        assert out.summary == ("could not determine: expect.max_real_share must be a number "
                               f"from 0 to below 1, got {share!r}")


def test_default_share() -> None:
    out = FICTITIOUS_VALUES.evaluate(values(scan(col("email", 0))))
    assert out.evidence["max_real_share"] == DEFAULT_MAX_REAL_SHARE == 0.01


@pytest.mark.parametrize(("real", "limit", "status"), [
    (0, 0.05, Status.PASS), (4, 0.05, Status.WARN), (5, 0.05, Status.WARN),
    (6, 0.05, Status.FAIL), (1, 0.0, Status.FAIL), (0, 0.0, Status.PASS),
    (1, 0.01, Status.WARN), (2, 0.01, Status.FAIL),
])
def test_share_boundary(real: int, limit: float, status: Status) -> None:
    out = FICTITIOUS_VALUES.evaluate(values(scan(col("email", real)), max_real_share=limit))
    assert out.status is status
    label = f"t.email {real / 100:.1%} real-looking ({real} of 100 sampled)"
    if status is Status.FAIL:
        assert out.summary == f"1 column holds real-looking personal data: {label}."
    elif status is Status.WARN:
        assert out.summary == (f"A few real-looking values, within max_real_share {limit:.1%}: "
                               f"{label}.")


# ---------------------------------------------------------------------------- verdicts
def test_values_pass_and_evidence() -> None:
    columns = [col("email", 0), col("phone", 0, table="u"), col("name", 3, decisive=False),
               col("iban", 0, sampled=0)]
    out = FICTITIOUS_VALUES.evaluate(values(scan(*columns)))
    assert out.status is Status.PASS
    assert out.summary == ("2 personal-data columns hold only fictitious or invalid values "
                           "(4 tables scanned).")
    assert out.evidence == {"max_real_share": 0.01, "tables_scanned": 4, "tables_total": 9,
                            "truncated": False, "personal_data_columns": 4,
                            "decisive_columns": 2, "columns": columns}
    one = FICTITIOUS_VALUES.evaluate(values(scan(col("email", 0)) | {"truncated": None}))
    assert one.summary == ("1 personal-data column holds only fictitious or invalid values "
                           "(4 tables scanned).")
    assert one.evidence["truncated"] is False


def test_values_evidence_defaults() -> None:
    out = FICTITIOUS_VALUES.evaluate(values({"environment": "staging"}))
    assert out.status is Status.PASS
    assert out.summary == ("0 personal-data columns hold only fictitious or invalid values "
                           "(0 tables scanned).")
    assert out.evidence == {"max_real_share": 0.01, "tables_scanned": 0, "tables_total": 0,
                            "truncated": False, "personal_data_columns": 0,
                            "decisive_columns": 0, "columns": []}


def test_a_decisive_column_needs_sampled_values() -> None:
    no_count = {"table": "t", "column": "email", "decisive": True, "real_share": 0.9,
                "real_looking": 9}
    out = FICTITIOUS_VALUES.evaluate(values(scan(no_count, col("phone", 0))))
    assert out.status is Status.PASS and out.evidence["decisive_columns"] == 1


@pytest.mark.parametrize(("failing", "summary_start"), [
    (1, "1 column holds real-looking personal data: "),
    (2, "2 columns hold real-looking personal data: "),
    (3, "3 columns hold real-looking personal data: "),
    (4, "4 columns hold real-looking personal data; the first 3: "),
    (5, "5 columns hold real-looking personal data; the first 3: "),
])
def test_fail_lists_at_most_three(failing: int, summary_start: str) -> None:
    columns = [col(f"c{i}", 50) for i in range(failing)] + [col("ok", 0)]
    out = FICTITIOUS_VALUES.evaluate(values(scan(*columns)))
    assert out.status is Status.FAIL
    shown = "; ".join(f"t.c{i} 50.0% real-looking (50 of 100 sampled)"
                      for i in range(min(failing, 3)))
    assert out.summary == summary_start + shown + "."


def test_warn_lists_at_most_three() -> None:
    columns = [col(f"c{i}", 1) for i in range(5)]
    out = FICTITIOUS_VALUES.evaluate(values(scan(*columns)))
    assert out.status is Status.WARN
    shown = "; ".join(f"t.c{i} 1.0% real-looking (1 of 100 sampled)" for i in range(3))
    assert out.summary == f"A few real-looking values, within max_real_share 1.0%: {shown}."


def test_truncated_scan_warns_and_no_decisive_column_warns() -> None:
    out = FICTITIOUS_VALUES.evaluate(values(scan(col("email", 0), truncated=True)))
    assert out.status is Status.WARN
    assert out.summary == ("No real-looking values in the part scanned, but the scan stopped "
                           "early (time or table limit).")
    assert out.evidence["truncated"] is True
    out = FICTITIOUS_VALUES.evaluate(values(scan(col("name", 0, decisive=False))))
    assert out.status is Status.WARN
    assert out.summary == ("1 personal-data column without a decisive rule (names, addresses): "
                           "only the production comparison judges it.")
    two = FICTITIOUS_VALUES.evaluate(values(scan(col("a", 0, decisive=False),
                                                 col("b", 0, decisive=False))))
    assert two.summary.startswith("2 personal-data columns without a decisive rule")
    failing = FICTITIOUS_VALUES.evaluate(values(scan(col("email", 50), truncated=True)))
    assert failing.status is Status.FAIL


# ------------------------------------------------------------------------------ overlap
def comparison(name: str = "shop-prod", **kinds: int) -> dict[str, Any]:
    return {"with": name, "kinds": {k: {"overlap": n, "test_values": 10}
                                    for k, n in kinds.items()}}


def test_overlap_without_comparison_is_not_applicable() -> None:
    out = NO_PRODUCTION_RECORDS.evaluate(overlap({"environment": "test"}))
    assert out.status is Status.NOT_APPLICABLE
    assert out.summary == "No compare_with database: copies of production were not looked for."
    assert out.evidence == {"comparisons": []}


@pytest.mark.parametrize(("kinds", "summary"), [
    ({"email": 1}, "1 production record found in staging (by e-mail hash), compared with "
                   "shop-prod."),
    ({"phone": 3}, "3 production records found in staging (by phone hash), compared with "
                   "shop-prod."),
    ({"loyalty": 2}, "2 production records found in staging (by loyalty hash), compared with "
                     "shop-prod."),
    ({"email": 0, "iban": 2, "bsn": 5},
     "2 production records found in staging (by IBAN hash), compared with shop-prod; also "
     "matched by BSN (5)."),
    ({"email": 4, "name_postcode": 1, "x": 2},
     "4 production records found in staging (by e-mail hash), compared with shop-prod; also "
     "matched by name + postcode (1), x (2)."),
])
def test_overlap_fail(kinds: dict[str, int], summary: str) -> None:
    value = {"environment": "staging", "comparisons": [comparison(**kinds)]}
    out = NO_PRODUCTION_RECORDS.evaluate(overlap(value))
    assert out.status is Status.FAIL and out.summary == summary
    assert out.evidence == {"comparisons": value["comparisons"]}


def test_overlap_fail_on_a_later_comparison() -> None:
    value = {"environment": "test", "comparisons": [comparison("a", email=0),
                                                    comparison("b", phone=2)]}
    out = NO_PRODUCTION_RECORDS.evaluate(overlap(value))
    assert out.summary == ("2 production records found in test (by phone hash), compared with "
                           "b.")


def test_overlap_counts_are_read_as_numbers_and_missing_counts_are_zero() -> None:
    value = {"environment": "test", "comparisons": [
        {"with": "p", "kinds": {"email": {"overlap": "3"}, "phone": {}}}]}
    out = NO_PRODUCTION_RECORDS.evaluate(overlap(value))
    assert out.summary == "3 production records found in test (by e-mail hash), compared with p."


def test_overlap_pass_names_the_kinds() -> None:
    value = {"environment": "staging", "comparisons": [comparison("a", phone=0, email=0),
                                                       comparison("b", bsn=0, email=0)]}
    out = NO_PRODUCTION_RECORDS.evaluate(overlap(value))
    assert out.status is Status.PASS
    assert out.summary == ("No production records found in staging (compared by BSN, e-mail, "
                           "phone hashes).")
    default_env = NO_PRODUCTION_RECORDS.evaluate(overlap({"comparisons": [comparison(
        "a", iban=0)]} | {"environment": "test"}))
    assert default_env.summary == "No production records found in test (compared by IBAN hashes)."


@pytest.mark.parametrize("comparisons", [
    [{"with": "p", "kinds": {}}],
    [comparison("a", email=0), {"with": "b"}],
])
def test_overlap_without_a_common_identifier_is_an_error(
        comparisons: list[dict[str, Any]]) -> None:
    out = NO_PRODUCTION_RECORDS.evaluate(overlap({"environment": "test",
                                                  "comparisons": comparisons}))
    assert out.status is Status.ERROR
    assert out.summary == ("could not determine: no identifying column (e-mail, phone, IBAN, "
                           "BSN, name + postcode) exists in both databases.")
