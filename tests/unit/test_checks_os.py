"""Operating-system checks on recorded Debian 12, Ubuntu 12.04/22.04 and RHEL 7 facts."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from facts_samples import (
    U1204_LSB,
    U1204_OS_RELEASE,
    absent,
    context,
    denied,
    host,
    parsed,
    timed_out,
)

from checks.system import os_release
from checks.system.os_release import (
    EOL_ACTUAL,
    EOL_CLAIMED,
    VERSION_MATCHES,
    canonical_distribution,
)
from posture.models import Fact, Severity, Status

OS_FACTS = ("os.release", "os.lsb", "os.version_files")


def _u1204_point(release: str) -> tuple[Fact, Fact]:
    """Ubuntu 12.04 facts as they read on a host at point release ``release``."""
    return (parsed("os.release", U1204_OS_RELEASE.replace("12.04.5", release)),
            parsed("os.lsb", U1204_LSB.replace("12.04.5", release)))


# ----------------------------------------------------------------- os.version_matches
@pytest.mark.parametrize(("name", "distribution", "version"), [
    ("u1204", "ubuntu", "12.04"),         # claim less precise than the host: fine
    ("u1204", "Ubuntu", "12.04.5"),
    ("deb12", "debian", "12"),
    ("deb12", "Debian GNU/Linux", "12.7"),  # point release from /etc/debian_version
    ("u2204", "ubuntu", "22.04.5"),
    ("rhel7", "Red Hat Enterprise Linux", "7.9"),
    ("rhel7", "rhel", "7"),
])
def test_version_matches_pass(name: str, distribution: str, version: str) -> None:
    outcome = VERSION_MATCHES.evaluate(host(name, {"distribution": distribution,
                                                   "version": version}))
    assert outcome.status is Status.PASS, outcome.summary


def test_claimed_point_release_exact_match() -> None:
    ctx = host("u1204", {"distribution": "ubuntu", "version": "12.04.4"}, *_u1204_point("12.04.4"))
    assert VERSION_MATCHES.evaluate(ctx).status is Status.PASS


def test_claimed_point_release_differs_fails() -> None:
    outcome = VERSION_MATCHES.evaluate(host("u1204", {"distribution": "ubuntu",
                                                      "version": "12.04.4"}))
    assert outcome.status is Status.FAIL
    assert "12.04.5" in outcome.summary and "12.04.4" in outcome.summary
    assert outcome.evidence["claimed"] == {"distribution": "ubuntu", "version": "12.04.4"}
    actual = outcome.evidence["actual"]
    assert actual["version"] == "12.04.5"
    assert actual["sources"]["lsb_release description"] == "Ubuntu 12.04.5 LTS"
    json.dumps(dict(outcome.evidence))


def test_other_distribution_fails() -> None:
    outcome = VERSION_MATCHES.evaluate(host("deb12", {"distribution": "ubuntu",
                                                      "version": "12"}))
    assert outcome.status is Status.FAIL
    assert "Debian" in outcome.summary


def test_ubuntu_is_not_debian_although_debian_version_exists() -> None:
    outcome = VERSION_MATCHES.evaluate(host("u2204", {"distribution": "debian",
                                                      "version": "12"}))
    assert outcome.status is Status.FAIL


def test_debian_point_release_mismatch() -> None:
    outcome = VERSION_MATCHES.evaluate(host("deb12", {"distribution": "debian",
                                                      "version": "12.6"}))
    assert outcome.status is Status.FAIL


def test_host_less_precise_than_claim_is_error() -> None:
    ctx = host("deb12", {"distribution": "debian", "version": "12.7"},
               absent("os.version_files"))
    outcome = VERSION_MATCHES.evaluate(ctx)
    assert outcome.status is Status.ERROR
    assert "cannot be confirmed" in outcome.summary


@pytest.mark.parametrize("bad", [denied, timed_out, absent])
def test_no_os_facts_is_error(bad: Callable[[str], Fact]) -> None:
    facts = [bad(key) for key in OS_FACTS]
    for check in os_release.CHECKS[:2]:
        outcome = check.evaluate(context(facts, {"distribution": "ubuntu", "version": "12.04"}))
        assert outcome.status is Status.ERROR, check.meta.id
        assert "os.release" in outcome.summary


def test_never_gathered_is_error() -> None:
    outcome = VERSION_MATCHES.evaluate(context({}, {"distribution": "ubuntu", "version": "1"}))
    assert outcome.status is Status.ERROR


@pytest.mark.parametrize("params", [
    {}, {"distribution": "ubuntu"}, {"version": "12.04"},
    {"distribution": "ubuntu", "version": 22.10},  # YAML float: would silently become 22.1
    {"distribution": "", "version": "1"},
])
def test_bad_parameters_are_errors(params: dict[str, object]) -> None:
    for check in (VERSION_MATCHES, EOL_CLAIMED):
        assert check.evaluate(host("u2204", params)).status is Status.ERROR, check.meta.id


def test_eol_actual_ignores_claim_parameters() -> None:
    assert EOL_ACTUAL.evaluate(host("u2204", {})).status is Status.PASS


def test_rpm_release_file_without_os_release() -> None:
    files = parsed("os.version_files", "/etc/redhat-release\tCentOS release 6.10 (Final)\n")
    ctx = context([absent("os.release"), absent("os.lsb"), files],
                  {"distribution": "CentOS", "version": "6.10"})
    assert VERSION_MATCHES.evaluate(ctx).status is Status.PASS
    assert EOL_ACTUAL.evaluate(ctx).status is Status.FAIL


def test_canonical_distribution() -> None:
    assert canonical_distribution("Red Hat Enterprise Linux Server") == "rhel"
    assert canonical_distribution("RedHatEnterpriseServer") == "rhel"
    assert canonical_distribution("CentOS Linux") == "centos"
    assert canonical_distribution("AlmaLinux") == "almalinux"
    assert canonical_distribution(" Ubuntu ") == "ubuntu"


# ----------------------------------------------------------------- os.eol_actual
def test_eol_actual_unsupported_release_fails() -> None:
    outcome = EOL_ACTUAL.evaluate(host("u1204"))
    assert outcome.status is Status.FAIL
    assert "2017-04-28" in outcome.summary
    assert outcome.evidence["support"]["phase"] == "eol"


def test_eol_actual_debian_lts_is_warn_with_dates() -> None:
    outcome = EOL_ACTUAL.evaluate(host("deb12"))
    assert outcome.status is Status.WARN
    assert outcome.summary == (
        "The host runs Debian 12, which left standard support on 2026-07-11 (distro-info-data: "
        "eol) and gets security fixes only through Debian LTS until 2028-06-30 "
        "(distro-info-data: eol-lts); Freexian's paid ELTS, not counted here, runs until "
        "2033-06-30 (distro-info-data: eol-elts) (whether this host is enrolled is not checked).")
    support = outcome.evidence["support"]
    assert support["extended_support"] == "Debian LTS"
    assert (support["support_end_column"], support["extended_end_column"],
            support["legacy_end_column"]) == ("eol", "eol-lts", "eol-elts")
    assert str(support["dates_from"]).startswith("distro-info-data ")


def test_eol_actual_rhel_els_is_warn() -> None:
    assert EOL_ACTUAL.evaluate(host("rhel7")).status is Status.WARN


def test_eol_actual_supported_passes() -> None:
    outcome = EOL_ACTUAL.evaluate(host("u2204"))
    assert outcome.status is Status.PASS
    assert "until 2027-06-01 (distro-info-data: eol-server)" in outcome.summary


def test_eol_actual_unknown_release_is_error_not_pass() -> None:
    release = 'NAME="Oracle Linux Server"\nID="ol"\nVERSION_ID="8.9"\n'
    outcome = EOL_ACTUAL.evaluate(context([parsed("os.release", release)]))
    assert outcome.status is Status.ERROR
    assert "end-of-life table dated 2026-11-25" in outcome.summary


def test_eol_actual_centos_stream_uses_stream_dates() -> None:
    release = 'NAME="CentOS Stream"\nVERSION="9"\nID="centos"\nVERSION_ID="9"\n'
    outcome = EOL_ACTUAL.evaluate(context([parsed("os.release", release)]))
    assert outcome.status is Status.PASS
    assert outcome.evidence["table"]["product"] == "centos-stream"


def test_eol_actual_denied_is_error() -> None:
    ctx = host("u1204", None, denied("os.release"), denied("os.lsb"), denied("os.version_files"))
    assert EOL_ACTUAL.evaluate(ctx).status is Status.ERROR


# ----------------------------------------------------------------- os.eol_claimed
def test_eol_claimed_promising_eol_release_fails() -> None:
    outcome = EOL_CLAIMED.evaluate(host("u2204", {"distribution": "ubuntu",
                                                  "version": "12.04.4"}))
    assert outcome.status is Status.FAIL
    assert EOL_CLAIMED.meta.severity is Severity.MEDIUM
    assert outcome.summary.startswith("The statement promises Ubuntu 12.04")
    assert "2017-04-28" in outcome.summary


def test_eol_claimed_needs_no_target_fact() -> None:
    outcome = EOL_CLAIMED.evaluate(context([denied("os.release")],
                                           {"distribution": "ubuntu", "version": "22.04"}))
    assert outcome.status is Status.PASS


def test_eol_claimed_extended_is_warn() -> None:
    outcome = EOL_CLAIMED.evaluate(context({}, {"distribution": "debian", "version": "12"}))
    assert outcome.status is Status.WARN


def test_eol_claimed_unknown_release_is_error() -> None:
    outcome = EOL_CLAIMED.evaluate(context({}, {"distribution": "ubuntu", "version": "12"}))
    assert outcome.status is Status.ERROR
    assert "end-of-life table" in outcome.summary
