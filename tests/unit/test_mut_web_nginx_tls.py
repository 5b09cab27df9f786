"""nginx TLS as configured: the default protocols per version (at, below and above 1.23.4),
which servers are TLS servers, the HSTS header nginx inherits, and the exact verdicts."""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import context, denied, ok

from checks.websites.nginx_tls import TLS_CONFIG, _default_protocols, _hsts, _is_tls, _row
from posture.models import Fact, FactStatus, Status

OLD = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
NEW = ["TLSv1.2", "TLSv1.3"]
HSTS = ("Strict-Transport-Security", "max-age=63072000", "always")


def _d(*args: str, at: str = "/etc/nginx/x.conf:1") -> dict[str, Any]:
    return {"args": list(args), "at": at}


def _level(at: str = "/etc/nginx/x.conf:1", **directives: list[dict[str, Any]]) -> dict[str, Any]:
    return {"at": at, "directives": directives, "access": [], "conditional": [],
            "locations": []}


def _server(*listen: tuple[str, ...], at: str = "/s:1", names: tuple[str, ...] = ("s.test",),
            **directives: list[dict[str, Any]]) -> dict[str, Any]:
    found: dict[str, list[dict[str, Any]]] = {"listen": [_d(*a) for a in listen]}
    if names:
        found["server_name"] = [_d(*names)]
    return _level(at, **found, **directives)


def _master(servers: list[dict[str, Any]], http: dict[str, Any] | None = None,
            version: str = "1.22.1", pid: int = 10) -> dict[str, Any]:
    config = {"files": ["/etc/nginx/nginx.conf"], "errors": [], "messages": [],
              "main": _level(), "http": http if http is not None else _level(),
              "servers": servers}
    return {"pid": pid, "binary": "/usr/sbin/nginx", "version": version, "dump_rc": 0,
            "config": config}


def _check(*masters: dict[str, Any]) -> Any:
    return TLS_CONFIG.evaluate(context([ok("nginx.config", {"masters": list(masters)})]))


@pytest.mark.parametrize(("version", "default"), [
    ("1.23.3", OLD), ("1.23.4", NEW), ("1.23.5", NEW), ("1.22.9", OLD), ("1.24.0", NEW),
    ("2.0.0", NEW), ("1.9.2", OLD), ("", OLD), ("1.23.4.1", NEW),
    ("1.x.23.4", OLD),   # a non-numeric part is dropped after the first three are taken
])
def test_default_protocols_by_version(version: str, default: list[str]) -> None:
    assert _default_protocols(version) == default


@pytest.mark.parametrize(("server", "tls"), [
    (_server(("443", "ssl")), True),
    (_server(("443", "quic", "reuseport")), True),
    (_server(("[::]:443", "default_server", "ssl")), True),
    (_server(("443",)), False),
    (_server(("ssl",)), False),                      # a listen of a host named ssl
    (_server(("80",), ssl=[_d("on")]), True),
    (_server(("80",), ssl=[_d("ON")]), True),
    (_server(("80",), ssl=[_d("off")]), False),
    (_server(("80",), ssl=[_d("off"), _d("on")]), True),   # the last one counts
    (_server(("80",), ssl=[_d()]), False),
    (_level(), False),
])
def test_which_servers_speak_tls(server: dict[str, Any], tls: bool) -> None:
    assert _is_tls(server) is tls


@pytest.mark.parametrize(("headers", "found"), [
    ([_d(*HSTS)], {"value": "max-age=63072000", "at": "/etc/nginx/x.conf:1", "always": True}),
    ([_d("strict-transport-security", "max-age=1")],
     {"value": "max-age=1", "at": "/etc/nginx/x.conf:1", "always": False}),
    ([_d("Strict-Transport-Security")], {"value": "", "at": "/etc/nginx/x.conf:1",
                                         "always": False}),
    ([_d("Strict-Transport-Security", "always")],
     {"value": "always", "at": "/etc/nginx/x.conf:1", "always": False}),
    ([_d("X-Frame-Options", "DENY"), _d("Strict-Transport-Security", "max-age=2", at="h:2")],
     {"value": "max-age=2", "at": "h:2", "always": False}),
    ([_d("X-Frame-Options", "DENY")], None),
    ([_d()], None),
])
def test_the_hsts_header_of_a_level(headers: list[dict[str, Any]],
                                    found: dict[str, Any] | None) -> None:
    assert _hsts([_level(add_header=headers)]) == found


