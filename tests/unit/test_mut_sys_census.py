"""The target-side account summary (``accounts.password_summary``) judged exactly.

Every verdict of :mod:`checks.system.account_census` at its thresholds: the rotation period
(at, one below, one above), the kept-row limit that turns a count into "at least N", and the
order of the verdicts (empty password before stale before unknown before forced).
"""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import SCAN_DAY, context, ok

from checks.sshd.ssh import password_logins
from checks.system import account_census
from checks.system.accounts import MAX_DAYS_POLICY, PASSWORD_AGE
from posture.models import Severity, Status

SOURCE = "summary computed on the target over every account"


def _summary(**over: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "today": SCAN_DAY, "accounts": 7, "with_shadow_entry": 7, "no_login_shell": 3,
        "judged": 3, "blocked": {"locked": 1},
        "empty": [], "empty_count": 0, "unknown": [], "unknown_count": 0,
        "forced": [], "forced_count": 0,
        "oldest": [{"name": "alice", "last_change": SCAN_DAY - 60},
                   {"name": "bob", "last_change": SCAN_DAY - 20}],
        "longest_max": [{"name": "alice", "max_days": 90}, {"name": "bob", "max_days": 30}],
        "keep": 200,
    }
    value.update(over)
    return value


def _ctx(value: dict[str, Any], params: dict[str, Any] | None = None,
         *extra: Any) -> Any:
    facts = [ok("accounts.password_summary", value), *extra]
    return context(facts, {"max_age_days": 90} if params is None else params)


def _base(value: dict[str, Any]) -> dict[str, Any]:
    return {"judged": value["judged"], "accounts": value["accounts"],
            "accounts_without_login_shell": value["no_login_shell"],
            "not_judged_by_reason": dict(value["blocked"]), "source": SOURCE}


def _evidence(value: dict[str, Any], ctx: Any, *, stale: list[dict[str, Any]],
              stale_count: object, oldest: int | None, max_age: int = 90) -> dict[str, Any]:
    return {"max_age_days": max_age, "stale": stale, "stale_count": stale_count,
            "oldest_days": oldest, "must_change_at_next_login": value["forced"],
            "unknown_age": value["unknown"], "empty_password": value["empty"],
            **_base(value), "ssh_password_logins": password_logins(ctx),
            "target_clock_offset_days": None}


# ------------------------------------------------------------------------ rotation period
@pytest.mark.parametrize(("age", "status"), [(89, Status.PASS), (90, Status.PASS),
                                             (91, Status.FAIL)])
def test_rotation_boundary_exact_evidence(age: int, status: Status) -> None:
    value = _summary(oldest=[{"name": "alice", "last_change": SCAN_DAY - age},
                             {"name": "bob", "last_change": SCAN_DAY - 3}])
    ctx = _ctx(value)
    outcome = PASSWORD_AGE.evaluate(ctx)
    assert outcome.status is status
    stale = [{"account": "alice", "age_days": age}] if status is Status.FAIL else []
    assert dict(outcome.evidence) == _evidence(value, ctx, stale=stale,
                                               stale_count=str(len(stale)), oldest=age)
    if status is Status.FAIL:
        assert outcome.summary == ("1 of 3 password accounts has a password older than 90 days "
                                   f"(oldest: alice, {age} days).")
        assert outcome.severity is None
    else:
        assert outcome.summary == ("Every password account (3) changed its password within "
                                   f"90 days (oldest: {age} days).")


def test_two_stale_accounts_are_counted_and_the_oldest_named() -> None:
    value = _summary(judged=4, oldest=[{"name": "carol", "last_change": SCAN_DAY - 400},
                                       {"name": "dave", "last_change": SCAN_DAY - 91},
                                       {"name": "erin", "last_change": SCAN_DAY - 90}])
    ctx = _ctx(value)
    outcome = PASSWORD_AGE.evaluate(ctx)
    assert outcome.status is Status.FAIL
    assert outcome.summary == ("2 of 4 password accounts have a password older than 90 days "
                               "(oldest: carol, 400 days).")
    assert outcome.evidence["stale"] == [{"account": "carol", "age_days": 400},
                                         {"account": "dave", "age_days": 91}]
    assert outcome.evidence["stale_count"] == "2"


