"""SSH algorithm and SFTP checks on ``sshd -T``: exact verdicts, summaries and evidence.

Boundaries: at most six weak names are listed in the summary (six, seven); the three
categories sshd must print (ciphers, MACs, key exchange) against the two it may omit.
"""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import context, ok

from checks.base import Outcome
from checks.sshd.ssh import SFTP_SUBSYSTEM, WEAK_ALGORITHMS, classify, option
from posture.models import Status

MODERN = {
    "ciphers": ["chacha20-poly1305@openssh.com,aes256-gcm@openssh.com"],
    "macs": ["hmac-sha2-512-etm@openssh.com"],
    "kexalgorithms": ["curve25519-sha256"],
    "hostkeyalgorithms": ["ssh-ed25519"],
    "pubkeyacceptedalgorithms": ["ssh-ed25519,rsa-sha2-512"],
}
WEAK_CIPHERS = ["3des-cbc", "aes128-cbc", "aes256-cbc", "arcfour", "blowfish-cbc",
                "cast128-cbc", "rijndael-cbc@lysator.liu.se"]


def _config(**keys: list[str] | None) -> dict[str, list[str]]:
    out = dict(MODERN)
    for key, value in keys.items():
        if value is None:
            out.pop(key)
        else:
            out[key] = value
    return out


def _weak(config: Any) -> Outcome:
    return WEAK_ALGORITHMS.evaluate(context([ok("sshd.config", config)]))


def test_modern_lists_pass_with_empty_evidence() -> None:
    outcome = _weak(_config())
    assert outcome.status is Status.PASS
    assert outcome.summary == ("SSH offers only current ciphers, MACs, key exchanges and key "
                               "types.")
    assert outcome.evidence == {"weak": {}, "sha1_legacy": {}, "not_reported": []}


@pytest.mark.parametrize(("count", "summary"), [
    (1, "SSH offers 1 weak algorithm: 3des-cbc."),
    (2, "SSH offers 2 weak algorithms: 3des-cbc, aes128-cbc."),
    (6, "SSH offers 6 weak algorithms: 3des-cbc, aes128-cbc, aes256-cbc, arcfour, "
        "blowfish-cbc, cast128-cbc."),
    (7, "SSH offers 7 weak algorithms: 3des-cbc, aes128-cbc, aes256-cbc, arcfour, "
        "blowfish-cbc, cast128-cbc and 1 more."),
])
def test_at_most_six_weak_names_in_the_summary(count: int, summary: str) -> None:
    names = list(reversed(WEAK_CIPHERS[:count]))  # the summary sorts them
    outcome = _weak(_config(ciphers=[",".join(["aes256-gcm@openssh.com", *names])]))
    assert outcome.status is Status.FAIL
    assert outcome.summary == summary
    assert outcome.evidence == {"weak": {"ciphers": names}, "sha1_legacy": {},
                                "not_reported": []}


def test_weak_names_are_counted_once_across_categories_and_legacy_kept_apart() -> None:
    outcome = _weak(_config(macs=["hmac-md5,hmac-sha1,hmac-sha2-256"],
                            hostkeyalgorithms=["ssh-dss,ssh-rsa"],
                            pubkeyacceptedalgorithms=["ssh-dss"]))
    assert outcome.status is Status.FAIL
    assert outcome.summary == "SSH offers 2 weak algorithms: hmac-md5, ssh-dss."
    assert outcome.evidence == {
        "weak": {"macs": ["hmac-md5"], "host_keys": ["ssh-dss"], "user_keys": ["ssh-dss"]},
        "sha1_legacy": {"macs": ["hmac-sha1"], "host_keys": ["ssh-rsa"]},
        "not_reported": []}


def test_sha1_legacy_warns_naming_each_once() -> None:
    outcome = _weak(_config(hostkeyalgorithms=["ssh-ed25519,ssh-rsa"],
                            pubkeyacceptedalgorithms=["ssh-rsa"],
                            macs=["umac-64@openssh.com,hmac-sha2-256"]))
    assert outcome.status is Status.WARN
    assert outcome.summary == ("SSH still offers SHA-1 based algorithms: ssh-rsa, "
                               "umac-64@openssh.com.")
    assert outcome.evidence == {
        "weak": {}, "sha1_legacy": {"macs": ["umac-64@openssh.com"], "host_keys": ["ssh-rsa"],
                                    "user_keys": ["ssh-rsa"]},
        "not_reported": []}


