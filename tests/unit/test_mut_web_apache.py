"""Apache checks: where the version is read, the claimed version against it, branch support
with the package note, the effective ServerTokens/ServerSignature, and the process names."""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import context, denied, ok, timed_out

from checks.base import Outcome
from checks.system import eol
from checks.system.installed import Installed
from checks.websites import apache
from posture.models import Fact, FactStatus, Status

NO_APACHE = Fact("apache.version", FactStatus.MISSING)
NO_NGINX = Fact("nginx.config", FactStatus.MISSING)
NO_NGINX_V = Fact("nginx.version", FactStatus.MISSING)
V2462 = ok("apache.version", {"version": "2.4.62", "server_version": "Apache/2.4.62 (Debian)"})


def _pkgs(**packages: str) -> Fact:
    return ok("pkg.versions", {"manager": "dpkg", "packages": {k.replace("_", "-"): v
                                                                for k, v in packages.items()}})


def _ctx(*facts: Fact, **params: Any) -> Any:
    table = {f.key: f for f in (NO_APACHE, NO_NGINX, NO_NGINX_V, _pkgs())}
    table.update({f.key: f for f in facts})
    return context(table, params)


# ----------------------------------------------------------------------------- installed
def test_the_binary_version_comes_first_with_the_packages_beside_it() -> None:
    got = apache.installed(_ctx(V2462, _pkgs(apache2_bin="2.4.62-1", apache2="2.4.62-1~deb12u2",
                                            nginx="1.22.1-9")))
    assert got == Installed("2.4.62", "apache2 -v / httpd -v", "Apache/2.4.62 (Debian)",
                            {"apache2": "2.4.62-1~deb12u2", "apache2-bin": "2.4.62-1"})
    bare = apache.installed(_ctx(ok("apache.version", {"version": "2.4.6"})))
    assert bare == Installed("2.4.6", "apache2 -v / httpd -v", "", {})


@pytest.mark.parametrize(("packages", "version", "source"), [
    ({"apache2": "2.2.22-1ubuntu1.11", "apache2_bin": "2.2.22-1"}, "2.2.22", "package apache2"),
    ({"httpd": "2.4.6-99.el7_9.1", "apache2_bin": "2.4.62-1"}, "2.4.6", "package httpd"),
    ({"apache2_bin": "2.4.62-1"}, "2.4.62", "package apache2-bin"),
])
def test_the_package_when_the_binary_is_not_on_the_path(packages: dict[str, str], version: str,
                                                        source: str) -> None:
    got = apache.installed(_ctx(_pkgs(**packages)))
    assert isinstance(got, Installed)
    assert (got.version, got.source, got.server_version) == (version, source, "")


@pytest.mark.parametrize("value", [{"version": ""}, {"server_version": "Apache"}, "Apache", None])
def test_a_binary_without_a_version_number_is_an_error(value: Any) -> None:
    got = apache.installed(_ctx(ok("apache.version", value)))
    assert isinstance(got, Outcome) and got.status is Status.ERROR
    assert got.summary == "could not determine: Apache printed no version number"
    assert got.evidence == {"apache_version": value}


@pytest.mark.parametrize("bad", [denied("apache.version"), timed_out("apache.version")])
def test_an_unreadable_binary_is_an_error_even_with_a_package(bad: Fact) -> None:
    got = apache.installed(_ctx(bad, _pkgs(apache2="2.4.62-1")))
    assert isinstance(got, Outcome) and got.evidence["fact"] == "apache.version"


@pytest.mark.parametrize("packages", [denied("pkg.versions"), ok("pkg.versions", "x"),
                                      ok("pkg.versions", {}), _pkgs(nginx="1.22.1-9")])
def test_no_apache_anywhere_is_none(packages: Fact) -> None:
    assert apache.installed(_ctx(packages)) is None


