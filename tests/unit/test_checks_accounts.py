"""Password-rotation checks on recorded account, login.defs and PAM facts."""

from __future__ import annotations

import pytest
from facts_samples import (
    DEB12_SHADOW,
    RHEL7_SHADOW,
    SCAN_DAY,
    absent,
    context,
    denied,
    host,
    ok,
    parsed,
    timed_out,
)

from checks.system.accounts import MAX_DAYS_POLICY, PASSWORD_AGE, PASSWORD_QUALITY, pam_rules
from posture.models import Fact, Severity, Status

P90 = {"max_age_days": 90}


def _users(*rows: tuple[str, str, str]) -> list[Fact]:
    """passwd + shadow facts from (name, shell, "state:lastchg:min:max:warn:inactive:expire")."""
    passwd = "".join(f"{n}:x:{1000 + i}:{1000 + i}::/home/{n}:{sh}\n"
                     for i, (n, sh, _) in enumerate(rows))
    shadow = "".join(f"{n}:{tail}\n" for n, _, tail in rows)
    return [parsed("accounts.passwd", passwd), parsed("accounts.shadow", shadow)]


def _pam(*lines: str) -> Fact:
    return parsed("pam.password", "".join(line + "\n" for line in lines))


# ----------------------------------------------------------------- accounts.password_age
def test_age_within_limit_passes() -> None:
    outcome = PASSWORD_AGE.evaluate(host("rhel7", P90))
    assert outcome.status is Status.PASS
    assert outcome.evidence["judged"] == 2 and outcome.evidence["oldest_days"] == 55


def test_old_password_fails_with_names_and_ages() -> None:
    outcome = PASSWORD_AGE.evaluate(host("deb12", P90))
    assert outcome.status is Status.FAIL and outcome.severity is None  # the check's own: high
    assert PASSWORD_AGE.meta.severity is Severity.HIGH
    assert outcome.evidence["stale"] == [{"account": "root", "age_days": SCAN_DAY - 19900}]
    assert "root" in outcome.summary


def test_key_only_and_locked_accounts_are_listed_not_judged() -> None:
    outcome = PASSWORD_AGE.evaluate(host("deb12", P90))
    assert {"account": "deploy", "reason": "key-only"} in outcome.evidence["not_judged"]
    assert outcome.evidence["accounts_without_login_shell"] == 10


def test_key_only_host_passes_with_no_password_accounts() -> None:
    outcome = PASSWORD_AGE.evaluate(host("u2204", P90))
    assert outcome.status is Status.PASS
    assert outcome.summary == "No account can log in with a password."


def test_empty_password_is_critical() -> None:
    outcome = PASSWORD_AGE.evaluate(host("u1204", P90))
    assert outcome.status is Status.FAIL
    assert outcome.severity is Severity.CRITICAL
    assert outcome.evidence["empty_password"] == ["backup2"]


def test_must_change_at_next_login_warns() -> None:
    facts = _users(("alice", "/bin/bash", "set:0:0:90:7::"),
                   ("bob", "/bin/bash", f"set:{SCAN_DAY - 10}:0:90:7::"))
    outcome = PASSWORD_AGE.evaluate(context(facts, P90))
    assert outcome.status is Status.WARN
    assert outcome.evidence["must_change_at_next_login"] == ["alice"]


def test_unknown_last_change_is_error() -> None:
    outcome = PASSWORD_AGE.evaluate(context(_users(("carol", "/bin/sh", "set::::::")), P90))
    assert outcome.status is Status.ERROR


def test_expired_and_nologin_accounts_are_not_judged() -> None:
    facts = _users(("old", "/bin/bash", f"set:100:0:99999:7::{SCAN_DAY - 1}"),
                   ("svc", "/usr/sbin/nologin", "set:100:0:99999:7::"),
                   ("lapsed", "/bin/bash", "set:100:0:90:7:30:"))
    outcome = PASSWORD_AGE.evaluate(context(facts, P90))
    assert outcome.status is Status.PASS
    reasons = {row["account"]: row["reason"] for row in outcome.evidence["not_judged"]}
    assert reasons == {"old": "account expired",
                       "lapsed": "password expired and inactivity period over"}


def test_accounts_parameter_restricts_scope() -> None:
    outcome = PASSWORD_AGE.evaluate(host("deb12", {**P90, "accounts": ["deb*"]}))
    assert outcome.status is Status.PASS
    assert outcome.evidence["out_of_scope"] > 0


