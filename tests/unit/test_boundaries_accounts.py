"""Every day, length and class threshold of the account and SSH checks: at, below, above.

Days are counted like pam_unix does (passverify.c): an account expires on its expiry day
(``today >= expire``) and is locked by inactivity only once ``today - lastchg > max + inactive``.
"""

from __future__ import annotations

import pytest
from facts_samples import SCAN_DAY, U2204_SSHD_T, context, host, ok, parsed, sshd_contexts_raw
from test_checks_accounts import _pam, _users

from checks.sshd.ssh import PASSWORD_AUTHENTICATION
from checks.system.accounts import MAX_DAYS_POLICY, PASSWORD_AGE, PASSWORD_QUALITY
from posture.models import Status

P90 = {"max_age_days": 90}


def _age(tail: str, params: dict[str, object] | None = None) -> tuple[Status, dict[str, object]]:
    outcome = PASSWORD_AGE.evaluate(context(_users(("alice", "/bin/bash", tail)), params or P90))
    return outcome.status, dict(outcome.evidence)


# ------------------------------------------------------------------------ rotation period
@pytest.mark.parametrize(("age", "status"), [
    (89, Status.PASS), (90, Status.PASS), (91, Status.FAIL),   # "within 90 days" includes 90
    (1, Status.PASS),
])
def test_rotation_boundary(age: int, status: Status) -> None:
    got, evidence = _age(f"set:{SCAN_DAY - age}:0:90:7::")
    assert got is status
    assert evidence["oldest_days"] == age
    assert evidence["stale_count"] == (1 if status is Status.FAIL else 0)


@pytest.mark.parametrize(("limit", "status"), [(364, Status.FAIL), (365, Status.PASS),
                                               (366, Status.PASS)])
def test_rotation_boundary_follows_the_claimed_period(limit: int, status: Status) -> None:
    assert _age(f"set:{SCAN_DAY - 365}:0:99999:7::", {"max_age_days": limit})[0] is status


def test_a_password_changed_today_has_age_zero() -> None:
    got, evidence = _age(f"set:{SCAN_DAY}:0:90:7::")
    assert got is Status.PASS and evidence["oldest_days"] == 0


# -------------------------------------------------------------------------- account expiry
@pytest.mark.parametrize(("expire", "judged"), [
    (SCAN_DAY + 1, True),    # expires tomorrow: can still log in today
    (SCAN_DAY, False),       # the expiry day itself: locked (pam_unix: curdays >= expire)
    (SCAN_DAY - 1, False),
    (0, True),               # 0 is not a date here: judged, never skipped on a guess
])
def test_account_expiry_day(expire: int, judged: bool) -> None:
    got, evidence = _age(f"set:{SCAN_DAY - 200}:0:99999:7::{expire}")
    assert evidence["judged"] == (1 if judged else 0)
    assert got is (Status.FAIL if judged else Status.PASS)
    if not judged:
        assert evidence["not_judged"] == [{"account": "alice", "reason": "account expired"}]


# ---------------------------------------------------------------------- inactivity period
# last change 200 days ago, maximum 90 days: the password expired 110 days ago.
@pytest.mark.parametrize(("inactive", "judged"), [
    (111, True),     # inactivity ends tomorrow
    (110, True),     # ends today: today - lastchg == max + inactive, still open
    (109, False),    # ended yesterday: locked
    (0, False),
])
def test_inactivity_period(inactive: int, judged: bool) -> None:
    got, evidence = _age(f"set:{SCAN_DAY - 200}:0:90:7:{inactive}:")
    assert evidence["judged"] == (1 if judged else 0)
    assert got is (Status.FAIL if judged else Status.PASS)
    if not judged:
        assert evidence["not_judged"] == [
            {"account": "alice", "reason": "password expired and inactivity period over"}]


@pytest.mark.parametrize(("max_days", "judged"), [
    (-1, True),    # no maximum: the password never expires, inactivity cannot start
    (0, False),    # expired the day it was set, inactivity 0: locked
    (1, False),
])
def test_inactivity_needs_a_maximum(max_days: int, judged: bool) -> None:
    _, evidence = _age(f"set:{SCAN_DAY - 200}:0:{max_days}:7:0:")
    assert evidence["judged"] == (1 if judged else 0)


def test_inactivity_without_a_last_change_never_locks() -> None:
    _, evidence = _age("set:0:0:1:7:0:")   # 0: must change at next login
    assert evidence["judged"] == 1
    assert evidence["must_change_at_next_login"] == ["alice"]