# ------------------------------------------------------------------------ version claim
@pytest.mark.parametrize(("claimed", "status", "summary"), [
    ("2.4.62", Status.PASS, "The host runs Apache 2.4.62, which matches the claimed 2.4.62."),
    ("2.4", Status.PASS, "The host runs Apache 2.4.62, which matches the claimed 2.4."),
    ("2.4.61", Status.FAIL, "The host runs Apache 2.4.62, not the claimed 2.4.61."),
    ("2.4.62.1", Status.ERROR, "could not determine: the host reports Apache 2.4.62, which "
                               "cannot confirm 2.4.62.1."),
    ("latest", Status.ERROR, "could not determine: the host reports Apache 2.4.62, which "
                             "cannot confirm latest."),
])
def test_version_claims(claimed: str, status: Status, summary: str) -> None:
    out = apache.VERSION_MATCHES.evaluate(_ctx(V2462, version=claimed))
    assert out.status is status
    assert out.summary == summary
    assert out.evidence == {"claimed": claimed, "actual": {
        "version": "2.4.62", "source": "apache2 -v / httpd -v",
        "server_version": "Apache/2.4.62 (Debian)", "packages": {}}}


def test_a_package_without_a_version_cannot_confirm() -> None:
    out = apache.VERSION_MATCHES.evaluate(_ctx(_pkgs(apache2=""), version="2.4"))
    assert out.status is Status.ERROR
    assert out.summary == ("could not determine: the host reports Apache without a version, "
                           "which cannot confirm 2.4.")


def test_no_apache_fails_and_names_a_running_nginx() -> None:
    nginx = ok("nginx.config", {"masters": [{"pid": 1, "binary": "/usr/sbin/nginx",
                                             "version": "1.22.1"}]})
    out = apache.VERSION_MATCHES.evaluate(_ctx(nginx, version="2.4"))
    assert out.status is Status.FAIL
    assert out.summary == ("The statement claims Apache 2.4, but no Apache was found on the "
                           "host. nginx 1.22.1 runs there: a claim about it is written as "
                           "web_server_version with product nginx.")
    assert out.evidence["claimed"] == "2.4"
    assert out.evidence["package_list"] == "ok"
    assert out.evidence["other_web_server"]["version"] == "1.22.1"


def test_no_apache_and_no_nginx() -> None:
    out = apache.VERSION_MATCHES.evaluate(_ctx(denied("pkg.versions"), version="2.4"))
    assert out.status is Status.FAIL
    assert out.summary == "The statement claims Apache 2.4, but no Apache was found on the host."
    assert out.evidence == {"claimed": "2.4", "package_list": "denied", "other_web_server": None}


def test_version_claim_errors() -> None:
    out = apache.VERSION_MATCHES.evaluate(_ctx(V2462))
    assert out.status is Status.ERROR and "expect.version is required" in out.summary
    out = apache.VERSION_MATCHES.evaluate(_ctx(denied("apache.version"), version="2.4"))
    assert out.status is Status.ERROR and out.evidence["fact"] == "apache.version"


# ---------------------------------------------------------------------------------- eol
def test_a_supported_branch_passes_with_its_evidence() -> None:
    out = apache.EOL.evaluate(_ctx(V2462, version="2.4"))
    assert out.status is Status.PASS
    assert out.summary == ("The host runs Apache 2.4.62; branch 2.4 is supported (no end date "
                           "announced).")
    entry = eol.lookup("apache", "2.4.62")
    assert entry is not None
    assert out.evidence["branch"] == "2.4"
    assert out.evidence["table"] == eol.entry_evidence(entry)
    assert out.evidence["support"]["phase"] == "supported"
    assert out.evidence["claimed"] == {"version": "2.4", "branch": "2.4", "phase": "supported",
                                       "on": "2026-11-25", "support_end": None,
                                       "extended_end": None, "extended_support": None}
    assert "package_note" not in out.evidence


@pytest.mark.parametrize(("claimed", "branch"), [(None, None), (24, None), ("9.9", None),
                                                 ("2.2.22", "2.2")])
