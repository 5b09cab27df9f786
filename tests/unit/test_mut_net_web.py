"""Which web server answers an endpoint's port: nginx first, then Apache, else an error.

Each case asserts the layer that decides (by name, sources and the master or section it came
from) or the exact error naming what was missing; never a guess.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from checks.base import CheckContext, Outcome
from checks.network.allowlist_layers import Layer
from checks.network.allowlist_web import web_layer
from checks.network.ipranges import IpSet
from posture.models import Fact, FactStatus, Status

ME = "198.51.100.7"


def _server(port: str, *access: str, at: str = "s.conf:1") -> dict[str, Any]:
    return {"directives": {"listen": [{"args": [port]}]}, "at": at, "locations": [],
            "access": [{"rule": r.split()[0], "args": r.split()[1:], "at": at} for r in access]}


def _master(pid: int, *servers: dict[str, Any]) -> dict[str, Any]:
    return {"pid": pid, "version": "1.22.1", "dump_rc": 0,
            "config": {"files": ["/etc/nginx/nginx.conf"], "servers": list(servers)}}


def _ctx(nginx: Any = FactStatus.MISSING, apache: Any = FactStatus.MISSING,
         version: Any = FactStatus.MISSING) -> CheckContext:
    def fact(key: str, value: Any) -> Fact:
        if isinstance(value, FactStatus):
            return Fact(key, value, reason="r" * 150)
        return Fact(key, FactStatus.OK, value)
    facts = {"nginx.config": fact("nginx.config", nginx),
             "apache.access": fact("apache.access", apache),
             "nginx.version": fact("nginx.version", version)}
    return CheckContext("h", facts, {}, datetime(2026, 1, 1, tzinfo=UTC))


def _apache(*listen: str) -> dict[str, Any]:
    return {"listen": [{"root": "/etc/apache2", "address": a} for a in listen], "sections": [
        {"root": "/etc/apache2", "file": "shop.conf", "line": 9, "kind": "location",
         "arg": "/admin", "rules": [{"line": 10, "name": "require", "args": ["ip", ME]}]}]}


def _error(port: int, path: str, *problems: str) -> Outcome:
    return Outcome(Status.ERROR, f"could not determine: which web server answers port {port} "
                   f"({'; '.join(problems)})",
                   {"port": port, "path": path, "problems": list(problems)})


def test_nothing_serves_the_port() -> None:
    assert web_layer(_ctx(), "/admin", 443, "shop") == _error(
        443, "/admin", "neither nginx nor Apache runs on this host")


def test_nginx_answers_with_its_master() -> None:
    nginx = {"masters": [_master(7, _server("80")), "junk",
                         _master(8, _server("443", f"allow {ME}", "deny all"))]}
    layer = web_layer(_ctx(nginx, _apache("443")), "/admin", 443, "shop")
    assert isinstance(layer, Layer)
    assert (layer.name, layer.sources) == ("nginx access", IpSet.of([ME]))
    assert layer.evidence["master"] == 8


def test_nginx_without_a_server_on_the_port_then_apache() -> None:
    nginx = {"masters": [_master(7, _server("80"))]}
    layer = web_layer(_ctx(nginx, _apache("10.0.0.1:443")), "/admin", 443, "shop")
    assert isinstance(layer, Layer)
    assert (layer.name, layer.sources) == ("apache access", IpSet.of([ME]))
    assert web_layer(_ctx(nginx), "/admin", 443, "shop") == _error(
        443, "/admin", "nginx: no server block listens on port 443")


def test_a_master_that_cannot_be_read_is_the_answer() -> None:
    nginx = {"masters": [{"pid": 9, "skipped": "not root"}, _master(8, _server("443"))]}
    out = web_layer(_ctx(nginx, _apache("443")), "/admin", 443, "shop")
    assert isinstance(out, Outcome) and out.status is Status.ERROR
    assert out.evidence["pid"] == 9


def test_no_running_nginx_leaves_apache() -> None:
    layer = web_layer(_ctx({"masters": []}, _apache("[::]:443")), "/admin", 443, "shop")
    assert isinstance(layer, Layer) and layer.name == "apache access"


@pytest.mark.parametrize(("version", "apache_answers"), [
    (FactStatus.MISSING, True), ({"version": "1.22.1"}, False), (FactStatus.DENIED, False),
])
def test_an_unreadable_nginx_may_serve_a_port_apache_prints_no_listen_for(
        version: Any, apache_answers: bool) -> None:
    ctx = _ctx(FactStatus.DENIED, _apache(), version)
    out = web_layer(ctx, "/admin", 443, "shop")
    if apache_answers:
        assert isinstance(out, Layer) and out.name == "apache access"
    else:
        assert isinstance(out, Outcome)
        assert out.evidence["problems"][1] == ("Apache printed no Listen line, and nginx may "
                                               "serve the port")
        assert str(out.evidence["problems"][0]).startswith("nginx: could not determine: fact "
                                                           "nginx.config is")


def test_an_unreadable_nginx_and_an_apache_that_listens_elsewhere() -> None:
    out = web_layer(_ctx(FactStatus.DENIED, _apache("80", "10.0.0.1:4430")), "/admin", 443, "s")
    assert isinstance(out, Outcome)
    assert out.evidence["problems"][1] == "Apache: no Listen on port 443"


def test_an_unreadable_nginx_and_an_apache_that_listens_there() -> None:
    layer = web_layer(_ctx(FactStatus.DENIED, _apache("80", "443"), {"version": "1"}),
                      "/admin", 443, "s")
    assert isinstance(layer, Layer) and layer.name == "apache access"


def test_an_unreadable_apache_fact_is_named() -> None:
    assert web_layer(_ctx(apache=FactStatus.DENIED), "/x", 8443, "s") == _error(
        8443, "/x", f"Apache: fact apache.access is denied ({'r' * 120})")


def test_an_apache_fact_that_is_no_mapping_is_nothing() -> None:
    assert web_layer(_ctx(apache=["x"]), "/x", 443, "s") == _error(
        443, "/x", "Apache: fact apache.access is ok ()")
