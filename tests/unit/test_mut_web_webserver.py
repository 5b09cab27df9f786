"""The web_server_version claim: which product is judged, installed-but-stopped servers, and
the exact verdict for each relation between the claimed and the running version."""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import context, denied, ok

from checks.base import Outcome
from checks.system.installed import Installed
from checks.websites import webserver
from posture.models import Fact, FactStatus, Status

APACHE_V = ok("apache.version", {"version": "2.4.62", "server_version": "Apache/2.4.62"})
NO_APACHE = Fact("apache.version", FactStatus.MISSING)
NO_NGINX = Fact("nginx.config", FactStatus.MISSING)
NO_NGINX_V = Fact("nginx.version", FactStatus.MISSING)
NO_PACKAGES = ok("pkg.versions", {"manager": "dpkg", "packages": {}})
APACHE_PS = {"pid": 5, "ppid": 1, "user": "root", "comm": "apache2"}
NGINX_PS = {"pid": 10, "ppid": 1, "user": "root", "comm": "nginx"}


def _nginx(version: str = "1.22.1") -> Fact:
    return ok("nginx.config", {"masters": [{"pid": 10, "binary": "/usr/sbin/nginx",
                                            "version": version}]})


def _ctx(*facts: Fact, procs: list[Any] | None = None, **params: Any) -> Any:
    table = {f.key: f for f in (NO_APACHE, NO_NGINX, NO_NGINX_V, NO_PACKAGES,
                                ok("proc.list", [APACHE_PS, NGINX_PS] if procs is None
                                   else procs))}
    table.update({f.key: f for f in facts})
    return context(table, params)


def _matches(*facts: Fact, procs: list[Any] | None = None, **params: Any) -> Any:
    return webserver.VERSION_MATCHES.evaluate(_ctx(*facts, procs=procs, **params))


# ------------------------------------------------------------------------------- stopped
@pytest.mark.parametrize(("facts", "stopped"), [
    ([ok("nginx.config", {"masters": []})], True),     # installed, read, nothing runs
    ([NO_NGINX], False),                               # nothing says nginx is there
    ([_nginx()], False),
    ([denied("nginx.config")], False),                 # unreadable decides nothing
])
def test_nginx_stopped(facts: list[Fact], stopped: bool) -> None:
    assert webserver.stopped(_ctx(*facts), "nginx") is stopped


@pytest.mark.parametrize(("procs", "stopped"), [
    ([NGINX_PS], True), ([APACHE_PS], False), ([], True),
    ([{"comm": "httpd.worker"}], False), (["junk", NGINX_PS], True),
])
def test_apache_stopped(procs: list[Any], stopped: bool) -> None:
    assert webserver.stopped(_ctx(procs=procs), "apache") is stopped


@pytest.mark.parametrize("procs", [denied("proc.list"), ok("proc.list", {"pid": 1})])
def test_apache_stopped_needs_a_process_list(procs: Fact) -> None:
    assert webserver.stopped(_ctx(procs), "apache") is False


def test_others_found() -> None:
    found: dict[str, Installed | Outcome | None] = {
        "apache": Installed("2.4.62", "x"), "nginx": Installed("1.22.1", "y")}
    assert webserver.others_found(found, "apache") == " (nginx 1.22.1 runs)"
    assert webserver.others_found(found, "nginx") == " (Apache 2.4.62 runs)"
    assert webserver.others_found(found, "any") == " (Apache 2.4.62, nginx 1.22.1 runs)"
    assert webserver.others_found({"apache": None, "nginx": Installed("1", "y")}, "nginx") == ""


def test_found_servers() -> None:
    found = webserver.found_servers(_ctx(APACHE_V, _nginx()))
    assert isinstance(found["apache"], Installed) and found["apache"].version == "2.4.62"
    assert isinstance(found["nginx"], Installed) and found["nginx"].version == "1.22.1"
    assert webserver.found_servers(_ctx()) == {"apache": None, "nginx": None}


# ------------------------------------------------------------------------------- matches
@pytest.mark.parametrize(("product", "claimed", "status", "summary"), [
    ("nginx", "1.22.1", Status.PASS,
     "The host runs nginx 1.22.1, which matches the claimed 1.22.1."),
    ("NGINX", "1.22", Status.PASS, "The host runs nginx 1.22.1, which matches the claimed 1.22."),
    ("apache", "2.4", Status.PASS,
     "The host runs Apache 2.4.62, which matches the claimed 2.4."),
    ("any", "2.4.62", Status.PASS,
     "The host runs Apache 2.4.62, which matches the claimed 2.4.62."),
    (None, "1.22.1", Status.PASS,
     "The host runs nginx 1.22.1, which matches the claimed 1.22.1."),
    ("nginx", "1.24", Status.FAIL, "The host runs nginx 1.22.1, not the claimed nginx 1.24."),
    ("any", "3.0", Status.FAIL,
     "The host runs Apache 2.4.62, nginx 1.22.1, not the claimed a web server 3.0."),
    ("nginx", "1.22.1.4", Status.ERROR,
     "could not determine: the host reports nginx 1.22.1, which cannot confirm 1.22.1.4."),
    ("any", "1.22.1.4", Status.ERROR, "could not determine: the host reports Apache 2.4.62, "
     "nginx 1.22.1, which cannot confirm 1.22.1.4."),
])
def test_relations(product: str | None, claimed: str, status: Status, summary: str) -> None:
    out = _matches(APACHE_V, _nginx(), product=product, version=claimed)
    assert out.status is status
    assert out.summary == summary


