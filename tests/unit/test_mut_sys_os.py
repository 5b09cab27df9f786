"""How a host names its operating system, and the three OS checks' exact verdicts.

Which source wins (os-release, lsb_release, /etc/*-release, /etc/debian_version), which is
ignored (Ubuntu's "bookworm/sid"), CentOS Linux against CentOS Stream, and the sentence and
evidence of every verdict of ``os.version_matches``, ``os.eol_actual`` and ``os.eol_claimed``.
"""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import absent, context, ok

from checks.system import eol
from checks.system.os_release import (
    EOL_ACTUAL,
    EOL_CLAIMED,
    VERSION_MATCHES,
    OsIdentity,
    canonical_distribution,
    identify,
)
from posture.models import Fact, Status

TABLE = eol.TABLE_DATE.isoformat()


def _facts(release: dict[str, str] | None = None, lsb: dict[str, str] | None = None,
           files: dict[str, str] | None = None) -> list[Fact]:
    return [ok("os.release", release) if release is not None else absent("os.release"),
            ok("os.lsb", lsb) if lsb is not None else absent("os.lsb"),
            ok("os.version_files", files) if files is not None else absent("os.version_files")]


def _ident(*facts: Fact) -> OsIdentity:
    found = identify(context(facts))
    assert isinstance(found, OsIdentity), found
    return found


DEB = {"ID": "debian", "NAME": "Debian GNU/Linux", "VERSION_ID": "12",
       "VERSION": "12 (bookworm)", "PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)"}


def test_identity_of_debian_with_every_source() -> None:
    ident = _ident(*_facts(DEB, {"distributor_id": "Debian", "description": "Debian 12",
                                 "release": "12"},
                           {"/etc/debian_version": "12.7", "/etc/empty": ""}))
    assert ident == OsIdentity(
        "debian", frozenset({"debian"}), "12.7", "Debian GNU/Linux 12 (bookworm)", False, {
            "os-release ID": "debian", "os-release NAME": "Debian GNU/Linux",
            "os-release VERSION_ID": "12", "os-release VERSION": "12 (bookworm)",
            "os-release PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)",
            "lsb_release distributor_id": "Debian", "lsb_release description": "Debian 12",
            "lsb_release release": "12", "/etc/debian_version": "12.7"})
    assert ident.product == "debian"
    assert ident.as_evidence() == {"distribution": "debian", "version": "12.7",
                                   "pretty_name": "Debian GNU/Linux 12 (bookworm)",
                                   "sources": dict(ident.sources)}


def test_ubuntu_ignores_debian_version() -> None:
    release = {"ID": "ubuntu", "NAME": "Ubuntu", "VERSION_ID": "22.04"}
    ident = _ident(*_facts(release, None, {"/etc/debian_version": "22.04.9.1"}))
    assert ident.version == "22.04"
    assert ident.pretty_name == "ubuntu 22.04"   # no pretty name anywhere: built


def test_lsb_release_alone() -> None:
    ident = _ident(*_facts(None, {"distributor_id": "Ubuntu",
                                  "description": "Ubuntu 12.04.5 LTS", "release": "12.04"}))
    assert (ident.distribution, ident.version, ident.pretty_name) == (
        "ubuntu", "12.04.5", "Ubuntu 12.04.5 LTS")
    assert ident.names == frozenset({"ubuntu"})


def test_lsb_release_number_is_an_anchor_and_a_candidate() -> None:
    ident = _ident(*_facts(None, {"distributor_id": "Debian", "release": "11.9"}))
    assert ident.version == "11.9"


@pytest.mark.parametrize(("path", "text", "distro", "version", "stream"), [
    ("/etc/redhat-release", "CentOS release 6.10 (Final)", "centos", "6.10", False),
    ("/etc/system-release", "CentOS Stream release 9", "centos", "9", True),
    ("/etc/redhat-release", "Red Hat Enterprise Linux Server release 7.9 (Maipo)", "rhel",
     "7.9", False),
])
def test_rpm_release_file_alone(path: str, text: str, distro: str, version: str,
                                stream: bool) -> None:
    ident = _ident(*_facts(None, None, {path: text}))
    assert (ident.distribution, ident.version, ident.pretty_name, ident.stream) == (
        distro, version, text, stream)
    assert ident.names == frozenset({distro})


def test_rpm_release_names_the_product_beside_os_release() -> None:
    release = {"ID": "rocky", "NAME": "Rocky Linux", "VERSION_ID": "9.4"}
    ident = _ident(*_facts(release, None, {"/etc/redhat-release":
                                           "Red Hat Enterprise Linux release 9.4"}))
    assert ident.names == frozenset({"rocky", "rhel"})
    assert ident.distribution == "rocky"
    assert ident.pretty_name == "Red Hat Enterprise Linux release 9.4"


