"""Exact verdicts of every check on the four recorded hosts (tests/unit/facts_samples.py).

test_checks_contract.py proves that outcomes are *reportable* on these hosts; this table
proves they are *right*. Each row was read against the recorded outputs, and the comment says
what decides it. Checks whose facts the recorded hosts do not carry (TLS, databases, nginx,
the allowlist, the crawl) must say ``error`` on every host: a missing fact is never a pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from facts_samples import HOSTS, host

from checks import CATALOGUE
from checks.base import Check
from posture.models import Severity, Status

P, F, W, E, NA = Status.PASS, Status.FAIL, Status.WARN, Status.ERROR, Status.NOT_APPLICABLE
OS_CLAIM = {"distribution": "ubuntu", "version": "12.04", "max_age_days": 90}

# check id -> (params, {host: (status, decisive words of the summary)})
TABLE: dict[str, tuple[Mapping[str, Any], dict[str, tuple[Status, str]]]] = {
    # the OS claim is Ubuntu 12.04: only the 12.04.5 host matches its release files
    "os.version_matches": (OS_CLAIM, {
        "deb12": (F, "Debian GNU/Linux 12"), "u1204": (P, "12.04.5"),
        "u2204": (F, "22.04.5"), "rhel7": (F, "Red Hat Enterprise Linux Server 7.9")}),
    # at the recorded scan time Debian 12 is in LTS only (warn), 12.04 long dead, 22.04 alive,
    # RHEL 7 in extended life-cycle support only
    "os.eol_actual": (OS_CLAIM, {
        "deb12": (W, "Debian LTS"), "u1204": (F, "unsupported since 2017-04-28"),
        "u2204": (P, "supported until 2027-06-01"), "rhel7": (W, "Extended Life Cycle")}),
    # judged from the promise alone: promising 12.04 fails whatever the host runs
    "os.eol_claimed": (OS_CLAIM, {h: (F, "promises Ubuntu 12.04") for h in HOSTS}),
    "apache.version_matches": ({"version": "2.4.62"}, {
        "deb12": (P, "2.4.62"), "u1204": (F, "2.2.22"), "u2204": (F, "2.4.52"),
        "rhel7": (F, "2.4.6")}),
    "apache.eol": (OS_CLAIM, {
        "deb12": (P, "branch 2.4 is supported"), "u1204": (F, "since 2017-12-31"),
        "u2204": (P, "branch 2.4 is supported"), "rhel7": (P, "branch 2.4 is supported")}),
    # ServerTokens OS: version shown (warn); Full (the default): version and modules (fail)
    "apache.version_disclosure": (OS_CLAIM, {
        "deb12": (W, "ServerTokens OS"), "u1204": (F, "ServerTokens Full"),
        "u2204": (P, "ServerTokens Prod"), "rhel7": (F, "ServerTokens Full")}),
    "apache.workers_not_root": (OS_CLAIM, {
        "deb12": (P, "www-data"), "u1204": (P, "www-data"), "u2204": (P, "www-data"),
        "rhel7": (P, "run as apache")}),
    "nginx.workers_not_root": (OS_CLAIM, {h: (NA, "No nginx process") for h in HOSTS}),
    # deb12: root's password is 882 days old; u1204: backup2 has an empty password
    "accounts.password_age": (OS_CLAIM, {
        "deb12": (F, "root, 882 days"), "u1204": (F, "empty password: backup2"),
        "u2204": (P, "No account can log in with a password"),
        "rhel7": (P, "oldest: 55 days")}),
    "accounts.max_days_policy": (OS_CLAIM, {
        "deb12": (F, "PASS_MAX_DAYS is 99999"), "u1204": (F, "PASS_MAX_DAYS is 99999"),
        "u2204": (P, "PASS_MAX_DAYS (90)"), "rhel7": (P, "PASS_MAX_DAYS (90)")}),
    "accounts.password_quality": (OS_CLAIM, {
        "deb12": (W, "as short as 6"), "u1204": (W, "as short as 6"),
        "u2204": (P, "at least 15"), "rhel7": (P, "at least 12")}),
    "ssh.password_authentication": (OS_CLAIM, {
        "deb12": (F, "accepts password logins"), "u1204": (F, "accepts password logins"),
        "u2204": (P, "no password logins in all 4"), "rhel7": (F, "accepts password logins")}),
    # deb12: prohibit-password (keys only: warn); u1204 and rhel7: PermitRootLogin yes
    "ssh.root_login": (OS_CLAIM, {
        "deb12": (W, "with a key"), "u1204": (F, "permitrootlogin yes"),
        "u2204": (P, "refuses logins as root"), "rhel7": (F, "log in directly")}),
    # OpenSSH 5.9's sshd -T lists only configured algorithms: never a pass by omission
    "ssh.weak_algorithms": (OS_CLAIM, {
        "deb12": (W, "SHA-1"), "u1204": (E, "did not list ciphers"),
        "u2204": (P, "only current"), "rhel7": (F, "3des-cbc")}),
    "ssh.sftp_subsystem": (OS_CLAIM, {
        "deb12": (P, "sftp-server"), "u1204": (P, "sftp-server"), "u2204": (P, "sftp-server"),
        "rhel7": (P, "/usr/libexec/openssh/sftp-server")}),
    # u1204: ss failed, but processes and packages show FTP and Telnet
    "services.plaintext_admin": (OS_CLAIM, {
        "deb12": (P, "No FTP, Telnet"), "u1204": (F, "listening sockets were not readable"),
        "u2204": (P, "No FTP, Telnet"), "rhel7": (P, "No FTP, Telnet")}),
}

CASES = [(check, name) for check in CATALOGUE for name in HOSTS]


@pytest.mark.parametrize(("check", "name"), CASES,
                         ids=[f"{c.meta.id}-{n}" for c, n in CASES])
def test_exact_verdict_on_recorded_host(check: Check, name: str) -> None:
    params, expected = TABLE.get(check.meta.id, (OS_CLAIM, {}))
    outcome = check.evaluate(host(name, params))
    if check.meta.id not in TABLE:
        assert outcome.status is Status.ERROR, (check.meta.id, name, outcome.summary)
        assert outcome.summary.startswith("could not determine"), outcome.summary
        return
    status, words = expected[name]
    assert outcome.status is status, outcome.summary
    assert words in outcome.summary, outcome.summary
    # only a failure carries a severity, and a critical one only for an open door
    if status is not Status.FAIL:
        assert outcome.severity is None
    if outcome.severity is Severity.CRITICAL:
        assert (check.meta.id, name) == ("accounts.password_age", "u1204")


def test_the_table_names_only_catalogued_checks_and_recorded_hosts() -> None:
    ids = {c.meta.id for c in CATALOGUE}
    assert set(TABLE) <= ids
    for _params, expected in TABLE.values():
        assert set(expected) == set(HOSTS)