def test_the_evidence_of_a_match() -> None:
    out = _matches(APACHE_V, _nginx(), product="any", version="2.4")
    assert out.evidence["claimed"] == {"product": "any", "version": "2.4"}
    assert set(out.evidence["actual"]) == {"apache", "nginx"}
    assert out.evidence["actual"]["nginx"]["version"] == "1.22.1"
    assert out.evidence["relations"] == {"apache": "claim_broader", "nginx": "different"}
    assert "installed_not_running" not in out.evidence


def test_an_unparsable_claim_is_not_a_mismatch() -> None:
    out = _matches(_nginx("1.22.1"), product="nginx", version="latest")
    assert out.status is Status.ERROR
    assert out.evidence["relations"] == {"nginx": "unparsable"}


def test_one_different_and_one_unconfirmable_is_an_error_not_a_fail() -> None:
    out = _matches(APACHE_V, _nginx("2.4"), product="any", version="2.4.62.1")
    assert out.status is Status.ERROR


def test_an_installed_but_stopped_server_does_not_count() -> None:
    stopped_nginx = ok("nginx.config", {"masters": []})
    pkgs = ok("pkg.versions", {"manager": "dpkg", "packages": {"nginx": "1.22.1-9"}})
    out = _matches(stopped_nginx, pkgs, product="nginx", version="1.22.1")
    assert out.status is Status.FAIL
    assert out.summary == ("The statement claims nginx 1.22.1, but no nginx runs on the host; "
                           "installed but not running: nginx 1.22.1.")
    assert out.evidence["installed_not_running"]["nginx"]["version"] == "1.22.1"
    assert out.evidence["actual"] == {}


def test_a_stopped_server_beside_a_running_one() -> None:
    pkgs = ok("pkg.versions", {"manager": "dpkg", "packages": {"nginx": "1.22.1-9"}})
    out = _matches(APACHE_V, ok("nginx.config", {"masters": []}), pkgs, product="any",
                   version="1.22.1")
    assert out.status is Status.FAIL
    assert out.summary == "The host runs Apache 2.4.62, not the claimed a web server 1.22.1."
    assert list(out.evidence["installed_not_running"]) == ["nginx"]


@pytest.mark.parametrize(("product", "facts", "summary"), [
    ("nginx", (APACHE_V,), "The statement claims nginx 1.22, but no nginx runs on the host "
                           "(Apache 2.4.62 runs)."),
    ("apache", (_nginx(),), "The statement claims Apache 1.22, but no Apache runs on the host "
                            "(nginx 1.22.1 runs)."),
    ("any", (), "The statement claims a web server 1.22, but no web server runs on the host."),
])
def test_nothing_of_the_product_runs(product: str, facts: tuple[Fact, ...],
                                     summary: str) -> None:
    out = _matches(*facts, product=product, version="1.22")
    assert out.status is Status.FAIL
    assert out.summary == summary


def test_apache_installed_but_stopped_apache_process_absent() -> None:
    out = _matches(APACHE_V, procs=[NGINX_PS], product="apache", version="2.4")
    assert out.status is Status.FAIL
    assert out.summary == ("The statement claims Apache 2.4, but no Apache runs on the host; "
                           "installed but not running: Apache 2.4.62.")


def test_an_unknowable_wanted_server_is_returned_as_is() -> None:
    out = _matches(denied("apache.version"), _nginx(), product="apache", version="2.4")
    assert out.status is Status.ERROR and out.evidence["fact"] == "apache.version"
    out = _matches(denied("apache.version"), _nginx(), product="any", version="1.22")
    assert out.status is Status.ERROR and out.evidence["fact"] == "apache.version"
    # the product not asked about does not decide
    out = _matches(denied("apache.version"), _nginx(), product="nginx", version="1.22")
    assert out.status is Status.PASS


@pytest.mark.parametrize(("params", "summary"), [
    ({"product": "lighttpd", "version": "1"},
     "could not determine: expect.product must be nginx, apache or any, got 'lighttpd'"),
    ({"product": "nginx"}, "could not determine: expect.version is required (a non-empty string)"),
])
def test_bad_parameters(params: dict[str, Any], summary: str) -> None:
    out = _matches(_nginx(), **params)
    assert out.status is Status.ERROR
    assert out.summary == summary