def test_the_claimed_branch_in_the_evidence(claimed: Any, branch: str | None) -> None:
    out = apache.EOL.evaluate(_ctx(V2462, version=claimed))
    got = out.evidence["claimed"]
    assert (got["branch"] if got else None) == branch


def test_an_ended_branch_from_a_package_fails_with_the_package_note() -> None:
    out = apache.EOL.evaluate(_ctx(_pkgs(apache2="2.2.22-1ubuntu1.11")))
    assert out.status is Status.FAIL
    assert out.summary.startswith("The host runs Apache 2.2.22; branch 2.2 has been unsupported "
                                  "since 2017-12-31")
    assert out.evidence["package_note"] == ("distribution packages may carry back-ported "
                                            "fixes, but only while the distribution release "
                                            "itself is supported")


def test_an_ended_branch_of_a_binary_fails_without_the_note() -> None:
    out = apache.EOL.evaluate(_ctx(ok("apache.version", {"version": "2.2.22"})))
    assert out.status is Status.FAIL
    assert "package_note" not in out.evidence


def test_a_supported_branch_from_a_package_has_no_note() -> None:
    out = apache.EOL.evaluate(_ctx(V2462, _pkgs(apache2="2.4.62-1")))
    assert out.status is Status.PASS and "package_note" not in out.evidence


def test_eol_outside_the_table_and_without_apache() -> None:
    out = apache.EOL.evaluate(_ctx(ok("apache.version", {"version": "3.1.0"})))
    assert out.status is Status.ERROR
    assert out.summary == ("could not determine: Apache 3.1.0 is not in the end-of-life table "
                           f"dated {eol.TABLE_DATE.isoformat()}.")
    assert out.evidence["actual"]["version"] == "3.1.0"
    out = apache.EOL.evaluate(_ctx())
    assert out.status is Status.NOT_APPLICABLE
    assert out.summary == "Apache is not installed on this host."
    out = apache.EOL.evaluate(_ctx(denied("apache.version")))
    assert out.status is Status.ERROR


# --------------------------------------------------------------------------- disclosure
def _directive(name: str, args: str, line: int = 1) -> dict[str, Any]:
    return {"file": "/etc/apache2/conf-enabled/security.conf", "line": line, "name": name,
            "args": args}


def _disclosure(*directives: dict[str, Any]) -> Any:
    fact = ok("apache.config", {"directives": list(directives)})
    return apache.VERSION_DISCLOSURE.evaluate(context([fact]))


@pytest.mark.parametrize(("tokens", "signature", "status", "reveals", "effect"), [
    ("Prod", "Off", Status.PASS, "only the product name", "error pages carry no server "
                                                          "signature"),
    ("ProductOnly", "off", Status.PASS, "only the product name", "error pages carry no server "
                                                                 "signature"),
    ("Major", "Off", Status.WARN, "the major version", "error pages carry no server signature"),
    ("Minor", "Off", Status.WARN, "the minor version", "error pages carry no server signature"),
    ("Min", "Off", Status.WARN, "the full version number", "error pages carry no server "
                                                           "signature"),
    ("Minimal", "Off", Status.WARN, "the full version number", "error pages carry no server "
                                                               "signature"),
    ("OS", "Off", Status.WARN, "the full version and the operating system", "error pages carry "
                                                                            "no server signature"),
    ("Full", "Off", Status.FAIL, "the full version, the operating system and the modules",
     "error pages carry no server signature"),
    ("Prod", "On", Status.WARN, "only the product name", "error pages repeat the Server header "
                                                         "in a signature"),
    ("Prod", "EMail", Status.WARN, "only the product name", "error pages carry a signature with "
                                                            "the administrator's address"),
    ("Prod", "maybe", Status.WARN, "only the product name", "unrecognised"),
    ("Bogus", "Off", Status.WARN, "an unrecognised value", "error pages carry no server "
                                                           "signature"),
    ("Full", "On", Status.FAIL, "the full version, the operating system and the modules",
     "error pages repeat the Server header in a signature"),
])
def test_disclosure_values(tokens: str, signature: str, status: Status, reveals: str,
                           effect: str) -> None:
    out = _disclosure(_directive("ServerTokens", tokens, 25),
                      _directive("ServerSignature", f"{signature} extra", 36))
    assert out.status is status
    assert out.summary == (f"With ServerTokens {tokens} the Server header reveals {reveals}, "
                           f"and with ServerSignature {signature} {effect}.")
    assert out.evidence == {
        "servertokens": {"value": tokens, "at": "/etc/apache2/conf-enabled/security.conf:25"},
        "serversignature": {"value": signature,
                            "at": "/etc/apache2/conf-enabled/security.conf:36"},
        "note": "the last directive found is taken as effective"}


