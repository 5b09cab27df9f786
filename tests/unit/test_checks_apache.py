"""Apache checks on recorded facts."""

from __future__ import annotations

import pytest
from facts_samples import (
    DEB12_PS,
    absent,
    context,
    denied,
    host,
    ok,
    parsed,
    timed_out,
)

from checks.websites.apache import EOL, VERSION_DISCLOSURE, VERSION_MATCHES, WORKERS_NOT_ROOT
from posture.models import Fact, Status


def _config(*lines: str) -> Fact:
    return parsed("apache.config", "".join(line + "\n" for line in lines))


# ----------------------------------------------------------------- apache.version_matches
@pytest.mark.parametrize(("name", "claimed"), [
    ("u1204", "2.2.22"), ("u1204", "2.2"), ("deb12", "2.4.62"), ("rhel7", "2.4.6"),
])
def test_version_matches_pass(name: str, claimed: str) -> None:
    outcome = VERSION_MATCHES.evaluate(host(name, {"version": claimed}))
    assert outcome.status is Status.PASS, outcome.summary


def test_version_differs_fails_with_package_evidence() -> None:
    outcome = VERSION_MATCHES.evaluate(host("deb12", {"version": "2.2.22"}))
    assert outcome.status is Status.FAIL
    assert outcome.summary == "The host runs Apache 2.4.62, not the claimed 2.2.22."
    actual = outcome.evidence["actual"]
    assert actual["server_version"] == "Apache/2.4.62 (Debian)"
    assert actual["packages"]["apache2"] == "2.4.62-1~deb12u2"


def test_no_apache_installed_fails() -> None:
    ctx = host("u2204", {"version": "2.2.22"}, absent("apache.version"),
               parsed("pkg.versions", "manager dpkg\nopenssh-server\t1:8.9p1-3ubuntu0.10\n"))
    outcome = VERSION_MATCHES.evaluate(ctx)
    assert outcome.status is Status.FAIL
    assert "claims Apache 2.2.22, but no Apache was found" in outcome.summary


def test_binary_outside_path_falls_back_to_package() -> None:
    ctx = host("u1204", {"version": "2.2.22"}, absent("apache.version"))
    outcome = VERSION_MATCHES.evaluate(ctx)
    assert outcome.status is Status.PASS
    assert outcome.evidence["actual"]["source"] == "package apache2"


@pytest.mark.parametrize("bad", [denied("apache.version"), timed_out("apache.version")])
def test_version_unreadable_is_error(bad: Fact) -> None:
    for check in (VERSION_MATCHES, EOL):
        outcome = check.evaluate(host("deb12", {"version": "2.4.62"}, bad))
        assert outcome.status is Status.ERROR, check.meta.id


def test_claim_more_precise_than_host_is_error() -> None:
    ctx = host("deb12", {"version": "2.4.62"},
               ok("apache.version", {"server_version": "Apache/2.4", "version": "2.4",
                                     "built": ""}))
    assert VERSION_MATCHES.evaluate(ctx).status is Status.ERROR


def test_missing_version_parameter_is_error() -> None:
    assert VERSION_MATCHES.evaluate(host("deb12", {})).status is Status.ERROR


# ----------------------------------------------------------------- apache.eol
def test_eol_branch_22_fails_and_notes_package() -> None:
    outcome = EOL.evaluate(host("u1204", {"version": "2.2.22"}))
    assert outcome.status is Status.FAIL
    assert "branch 2.2 has been unsupported since 2017-" in outcome.summary
    assert "package_note" in outcome.evidence
    assert outcome.evidence["claimed"]["branch"] == "2.2"


def test_eol_branch_24_passes_and_mentions_claimed_branch() -> None:
    outcome = EOL.evaluate(host("deb12", {"version": "2.2.22"}))
    assert outcome.status is Status.PASS
    assert outcome.evidence["claimed"]["phase"] == "eol"


def test_eol_not_installed_is_not_applicable() -> None:
    ctx = host("u2204", {}, absent("apache.version"), ok("pkg.versions", {"manager": "dpkg",
                                                                          "packages": {}}))
    assert EOL.evaluate(ctx).status is Status.NOT_APPLICABLE


def test_eol_unknown_branch_is_error() -> None:
    ctx = host("deb12", {}, ok("apache.version", {"server_version": "Apache/3.0.1",
                                                  "version": "3.0.1", "built": ""}))
    assert EOL.evaluate(ctx).status is Status.ERROR


# ----------------------------------------------------------------- apache.version_disclosure
def test_disclosure_prod_off_passes() -> None:
    outcome = VERSION_DISCLOSURE.evaluate(host("u2204"))
    assert outcome.status is Status.PASS
    # The last directive found wins: zz-hardening.conf overrides security.conf.
    assert outcome.evidence["servertokens"]["at"] == (
        "/etc/apache2/conf-enabled/zz-hardening.conf:2")


