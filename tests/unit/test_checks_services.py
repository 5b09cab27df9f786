"""Plaintext administration services, judged from sockets, processes and packages."""

from __future__ import annotations

import pytest
from facts_samples import (
    DEB12_PACKAGES,
    DEB12_PS,
    U1204_SS,
    context,
    denied,
    host,
    parsed,
    timed_out,
)

from checks.system.services import PLAINTEXT_ADMIN
from posture.models import Status


@pytest.mark.parametrize("name", ["deb12", "u2204", "rhel7"])
def test_no_plaintext_service_passes(name: str) -> None:
    outcome = PLAINTEXT_ADMIN.evaluate(host(name))
    assert outcome.status is Status.PASS
    assert outcome.evidence["basis"] == "listening sockets, processes and packages"


def test_legacy_host_fails_from_processes_when_ss_is_unusable() -> None:
    outcome = PLAINTEXT_ADMIN.evaluate(host("u1204"))
    assert outcome.status is Status.FAIL
    assert "FTP, Telnet" in outcome.summary
    assert "processes and packages only" in outcome.summary
    assert {"service": "FTP", "process": "vsftpd", "pid": 812} in outcome.evidence["daemons"]
    assert outcome.evidence["superservers"] == ["inetd"]


def test_legacy_host_fails_from_sockets() -> None:
    outcome = PLAINTEXT_ADMIN.evaluate(host("u1204", {}, parsed("net.listening", U1204_SS)))
    assert outcome.status is Status.FAIL
    ports = sorted(item["port"] for item in outcome.evidence["exposed"])
    assert ports == [21, 23]


def test_plaintext_daemon_on_unusual_port_fails() -> None:
    ss = 'LISTEN 0 32 0.0.0.0:2121 0.0.0.0:* users:(("vsftpd",pid=900,fd=3))\n'
    outcome = PLAINTEXT_ADMIN.evaluate(host("deb12", {}, parsed("net.listening", ss)))
    assert outcome.status is Status.FAIL
    assert outcome.evidence["exposed"][0]["port"] == 2121


def test_loopback_only_listener_warns() -> None:
    ss = "LISTEN 0 5 127.0.0.1:23 0.0.0.0:*\nLISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n"
    outcome = PLAINTEXT_ADMIN.evaluate(host("deb12", {}, parsed("net.listening", ss)))
    assert outcome.status is Status.WARN
    assert "loopback" in outcome.summary


def test_installed_but_not_running_warns() -> None:
    packages = parsed("pkg.versions", DEB12_PACKAGES + "vsftpd\t3.0.3-13+b2\n")
    outcome = PLAINTEXT_ADMIN.evaluate(host("deb12", {}, packages))
    assert outcome.status is Status.WARN
    assert outcome.evidence["packages"] == {"vsftpd": "FTP"}


def test_superserver_with_telnetd_package_fails_without_sockets() -> None:
    ps = DEB12_PS + "root 830 1 inetd\n"
    packages = parsed("pkg.versions", DEB12_PACKAGES + "openbsd-inetd\t0.20221205-3\n"
                      "inetutils-telnetd\t2:2.4-2+deb12u1\n")
    ctx = host("deb12", {}, denied("net.listening"), parsed("proc.list", ps), packages)
    outcome = PLAINTEXT_ADMIN.evaluate(ctx)
    assert outcome.status is Status.FAIL
    assert "Telnet" in outcome.summary


def test_sockets_denied_but_processes_clean_passes_and_says_so() -> None:
    outcome = PLAINTEXT_ADMIN.evaluate(host("deb12", {}, denied("net.listening")))
    assert outcome.status is Status.PASS
    assert "listening sockets were not readable (denied" in outcome.summary


def test_sockets_and_processes_unavailable_is_error() -> None:
    ctx = host("deb12", {}, denied("net.listening"), timed_out("proc.list"))
    outcome = PLAINTEXT_ADMIN.evaluate(ctx)
    assert outcome.status is Status.ERROR
    assert "net.listening" in outcome.summary


def test_nothing_gathered_is_error() -> None:
    assert PLAINTEXT_ADMIN.evaluate(context({})).status is Status.ERROR