def test_stale_list_is_capped() -> None:
    rows = [(f"user{i:02d}", "/bin/bash", "set:19000:0:99999:7::") for i in range(60)]
    outcome = PASSWORD_AGE.evaluate(context(_users(*rows), P90))
    assert outcome.status is Status.FAIL
    assert len(outcome.evidence["stale"]) == 50 and outcome.evidence["stale_count"] == 60


def test_optional_facts_may_be_missing() -> None:
    ctx = host("deb12", P90, denied("ssh.authorized_keys"), denied("sshd.contexts"),
               absent("host.time"))
    outcome = PASSWORD_AGE.evaluate(ctx)
    assert outcome.status is Status.FAIL
    assert {"account": "deploy", "reason": "password locked"} in outcome.evidence["not_judged"]


@pytest.mark.parametrize("bad", [denied("accounts.shadow"), timed_out("accounts.passwd")])
def test_account_facts_unavailable_is_error(bad: Fact) -> None:
    for check in (PASSWORD_AGE, MAX_DAYS_POLICY):
        outcome = check.evaluate(host("rhel7", P90, bad))
        assert outcome.status is Status.ERROR, check.meta.id
        assert bad.key in outcome.summary


@pytest.mark.parametrize("params", [{}, {"max_age_days": "90"}, {"max_age_days": 0},
                                    {"max_age_days": 90, "accounts": "root"}])
def test_bad_parameters_are_errors(params: dict[str, object]) -> None:
    for check in (PASSWORD_AGE, MAX_DAYS_POLICY):
        assert check.evaluate(host("rhel7", params)).status is Status.ERROR, check.meta.id


def test_no_evidence_never_passes() -> None:
    for check in (PASSWORD_AGE, MAX_DAYS_POLICY, PASSWORD_QUALITY):
        assert check.evaluate(context({}, P90)).status is Status.ERROR


# ----------------------------------------------------------------- accounts.max_days_policy
@pytest.mark.parametrize("name", ["rhel7", "u2204"])
def test_policy_within_limit_passes(name: str) -> None:
    assert MAX_DAYS_POLICY.evaluate(host(name, P90)).status is Status.PASS


def test_policy_99999_fails() -> None:
    outcome = MAX_DAYS_POLICY.evaluate(host("deb12", P90))
    assert outcome.status is Status.FAIL
    assert MAX_DAYS_POLICY.meta.severity is Severity.MEDIUM
    assert "PASS_MAX_DAYS is 99999" in outcome.summary
    assert outcome.evidence["accounts_over_limit_count"] == 2


def test_policy_ok_but_account_without_limit_fails() -> None:
    shadow = RHEL7_SHADOW.replace("admin:set:20758:1:90", "admin:set:20758:1:99999")
    outcome = MAX_DAYS_POLICY.evaluate(host("rhel7", P90, parsed("accounts.shadow", shadow)))
    assert outcome.status is Status.FAIL
    assert outcome.evidence["accounts_over_limit"] == [{"account": "admin", "max_days": 99999}]


def test_policy_unset_fails() -> None:
    outcome = MAX_DAYS_POLICY.evaluate(host("u2204", P90, ok("login.defs", {"UMASK": "022"})))
    assert outcome.status is Status.FAIL
    assert "unset" in outcome.summary


def test_policy_login_defs_denied_is_error() -> None:
    assert MAX_DAYS_POLICY.evaluate(host("deb12", P90, denied("login.defs"))).status \
        is Status.ERROR


def test_shadow_fixture_is_what_the_collector_prints() -> None:
    assert all(line.count(":") == 7 for line in DEB12_SHADOW.splitlines())


# ----------------------------------------------------------------- accounts.password_quality
def test_quality_pam_unix_default_is_warn() -> None:
    outcome = PASSWORD_QUALITY.evaluate(host("deb12"))
    assert outcome.status is Status.WARN
    assert outcome.evidence["effective_min_length"] == 6
    assert "NIST SP 800-63B-4 minimum of 8 (15 for single-factor)" in outcome.summary


def test_quality_15_passes_without_advice() -> None:
    outcome = PASSWORD_QUALITY.evaluate(host("u2204"))
    assert outcome.status is Status.PASS
    assert outcome.evidence["effective_min_length"] == 15 and "15 where" not in outcome.summary