def test_an_own_add_header_drops_the_inherited_hsts() -> None:
    http = _level(add_header=[_d(*HSTS)])
    assert _hsts([http, _level()]) is not None
    assert _hsts([http, _level(add_header=[_d("X-Frame-Options", "DENY")])]) is None


def test_a_row_with_every_setting_from_the_configuration() -> None:
    http = _level(ssl_protocols=[_d("TLSv1.1", "TLSv1.2", at="/etc/nginx/nginx.conf:8")],
                  add_header=[_d(*HSTS, at="h:3")])
    server = _server(("443", "ssl"), ("[::]:443", "ssl"), ("8443", "ssl"), at="/s:5",
                     names=("a.test", "b.test"), ssl_ciphers=[_d("ECDHE+AESGCM")])
    assert _row(server, http, "1.24.0") == {
        "server": "a.test b.test at /s:5", "ports": [443, 8443],
        "protocols": ["TLSv1.1", "TLSv1.2"], "protocols_at": "/etc/nginx/nginx.conf:8",
        "deprecated": ["TLSv1.1"], "ciphers": ["ECDHE+AESGCM"],
        "hsts": {"value": "max-age=63072000", "at": "h:3", "always": True}}


def test_a_row_of_nginx_defaults() -> None:
    server = _server(("443", "ssl"), at="/s:9", names=())
    assert _row(server, _level(), "1.22.1") == {
        "server": "_ at /s:9", "ports": [443], "protocols": OLD,
        "protocols_at": "nginx 1.22.1 default", "deprecated": ["TLSv1", "TLSv1.1"],
        "ciphers": None, "hsts": None}


def test_a_long_server_name_is_cut_at_80_characters() -> None:
    names = ("a" * 50, "b" * 50)
    row = _row(_server(("443", "ssl"), names=names), _level(), "1.24.0")
    assert row["server"] == ("a" * 50 + " " + "b" * 29) + " at /s:1"


def test_the_server_overrides_the_http_protocols() -> None:
    http = _level(ssl_protocols=[_d("TLSv1", "TLSv1.2")])
    server = _server(("443", "ssl"), ssl_protocols=[_d("TLSv1.3", at="/s:3")])
    row = _row(server, http, "1.22.1")
    assert row["protocols"] == ["TLSv1.3"] and row["deprecated"] == []
    assert row["protocols_at"] == "/s:3"


def test_deprecated_protocols_fail_naming_the_first_server() -> None:
    good = _server(("443", "ssl"), at="/good:1", names=("good.test",),
                   ssl_protocols=[_d("TLSv1.2")], add_header=[_d(*HSTS)])
    bad = _server(("443", "ssl"), at="/bad:1", names=("bad.test",),
                  ssl_protocols=[_d("TLSv1", "TLSv1.1", "TLSv1.2", at="/bad:2")])
    plain = _server(("80",), at="/plain:1", ssl_protocols=[_d("SSLv3")])
    out = _check(_master([good, bad, plain]))
    assert out.status is Status.FAIL
    assert out.summary == ("1 of 2 nginx TLS servers allow TLSv1, TLSv1.1 (ssl_protocols at "
                           "/bad:2, server bad.test at /bad:1).")
    assert out.evidence["deprecated"] == ["bad.test at /bad:1"]
    assert out.evidence["without_hsts"] == ["bad.test at /bad:1"]
    assert [r["server"] for r in out.evidence["servers"]] == ["good.test at /good:1",
                                                              "bad.test at /bad:1"]


def test_an_old_nginx_default_fails() -> None:
    out = _check(_master([_server(("443", "ssl"))], version="1.23.3"))
    assert out.status is Status.FAIL
    assert "(ssl_protocols at nginx 1.23.3 default," in out.summary
    new = _check(_master([_server(("443", "ssl"))], version="1.23.4"))
    assert new.status is Status.WARN


