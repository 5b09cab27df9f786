"""Web endpoints judged through nginx: the endpoint's host name and the probed address pick
the server block, and every endpoint is judged even after one that cannot be."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from checks.base import CheckContext
from checks.network.allowlist import evaluate_admin
from posture.models import Fact, FactStatus, Status

ME = "198.51.100.7"
_IPT = {"backends": {"legacy": {"ipv4": {"filter": {"policies": {"INPUT": "ACCEPT"},
                                                    "rules": []}}}}}


def _server(at: str, listen: str, allow: str, names: tuple[str, ...]) -> dict[str, Any]:
    return {"at": at, "locations": [],
            "directives": {"listen": [{"args": [listen], "at": at}],
                           "server_name": [{"args": list(names), "at": at}]},
            "access": [{"rule": "allow", "args": [allow], "at": at},
                       {"rule": "deny", "args": ["all"], "at": at}]}


_NGINX = {"masters": [{"pid": 3, "version": "1.22.1", "dump_rc": 0, "config": {
    "files": ["n.conf"], "servers": [
        _server("wide", "443", "0.0.0.0/0", ("shop.test",)),
        _server("admin", "443", f"{ME}/32", ("admin.test",)),
        _server("on", "198.18.0.10:8443", f"{ME}/32", ("shop.test",)),
        _server("off", "198.18.0.11:8443", "0.0.0.0/0", ("shop.test",))]}}]}


def _ctx(*entries: dict[str, Any], address: Any = "198.18.0.10") -> CheckContext:
    reach = {"address": address, "services": list(entries)} if address is not None else \
        {"services": list(entries)}
    facts = {"net.iptables": Fact("net.iptables", FactStatus.OK, _IPT),
             "net.nftables": Fact("net.nftables", FactStatus.MISSING),
             "net.reach": Fact("net.reach", FactStatus.OK, reach),
             "nginx.config": Fact("nginx.config", FactStatus.OK, _NGINX),
             "nginx.version": Fact("nginx.version", FactStatus.MISSING),
             "apache.access": Fact("apache.access", FactStatus.MISSING),
             "web.admin_paths": Fact("web.admin_paths", FactStatus.MISSING)}
    return CheckContext("h", facts, {"admin": [f"{ME}/32"]}, datetime(2026, 1, 1, tzinfo=UTC))


def _entry(name: str, port: int, server_name: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"service": "admin", "name": name, "port": port, "path": "/admin/",
                             "results": []}
    if server_name is not None:
        entry["server_name"] = server_name
    return entry


def test_the_endpoint_host_name_picks_the_server() -> None:
    assert evaluate_admin(_ctx(_entry("a", 443, "admin.test"))).status is Status.PASS
    assert evaluate_admin(_ctx(_entry("s", 443, "shop.test"))).status is Status.FAIL
    assert evaluate_admin(_ctx(_entry("n", 443))).status is Status.FAIL  # the first server


def test_the_probed_address_picks_the_server() -> None:
    assert evaluate_admin(_ctx(_entry("a", 8443, "shop.test"))).status is Status.PASS
    out = evaluate_admin(_ctx(_entry("a", 8443, "shop.test"), address="198.18.0.11"))
    assert out.status is Status.FAIL
    # no address known: both servers are on specific addresses, the first one answers
    assert evaluate_admin(_ctx(_entry("a", 8443, "shop.test"), address=None)).status is \
        Status.PASS
    assert evaluate_admin(_ctx(_entry("a", 8443, "shop.test"), address="")).status is \
        Status.PASS


def test_an_endpoint_that_cannot_be_judged_does_not_stop_the_others() -> None:
    out = evaluate_admin(_ctx(_entry("unserved", 9999), _entry("s", 443, "shop.test")))
    assert out.status is Status.FAIL
    assert out.evidence["endpoint"] == "s"
