"""checks.base and the catalogue: metadata validation, fact access, parameters, exact outcomes.

Table-driven: each row names the input and the exact result, so a changed boundary or a
dropped condition shows as one failing row.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

import checks
from checks.base import (
    EVIDENCE_CAP,
    Check,
    CheckContext,
    CheckMeta,
    Outcome,
    capped,
    fact_status_word,
    int_param,
    known_reason,
    missing,
    param_error,
    scan_date,
    shaped,
    text_param,
)
from posture.models import Fact, FactStatus, Msg, Severity, Status

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def meta(**over: Any) -> CheckMeta:
    base = CheckMeta(id="fam.name-1_x", title="T", claim_types=("os_version",),
                     severity=Severity.LOW, rationale="R", remediation="M",
                     references=("ref",), needs=("os.release",))
    return dataclasses.replace(base, **over)


def ctx(facts: dict[str, Fact] | None = None, **params: Any) -> CheckContext:
    return CheckContext("t1", facts or {}, params, NOW)


# ----------------------------------------------------------------------------- CheckMeta
def test_valid_meta_passes_for_every_target_kind() -> None:
    for target in ("host", "endpoint", "database", "document"):
        meta(target=target).validate()
    meta(partial_ok=("os.release",)).validate()
    meta(id="a.b").validate()
    assert meta().target == "host" and meta().partial_ok == ()


@pytest.mark.parametrize(("over", "message"), [
    ({"id": ""}, "check id '' must be 'family.name' in [a-z0-9._-]"),
    ({"id": "noname"}, "check id 'noname' must be 'family.name'"),
    ({"id": "Fam.name"}, "check id 'Fam.name' must be"),
    ({"id": "fam.na me"}, "check id 'fam.na me' must be"),
    ({"id": "fam.n/x"}, "check id 'fam.n/x' must be"),
    ({"title": ""}, "check fam.name-1_x: title is empty"),
    ({"title": "  \n"}, "check fam.name-1_x: title is empty"),
    ({"rationale": " "}, "check fam.name-1_x: rationale is empty"),
    ({"remediation": "\t"}, "check fam.name-1_x: remediation is empty"),
    ({"claim_types": ()}, "check fam.name-1_x: serves no claim type"),
    ({"references": ()}, "check fam.name-1_x: no references"),
    ({"needs": ()}, "check fam.name-1_x: needs no fact"),
    ({"partial_ok": ("other.fact",)}, "partial_ok names a fact it does not need"),
    ({"partial_ok": ("os.release", "x.y")}, "partial_ok names a fact it does not need"),
    ({"target": "hosts"}, "check fam.name-1_x: target 'hosts' not in ('host', 'endpoint', "
                          "'database', 'document')"),
    ({"target": ""}, "target '' not in"),
])
def test_invalid_meta_raises_with_the_field_named(over: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        meta(**over).validate()
    assert message in str(raised.value)


# ----------------------------------------------------------------------- facts of a context
def test_fact_not_gathered_is_an_error_fact() -> None:
    got = ctx().fact("x.y")
    assert got == Fact("x.y", FactStatus.ERROR, reason="fact was not gathered")
    present = Fact("x.y", FactStatus.OK, value={"a": 1})
    assert ctx({"x.y": present}).fact("x.y") is present


@pytest.mark.parametrize(("fact", "expected"), [
    (Fact("k", FactStatus.OK, value={"a": 1}), {"a": 1}),
    (Fact("k", FactStatus.OK, value={}), {}),
    (Fact("k", FactStatus.OK, value=["a"]), None),
    (Fact("k", FactStatus.OK, value="text"), None),
    (Fact("k", FactStatus.ERROR, value={"a": 1}), None),
    (Fact("k", FactStatus.MISSING, value={"a": 1}), None),
])
def test_shaped(fact: Fact, expected: Any) -> None:
    assert shaped(ctx({"k": fact}), "k", dict) == expected
    assert shaped(ctx(), "k", dict) is None


def test_missing_is_none_when_every_fact_is_ok() -> None:
    facts = {"a": Fact("a", FactStatus.OK, value=1), "b": Fact("b", FactStatus.OK, value=2)}
    assert missing(ctx(facts), "a", "b") is None
    assert missing(ctx(facts)) is None


@pytest.mark.parametrize(("fact", "summary", "evidence"), [
    (Fact("b", FactStatus.DENIED, reason="sudo: a password is required"),
     "could not determine: fact b is denied (sudo: a password is required)",
     {"fact": "b", "fact_status": "denied", "reason": "sudo: a password is required"}),
    (Fact("b", FactStatus.TIMEOUT),
     "could not determine: fact b is timeout (timeout)",
     {"fact": "b", "fact_status": "timeout", "reason": "timeout"}),
    (Fact("b", FactStatus.MISSING, reason="not collected"),
     "could not determine: fact b is missing (not collected)",
     {"fact": "b", "fact_status": "missing", "reason": "not collected"}),
    (Fact("b", FactStatus.ERROR, reason="x" * 600),
     "could not determine: fact b is error (" + "x" * 600 + ")",
     {"fact": "b", "fact_status": "error", "reason": "x" * 500}),
])
def test_missing_names_the_first_unusable_fact(fact: Fact, summary: str,
                                               evidence: dict[str, Any]) -> None:
    facts = {"a": Fact("a", FactStatus.OK, value=1), "b": fact,
             "c": Fact("c", FactStatus.ERROR, reason="later")}
    out = missing(ctx(facts), "a", "b", "c")
    assert out is not None
    assert out.status is Status.ERROR
    assert str(out.summary) == summary
    assert dict(out.evidence) == evidence
    assert out.severity is None


def test_missing_of_a_fact_never_gathered_translates_the_reason() -> None:
    out = missing(ctx(), "q.r")
    assert out is not None and str(out.summary) == (
        "could not determine: fact q.r is error (fact was not gathered)")
    assert isinstance(out.summary, Msg)
    params = out.summary.params
    assert params["key"] == "q.r"
    assert isinstance(params["status"], Msg) and params["status"].msgid == "error"
    assert isinstance(params["why"], Msg) and params["why"].msgid == "fact was not gathered"


@pytest.mark.parametrize("status", list(FactStatus))
def test_fact_status_word(status: FactStatus) -> None:
    word = fact_status_word(status)
    assert isinstance(word, Msg) and word.msgid == status.value and str(word) == status.value


@pytest.mark.parametrize(("reason", "translated"), [
    ("fact was not gathered", True), ("host was not collected", True),
    ("not collected", True), ("database was not collected", True),
    ("Not collected", False), ("permission denied", False), ("", False),
])
def test_known_reason(reason: str, translated: bool) -> None:
    out = known_reason(reason)
    assert out == reason
    assert isinstance(out, Msg) is translated


@pytest.mark.parametrize(("count", "limit", "expected"), [
    (0, None, 0), (EVIDENCE_CAP - 1, None, 49), (EVIDENCE_CAP, None, 50),
    (EVIDENCE_CAP + 1, None, 50), (5, 3, 3), (3, 3, 3), (2, 3, 2),
])
def test_capped(count: int, limit: int | None, expected: int) -> None:
    items = list(range(count))
    out = capped(items) if limit is None else capped(items, limit)
    assert out == items[:expected]
    assert isinstance(out, list)
    assert EVIDENCE_CAP == 50
    assert capped(tuple(items)) == items[:min(count, 50)]


def test_param_error() -> None:
    out = param_error("expect.x is wrong")
    assert out == Outcome(Status.ERROR, "could not determine: expect.x is wrong",
                          {"parameter_error": "expect.x is wrong"})
    assert isinstance(out.summary, Msg) and out.summary.params == {"problem": "expect.x is wrong"}


@pytest.mark.parametrize(("moment", "day"), [
    (datetime(2026, 1, 1, 23, 30), date(2026, 1, 1)),
    (datetime(2026, 1, 1, 23, 30, tzinfo=UTC), date(2026, 1, 1)),
    (datetime(2026, 1, 1, 23, 30, tzinfo=timezone(timedelta(hours=-2))), date(2026, 1, 2)),
    (datetime(2026, 1, 2, 0, 30, tzinfo=timezone(timedelta(hours=2))), date(2026, 1, 1)),
])
def test_scan_date_is_the_utc_day(moment: datetime, day: date) -> None:
    assert scan_date(CheckContext("t", {}, {}, moment)) == day


# ------------------------------------------------------------------------------ parameters
@pytest.mark.parametrize(("value", "expected"), [
    ("22.04", "22.04"), ("  jammy \n", "jammy"), (12, "12"), (0, "0"), (-3, "-3"),
])
def test_text_param_accepts(value: Any, expected: str) -> None:
    assert text_param(ctx(version=value), "version") == expected


@pytest.mark.parametrize(("value", "summary"), [
    (22.1, "could not determine: expect.version must be quoted; YAML read it as the number "
           "22.1"),
    (None, "could not determine: expect.version is required (a non-empty string)"),
    ("", "could not determine: expect.version is required (a non-empty string)"),
    ("   ", "could not determine: expect.version is required (a non-empty string)"),
    (True, "could not determine: expect.version is required (a non-empty string)"),
    (False, "could not determine: expect.version is required (a non-empty string)"),
    (["a"], "could not determine: expect.version is required (a non-empty string)"),
])
def test_text_param_refuses(value: Any, summary: str) -> None:
    params = {} if value is None else {"version": value}
    out = text_param(CheckContext("t", {}, params, NOW), "version")
    assert isinstance(out, Outcome)
    assert out.status is Status.ERROR and str(out.summary) == summary
    assert out.evidence == {"parameter_error": summary.removeprefix("could not determine: ")}


@pytest.mark.parametrize(("value", "required", "expected"), [
    (None, False, None), (1, True, 1), (1, False, 1), (90, True, 90), (2, False, 2),
])
def test_int_param_accepts(value: Any, required: bool, expected: int | None) -> None:
    params = {} if value is None else {"days": value}
    assert int_param(CheckContext("t", {}, params, NOW), "days", required=required) == expected


@pytest.mark.parametrize(("value", "required", "shown"), [
    (None, True, "None"), (0, True, "0"), (0, False, "0"), (-1, True, "-1"),
    (True, True, "True"), (True, False, "True"), (False, False, "False"),
    ("30", True, "'30'"), (1.0, True, "1.0"),
])
def test_int_param_refuses(value: Any, required: bool, shown: str) -> None:
    params = {} if value is None else {"days": value}
    out = int_param(CheckContext("t", {}, params, NOW), "days", required=required)
    assert isinstance(out, Outcome) and out.status is Status.ERROR
    assert str(out.summary) == ("could not determine: expect.days must be a positive whole "
                                f"number, got {shown}")


# ----------------------------------------------------------------------------- catalogue
def _check(check_id: str, claim: str = "os_version") -> Check:
    return Check(meta(id=check_id, claim_types=(claim,)),
                 lambda c: Outcome(Status.PASS, "ok"))


def test_validate_catalogue() -> None:
    checks.validate_catalogue([_check("a.b"), _check("a.c")])
    checks.validate_catalogue([])
    checks.validate_catalogue()
    with pytest.raises(ValueError, match=r"duplicate check id .a\.b."):
        checks.validate_catalogue([_check("a.b"), _check("a.c"), _check("a.b")])
    with pytest.raises(ValueError, match=r"check a\.b: unknown claim types \['nope'\]"):
        checks.validate_catalogue([_check("a.b", "nope")])
    with pytest.raises(ValueError, match=r"must be .family\.name."):
        checks.validate_catalogue([_check("ab")])


def test_checks_for_and_by_id() -> None:
    for claim in checks.CLAIM_TYPES:
        found = checks.checks_for(claim)
        assert isinstance(found, tuple)
        assert found == tuple(c for c in checks.CATALOGUE if claim in c.meta.claim_types)
    assert [c.meta.id for c in checks.checks_for("retention")] == ["data.retention"]
    assert len(checks.checks_for("tls_all_links")) > 3
    with pytest.raises(KeyError, match="unknown claim type 'nope'"):
        checks.checks_for("nope")
    for check in checks.CATALOGUE:
        assert checks.by_id(check.meta.id) is check
    with pytest.raises(KeyError, match=r"unknown check .no\.such."):
        checks.by_id("no.such")
