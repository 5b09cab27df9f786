"""SSH checks: the exact evidence and summaries a report shows, option by option."""

from __future__ import annotations

import pytest
from facts_samples import U2204_SSHD_T, context, ok
from test_checks_ssh import _contexts, _sshd

from checks.sshd.ssh import PASSWORD_AUTHENTICATION, ROOT_LOGIN, SFTP_SUBSYSTEM, WEAK_ALGORITHMS
from posture.models import Status


def test_password_evidence_names_every_option() -> None:
    fact = _contexts(U2204_SSHD_T, kbdinteractiveauthentication="yes",
                     challengeresponseauthentication="no")
    outcome = PASSWORD_AUTHENTICATION.evaluate(context([fact]))
    assert outcome.status is Status.PASS
    assert outcome.summary.startswith("SSH accepts no password logins in all ")
    assert outcome.evidence["findings"] == [] or all(
        f["verdict"] == "pass" for f in outcome.evidence["findings"])


@pytest.mark.parametrize(("use_pam", "status"), [("yes", Status.WARN), ("1", Status.WARN),
                                                 ("no", Status.PASS), ("0", Status.PASS)])
def test_keyboard_interactive_warns_only_through_pam(use_pam: str, status: Status) -> None:
    fact = _contexts(U2204_SSHD_T, kbdinteractiveauthentication="yes", usepam=use_pam)
    outcome = PASSWORD_AUTHENTICATION.evaluate(context([fact]))
    assert outcome.status is status
    assert outcome.summary.endswith(".") and "password" in outcome.summary


def test_keys_required_summary() -> None:
    fact = _contexts(U2204_SSHD_T, authenticationmethods="publickey",
                     passwordauthentication="yes")
    outcome = PASSWORD_AUTHENTICATION.evaluate(context([fact]))
    assert outcome.status is Status.PASS


@pytest.mark.parametrize(("check", "option"), [
    (PASSWORD_AUTHENTICATION, "passwordauthentication"), (ROOT_LOGIN, "permitrootlogin")])
def test_an_absent_option_is_not_a_pass(check: object, option: str) -> None:
    outcome = check.evaluate(context([_contexts(U2204_SSHD_T, **{option: None})]))  # type: ignore[attr-defined]
    assert outcome.status is not Status.PASS


def test_an_unexpected_config_shape_is_an_error() -> None:
    outcome = ROOT_LOGIN.evaluate(context([ok("sshd.contexts", ["permitrootlogin no"])]))
    assert outcome.status is Status.ERROR


def test_an_unknown_root_login_value_is_an_error_with_the_value() -> None:
    outcome = ROOT_LOGIN.evaluate(context([_contexts(U2204_SSHD_T, permitrootlogin="maybe")]))
    assert outcome.status is Status.ERROR
    assert "unrecognised PermitRootLogin value 'maybe'" in outcome.summary


@pytest.mark.parametrize(("subsystem", "status"), [
    ("sftp /usr/lib/openssh/sftp-server", Status.PASS),
    ("sftp internal-sftp -l INFO", Status.PASS),
    ("sftpx /usr/bin/other", Status.FAIL),
    ("backup /usr/bin/sftp", Status.FAIL),
])
def test_sftp_subsystem_by_name(subsystem: str, status: Status) -> None:
    outcome = SFTP_SUBSYSTEM.evaluate(context([_sshd(U2204_SSHD_T, subsystem=subsystem)]))
    assert outcome.status is status
    assert outcome.evidence == {"subsystems": [subsystem]}
    if status is Status.PASS:
        assert outcome.summary == f"The SSH server offers SFTP ({subsystem})."


@pytest.mark.parametrize(("count", "tail"), [(6, ""), (7, " and 1 more"), (8, " and 2 more")])
def test_weak_algorithm_list_is_cut_after_six(count: int, tail: str) -> None:
    names = ["3des-cbc", "aes128-cbc", "aes192-cbc", "aes256-cbc", "arcfour", "arcfour128",
             "arcfour256", "blowfish-cbc"][:count]
    outcome = WEAK_ALGORITHMS.evaluate(context([_sshd(U2204_SSHD_T, ciphers=",".join(names))]))
    assert outcome.status is Status.FAIL
    shown = ", ".join(sorted(names)[:6])
    assert outcome.summary == f"SSH offers {count} weak algorithms: {shown}{tail}."