def test_disclosure_defaults() -> None:
    out = _disclosure()
    assert out.status is Status.FAIL
    assert out.summary == ("With ServerTokens Full (the default) the Server header reveals the "
                           "full version, the operating system and the modules, and with "
                           "ServerSignature Off error pages carry no server signature.")
    assert out.evidence["servertokens"] == {"value": None, "default": "Full"}
    assert out.evidence["serversignature"] == {"value": None, "default": "Off"}


def test_the_last_directive_counts_whatever_its_case() -> None:
    out = _disclosure(_directive("ServerTokens", "Full", 1), _directive("ServerTokens", "OS", 2),
                      _directive("servertokens", "Prod", 3),
                      _directive("SERVERSIGNATURE", "Off", 4), _directive("Other", "x", 5),
                      {"file": "f", "line": 6, "args": "Full"})
    assert out.status is Status.PASS
    assert out.evidence["servertokens"]["at"].endswith(":3")


@pytest.mark.parametrize("args", ["", "   ", None])
def test_an_empty_argument_is_unrecognised(args: str | None) -> None:
    out = _disclosure(_directive("ServerTokens", args, 1))  # type: ignore[arg-type]
    assert out.status is Status.WARN
    assert out.summary.startswith("With ServerTokens  the Server header reveals an "
                                  "unrecognised value")
    assert out.evidence["servertokens"] == {"value": "",
                                            "at": "/etc/apache2/conf-enabled/security.conf:1"}


def test_disclosure_facts() -> None:
    out = apache.VERSION_DISCLOSURE.evaluate(context([Fact("apache.config",
                                                           FactStatus.MISSING)]))
    assert out.status is Status.NOT_APPLICABLE
    assert out.summary == "No Apache configuration was found on this host."
    out = apache.VERSION_DISCLOSURE.evaluate(context([denied("apache.config")]))
    assert out.status is Status.ERROR and out.evidence["fact"] == "apache.config"
    out = apache.VERSION_DISCLOSURE.evaluate(context([ok("apache.config", None)]))
    assert out.status is Status.FAIL


# ------------------------------------------------------------------------------ workers
@pytest.mark.parametrize(("comm", "is_it"), [
    ("apache2", True), ("httpd", True), ("httpd.worker", True), ("apache2.prefork", True),
    ("httpd2", False), ("apache", False), ("xhttpd", False), (None, False), ("nginx", False),
])
def test_apache_process_names(comm: object, is_it: bool) -> None:
    assert apache.is_apache(comm) is is_it


def test_apache_workers() -> None:
    procs = [{"pid": 1, "ppid": 0, "user": "root", "comm": "apache2"},
             {"pid": 2, "ppid": 1, "user": "root", "comm": "apache2"},
             {"pid": 3, "ppid": 0, "user": "root", "comm": "nginx"}]
    out = apache.WORKERS_NOT_ROOT.evaluate(context([ok("proc.list", procs)]))
    assert out.status is Status.FAIL
    assert out.summary.startswith("1 of 1 Apache worker processes run as root")
    assert out.evidence["parents"] == [{"pid": 1, "user": "root"}]