def test_missing_hsts_warns() -> None:
    http = _level(ssl_protocols=[_d(*NEW)], add_header=[_d(*HSTS)])
    lost = _server(("443", "ssl"), at="/lost:1", names=("lost.test",),
                   add_header=[_d("X-Frame-Options", "DENY")])
    kept = _server(("443", "ssl"), at="/kept:1", names=("kept.test",))
    out = _check(_master([kept, lost], http=http))
    assert out.status is Status.WARN
    assert out.summary == ("1 of 2 nginx TLS servers send no Strict-Transport-Security header "
                           "(server lost.test at /lost:1).")
    assert out.evidence["without_hsts"] == ["lost.test at /lost:1"]
    assert out.evidence["deprecated"] == []


def test_every_server_of_every_master_passes() -> None:
    http = _level(ssl_protocols=[_d(*NEW)], add_header=[_d(*HSTS)])
    out = _check(_master([_server(("443", "ssl"))], http=http),
                 _master([_server(("443", "ssl"), at="/t:1")], http=http, version="1.26.0",
                         pid=20))
    assert out.status is Status.PASS
    assert out.summary == "Every nginx TLS server (2) allows only TLS 1.2+ and sends HSTS."
    assert len(out.evidence["servers"]) == 2


def test_the_version_of_each_master_decides_its_defaults() -> None:
    http = _level(add_header=[_d(*HSTS)])
    out = _check(_master([_server(("443", "ssl"))], http=http, version="1.24.0"),
                 _master([_server(("443", "ssl"), at="/o:1")], http=http, version="1.18.0",
                         pid=20))
    assert out.status is Status.FAIL
    assert [r["protocols_at"] for r in out.evidence["servers"]] == [
        "nginx 1.24.0 default", "nginx 1.18.0 default"]


def test_a_master_without_a_version_uses_the_old_default() -> None:
    master = _master([_server(("443", "ssl"))])
    master["version"] = None
    out = _check(master)
    assert out.evidence["servers"][0]["protocols_at"] == "nginx  default"
    assert out.status is Status.FAIL


def test_no_tls_server_is_not_applicable() -> None:
    out = _check(_master([_server(("80",))]))
    assert out.status is Status.NOT_APPLICABLE
    assert out.summary == "The running nginx serves no TLS."


def test_a_master_without_http_block_or_servers() -> None:
    master = _master([])
    master["config"]["http"] = None
    master["config"]["servers"] = None
    assert _check(master).status is Status.NOT_APPLICABLE


def test_no_master_is_not_applicable() -> None:
    out = _check()
    assert out.status is Status.NOT_APPLICABLE
    assert out.summary == "No nginx master process runs on this host."
    absent = TLS_CONFIG.evaluate(context([Fact("nginx.config", FactStatus.MISSING)]))
    assert absent.status is Status.NOT_APPLICABLE


def test_an_unreadable_configuration_is_an_error() -> None:
    out = TLS_CONFIG.evaluate(context([denied("nginx.config")]))
    assert out.status is Status.ERROR and out.evidence["fact"] == "nginx.config"


def test_a_master_that_cannot_be_judged_is_an_error_even_beside_a_good_one() -> None:
    http = _level(ssl_protocols=[_d(*NEW)], add_header=[_d(*HSTS)])
    broken = _master([_server(("443", "ssl"))], pid=30)
    broken["dump_rc"] = 1
    out = _check(_master([_server(("443", "ssl"))], http=http), broken)
    assert out.status is Status.ERROR
    assert "nginx master 30 does not parse cleanly" in out.summary


def test_directives_without_arguments_are_read_as_empty() -> None:
    server = _level(listen=[{"at": "s:1"}])
    assert _is_tls(server) is False
    assert _hsts([_level(add_header=[{"at": "h:1"}])]) is None
    row = _row(_server(("443", "ssl"), names=(), server_name=[{"at": "s:2"}]), _level(),
               "1.24.0")
    assert row["server"] == "_ at /s:1"