# -------------------------------------------------------------- the kept-row limit ("at least")
@pytest.mark.parametrize(("keep", "stale_count", "at_least"), [
    (3, "2", False),           # fewer stale rows than kept rows: the count is exact
    (2, "at least 2", True),   # every kept row is stale: more may lie beyond
    (1, "at least 2", True),
])
def test_stale_count_at_the_kept_row_limit(keep: int, stale_count: str, at_least: bool) -> None:
    value = _summary(keep=keep, oldest=[{"name": "carol", "last_change": SCAN_DAY - 300},
                                        {"name": "dave", "last_change": SCAN_DAY - 200}])
    outcome = PASSWORD_AGE.evaluate(_ctx(value))
    assert outcome.status is Status.FAIL
    assert outcome.evidence["stale_count"] == stale_count
    assert outcome.summary == (
        ("At least 2 of 3 password accounts have" if at_least else
         "2 of 3 password accounts have") +
        " a password older than 90 days (oldest: carol, 300 days).")


@pytest.mark.parametrize(("keep", "count"), [(3, "2"), (2, "at least 2"), (1, "at least 2")])
def test_over_limit_count_at_the_kept_row_limit(keep: int, count: str) -> None:
    value = _summary(keep=keep, longest_max=[{"name": "carol", "max_days": None},
                                             {"name": "dave", "max_days": 91},
                                             {"name": "erin", "max_days": 90}][:max(keep, 2)])
    rows, got = account_census.over_limit(value, 90)  # type: ignore[arg-type]
    assert rows == [{"account": "carol", "max_days": None}, {"account": "dave", "max_days": 91}]
    assert got == count


@pytest.mark.parametrize(("max_days", "over"), [
    (89, False), (90, False), (91, True), (0, False), (-1, True), (None, True)])
def test_over_limit_boundary(max_days: int | None, over: bool) -> None:
    value = _summary(longest_max=[{"name": "alice", "max_days": max_days}])
    rows, count = account_census.over_limit(value, 90)  # type: ignore[arg-type]
    assert rows == ([{"account": "alice", "max_days": max_days}] if over else [])
    assert count == ("1" if over else "0")


# ----------------------------------------------------------------------- verdict order
def test_empty_password_is_critical_and_comes_first() -> None:
    value = _summary(empty=["backup2", "guest"], empty_count=2, unknown=["x"],
                     unknown_count=1, oldest=[{"name": "old", "last_change": SCAN_DAY - 500}])
    ctx = _ctx(value)
    outcome = PASSWORD_AGE.evaluate(ctx)
    assert outcome.status is Status.FAIL and outcome.severity is Severity.CRITICAL
    assert outcome.summary == ("2 accounts with a login shell have an empty password: "
                               "backup2, guest.")
    assert dict(outcome.evidence) == _evidence(
        value, ctx, stale=[{"account": "old", "age_days": 500}], stale_count="1", oldest=500)


def test_one_empty_password_is_named() -> None:
    value = _summary(empty=["guest"], empty_count=1)
    outcome = PASSWORD_AGE.evaluate(_ctx(value))
    assert outcome.summary == "1 account with a login shell has an empty password: guest."


def test_empty_names_are_cut_at_five_in_the_summary() -> None:
    names = [f"u{i}" for i in range(7)]
    outcome = PASSWORD_AGE.evaluate(_ctx(_summary(empty=names, empty_count=9)))
    assert outcome.summary == ("9 accounts with a login shell have an empty password: "
                               "u0, u1, u2, u3, u4.")


def test_unknown_age_is_an_error_after_the_stale_check() -> None:
    value = _summary(unknown=["carol", "dave"], unknown_count=2, forced=["erin"],
                     forced_count=1)
    ctx = _ctx(value)
    outcome = PASSWORD_AGE.evaluate(ctx)
    assert outcome.status is Status.ERROR
    assert outcome.summary == ("could not determine: the password age of carol, dave is "
                               "unknown (no last-change date).")
    assert dict(outcome.evidence) == _evidence(value, ctx, stale=[], stale_count="0",
                                               oldest=60)


def test_unknown_names_are_cut_at_five() -> None:
    names = [f"u{i}" for i in range(6)]
    outcome = PASSWORD_AGE.evaluate(_ctx(_summary(unknown=names, unknown_count=6)))
    assert outcome.summary == ("could not determine: the password age of u0, u1, u2, u3, u4 "
                               "is unknown (no last-change date).")


@pytest.mark.parametrize(("forced", "summary"), [
    (1, "1 account must change its password at the next login; the others are within 90 "
        "days."),
    (3, "3 accounts must change their password at the next login; the others are within 90 "
        "days."),
])
def test_forced_change_warns(forced: int, summary: str) -> None:
    value = _summary(forced=["erin"], forced_count=forced)
    ctx = _ctx(value)
    outcome = PASSWORD_AGE.evaluate(ctx)
    assert outcome.status is Status.WARN
    assert outcome.summary == summary
    assert dict(outcome.evidence) == _evidence(value, ctx, stale=[], stale_count="0",
                                               oldest=60)