def test_disclosure_debian_default_is_warn() -> None:
    outcome = VERSION_DISCLOSURE.evaluate(host("deb12"))
    assert outcome.status is Status.WARN
    assert outcome.evidence["servertokens"] == {
        "value": "OS", "at": "/etc/apache2/conf-enabled/security.conf:25"}
    assert outcome.evidence["serversignature"]["value"] == "On"


def test_disclosure_servertokens_absent_is_full_and_fails() -> None:
    outcome = VERSION_DISCLOSURE.evaluate(host("rhel7"))
    assert outcome.status is Status.FAIL
    assert "(the default)" in outcome.summary
    assert outcome.evidence["servertokens"] == {"value": None, "default": "Full"}


@pytest.mark.parametrize(("tokens", "signature", "status"), [
    ("ProductOnly", "Off", Status.PASS), ("Major", "Off", Status.WARN),
    ("Prod", "EMail", Status.WARN), ("Full", "Off", Status.FAIL), ("prod", "off", Status.PASS),
])
def test_disclosure_values(tokens: str, signature: str, status: Status) -> None:
    config = _config(f"/etc/httpd/conf/httpd.conf:10:ServerTokens {tokens}",
                     f"/etc/httpd/conf/httpd.conf:11:ServerSignature {signature}")
    assert VERSION_DISCLOSURE.evaluate(host("deb12", {}, config)).status is status


def test_disclosure_no_apache_config_is_not_applicable() -> None:
    ctx = host("deb12", {}, absent("apache.config"))
    assert VERSION_DISCLOSURE.evaluate(ctx).status is Status.NOT_APPLICABLE


def test_disclosure_denied_is_error() -> None:
    assert VERSION_DISCLOSURE.evaluate(host("deb12", {}, denied("apache.config"))).status \
        is Status.ERROR


# ----------------------------------------------------------------- apache.workers_not_root
@pytest.mark.parametrize("name", ["deb12", "u1204", "u2204", "rhel7"])
def test_workers_unprivileged_pass(name: str) -> None:
    assert WORKERS_NOT_ROOT.evaluate(host(name)).status is Status.PASS


def test_workers_as_root_fail() -> None:
    ps = DEB12_PS.replace("www-data     703", "root         703")
    outcome = WORKERS_NOT_ROOT.evaluate(host("deb12", {}, parsed("proc.list", ps)))
    assert outcome.status is Status.FAIL
    assert outcome.evidence["root_workers"] == [703]


def test_root_server_without_workers_fails() -> None:
    ps = "root 1 0 systemd\nroot 701 1 apache2\n"
    assert WORKERS_NOT_ROOT.evaluate(context([parsed("proc.list", ps)])).status is Status.FAIL


def test_unprivileged_server_without_workers_passes() -> None:
    ps = "root 1 0 systemd\nwww-data 701 1 apache2\n"
    assert WORKERS_NOT_ROOT.evaluate(context([parsed("proc.list", ps)])).status is Status.PASS


def test_apache_not_running_is_not_applicable() -> None:
    ps = "root 1 0 systemd\nroot 612 1 sshd\n"
    outcome = WORKERS_NOT_ROOT.evaluate(context([parsed("proc.list", ps)]))
    assert outcome.status is Status.NOT_APPLICABLE
    assert outcome.summary == "No Apache process is running on this host."


def test_process_list_unavailable_is_error() -> None:
    assert WORKERS_NOT_ROOT.evaluate(host("deb12", {}, timed_out("proc.list"))).status \
        is Status.ERROR
    assert WORKERS_NOT_ROOT.evaluate(context({})).status is Status.ERROR


# Recorded from Apache 2.4 (-t -D DUMP_INCLUDES of the running server) plus the grep lines.
_READ_ORDER = """root /etc/apache2
read dump_includes 4
inc   (*) /etc/apache2/apache2.conf
inc     (23) /etc/apache2/conf-enabled/security.conf
inc     (23) /etc/apache2/conf-enabled/site.conf
inc       (1) /srv/shop/tokens.conf
/etc/apache2/apache2.conf:14:User www-data
/etc/apache2/apache2.conf:50:ServerTokens Full
/etc/apache2/conf-enabled/security.conf:1:ServerTokens Prod
/etc/apache2/conf-enabled/security.conf:2:ServerSignature Off
/srv/shop/tokens.conf:2:ServerTokens Minimal
"""


def test_disclosure_follows_the_order_apache_reads_its_files() -> None:
    # apache2.conf:50 comes after the Include at line 23 (security.conf, site.conf and the
    # file site.conf includes): the last ServerTokens Apache reads is Full.
    outcome = VERSION_DISCLOSURE.evaluate(context([parsed("apache.config", _READ_ORDER)]))
    assert outcome.status is Status.FAIL
    assert outcome.evidence["servertokens"] == {"value": "Full",
                                                "at": "/etc/apache2/apache2.conf:50"}
    fixed = _READ_ORDER.replace(":50:ServerTokens Full", ":20:ServerTokens Full")
    outcome = VERSION_DISCLOSURE.evaluate(context([parsed("apache.config", fixed)]))
    assert outcome.evidence["servertokens"] == {"value": "Minimal",
                                                "at": "/srv/shop/tokens.conf:2"}
