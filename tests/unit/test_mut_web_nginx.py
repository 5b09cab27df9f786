"""nginx checks: branch kind, branch support with and without a supported distribution's
back-ports, server_tokens per server and location, and the workers of this host's masters."""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import context, denied, ok

from checks.system import eol
from checks.websites import nginx
from posture.models import Fact, FactStatus, Status

NO_VERSION = Fact("nginx.version", FactStatus.MISSING)
NO_PACKAGES = ok("pkg.versions", {"manager": "dpkg", "packages": {}})
DEB_PACKAGE = ok("pkg.versions", {"manager": "dpkg", "packages": {"nginx": "1.22.1-9+deb12u1"}})


def _d(*args: str, at: str = "f:1") -> dict[str, Any]:
    return {"args": list(args), "at": at}


def _loc(path: str, **directives: list[dict[str, Any]]) -> dict[str, Any]:
    return {"at": f"l{path}", "modifier": "", "path": path, "directives": directives,
            "locations": []}


def _server(at: str, *locations: dict[str, Any], **directives: list[dict[str, Any]]
            ) -> dict[str, Any]:
    return {"at": at, "directives": {"server_name": [_d("s.test")], **directives},
            "locations": list(locations)}


def _master(pid: int = 10, version: str = "1.22.1", servers: list[dict[str, Any]] | None = None,
            http: dict[str, Any] | None = None, main: dict[str, Any] | None = None
            ) -> dict[str, Any]:
    config = {"files": ["/etc/nginx/nginx.conf"], "errors": [], "messages": [],
              "main": main or {"directives": {}}, "http": http or {"directives": {}},
              "servers": [_server("s:1")] if servers is None else servers}
    return {"pid": pid, "binary": "/usr/sbin/nginx", "version": version, "dump_rc": 0,
            "config": config}


def _ctx(*masters: dict[str, Any], os_release: Fact | None = None,
         packages: Fact = NO_PACKAGES, procs: list[dict[str, Any]] | None = None) -> Any:
    return context([ok("nginx.config", {"masters": list(masters)}), NO_VERSION, packages,
                    os_release or ok("os.release", {"ID": "debian", "VERSION_ID": "12"}),
                    ok("proc.list", procs or [])])


@pytest.mark.parametrize(("version", "kind"), [
    ("1.24.0", "stable"), ("1.25.3", "mainline"), ("1.1.19", "mainline"), ("1.0.15", "stable"),
    ("1.3.0", "mainline"), ("1.24.3", "stable"), ("1.25", "mainline"), ("1.26", "stable"),
    ("1", "unknown"), ("1.x.2", "unknown"), ("", "unknown"), ("1..3", "unknown"),
    ("1.", "unknown"), ("1.3x", "unknown"),
])
def test_branch_kind(version: str, kind: str) -> None:
    assert nginx.branch_kind(version) == kind


# ---------------------------------------------------------------------------------- eol
def test_a_supported_branch_passes() -> None:
    out = nginx.EOL.evaluate(_ctx(_master(version="1.30.1")))
    assert out.status is Status.PASS
    assert out.summary == ("The host runs nginx 1.30.1; stable branch 1.30 is supported (no end "
                           "date announced).")
    assert out.evidence["branch"] == "1.30"
    assert out.evidence["branch_kind"] == "stable"
    assert out.evidence["support"]["phase"] == "supported"
    assert out.evidence["actual"]["version"] == "1.30.1"
    entry = eol.lookup("nginx", "1.30.1")
    assert entry is not None and out.evidence["table"] == eol.entry_evidence(entry)
    assert "distribution" not in out.evidence


@pytest.mark.parametrize(("os_id", "version", "release", "phase"), [
    ("debian", "12", "Debian 12", "extended"),      # Debian LTS still back-ports
    ("Debian", "13", "Debian 13", "supported"),
])
def test_an_ended_branch_from_a_supported_distribution_warns(os_id: str, version: str,
                                                             release: str, phase: str) -> None:
    out = nginx.EOL.evaluate(_ctx(_master(version="1.22.1"), packages=DEB_PACKAGE,
                                  os_release=ok("os.release", {"ID": os_id,
                                                               "VERSION_ID": version})))
    assert out.status is Status.WARN
    assert out.summary == ("The host runs nginx 1.22.1; stable branch 1.22 has been unsupported "
                           f"since 2023-04-10, but it comes from a package of {release}, which "
                           "still gets security updates (back-ports).")
    assert out.evidence["distribution"]["release"] == release
    assert out.evidence["distribution"]["phase"] == phase


