"""More of the allowlist verdict: which endpoint's outcome is reported, both address families
of a web endpoint, evidence caps, loopback among the declared networks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from checks.base import CheckContext
from checks.network.allowlist import evaluate_admin
from checks.network.allowlist_judge import judge
from checks.network.allowlist_layers import Firewall, Layer, listen_families
from checks.network.allowlist_services import Service
from checks.network.ipranges import IpSet
from posture.models import Fact, FactStatus, Status

ME = "198.51.100.7"
_IPT = {"backends": {"legacy": {"ipv4": {"filter": {"policies": {"INPUT": "ACCEPT"},
                                                    "rules": []}}}}}


def _section(arg: str, *require: str) -> dict[str, Any]:
    return {"root": "/etc/a", "file": "s.conf", "line": 1, "kind": "location", "arg": arg,
            "rules": [{"line": 2, "name": "require", "args": r.split()} for r in require]}


_APACHE = {"listen": [{"root": "/etc/a", "address": "443"}], "sections": [
    _section("/open", "all granted"), _section("/mine", f"ip {ME}"),
    _section("/two", f"ip {ME}", "ip 198.18.0.0/24")]}


def _ctx(*entries: dict[str, Any], admin: list[str] | None = None) -> CheckContext:
    facts = {"net.iptables": Fact("net.iptables", FactStatus.OK, _IPT),
             "net.nftables": Fact("net.nftables", FactStatus.MISSING),
             "net.reach": Fact("net.reach", FactStatus.OK,
                               {"address": "198.18.0.10", "services": list(entries)}),
             "nginx.config": Fact("nginx.config", FactStatus.MISSING),
             "nginx.version": Fact("nginx.version", FactStatus.MISSING),
             "apache.access": Fact("apache.access", FactStatus.OK, _APACHE),
             "web.admin_paths": Fact("web.admin_paths", FactStatus.MISSING)}
    return CheckContext("h", facts, {"admin": admin or [f"{ME}/32", "198.18.1.0/24"]},
                        datetime(2026, 1, 1, tzinfo=UTC))


def _entry(path: str, port: int = 443, **extra: Any) -> dict[str, Any]:
    return {"service": "admin", "name": path, "port": port, "path": path, "results": [],
            **extra}


def test_a_web_endpoint_is_judged_for_both_families() -> None:
    out = evaluate_admin(_ctx(_entry("/open")))
    assert out.status is Status.FAIL
    assert out.evidence["reachable_from"] == ["0.0.0.0/0", "::/0"]


def test_an_endpoint_without_a_name() -> None:
    entry = _entry("/mine")
    del entry["name"]
    out = evaluate_admin(_ctx(entry, admin=[f"{ME}/32"]))
    assert out.status is Status.PASS
    assert out.evidence["endpoint"] == ""
    assert "notes" not in out.evidence


def test_a_warning_outranks_a_pass_and_an_error_outranks_a_warning() -> None:
    declared = [f"{ME}/32", "198.18.0.0/24"]
    # /two admits both declared networks: pass; /mine leaves 198.18.0.0/24 out: warn
    out = evaluate_admin(_ctx(_entry("/two", name="pass-one"), _entry("/mine", name="warn-one"),
                              admin=declared))
    assert (out.status, out.evidence["endpoint"]) == (Status.WARN, "warn-one")
    # nobody serves port 8443: error, whatever came before it
    out = evaluate_admin(_ctx(_entry("/mine"), _entry("/x", port=8443), admin=declared))
    assert out.status is Status.ERROR


def _judge(networks: list[str], params: dict[str, Any] | None = None,
           layer: IpSet | None = None) -> Any:
    ctx = CheckContext("h", {}, {"ssh": networks} if params is None else params,
                       datetime(2026, 1, 1, tzinfo=UTC))
    service = Service("ssh", [22], (4,), [Layer("own", layer or IpSet.of([f"{ME}/32"]))])
    return judge(ctx, "ssh", service, Firewall([], [], []), IpSet.of(networks), [], "")


def test_loopback_first_among_declared_networks() -> None:
    out = _judge(["127.0.0.1/32", f"{ME}/32", "198.18.0.0/24"])
    assert out.evidence["warnings"] == ["declared network 198.18.0.0/24 cannot reach it"]


def test_judge_without_the_label_among_the_parameters() -> None:
    out = _judge([f"{ME}/32"], params={})
    assert out.status is Status.PASS
    assert out.evidence["declared"] == []


def test_layer_networks_in_the_evidence_are_capped_at_16() -> None:
    nets = [f"198.51.100.{4 * n}/31" for n in range(20)]
    out = _judge(nets, layer=IpSet.of(nets))
    assert out.evidence["layers"]["own"]["allows"] == [*nets[:16], "…"]


def test_listen_address_brackets_only() -> None:
    assert listen_families(["Xlocalhost"]) == (4,)
    assert listen_families(["[localhost]"]) == ()