@pytest.mark.parametrize(("name", "stream", "product"), [
    ("CentOS Stream", True, "centos-stream"), ("CentOS Linux", False, "centos"),
])
def test_centos_stream_or_linux(name: str, stream: bool, product: str) -> None:
    ident = _ident(*_facts({"ID": "centos", "NAME": name, "VERSION_ID": "8"}))
    assert ident.stream is stream
    assert ident.product == product


def test_stream_is_only_a_centos_product() -> None:
    ident = _ident(*_facts({"ID": "debian", "NAME": "Debian Stream", "VERSION_ID": "12"}))
    assert ident.stream is True and ident.product == "debian"


def test_a_host_that_names_no_distribution() -> None:
    outcome = identify(context(_facts({"VERSION_ID": "12"}, {"codename": "x"},
                                      {"/etc/motd": "hello"})))
    assert not isinstance(outcome, OsIdentity)
    assert outcome.status is Status.ERROR
    assert outcome.summary == "could not determine: the host does not name its distribution"
    assert outcome.evidence == {}


def test_a_host_without_os_release_names_the_fact() -> None:
    outcome = identify(context(_facts(None, {"codename": "x"})))
    assert not isinstance(outcome, OsIdentity)
    assert outcome.evidence["fact"] == "os.release"


def test_a_host_that_names_no_version() -> None:
    outcome = identify(context(_facts({"ID": "debian", "NAME": "Debian"})))
    assert not isinstance(outcome, OsIdentity)
    assert outcome.status is Status.ERROR
    assert outcome.summary == "could not determine: the host reports no version number"
    assert outcome.evidence == {"sources": {"os-release ID": "debian",
                                            "os-release NAME": "Debian"}}


def test_unusable_facts_are_skipped() -> None:
    facts = [ok("os.release", ["not", "a", "mapping"]), ok("os.lsb", "text"),
             ok("os.version_files", {"/etc/redhat-release": "CentOS release 7.9.2009"})]
    assert _ident(*facts).distribution == "centos"


@pytest.mark.parametrize(("name", "canon"), [
    ("Red Hat Enterprise Linux", "rhel"), ("redhat", "rhel"), ("Red Hat", "rhel"),
    ("RHEL", "rhel"), ("CentOS", "centos"), ("Rocky Linux", "rocky"), ("AlmaLinux", "almalinux"),
    ("Debian GNU/Linux", "debian"), ("Ubuntu", "ubuntu"), ("Oracle  Linux", "oracle linux"),
])
def test_canonical_names(name: str, canon: str) -> None:
    assert canonical_distribution(name) == canon


# -------------------------------------------------------------------- os.version_matches
U = {"ID": "ubuntu", "NAME": "Ubuntu", "VERSION_ID": "22.04", "VERSION": "22.04.5 LTS",
     "PRETTY_NAME": "Ubuntu 22.04.5 LTS"}


def _match(distribution: Any, version: Any, release: dict[str, str] = U) -> Any:
    return VERSION_MATCHES.evaluate(context(_facts(release), {"distribution": distribution,
                                                              "version": version}))


@pytest.mark.parametrize(("version", "status", "summary"), [
    ("22.04.5", Status.PASS, "The host runs Ubuntu 22.04.5 LTS (version 22.04.5), which "
                             "matches the claimed Ubuntu 22.04.5."),
    ("22.04", Status.PASS, "The host runs Ubuntu 22.04.5 LTS (version 22.04.5), which matches "
                           "the claimed Ubuntu 22.04."),
    ("22.04.4", Status.FAIL, "The host runs Ubuntu 22.04.5 LTS (version 22.04.5), not the "
                             "claimed Ubuntu 22.04.4."),
    ("22.04.5.1", Status.ERROR, "could not determine: the host reports only version 22.04.5, "
                                "so the claimed Ubuntu 22.04.5.1 cannot be confirmed."),
    ("jammy", Status.ERROR, "could not determine: the claimed version 'jammy' is not a version "
                            "number."),
])
def test_version_matches_verdicts(version: str, status: Status, summary: str) -> None:
    outcome = _match("Ubuntu", version)
    assert outcome.status is status
    assert outcome.summary == summary
    assert dict(outcome.evidence) == {
        "claimed": {"distribution": "Ubuntu", "version": version},
        "actual": {"distribution": "ubuntu", "version": "22.04.5",
                   "pretty_name": "Ubuntu 22.04.5 LTS",
                   "sources": {f"os-release {k}": v for k, v in U.items()}}}


def test_other_distribution_exact() -> None:
    outcome = _match("Debian", "12")
    assert outcome.status is Status.FAIL
    assert outcome.summary == "The host runs Ubuntu 22.04.5 LTS, not Debian 12."