def test_no_password_account_passes() -> None:
    value = _summary(judged=0, oldest=[], longest_max=[])
    ctx = _ctx(value)
    outcome = PASSWORD_AGE.evaluate(ctx)
    assert outcome.status is Status.PASS
    assert outcome.summary == "No account can log in with a password."
    assert dict(outcome.evidence) == _evidence(value, ctx, stale=[], stale_count="0",
                                               oldest=None)


def test_the_claimed_period_is_the_one_judged() -> None:
    value = _summary()
    ctx = _ctx(value, {"max_age_days": 59})
    outcome = PASSWORD_AGE.evaluate(ctx)
    assert outcome.status is Status.FAIL
    assert dict(outcome.evidence) == _evidence(
        value, ctx, stale=[{"account": "alice", "age_days": 60}], stale_count="1", oldest=60,
        max_age=59)


def test_target_clock_offset_is_reported() -> None:
    value = _summary()
    ctx = _ctx(value, None, ok("host.time", (SCAN_DAY + 2) * 86400 + 500))
    outcome = PASSWORD_AGE.evaluate(ctx)
    assert outcome.evidence["target_clock_offset_days"] == 2


# ----------------------------------------------------------------------- when it is used
def test_summary_is_not_used_for_a_narrow_scope() -> None:
    ctx = _ctx(_summary(), {"max_age_days": 90, "accounts": ["a*"]})
    assert account_census.usable(ctx) is None
    outcome = PASSWORD_AGE.evaluate(ctx)  # the per-account facts were not gathered
    assert outcome.status is Status.ERROR
    assert outcome.evidence["fact"] == "accounts.passwd"


@pytest.mark.parametrize("scope", [None, ["*"]])
def test_summary_is_used_for_every_account(scope: list[str] | None) -> None:
    value = _summary()
    params: dict[str, Any] = {"max_age_days": 90}
    if scope is not None:
        params["accounts"] = scope
    assert account_census.usable(_ctx(value, params)) == value


def test_summary_without_a_period_is_a_parameter_error() -> None:
    ctx = _ctx(_summary(), {})
    outcome = MAX_DAYS_POLICY.evaluate(ctx)
    assert outcome.status is Status.ERROR
    assert outcome.evidence == {
        "parameter_error": "expect.max_age_days is required (the promised period in days)"}
    # Without a period the summary is not judged; the per-account facts were not gathered.
    outcome = PASSWORD_AGE.evaluate(ctx)
    assert outcome.status is Status.ERROR
    assert outcome.evidence["fact"] == "accounts.passwd"


def test_policy_from_the_summary_exact_evidence() -> None:
    value = _summary(longest_max=[{"name": "carol", "max_days": None},
                                  {"name": "alice", "max_days": 90}])
    ctx = _ctx(value, None, ok("login.defs", {"PASS_MAX_DAYS": "90"}))
    outcome = MAX_DAYS_POLICY.evaluate(ctx)
    assert outcome.status is Status.FAIL
    assert dict(outcome.evidence) == {
        "max_age_days": 90, "PASS_MAX_DAYS": "90",
        "accounts_over_limit": [{"account": "carol", "max_days": None}],
        "accounts_over_limit_count": "1", "judged": 3, "accounts": 7, "source": SOURCE}
    assert outcome.summary == ("The ageing policy does not enforce the 90-day promise: 1 "
                               "password account has a longer or no maximum age (e.g. carol: "
                               "None).")


@pytest.mark.parametrize(("keep", "count", "problem"), [
    # exact counts read "N account(s) has/have", a count at the kept-row limit "at least N"
    (5, "2", "2 password accounts have a longer or no maximum age (e.g. carol: None)"),
    (2, "at least 2", "at least 2 password accounts have a longer or no maximum age (e.g. "
                      "carol: None)"),
])
def test_policy_summary_tells_an_exact_count_from_a_lower_bound(keep: int, count: str,
                                                                  problem: str) -> None:
    value = _summary(keep=keep, longest_max=[{"name": "carol", "max_days": None},
                                             {"name": "dave", "max_days": 400}])
    ctx = _ctx(value, None, ok("login.defs", {"PASS_MAX_DAYS": "90"}))
    outcome = MAX_DAYS_POLICY.evaluate(ctx)
    assert outcome.status is Status.FAIL
    assert outcome.evidence["accounts_over_limit_count"] == count
    assert outcome.summary == f"The ageing policy does not enforce the 90-day promise: {problem}."
