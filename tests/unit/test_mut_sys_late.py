"""Late edges of the OS and plaintext-service checks: facts that are not ``ok`` are never
read, the fact an error names, the evidence of a wrong distribution, and a super-server's
packages added to the daemons already found."""

from __future__ import annotations

from facts_samples import context, denied, ok

from checks.system.os_release import VERSION_MATCHES, OsIdentity, identify
from checks.system.services import PLAINTEXT_ADMIN
from posture.models import Fact, FactStatus, Status


def test_version_files_that_are_not_ok_are_not_read() -> None:
    files = Fact("os.version_files", FactStatus.TIMEOUT, {"/etc/debian_version": "12.7"},
                 reason="slow")
    found = identify(context([ok("os.release", {"ID": "debian", "VERSION_ID": "12"}),
                              denied("os.lsb"), files]))
    assert isinstance(found, OsIdentity)
    assert found.version == "12"
    assert "/etc/debian_version" not in found.sources


def test_no_distribution_names_the_unread_lsb_fact() -> None:
    found = identify(context([ok("os.release", {"VERSION_ID": "12"}), denied("os.lsb")]))
    assert not isinstance(found, OsIdentity)
    assert found.evidence["fact"] == "os.lsb"


def test_wrong_distribution_carries_its_evidence() -> None:
    release = {"ID": "ubuntu", "VERSION_ID": "22.04", "PRETTY_NAME": "Ubuntu 22.04.5 LTS"}
    outcome = VERSION_MATCHES.evaluate(context([ok("os.release", release)],
                                               {"distribution": "Debian", "version": "12"}))
    assert outcome.status is Status.FAIL
    assert dict(outcome.evidence) == {
        "claimed": {"distribution": "Debian", "version": "12"},
        "actual": {"distribution": "ubuntu", "version": "22.04.5",
                   "pretty_name": "Ubuntu 22.04.5 LTS",
                   "sources": {"os-release ID": "ubuntu", "os-release VERSION_ID": "22.04",
                               "os-release PRETTY_NAME": "Ubuntu 22.04.5 LTS"}}}


def test_on_demand_services_join_the_running_daemons() -> None:
    procs = [{"user": "root", "pid": 5, "ppid": 1, "comm": "inetd"},
             {"user": "root", "pid": 9, "ppid": 5, "comm": "in.telnetd"}]
    facts = [denied("net.listening"), ok("proc.list", procs),
             ok("pkg.versions", {"packages": {"vsftpd": "3", "openbsd-inetd": "1"}})]
    outcome = PLAINTEXT_ADMIN.evaluate(context(facts))
    assert outcome.status is Status.FAIL
    assert outcome.summary.startswith("Plaintext administration is offered (FTP, Telnet), ")