# -------------------------------------------------------------------------- max-days policy
def _policy(account_max: int, pass_max: str) -> tuple[Status, dict[str, object]]:
    facts = [*_users(("alice", "/bin/bash", f"set:{SCAN_DAY - 10}:0:{account_max}:7::")),
             ok("login.defs", {"PASS_MAX_DAYS": pass_max})]
    outcome = MAX_DAYS_POLICY.evaluate(context(facts, P90))
    return outcome.status, dict(outcome.evidence)


@pytest.mark.parametrize(("account_max", "status"), [
    (89, Status.PASS), (90, Status.PASS), (91, Status.FAIL), (0, Status.PASS),
    (-1, Status.FAIL), (99999, Status.FAIL),
])
def test_account_maximum_age_boundary(account_max: int, status: Status) -> None:
    got, evidence = _policy(account_max, "90")
    assert got is status
    assert evidence["accounts_over_limit_count"] == (0 if status is Status.PASS else 1)


@pytest.mark.parametrize(("pass_max", "status"), [
    ("89", Status.PASS), ("90", Status.PASS), ("91", Status.FAIL), ("1", Status.PASS),
    ("0", Status.FAIL), ("-1", Status.FAIL), ("99999", Status.FAIL), ("ninety", Status.FAIL),
])
def test_pass_max_days_boundary(pass_max: str, status: Status) -> None:
    got, evidence = _policy(30, pass_max)
    assert got is status
    assert evidence["PASS_MAX_DAYS"] == pass_max


# ------------------------------------------------------------------------ password quality
def _quality(minlen: int, params: dict[str, object] | None = None,
             options: str = "") -> tuple[Status, str]:
    fact = _pam(f"/etc/pam.d/common-password\tpassword\trequired\tpam_unix.so minlen={minlen}"
                if not options else
                f"/etc/pam.d/common-password\tpassword\trequisite\tpam_pwquality.so {options}")
    outcome = PASSWORD_QUALITY.evaluate(context([fact], params or {}))
    return outcome.status, outcome.summary


@pytest.mark.parametrize(("minlen", "status", "advice"), [
    (7, Status.WARN, False), (8, Status.PASS, True), (9, Status.PASS, True),
    (14, Status.PASS, True), (15, Status.PASS, False), (16, Status.PASS, False),
])
def test_nist_length_boundaries(minlen: int, status: Status, advice: bool) -> None:
    got, summary = _quality(minlen)
    assert got is status
    assert ("15 where the password is the only factor" in summary) is advice


@pytest.mark.parametrize(("minlen", "status"), [(11, Status.FAIL), (12, Status.PASS),
                                                (13, Status.PASS)])
def test_claimed_minimum_length_boundary(minlen: int, status: Status) -> None:
    assert _quality(minlen, {"min_length": 12})[0] is status


@pytest.mark.parametrize(("credits", "status"), [
    ("dcredit=-1 ucredit=-1", Status.FAIL),                          # two classes
    ("dcredit=-1 ucredit=-1 lcredit=-1", Status.PASS),               # three
    ("dcredit=-1 ucredit=-1 lcredit=-1 ocredit=-1", Status.PASS),    # four
    ("minclass=2", Status.FAIL), ("minclass=3", Status.PASS),
])
def test_complexity_needs_three_classes(credits: str, status: Status) -> None:
    got, _ = _quality(0, {"require_complexity": True}, options=f"minlen=15 {credits}")
    assert got is status


# ----------------------------------------------------------------- AuthenticationMethods
@pytest.mark.parametrize(("methods", "status"), [
    ("publickey", Status.PASS),
    ("publickey,password", Status.PASS),
    ("publickey,password publickey,keyboard-interactive", Status.PASS),
    # any list without publickey lets a password alone in: judged on PasswordAuthentication
    ("password publickey", Status.FAIL),
    ("publickey password", Status.FAIL),
    ("publickey,password password", Status.FAIL),
    ("keyboard-interactive", Status.FAIL),
    ("any", Status.FAIL),
])
def test_authentication_methods_need_a_key_in_every_list(methods: str, status: Status) -> None:
    lines = [line for line in U2204_SSHD_T.splitlines()
             if line.split(" ", 1)[0] not in ("authenticationmethods", "passwordauthentication")]
    lines += [f"authenticationmethods {methods}", "passwordauthentication yes"]
    outcome = PASSWORD_AUTHENTICATION.evaluate(
        context([parsed("sshd.contexts", sshd_contexts_raw("\n".join(lines) + "\n"))]))
    assert outcome.status is status, outcome.summary


def test_recorded_host_with_any_is_judged_on_passwords() -> None:
    assert PASSWORD_AUTHENTICATION.evaluate(host("deb12")).status is Status.FAIL