@pytest.mark.parametrize(("absent", "status"), [
    (("ciphers",), Status.ERROR),
    (("macs",), Status.ERROR),
    (("kexalgorithms",), Status.ERROR),
    (("hostkeyalgorithms",), Status.PASS),
    (("pubkeyacceptedalgorithms",), Status.PASS),
])
def test_only_ciphers_macs_and_kex_must_be_printed(absent: tuple[str, ...],
                                                   status: Status) -> None:
    outcome = _weak(_config(**dict.fromkeys(absent)))
    category = {"ciphers": "ciphers", "macs": "macs", "kexalgorithms": "kex",
                "hostkeyalgorithms": "host_keys", "pubkeyacceptedalgorithms": "user_keys"}
    assert outcome.status is status
    assert outcome.evidence["not_reported"] == [category[absent[0]]]
    if status is Status.ERROR:
        assert outcome.summary == (
            f"could not determine: sshd -T did not list {category[absent[0]]} (older OpenSSH "
            "prints only configured values).")


def test_every_missing_required_category_is_named_and_an_empty_value_is_missing() -> None:
    outcome = _weak(_config(ciphers=[], macs=None, kexalgorithms=None,
                            hostkeyalgorithms=["ssh-rsa"]))
    assert outcome.status is Status.ERROR
    assert outcome.summary == ("could not determine: sshd -T did not list ciphers, macs, kex "
                               "(older OpenSSH prints only configured values).")
    assert outcome.evidence == {"weak": {}, "sha1_legacy": {"host_keys": ["ssh-rsa"]},
                                "not_reported": ["ciphers", "macs", "kex"]}


def test_a_weak_algorithm_fails_even_when_a_required_category_is_missing() -> None:
    outcome = _weak(_config(ciphers=None, macs=["hmac-md5"]))
    assert outcome.status is Status.FAIL
    assert outcome.evidence["not_reported"] == ["ciphers"]


def test_the_older_name_of_the_user_key_option_is_read() -> None:
    config = _config(pubkeyacceptedalgorithms=None)
    config["pubkeyacceptedkeytypes"] = ["ssh-dss"]
    outcome = _weak(config)
    assert outcome.status is Status.FAIL
    assert outcome.evidence["weak"] == {"user_keys": ["ssh-dss"]}


def test_option_takes_the_first_value_of_the_first_present_key() -> None:
    config = {"a": [], "b": ["first", "second"], "c": ["other"]}
    assert option(config, "a", "b", "c") == "first"
    assert option(config, "c", "b") == "other"
    assert option(config, "a", "z") is None


@pytest.mark.parametrize(("listed", "weak", "legacy"), [
    (" AES128-CBC , chacha20-poly1305@openssh.com,,", ["aes128-cbc"], []),
    ("aes128-cbc@example.org", ["aes128-cbc@example.org"], []),
    ("HMAC-SHA1,hmac-sha1-96", ["hmac-sha1-96"], ["hmac-sha1"]),
    ("none", ["none"], []),
    ("nonesuch", [], []),
    ("", [], []),
])
def test_classify(listed: str, weak: list[str], legacy: list[str]) -> None:
    assert classify(listed) == (weak, legacy)


@pytest.mark.parametrize(("fact", "evidence"), [
    (None, {"fact": "sshd.config", "fact_status": "error", "reason": "fact was not gathered"}),
    (["ciphers aes128-cbc"], {}),
])
def test_an_unusable_config_is_an_error(fact: Any, evidence: dict[str, Any]) -> None:
    for check in (WEAK_ALGORITHMS, SFTP_SUBSYSTEM):
        facts = [] if fact is None else [ok("sshd.config", fact)]
        outcome = check.evaluate(context(facts))
        assert outcome.status is Status.ERROR
        assert outcome.evidence == evidence
        if fact is not None:
            assert outcome.summary == ("could not determine: the sshd configuration has an "
                                       "unexpected shape")


# ------------------------------------------------------------ SFTP
@pytest.mark.parametrize(("entries", "status", "entry"), [
    (["sftp /usr/lib/openssh/sftp-server"], Status.PASS, "sftp /usr/lib/openssh/sftp-server"),
    (["  sftp   internal-sftp -l INFO "], Status.PASS, "sftp   internal-sftp -l INFO"),
    (["backup /usr/bin/backup", "sftp internal-sftp"], Status.PASS, "sftp internal-sftp"),
    (["sftp"], Status.PASS, "sftp"),
    (["sftp-legacy /usr/lib/sftp"], Status.FAIL, ""),
    (["SFTP internal-sftp"], Status.FAIL, ""),
    ([], Status.FAIL, ""),
])
def test_sftp_subsystem(entries: list[str], status: Status, entry: str) -> None:
    outcome = SFTP_SUBSYSTEM.evaluate(context([ok("sshd.config", {"subsystem": entries})]))
    assert outcome.status is status
    assert outcome.evidence == {"subsystems": [e.strip() for e in entries]}
    if status is Status.PASS:
        assert outcome.summary == f"The SSH server offers SFTP ({entry})."
    else:
        assert outcome.summary == ("The statement promises SFTP but the SSH server offers no "
                                   "SFTP subsystem.")