@pytest.mark.parametrize("os_release", [
    ok("os.release", {"ID": "debian", "VERSION_ID": "11"}),     # Debian LTS ended 2026-08-31
    ok("os.release", {"ID": "plan9", "VERSION_ID": "4"}),
    ok("os.release", {"ID": "debian"}),
    ok("os.release", "ID=debian"),
    denied("os.release"),
])
def test_an_ended_branch_without_a_supported_distribution_fails(os_release: Fact) -> None:
    out = nginx.EOL.evaluate(_ctx(_master(version="1.22.1"), packages=DEB_PACKAGE,
                                  os_release=os_release))
    assert out.status is Status.FAIL
    assert out.summary == ("The host runs nginx 1.22.1; stable branch 1.22 has been unsupported "
                           "since 2023-04-10.")
    assert "distribution" not in out.evidence


def test_an_ended_branch_without_a_package_fails_even_on_a_supported_release() -> None:
    out = nginx.EOL.evaluate(_ctx(_master(version="1.25.3"),
                                  os_release=ok("os.release", {"ID": "debian",
                                                               "VERSION_ID": "13"})))
    assert out.status is Status.FAIL
    assert "mainline branch 1.25" in out.summary


def test_a_version_outside_the_table_is_an_error() -> None:
    out = nginx.EOL.evaluate(_ctx(_master(version="0.7.69")))
    assert out.status is Status.ERROR
    assert out.summary == ("could not determine: nginx 0.7.69 is not in the end-of-life table "
                           f"dated {eol.TABLE_DATE.isoformat()}.")
    assert out.evidence["actual"]["version"] == "0.7.69"


def test_no_nginx_is_not_applicable() -> None:
    ctx = context([Fact("nginx.config", FactStatus.MISSING), NO_VERSION, NO_PACKAGES])
    out = nginx.EOL.evaluate(ctx)
    assert out.status is Status.NOT_APPLICABLE
    assert out.summary == "nginx is not installed on this host."


def test_eol_of_an_unreadable_host_is_an_error() -> None:
    ctx = context([denied("nginx.config"), NO_VERSION, NO_PACKAGES])
    out = nginx.EOL.evaluate(ctx)
    assert out.status is Status.ERROR and out.evidence["fact"] == "nginx.config"


# ---------------------------------------------------------------------------- disclosure
@pytest.mark.parametrize(("value", "status", "reveals"), [
    ("off", Status.PASS, None), ("OFF", Status.PASS, None),
    ("on", Status.FAIL, "the exact version"),
    ("build", Status.FAIL, "the exact version and the build name"),
    ("$tokens", Status.WARN, "a value set per request"),
])
def test_server_tokens_values(value: str, status: Status, reveals: str | None) -> None:
    server = _server("s:1", server_tokens=[_d(value, at="s:2")])
    out = nginx.VERSION_DISCLOSURE.evaluate(_ctx(_master(servers=[server])))
    assert out.status is status
    if reveals is None:
        assert out.summary == ("Every nginx server and location (1) sends 'server_tokens off': "
                               "the Server header carries no version.")
        assert out.evidence == {"judged": 1, "disclosing": [],
                                "note": "server_tokens also decides the version on nginx's "
                                        "error pages"}
    else:
        assert out.summary == (f"1 of 1 nginx servers or locations reveal {reveals} "
                               f"(server_tokens {value.lower()} at s:2, server s.test at s:1).")
        assert out.evidence["disclosing"] == [
            {"pid": 10, "where": "server s.test at s:1", "server_tokens": value.lower(),
             "set_at": "s:2", "status": status.value, "reveals": reveals}]


def test_the_default_is_on() -> None:
    out = nginx.VERSION_DISCLOSURE.evaluate(_ctx(_master()))
    assert out.status is Status.FAIL
    assert out.summary == ("1 of 1 nginx servers or locations reveal the exact version "
                           "(server_tokens on at default (on), server s.test at s:1).")
    bare = _server("s:1", server_tokens=[_d()])
    assert nginx.VERSION_DISCLOSURE.evaluate(_ctx(_master(servers=[bare]))).status is Status.FAIL


def test_the_worst_row_is_named_and_every_disclosing_row_counted() -> None:
    http = {"directives": {"server_tokens": [_d("off", at="h:1")]}}
    server = _server("s:1", _loc("/a/", server_tokens=[_d("$x", at="a:1")]),
                     _loc("/b/", server_tokens=[_d("build", at="b:1")]),
                     _loc("/c/"))
    out = nginx.VERSION_DISCLOSURE.evaluate(_ctx(_master(servers=[server], http=http)))
    assert out.status is Status.FAIL
    assert out.summary == ("2 of 4 nginx servers or locations reveal the exact version and the "
                           "build name (server_tokens build at b:1, server s.test at s:1 "
                           "location /b/).")
    assert out.evidence["judged"] == 4
    assert [r["where"] for r in out.evidence["disclosing"]] == [
        "server s.test at s:1 location /a/", "server s.test at s:1 location /b/"]