def test_quality_12_passes_with_advice() -> None:
    outcome = PASSWORD_QUALITY.evaluate(host("rhel7"))
    assert outcome.status is Status.PASS
    assert outcome.evidence["effective_min_length"] == 12
    assert outcome.evidence["character_classes_required"] == 3
    assert "15 where the password is the only factor" in outcome.summary


@pytest.mark.parametrize(("name", "params", "status"), [
    ("deb12", {"min_length": 12}, Status.FAIL),
    ("u2204", {"min_length": 12}, Status.PASS),
    ("rhel7", {"min_length": 14}, Status.FAIL),
    ("rhel7", {"require_complexity": True}, Status.PASS),
    ("u2204", {"require_complexity": True}, Status.FAIL),
])
def test_quality_against_claim(name: str, params: dict[str, object], status: Status) -> None:
    assert PASSWORD_QUALITY.evaluate(host(name, params)).status is status


@pytest.mark.parametrize(("lines", "length"), [
    (["/etc/pam.d/common-password\tpassword\trequired\tpam_unix.so obscure minlen=10"], 10),
    # pam_cracklib defaults: minlen 9, one credit per class -> 5, floored at 6.
    (["/etc/pam.d/system-auth\tpassword\trequisite\tpam_cracklib.so retry=3",
      "/etc/pam.d/system-auth\tpassword\tsufficient\tpam_unix.so use_authtok"], 6),
    # warn-only pwquality enforces nothing; pam_unix's 6 remains.
    (["/etc/pam.d/common-password\tpassword\trequisite\tpam_pwquality.so",
      "/etc/pam.d/common-password\tpassword\trequired\tpam_unix.so",
      "/etc/security/pwquality.conf\tminlen = 15", "/etc/security/pwquality.conf\tenforcing = 0"],
     6),
    # module options override pwquality.conf.
    (["/etc/pam.d/common-password\tpassword\trequisite\tpam_pwquality.so minlen=10",
      "/etc/security/pwquality.conf\tminlen = 15"], 10),
    (["/etc/pam.d/common-password\tpassword\trequisite\tpam_pwquality.so dcredit=2 ucredit=1",
      "/etc/security/pwquality.conf\tminlen = 12"], 9),
    # the weakest stack decides.
    (["/etc/pam.d/system-auth\tpassword\trequisite\tpam_pwquality.so minlen=14",
      "/etc/pam.d/password-auth\tpassword\tsufficient\tpam_unix.so"], 6),
])
def test_effective_length(lines: list[str], length: int) -> None:
    outcome = PASSWORD_QUALITY.evaluate(context([_pam(*lines)]))
    assert outcome.evidence["effective_min_length"] == length


def test_negative_credits_count_as_required_classes() -> None:
    fact = _pam("/etc/pam.d/system-auth\tpassword\trequisite\tpam_pwquality.so "
                "dcredit=-1 ucredit=-1 lcredit=-1 minlen=14")
    rules = pam_rules(fact.value)
    assert rules[0].classes == 3 and rules[0].min_length == 14


def test_quality_no_password_module_is_error() -> None:
    fact = _pam("/etc/pam.d/common-password\tpassword\trequired\tpam_permit.so")
    assert PASSWORD_QUALITY.evaluate(context([fact])).status is Status.ERROR


def test_quality_pam_denied_is_error() -> None:
    assert PASSWORD_QUALITY.evaluate(host("deb12", {}, denied("pam.password"))).status \
        is Status.ERROR


@pytest.mark.parametrize("params", [{"min_length": "twelve"}, {"require_complexity": "yes"}])
def test_quality_bad_parameters_are_errors(params: dict[str, object]) -> None:
    assert PASSWORD_QUALITY.evaluate(host("u2204", params)).status is Status.ERROR


def test_ssh_password_evidence_is_judged_per_connection_context() -> None:
    # deb12 takes passwords everywhere; u2204 nowhere; unreadable contexts are "unknown",
    # never a plain sshd -T "no".
    assert str(PASSWORD_AGE.evaluate(host("deb12", P90)).evidence["ssh_password_logins"]) \
        .startswith("yes: ")
    assert str(PASSWORD_AGE.evaluate(host("u2204", P90)).evidence["ssh_password_logins"]) \
        .startswith("no: ")
    hidden = PASSWORD_AGE.evaluate(host("u2204", P90, denied("sshd.contexts")))
    assert str(hidden.evidence["ssh_password_logins"]).startswith("unknown: ")
