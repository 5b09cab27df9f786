"""``services.plaintext_admin`` verdict by verdict, with the evidence and basis it names.

Sockets decide when they can be read; without them processes, super-servers and packages
still show a plaintext daemon, and the finding names every source it rests on and why any
other was not read.
"""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import absent, context, denied, ok, timed_out

from checks.system.services import PLAINTEXT_ADMIN
from posture.models import Fact, Status


def _sock(address: str, port: int, process: str = "") -> dict[str, Any]:
    return {"address": address, "port": port, "process": process}


def _proc(comm: str, pid: int) -> dict[str, Any]:
    return {"user": "root", "pid": pid, "ppid": 1, "comm": comm}


def _pkgs(*names: str) -> Fact:
    return ok("pkg.versions", {"manager": "dpkg", "packages": {n: "1.0" for n in names}})


SSHD = _sock("0.0.0.0", 22, "sshd")


def _run(sockets: list[dict[str, Any]] | Fact | None, procs: list[dict[str, Any]] | Fact | None,
         packages: Fact | None = None) -> Any:
    facts: list[Fact] = []
    for key, value in (("net.listening", sockets), ("proc.list", procs)):
        if isinstance(value, Fact):
            facts.append(value)
        elif value is not None:
            facts.append(ok(key, value))
    facts.append(packages if packages is not None else _pkgs("openssh-server"))
    return PLAINTEXT_ADMIN.evaluate(context(facts))


@pytest.mark.parametrize(("port", "service"), [(21, "FTP"), (23, "Telnet"), (513, "rlogin"),
                                               (514, "rsh")])
def test_each_plaintext_port_fails(port: int, service: str) -> None:
    outcome = _run([SSHD, _sock("0.0.0.0", port)], [])
    assert outcome.status is Status.FAIL
    assert outcome.summary == (f"Plaintext administration is offered ({service}), judged from "
                               "listening sockets, processes and packages.")
    assert dict(outcome.evidence) == {
        "exposed": [{"service": service, "address": "0.0.0.0", "port": port, "process": None}],
        "loopback_only": [], "daemons": [], "superservers": [], "packages": {},
        "basis": "listening sockets, processes and packages"}


@pytest.mark.parametrize(("process", "service"), [
    ("vsftpd", "FTP"), ("in.telnetd", "Telnet"), ("in.rlogind", "rlogin"), ("in.rshd", "rsh"),
    ("nginx,proftpd", "FTP"), ("pure-ftpd", "FTP"), ("telnetd", "Telnet"), ("ftpd", "FTP"),
    ("in.ftpd", "FTP"),
])
def test_plaintext_daemon_on_any_port(process: str, service: str) -> None:
    outcome = _run([_sock("::", 2121, process)], [])
    assert outcome.status is Status.FAIL
    assert outcome.evidence["exposed"] == [{"service": service, "address": "::", "port": 2121,
                                            "process": process}]


def test_unrelated_listeners_pass_exact() -> None:
    outcome = _run([SSHD, _sock("0.0.0.0", 443, "nginx"), _sock("*", 0, "")], [
        _proc("sshd", 10)])
    assert outcome.status is Status.PASS
    assert outcome.summary == ("No FTP, Telnet, rlogin or rsh service was found, judged from "
                               "listening sockets, processes and packages.")
    assert dict(outcome.evidence) == {"exposed": [], "loopback_only": [], "daemons": [],
                                      "superservers": [], "packages": {},
                                      "basis": "listening sockets, processes and packages"}


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.1.1", "::1", "localhost"])
def test_loopback_listener_warns(address: str) -> None:
    outcome = _run([_sock(address, 21, "vsftpd")], [])
    assert outcome.status is Status.WARN
    assert outcome.summary == ("No plaintext administration service is reachable from outside, "
                               "but a plaintext service listens on the loopback interface "
                               "(judged from listening sockets, processes and packages).")
    assert outcome.evidence["loopback_only"] == [{"service": "FTP", "address": address,
                                                  "port": 21, "process": "vsftpd"}]
    assert outcome.evidence["exposed"] == []


