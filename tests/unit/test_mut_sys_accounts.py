"""The per-account rotation checks (``accounts.password_age``, ``accounts.max_days_policy``)
judged on passwd/shadow facts, with the exact evidence and sentence of every verdict.

Complements the day boundaries of ``test_boundaries_accounts``: who is judged at all (shell,
expiry, lock, inactivity), the claim's scope, a cut list, and the ageing policy's two
problems (PASS_MAX_DAYS and the per-account maximum) alone and together.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from facts_samples import SCAN_DAY, context, ok, parsed

from checks.base import CheckContext, Outcome
from checks.sshd.ssh import password_logins
from checks.system.accounts import MAX_DAYS_POLICY, PASSWORD_AGE, Account
from posture.models import Fact, FactStatus, Severity, Status

P90 = {"max_age_days": 90}


def _users(*rows: tuple[str, str, str], keys: str | None = None) -> list[Fact]:
    """passwd + shadow (+ authorized_keys) from (name, shell, "state:lastchg:min:max:warn:
    inactive:expire")."""
    passwd = "".join(f"{n}:x:{1000 + i}:{1000 + i}::/home/{n}:{sh}\n"
                     for i, (n, sh, _) in enumerate(rows))
    shadow = "".join(f"{n}:{tail}\n" for n, _, tail in rows)
    facts = [parsed("accounts.passwd", passwd), parsed("accounts.shadow", shadow)]
    if keys is not None:
        facts.append(parsed("ssh.authorized_keys", keys))
    return facts


def _age(*rows: tuple[str, str, str], params: dict[str, Any] | None = None,
         keys: str | None = None) -> tuple[Outcome, CheckContext]:
    ctx = context(_users(*rows, keys=keys), P90 if params is None else params)
    return PASSWORD_AGE.evaluate(ctx), ctx


def _tail(ctx: CheckContext) -> dict[str, Any]:
    return {"ssh_password_logins": password_logins(ctx), "target_clock_offset_days": None}


# ------------------------------------------------------------------ who can log in at all
@pytest.mark.parametrize(("shell", "judged"), [
    ("/bin/bash", True), ("/usr/sbin/nologin", False), ("/bin/false", False),
    ("/bin/sync", False), ("/sbin/halt", False), ("/sbin/shutdown", False), ("", False),
    ("/usr/local/bin/nologin-wrapper", True), ("nologin", False), ("bash", True),
])
def test_login_shells(shell: str, judged: bool) -> None:
    outcome, _ = _age(("alice", shell, f"set:{SCAN_DAY - 10}:0:90:7::"))
    assert outcome.evidence["judged"] == int(judged)
    assert outcome.evidence["accounts_without_login_shell"] == int(not judged)
    assert outcome.evidence["not_judged"] == []


@pytest.mark.parametrize(("expire", "judged"), [(1, False), (2, False), (0, True)])
def test_expiry_day_one_is_a_date(expire: int, judged: bool) -> None:
    outcome, _ = _age(("alice", "/bin/bash", f"set:{SCAN_DAY - 10}:0:90:7::{expire}"))
    assert outcome.evidence["judged"] == int(judged)


@pytest.mark.parametrize(("state", "keys", "reason"), [
    ("locked", "alice\t1\n", "key-only"), ("locked", "bob\t1\n", "password locked"),
    ("none", "alice\t2\n", "key-only"), ("none", None, "password none"),
    ("locked", "alice\t0\n", "password locked"),
])
def test_locked_accounts_are_listed_with_the_reason(state: str, keys: str | None,
                                                    reason: str) -> None:
    outcome, ctx = _age(("alice", "/bin/bash", f"{state}:{SCAN_DAY - 500}:0:90:7::"),
                        keys=keys)
    assert outcome.status is Status.PASS
    assert dict(outcome.evidence) == {
        "max_age_days": 90, "stale": [], "stale_count": 0, "oldest_days": None,
        "must_change_at_next_login": [], "unknown_age": [], "empty_password": [],
        "judged": 0, "not_judged": [{"account": "alice", "reason": reason}],
        "accounts_without_login_shell": 0, "out_of_scope": 0, **_tail(ctx)}
    assert outcome.summary == "No account can log in with a password."


def test_keys_fact_that_is_not_a_table_is_ignored() -> None:
    facts = [*_users(("alice", "/bin/bash", f"locked:{SCAN_DAY}:0:90:7::")),
             ok("ssh.authorized_keys", ["alice"])]
    outcome = PASSWORD_AGE.evaluate(context(facts, P90))
    assert outcome.evidence["not_judged"] == [{"account": "alice", "reason": "password locked"}]


def test_shadow_entry_without_passwd_entry_is_not_an_account() -> None:
    facts = [parsed("accounts.passwd", "alice:x:1000:1000::/home/alice:/bin/bash\n"),
             parsed("accounts.shadow", f"alice:set:{SCAN_DAY - 5}:0:90:7::\n"
                                       f"ghost:set:{SCAN_DAY - 900}:0:90:7::\n")]
    outcome = PASSWORD_AGE.evaluate(context(facts, P90))
    assert outcome.status is Status.PASS and outcome.evidence["judged"] == 1


@pytest.mark.parametrize(("max_days", "judged"), [(99999, True), (99998, False)])
def test_never_expiring_maximum_far_in_the_future(max_days: int, judged: bool) -> None:
    # 99999 is "never": even 300 years on, the inactivity period of such a password never
    # starts; one day less is a real (long) maximum that has run out by then.
    later = datetime(2300, 1, 1, tzinfo=UTC)
    facts = _users(("alice", "/bin/bash", f"set:1:0:{max_days}:7:0:"))
    ctx = CheckContext("vps1", {f.key: f for f in facts}, P90, later)
    outcome = PASSWORD_AGE.evaluate(ctx)
    assert outcome.evidence["judged"] == int(judged)


# ----------------------------------------------------------------------------- verdicts
def test_stale_passwords_exact_evidence_oldest_first() -> None:
    outcome, ctx = _age(("bob", "/bin/bash", f"set:{SCAN_DAY - 120}:0:90:7::"),
                        ("alice", "/bin/sh", f"set:{SCAN_DAY - 91}:0:90:7::"),
                        ("carol", "/bin/bash", f"set:{SCAN_DAY - 300}:0:99999:7::"),
                        ("dave", "/bin/bash", f"set:{SCAN_DAY - 90}:0:90:7::"),
                        ("erin", "/bin/bash", "set:0:0:90:7::"),
                        ("svc", "/usr/sbin/nologin", "set:100:0:90:7::"))
    assert outcome.status is Status.FAIL and outcome.severity is None
    assert dict(outcome.evidence) == {
        "max_age_days": 90,
        "stale": [{"account": "carol", "age_days": 300}, {"account": "bob", "age_days": 120},
                  {"account": "alice", "age_days": 91}],
        "stale_count": 3, "oldest_days": 300, "must_change_at_next_login": ["erin"],
        "unknown_age": [], "empty_password": [], "judged": 5, "not_judged": [],
        "accounts_without_login_shell": 1, "out_of_scope": 0, **_tail(ctx)}
    assert outcome.summary == ("3 of 5 password accounts have a password older than 90 days "
                               "(oldest: carol, 300 days).")


def test_one_stale_password_is_named() -> None:
    outcome, _ = _age(("bob", "/bin/bash", f"set:{SCAN_DAY - 120}:0:90:7::"),
                      ("alice", "/bin/sh", f"set:{SCAN_DAY - 9}:0:90:7::"))
    assert outcome.summary == ("1 of 2 password accounts has a password older than 90 days "
                               "(oldest: bob, 120 days).")


def test_empty_passwords_are_critical_and_named() -> None:
    rows = [(f"u{i}", "/bin/bash", "empty:0:0:90:7::") for i in range(6)]
    outcome, _ = _age(*rows, ("svc", "/bin/false", "empty:0:0:90:7::"))
    assert outcome.status is Status.FAIL and outcome.severity is Severity.CRITICAL
    assert outcome.summary == ("6 accounts with a login shell have an empty password: u0, u1, "
                               "u2, u3, u4.")
    assert outcome.evidence["empty_password"] == [f"u{i}" for i in range(6)]
    assert outcome.evidence["judged"] == 0


def test_one_empty_password() -> None:
    outcome, _ = _age(("guest", "/bin/sh", "empty:0:0:90:7::"))
    assert outcome.summary == "1 account with a login shell has an empty password: guest."


def test_unknown_age_is_an_error_naming_five() -> None:
    rows = [(f"u{i}", "/bin/bash", "set::0:90:7::") for i in range(6)]
    outcome, _ = _age(*rows, ("ok", "/bin/bash", f"set:{SCAN_DAY - 3}:0:90:7::"))
    assert outcome.status is Status.ERROR
    assert outcome.summary == ("could not determine: the password age of u0, u1, u2, u3, u4 is "
                               "unknown (no last-change date).")
    assert outcome.evidence["unknown_age"] == [f"u{i}" for i in range(6)]
    assert outcome.evidence["oldest_days"] == 3


@pytest.mark.parametrize(("forced", "summary"), [
    (1, "1 account must change its password at the next login; the others are within 90 "
        "days."),
    (2, "2 accounts must change their password at the next login; the others are within 90 "
        "days."),
])
def test_forced_change(forced: int, summary: str) -> None:
    rows = [(f"f{i}", "/bin/bash", "set:0:0:90:7::") for i in range(forced)]
    outcome, _ = _age(*rows, ("ok", "/bin/bash", f"set:{SCAN_DAY - 3}:0:90:7::"))
    assert outcome.status is Status.WARN
    assert outcome.summary == summary
    assert outcome.evidence["must_change_at_next_login"] == [f"f{i}" for i in range(forced)]


def test_pass_names_the_oldest() -> None:
    outcome, _ = _age(("a", "/bin/bash", f"set:{SCAN_DAY - 3}:0:90:7::"),
                      ("b", "/bin/bash", f"set:{SCAN_DAY - 44}:0:90:7::"))
    assert outcome.status is Status.PASS
    assert outcome.summary == ("Every password account (2) changed its password within 90 "
                               "days (oldest: 44 days).")


@pytest.mark.parametrize(("host_day", "offset"), [(SCAN_DAY, 0), (SCAN_DAY - 3, -3),
                                                  (SCAN_DAY + 1, 1)])
def test_target_clock_offset(host_day: int, offset: int) -> None:
    facts = [*_users(("a", "/bin/bash", f"set:{SCAN_DAY - 3}:0:90:7::")),
             ok("host.time", host_day * 86400 + 43200)]
    outcome = PASSWORD_AGE.evaluate(context(facts, P90))
    assert outcome.evidence["target_clock_offset_days"] == offset


# -------------------------------------------------------------------------------- scope
@pytest.mark.parametrize("scope", ["alice", [1], ["a*", None]])
def test_scope_must_be_a_list_of_patterns(scope: object) -> None:
    outcome, _ = _age(("alice", "/bin/bash", f"set:{SCAN_DAY}:0:90:7::"),
                      params={**P90, "accounts": scope})
    assert outcome.status is Status.ERROR
    assert outcome.evidence == {
        "parameter_error": "expect.accounts must be a list of account-name patterns"}


def test_scope_counts_the_rest_out_of_scope() -> None:
    outcome, _ = _age(("alice", "/bin/bash", f"set:{SCAN_DAY - 400}:0:90:7::"),
                      ("bob", "/bin/bash", f"set:{SCAN_DAY - 4}:0:90:7::"),
                      ("svc", "/bin/false", f"set:{SCAN_DAY - 4}:0:90:7::"),
                      ("carol", "/bin/bash", f"set:{SCAN_DAY - 400}:0:90:7::"),
                      params={**P90, "accounts": ["b*", "s*"]})
    assert outcome.status is Status.PASS
    assert outcome.evidence["out_of_scope"] == 2
    assert outcome.evidence["judged"] == 1
    assert outcome.evidence["accounts_without_login_shell"] == 1


@pytest.mark.parametrize(("cut", "named"), [
    (("accounts.passwd",), ["accounts.passwd"]), (("accounts.shadow",), ["accounts.shadow"]),
    (("accounts.passwd", "accounts.shadow"), ["accounts.passwd", "accounts.shadow"]),
])
def test_a_cut_account_list_is_an_error(cut: tuple[str, ...], named: list[str]) -> None:
    facts = {f.key: Fact(f.key, FactStatus.OK, f.value, truncated=f.key in cut)
             for f in _users(("alice", "/bin/bash", f"set:{SCAN_DAY}:0:90:7::"))}
    for check in (PASSWORD_AGE, MAX_DAYS_POLICY):
        outcome = check.evaluate(context({**facts, "login.defs": ok("login.defs", {})}, P90))
        assert outcome.status is Status.ERROR
        assert outcome.evidence == {"truncated_facts": named}
        assert outcome.summary.startswith(f"could not determine: {', '.join(named)} went past")


@pytest.mark.parametrize(("bad", "problem"), [
    (None, "expect.max_age_days is required (the promised period in days)"),
    (0, "expect.max_age_days must be a positive whole number, got 0"),
    (-90, "expect.max_age_days must be a positive whole number, got -90"),
    ("90", "expect.max_age_days must be a positive whole number, got '90'"),
    (True, "expect.max_age_days must be a positive whole number, got True"),
])
def test_period_must_be_a_positive_number(bad: object, problem: str) -> None:
    params = {} if bad is None else {"max_age_days": bad}
    for check in (PASSWORD_AGE, MAX_DAYS_POLICY):
        facts = [*_users(("alice", "/bin/bash", f"set:{SCAN_DAY}:0:90:7::")),
                 ok("login.defs", {"PASS_MAX_DAYS": "90"})]
        outcome = check.evaluate(context(facts, params))
        assert outcome.status is Status.ERROR, check.meta.id
        assert outcome.evidence == {"parameter_error": problem}, check.meta.id
        assert outcome.summary == f"could not determine: {problem}", check.meta.id


# ----------------------------------------------------------------------- ageing policy
def _policy(*rows: tuple[str, str, str], pass_max: str | None = "90",
            max_age: int = 90) -> Outcome:
    facts = [*_users(*rows)]
    if pass_max is not None:
        facts.append(ok("login.defs", {"PASS_MAX_DAYS": pass_max}))
    return MAX_DAYS_POLICY.evaluate(context(facts, {"max_age_days": max_age}))


ALICE = ("alice", "/bin/bash", f"set:{SCAN_DAY - 10}:0:60:7::")


def test_policy_pass_exact() -> None:
    outcome = _policy(ALICE, pass_max="60")
    assert outcome.status is Status.PASS
    assert dict(outcome.evidence) == {
        "max_age_days": 90, "PASS_MAX_DAYS": "60", "accounts_over_limit": [],
        "accounts_over_limit_count": 0, "judged": 1, "not_judged": [],
        "accounts_without_login_shell": 0, "out_of_scope": 0}
    assert outcome.summary == ("PASS_MAX_DAYS (60) and every password account's maximum age "
                               "are within 90 days.")


@pytest.mark.parametrize(("raw", "status"), [
    ("60 # days", Status.PASS), ("90\tdays", Status.PASS), ("", Status.FAIL),
    ("-", Status.FAIL), ("--5", Status.FAIL)])
def test_pass_max_days_first_word(raw: str, status: Status) -> None:
    assert _policy(ALICE, pass_max=raw).status is status


def test_policy_unset_exact() -> None:
    outcome = _policy(ALICE, pass_max="")
    assert outcome.evidence["PASS_MAX_DAYS"] is None
    assert outcome.summary == ("The ageing policy does not enforce the 90-day promise: "
                               "PASS_MAX_DAYS is unset, so new accounts are not forced to "
                               "change within 90 days.")


def test_policy_both_problems() -> None:
    outcome = _policy(ALICE, ("bob", "/bin/bash", f"set:{SCAN_DAY - 10}:0:99999:7::"),
                      ("carol", "/bin/bash", f"set:{SCAN_DAY - 10}:0::7::"),
                      pass_max="99999")
    assert outcome.status is Status.FAIL
    assert outcome.evidence["accounts_over_limit"] == [{"account": "bob", "max_days": 99999},
                                                       {"account": "carol", "max_days": None}]
    assert outcome.evidence["accounts_over_limit_count"] == 2
    assert outcome.summary == ("The ageing policy does not enforce the 90-day promise: "
                               "PASS_MAX_DAYS is 99999, so new accounts are not forced to "
                               "change within 90 days; 2 password accounts have a longer or no "
                               "maximum age (e.g. bob: 99999).")


def test_policy_one_account_over() -> None:
    outcome = _policy(ALICE, ("bob", "/bin/bash", f"set:{SCAN_DAY - 10}:0:91:7::"))
    assert outcome.status is Status.FAIL
    assert outcome.summary == ("The ageing policy does not enforce the 90-day promise: 1 "
                               "password account has a longer or no maximum age (e.g. bob: 91).")


def test_policy_ignores_accounts_that_cannot_log_in() -> None:
    outcome = _policy(ALICE, ("svc", "/bin/false", f"set:{SCAN_DAY - 10}:0:99999:7::"),
                      ("old", "/bin/bash", f"locked:{SCAN_DAY - 10}:0:99999:7::"))
    assert outcome.status is Status.PASS
    assert outcome.evidence["not_judged"] == [{"account": "old", "reason": "password locked"}]


def test_policy_needs_login_defs_after_the_accounts() -> None:
    outcome = _policy(ALICE, pass_max=None)
    assert outcome.status is Status.ERROR
    assert outcome.evidence["fact"] == "login.defs"


def test_account_blocked_reasons_directly() -> None:
    today = SCAN_DAY
    assert Account("a", "", "set", 1, 90, None, None).blocked(today) == "no login shell"
    assert Account("a", "/bin/sh", "set", 1, 90, None, today).blocked(today) == \
        "account expired"
    assert Account("a", "/bin/sh", "none", 1, 90, None, None, 1).blocked(today) == "key-only"
    assert Account("a", "/bin/sh", "set", today - 100, 90, 9, None).blocked(today) == \
        "password expired and inactivity period over"
    assert Account("a", "/bin/sh", "set", today - 100, 90, 10, None).blocked(today) is None
    assert Account("a", "/bin/sh", "set", today - 100, 90, None, None).blocked(today) is None
    assert Account("a", "/bin/sh", "set", today - 100, None, 0, None).blocked(today) is None