def test_a_warning_alone_warns() -> None:
    http = {"directives": {"server_tokens": [_d("off", at="h:1")]}}
    server = _server("s:1", _loc("/a/", server_tokens=[_d("$x", at="a:1")]))
    out = nginx.VERSION_DISCLOSURE.evaluate(_ctx(_master(servers=[server], http=http)))
    assert out.status is Status.WARN


def test_disclosing_rows_in_the_evidence_are_capped_at_thirty() -> None:
    servers = [_server(f"s:{i}") for i in range(31)]
    out = nginx.VERSION_DISCLOSURE.evaluate(_ctx(_master(servers=servers)))
    assert out.summary.startswith("31 of 31 nginx servers")
    assert len(out.evidence["disclosing"]) == 30


def test_every_master_is_judged() -> None:
    http = {"directives": {"server_tokens": [_d("off", at="h:1")]}}
    out = nginx.VERSION_DISCLOSURE.evaluate(_ctx(_master(http=http),
                                                 _master(pid=20, servers=[_server("t:1")])))
    assert out.status is Status.FAIL
    assert out.evidence["judged"] == 2
    assert out.evidence["disclosing"][0]["pid"] == 20


def test_no_server_block_is_an_error() -> None:
    out = nginx.VERSION_DISCLOSURE.evaluate(_ctx(_master(servers=[]), _master(pid=20,
                                                                              servers=[])))
    assert out.status is Status.ERROR
    assert out.summary == "could not determine: the running nginx has no server block to judge"
    assert out.evidence == {"masters": [10, 20]}


def test_disclosure_without_masters_and_with_a_broken_one() -> None:
    none = nginx.VERSION_DISCLOSURE.evaluate(_ctx())
    assert none.status is Status.NOT_APPLICABLE
    assert none.summary == "No nginx master process runs on this host."
    broken = _master()
    broken["dump_rc"] = 2
    out = nginx.VERSION_DISCLOSURE.evaluate(_ctx(broken))
    assert out.status is Status.ERROR and out.evidence["dump_rc"] == 2
    denied_ctx = context([denied("nginx.config")])
    assert nginx.VERSION_DISCLOSURE.evaluate(denied_ctx).evidence["fact"] == "nginx.config"


# ------------------------------------------------------------------------------- workers
PROCS = [{"pid": 10, "ppid": 1, "user": "root", "comm": "nginx"},
         {"pid": 11, "ppid": 10, "user": "www-data", "comm": "nginx"},
         {"pid": 40, "ppid": 1, "user": "root", "comm": "nginx"},      # another namespace
         {"pid": 41, "ppid": 40, "user": "root", "comm": "nginx"},
         {"pid": 50, "ppid": 1, "user": "root", "comm": "apache2"}]


def test_workers_of_this_hosts_masters_with_the_configured_user() -> None:
    main = {"directives": {"user": [_d("www-data", "www-data", at="/etc/nginx/nginx.conf:1")]}}
    out = nginx.WORKERS_NOT_ROOT.evaluate(_ctx(_master(main=main), procs=PROCS))
    assert out.status is Status.PASS
    assert out.evidence["configured_user"] == [
        {"pid": 10, "user": "www-data www-data", "at": "/etc/nginx/nginx.conf:1"}]
    assert out.evidence["parents"] == [{"pid": 10, "user": "root"}]


def test_workers_without_a_user_directive() -> None:
    out = nginx.WORKERS_NOT_ROOT.evaluate(_ctx(_master(pid=40), procs=PROCS))
    assert out.status is Status.FAIL
    assert out.evidence["root_workers"] == [41]
    assert out.evidence["configured_user"] == [{"pid": 40, "user": None, "at": None}]


def test_workers_of_a_master_without_configuration() -> None:
    master = _master()
    master["config"] = None
    out = nginx.WORKERS_NOT_ROOT.evaluate(_ctx(master, procs=PROCS))
    assert out.evidence["configured_user"] == [{"pid": 10, "user": None, "at": None}]
    assert out.status is Status.PASS


def test_workers_with_no_master_known_count_every_nginx() -> None:
    out = nginx.WORKERS_NOT_ROOT.evaluate(_ctx(procs=PROCS))
    assert out.status is Status.NOT_APPLICABLE
    assert "configured_user" not in out.evidence
    unread = context([denied("nginx.config"), ok("proc.list", PROCS)])
    out = nginx.WORKERS_NOT_ROOT.evaluate(unread)
    assert out.status is Status.FAIL           # every nginx process counts: 41 is root
    assert out.evidence["root_workers"] == [41]
    assert "configured_user" not in out.evidence