def test_running_daemon_fails_even_if_sockets_look_clean() -> None:
    outcome = _run([SSHD], [_proc("in.telnetd", 77), _proc("sshd", 10)])
    assert outcome.status is Status.FAIL
    assert outcome.evidence["daemons"] == [{"service": "Telnet", "process": "in.telnetd",
                                            "pid": 77}]
    assert outcome.summary == ("Plaintext administration is offered (Telnet), judged from "
                               "listening sockets, processes and packages.")


def test_installed_packages_warn_and_are_named() -> None:
    outcome = _run([SSHD], [], _pkgs("vsftpd", "openbsd-inetd", "telnetd", "bash"))
    assert outcome.status is Status.WARN
    assert outcome.evidence["packages"] == {"openbsd-inetd": "inetd", "telnetd": "Telnet",
                                            "vsftpd": "FTP"}
    assert outcome.summary == ("No plaintext administration service is reachable from outside, "
                               "but plaintext server packages are installed (openbsd-inetd, "
                               "telnetd, vsftpd) (judged from listening sockets, processes "
                               "and packages).")


def test_superserver_with_sockets_read_is_judged_on_the_sockets() -> None:
    outcome = _run([SSHD], [_proc("xinetd", 5), _proc("inetd", 6)])
    assert outcome.status is Status.PASS
    assert outcome.evidence["superservers"] == ["inetd", "xinetd"]


@pytest.mark.parametrize(("packages", "status", "services"), [
    (("telnetd",), Status.FAIL, "Telnet"),
    (("vsftpd", "openbsd-inetd"), Status.FAIL, "FTP"),
    (("openbsd-inetd",), Status.WARN, ""),
    ((), Status.WARN, ""),
])
def test_superserver_without_sockets(packages: tuple[str, ...], status: Status,
                                     services: str) -> None:
    outcome = _run(denied("net.listening"), [_proc("inetd", 5)], _pkgs(*packages))
    assert outcome.status is status
    basis = ("processes and packages only: listening sockets were not readable (denied: sudo: "
             "a password is required)")
    assert outcome.evidence["basis"] == basis
    if status is Status.FAIL:
        assert outcome.summary == (f"Plaintext administration is offered ({services}), judged "
                                   f"from {basis}.")
    elif packages:
        assert "plaintext server packages are installed (openbsd-inetd)" in outcome.summary
    else:
        assert outcome.summary == ("No plaintext administration service is reachable from "
                                   "outside, but inetd runs and may start plaintext services "
                                   f"on demand (judged from {basis}).")


def test_sockets_only_basis() -> None:
    outcome = _run([SSHD], timed_out("proc.list"), absent("pkg.versions", "no dpkg"))
    assert outcome.status is Status.PASS
    assert outcome.evidence["basis"] == ("listening sockets only: processes were not readable "
                                         "(timeout: command exceeded 60 s)")
    assert outcome.evidence["packages"] == {}


def test_processes_only_basis() -> None:
    outcome = _run(None, [_proc("sshd", 3)], absent("pkg.versions"))
    assert outcome.evidence["basis"] == ("processes only: listening sockets were not readable "
                                         "(error: fact was not gathered)")


def test_both_unread_is_an_error() -> None:
    outcome = _run(denied("net.listening"), timed_out("proc.list"))
    assert outcome.status is Status.ERROR
    assert outcome.evidence["fact"] == "net.listening"


def test_long_reasons_are_cut() -> None:
    long = "x" * 300
    outcome = _run(Fact("net.listening", denied("net.listening").status, reason=long),
                   [_proc("sshd", 3)])
    basis = str(outcome.evidence["basis"])
    assert basis == f"processes and packages only: listening sockets were not readable " \
                    f"(denied: {'x' * 120})"


def test_facts_read_but_empty_are_an_error() -> None:
    outcome = _run(ok("net.listening", None), ok("proc.list", None))
    assert outcome.status is Status.ERROR
    assert outcome.summary == ("could not determine: neither sockets nor processes were "
                               "readable")