def test_integer_version_is_accepted() -> None:
    outcome = _match("debian", 12, DEB)
    assert outcome.status is Status.PASS
    assert outcome.evidence["claimed"] == {"distribution": "debian", "version": "12"}


@pytest.mark.parametrize("params", [{"distribution": "ubuntu"}, {"version": "22.04"},
                                    {"distribution": "ubuntu", "version": 22.04}])
def test_claim_parameters_are_required(params: dict[str, Any]) -> None:
    for check in (VERSION_MATCHES, EOL_CLAIMED):
        outcome = check.evaluate(context(_facts(U), params))
        assert outcome.status is Status.ERROR
        assert "parameter_error" in outcome.evidence


def test_identity_error_comes_after_the_claim() -> None:
    outcome = VERSION_MATCHES.evaluate(context(_facts(), {"distribution": "ubuntu",
                                                          "version": "22.04"}))
    assert outcome.status is Status.ERROR
    assert outcome.evidence["fact"] == "os.release"


# ----------------------------------------------------------------------- os.eol_actual
def test_eol_actual_exact() -> None:
    outcome = EOL_ACTUAL.evaluate(context(_facts(U)))
    entry = eol.lookup("ubuntu", "22.04")
    assert entry is not None
    status = eol.support_status(entry, context([]).scan_time.date())
    assert outcome.status is Status.PASS
    assert outcome.summary == ("The host runs Ubuntu 22.04, which is supported until "
                               "2027-06-01 (distro-info-data: eol-server).")
    assert dict(outcome.evidence) == {
        "actual": {"distribution": "ubuntu", "version": "22.04.5",
                   "pretty_name": "Ubuntu 22.04.5 LTS",
                   "sources": {f"os-release {k}": v for k, v in U.items()}},
        "support": status.as_evidence(), "table": eol.entry_evidence(entry)}


def test_eol_actual_past_end_of_life_exact() -> None:
    outcome = EOL_ACTUAL.evaluate(context(_facts({"ID": "debian", "VERSION_ID": "10"})))
    assert outcome.status is Status.FAIL
    assert outcome.summary.startswith("The host runs Debian 10, which has been unsupported "
                                      "since 2022-09-10")
    assert outcome.summary.endswith(".")
    assert "(whether this host is enrolled" not in outcome.summary


def test_eol_actual_not_in_table_exact() -> None:
    outcome = EOL_ACTUAL.evaluate(context(_facts({"ID": "ol", "NAME": "Oracle Linux",
                                                  "VERSION_ID": "8.9"})))
    assert outcome.status is Status.ERROR
    assert outcome.summary == (f"could not determine: ol 8.9 (ol 8.9) is not in the "
                               f"end-of-life table dated {TABLE}.")
    assert outcome.evidence == {"table_date": TABLE}


def test_eol_actual_needs_an_identity() -> None:
    outcome = EOL_ACTUAL.evaluate(context(_facts()))
    assert outcome.status is Status.ERROR and outcome.evidence["fact"] == "os.release"


# ---------------------------------------------------------------------- os.eol_claimed
@pytest.mark.parametrize(("distribution", "version", "product", "status"), [
    ("CentOS Stream", "9", "centos-stream", Status.PASS),
    ("centos stream", "8", "centos-stream", Status.FAIL),
    ("CentOS", "8", "centos", Status.FAIL),
    ("Debian", "12", "debian", Status.WARN),
])
def test_eol_claimed_products(distribution: str, version: str, product: str,
                              status: Status) -> None:
    outcome = EOL_CLAIMED.evaluate(context([], {"distribution": distribution,
                                                "version": version}))
    assert outcome.status is status
    assert outcome.evidence["table"]["product"] == product
    assert outcome.evidence["claimed"] == {"distribution": distribution, "version": version}


def test_eol_claimed_exact() -> None:
    outcome = EOL_CLAIMED.evaluate(context([], {"distribution": "ubuntu", "version": "22.04"}))
    entry = eol.lookup("ubuntu", "22.04")
    assert entry is not None
    status = eol.support_status(entry, context([]).scan_time.date())
    assert outcome.summary == ("The statement promises Ubuntu 22.04, which is supported until "
                               "2027-06-01 (distro-info-data: eol-server).")
    assert dict(outcome.evidence) == {"claimed": {"distribution": "ubuntu", "version": "22.04"},
                                      "support": status.as_evidence(),
                                      "table": eol.entry_evidence(entry)}


def test_eol_claimed_not_in_table_exact() -> None:
    outcome = EOL_CLAIMED.evaluate(context([], {"distribution": "Ubuntu", "version": "12"}))
    assert outcome.summary == (f"could not determine: the claimed Ubuntu 12 is not in the "
                               f"end-of-life table dated {TABLE}.")
    assert outcome.evidence == {"table_date": TABLE}
