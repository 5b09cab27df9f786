"""SSH checks on recorded ``sshd -T`` output."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from facts_samples import (
    DEB12_SSHD_T,
    U2204_SSHD_T,
    context,
    denied,
    host,
    parsed,
    sshd_contexts_raw,
    timed_out,
)

from checks.base import Check
from checks.sshd.ssh import (
    PASSWORD_AUTHENTICATION,
    ROOT_LOGIN,
    SFTP_SUBSYSTEM,
    WEAK_ALGORITHMS,
    classify,
)
from posture.models import Fact, Status

ALL = (PASSWORD_AUTHENTICATION, ROOT_LOGIN, WEAK_ALGORITHMS, SFTP_SUBSYSTEM)


def _sshd(base: str, **options: str | None) -> Fact:
    """``base`` sshd -T output with options replaced (a value) or removed (None)."""
    lines = [line for line in base.splitlines() if line.split(" ", 1)[0] not in options]
    lines += [f"{key} {value}" for key, value in options.items() if value is not None]
    return parsed("sshd.config", "\n".join(lines) + "\n")


def _contexts(base: str, **options: str | None) -> Fact:
    """``sshd.contexts`` of a server without Match blocks whose sshd -T is ``base`` with
    options replaced or removed: every connection context meets those values."""
    lines = [line for line in base.splitlines() if line.split(" ", 1)[0] not in options]
    lines += [f"{key} {value}" for key, value in options.items() if value is not None]
    return parsed("sshd.contexts", sshd_contexts_raw("\n".join(lines) + "\n"))


def _eval(check: Check, fact: Fact) -> Status:
    return check.evaluate(context([fact])).status


@pytest.mark.parametrize("bad", [denied, timed_out])
def test_unreadable_config_is_error(bad: Callable[[str], Fact]) -> None:
    for check in ALL:
        key = check.meta.needs[0]
        outcome = check.evaluate(context([bad(key)]))
        assert outcome.status is Status.ERROR, check.meta.id
        assert key in outcome.summary
    for check in ALL:
        assert check.evaluate(context({})).status is Status.ERROR


# ----------------------------------------------------------------- ssh.password_authentication
@pytest.mark.parametrize(("name", "status"), [
    ("u2204", Status.PASS), ("deb12", Status.FAIL), ("rhel7", Status.FAIL), ("u1204", Status.FAIL),
])
def test_password_authentication_hosts(name: str, status: Status) -> None:
    assert PASSWORD_AUTHENTICATION.evaluate(host(name)).status is status


def test_keyboard_interactive_through_pam_warns() -> None:
    fact = _contexts(U2204_SSHD_T, kbdinteractiveauthentication="yes")
    outcome = PASSWORD_AUTHENTICATION.evaluate(context([fact]))
    assert outcome.status is Status.WARN
    assert outcome.evidence["findings"][0]["option"] == "kbdinteractiveauthentication yes"


def test_old_challenge_response_switch_disables_keyboard_interactive() -> None:
    fact = _contexts(U2204_SSHD_T, kbdinteractiveauthentication="yes",
                     challengeresponseauthentication="no")
    assert _eval(PASSWORD_AUTHENTICATION, fact) is Status.PASS


def test_keys_required_by_authentication_methods_passes() -> None:
    fact = _contexts(DEB12_SSHD_T, authenticationmethods="publickey,password publickey")
    assert _eval(PASSWORD_AUTHENTICATION, fact) is Status.PASS


def test_password_authentication_line_absent_is_error() -> None:
    fact = _contexts(DEB12_SSHD_T, passwordauthentication=None)
    assert _eval(PASSWORD_AUTHENTICATION, fact) is Status.ERROR


# ----------------------------------------------------------------- ssh.root_login
@pytest.mark.parametrize(("value", "status"), [
    ("no", Status.PASS), ("prohibit-password", Status.WARN), ("without-password", Status.WARN),
    ("forced-commands-only", Status.WARN), ("yes", Status.FAIL), ("maybe", Status.ERROR),
    (None, Status.ERROR),
])
def test_root_login_values(value: str | None, status: Status) -> None:
    assert _eval(ROOT_LOGIN, _contexts(DEB12_SSHD_T, permitrootlogin=value)) is status


def test_root_login_hosts() -> None:
    assert ROOT_LOGIN.evaluate(host("u2204")).status is Status.PASS
    assert ROOT_LOGIN.evaluate(host("deb12")).status is Status.WARN
    outcome = ROOT_LOGIN.evaluate(host("rhel7"))
    assert outcome.status is Status.FAIL
    assert outcome.evidence["findings"][0]["option"] == "permitrootlogin yes"
    assert outcome.evidence["findings"][0]["context"].startswith("root from ")


# ----------------------------------------------------------------- ssh.weak_algorithms
def test_weak_algorithms_hardened_passes() -> None:
    outcome = WEAK_ALGORITHMS.evaluate(host("u2204"))
    assert outcome.status is Status.PASS
    assert outcome.evidence == {"weak": {}, "sha1_legacy": {}, "not_reported": []}


def test_weak_algorithms_rhel7_defaults_fail_per_category() -> None:
    outcome = WEAK_ALGORITHMS.evaluate(host("rhel7"))
    assert outcome.status is Status.FAIL
    weak = outcome.evidence["weak"]
    assert "3des-cbc" in weak["ciphers"] and "aes128-ctr" not in weak["ciphers"]
    assert weak["kex"] == ["diffie-hellman-group-exchange-sha1", "diffie-hellman-group14-sha1",
                           "diffie-hellman-group1-sha1"]
    assert "umac-64@openssh.com" not in weak.get("macs", [])
    assert "umac-64@openssh.com" in outcome.evidence["sha1_legacy"]["macs"]
    assert outcome.evidence["sha1_legacy"]["host_keys"] == ["ssh-rsa-cert-v01@openssh.com",
                                                           "ssh-rsa"]
    assert "user_keys" in outcome.evidence["sha1_legacy"]  # from pubkeyacceptedkeytypes


def test_weak_algorithms_debian_defaults_warn_on_umac64_and_sha1() -> None:
    outcome = WEAK_ALGORITHMS.evaluate(host("deb12"))
    assert outcome.status is Status.WARN
    assert outcome.evidence["weak"] == {}
    assert sorted(outcome.evidence["sha1_legacy"]["macs"]) == [
        "hmac-sha1", "hmac-sha1-etm@openssh.com", "umac-64-etm@openssh.com",
        "umac-64@openssh.com"]


def test_only_sha1_legacy_warns() -> None:
    fact = _sshd(U2204_SSHD_T, macs="hmac-sha2-256-etm@openssh.com,hmac-sha1",
                 hostkeyalgorithms="ssh-ed25519,rsa-sha2-512,ssh-rsa")
    outcome = WEAK_ALGORITHMS.evaluate(context([fact]))
    assert outcome.status is Status.WARN
    assert outcome.evidence["sha1_legacy"] == {"macs": ["hmac-sha1"], "host_keys": ["ssh-rsa"]}


def test_old_openssh_without_algorithm_lists_is_error() -> None:
    outcome = WEAK_ALGORITHMS.evaluate(host("u1204"))
    assert outcome.status is Status.ERROR
    assert outcome.evidence["not_reported"] == ["ciphers", "macs", "kex", "host_keys",
                                                "user_keys"]


def test_weak_found_even_when_other_lists_are_missing() -> None:
    fact = _sshd(U2204_SSHD_T, macs=None, ciphers="aes256-ctr,arcfour256")
    assert _eval(WEAK_ALGORITHMS, fact) is Status.FAIL


def test_classify() -> None:
    weak, legacy = classify("aes128-ctr,AES256-CBC,rijndael-cbc@lysator.liu.se,ssh-dss,ssh-rsa,"
                            "hmac-sha1-96,hmac-sha1,blowfish-cbc,chacha20-poly1305@openssh.com")
    assert weak == ["aes256-cbc", "rijndael-cbc@lysator.liu.se", "ssh-dss", "hmac-sha1-96",
                    "blowfish-cbc"]
    assert legacy == ["ssh-rsa", "hmac-sha1"]


# ----------------------------------------------------------------- ssh.sftp_subsystem
@pytest.mark.parametrize("name", ["deb12", "u1204", "u2204", "rhel7"])
def test_sftp_offered(name: str) -> None:
    assert SFTP_SUBSYSTEM.evaluate(host(name)).status is Status.PASS


def test_internal_sftp_passes() -> None:
    assert _eval(SFTP_SUBSYSTEM, _sshd(DEB12_SSHD_T, subsystem="sftp internal-sftp")) \
        is Status.PASS


def test_no_sftp_subsystem_fails() -> None:
    outcome = SFTP_SUBSYSTEM.evaluate(context([_sshd(DEB12_SSHD_T, subsystem=None)]))
    assert outcome.status is Status.FAIL
    assert outcome.summary == ("The statement promises SFTP but the SSH server offers no SFTP "
                               "subsystem.")
