"""Compare who can reach a service (configuration and probes) with the declared allowlist."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from checks.base import CheckContext, Outcome, param_error
from checks.network.allowlist_layers import Firewall, Layer, firewall_layer, intersect
from checks.network.allowlist_services import Service
from checks.network.ipranges import LOOPBACK, IpSet
from posture.models import JSON, Fact, Status, msg

_REFUSED_ANSWERS = ("host-not-allowed",)
_HTTP_DENIED = (403,)


def declared(ctx: CheckContext, service: str) -> IpSet | Outcome | None:
    """The claim's networks for ``service``; None when the claim declares none."""
    networks = ctx.params.get(service)
    if networks is None:
        return None
    if not isinstance(networks, list) or not all(isinstance(n, str) for n in networks):
        return param_error(f"expect.{service} must be a list of networks (CIDR)")
    try:
        return IpSet.of(networks)
    except ValueError as exc:
        return param_error(f"expect.{service}: {exc}")


def probe_entries(reach: Fact, service: str, name: str | None = None) -> list[dict[str, Any]]:
    """The ``net.reach`` entries of one service (and target name)."""
    if not reach.ok or not isinstance(reach.value, dict):
        return []
    return [s for s in reach.value.get("services", []) if isinstance(s, dict)
            and s.get("service") == service and (name is None or s.get("name") == name)]


def _reached(result: Mapping[str, Any]) -> bool:
    """True when the source got through to the service itself (not just to a refusal)."""
    if result.get("state") != "open":
        return False
    if result.get("answer") in _REFUSED_ANSWERS:
        return False
    return not (result.get("answer") == "http" and result.get("http_status") in _HTTP_DENIED)


def _in(address: str, networks: IpSet) -> bool | None:
    try:
        return networks.covers(IpSet.of([address]))
    except ValueError:
        return None


def _describe(entry: Mapping[str, Any], result: Mapping[str, Any]) -> str:
    local = result.get("local") or "default address"
    what = str(result.get("state"))
    if result.get("answer"):
        what += f", {result.get('answer')}"
    if result.get("http_status"):
        what += f" {result.get('http_status')}"
    return f"from {result.get('source')} ({local}) to port {entry.get('port')}: {what}"


def probe_verdicts(entries: Sequence[Mapping[str, Any]], allowed: IpSet
                   ) -> tuple[list[str], list[str], list[str]]:
    """(contradicting, declared-but-refused, all) probe descriptions."""
    contra, refused, every = [], [], []
    for entry in entries:
        for result in entry.get("results", []):
            if not isinstance(result, dict):
                continue
            text = _describe(entry, result)
            every.append(text)
            inside = _in(str(result.get("local", "")), allowed)
            if inside is None or result.get("state") == "source-unavailable":
                continue
            if _reached(result) and not inside:
                contra.append(text)
            elif inside and not _reached(result):
                refused.append(text)
    return contra, refused, every


def service_layers(service: Service, fw: Firewall) -> list[Layer]:
    """The firewall layer (union over the service's ports) followed by the service's own."""
    fw_layers = [firewall_layer(fw, port, service.families) for port in service.ports]
    merged = fw_layers[0]
    for extra in fw_layers[1:]:
        merged.sources = merged.sources.union(extra.sources)
    return [merged, *service.layers]


def _show(sources: IpSet) -> list[str]:
    """Networks for a report; a near-world set is shown with loopback put back, as the
    one /0 it is for practical purposes, instead of dozens of fragments."""
    shown = IpSet()
    for family in (4, 6):
        part = sources.family(family)
        if part.is_world():
            part = part.union(IpSet.of(LOOPBACK).family(family))
        shown = shown.union(part)
    return shown.networks()


def _unreachable(declared_set: IpSet, effective: IpSet, networks: Sequence[str]) -> list[str]:
    out = []
    loop = IpSet.of(LOOPBACK)
    for text in networks:
        net = IpSet.of([text])
        if loop.covers(net):
            continue
        if net.intersect(effective).empty:
            out.append(str(ipaddress.ip_network(text, strict=False)))
    return out


LABELS = {"ssh": "SSH", "database": "The database", "admin": "The admin path",
          "integrations": "The integration endpoint"}


def judge(ctx: CheckContext, label: str, service: Service, fw: Firewall, allowed: IpSet,
          probes: Sequence[Mapping[str, Any]], probe_note: str) -> Outcome:
    """fail: open to the world, undeclared sources, or a probe that got through from an
    undeclared address; warn: a declared source that cannot reach, or a fragile layer."""
    layers = service_layers(service, fw)
    effective = intersect(layers)
    name = f"{LABELS.get(label, label)} (port {service.ports[0]})"
    extra = effective.minus(allowed)
    networks = [str(n) for n in ctx.params.get(label, [])]
    contra, refused, every = probe_verdicts(probes, allowed)
    evidence: dict[str, JSON] = {
        "service": label, "ports": service.ports, "declared": networks,
        "reachable_from": _show(effective), "not_declared": _show(extra),
        "layers": {layer.name: {"allows": layer.sources.networks(16), **layer.evidence}
                   for layer in layers},
        "probes": every[:30], "contradicting_probes": contra[:20], **service.evidence}
    notes = service.notes + ([probe_note] if probe_note else [])
    if notes:
        evidence["notes"] = notes[:20]
    if not extra.empty or contra:
        if extra.is_world():
            summary = msg("{name} is open to the world", name=name)
        elif not extra.empty:
            summary = msg("{name} is reachable from sources not declared: {sources}", name=name,
                          sources=", ".join(_show(extra)[:5]))
        else:
            summary = msg("{name}: a probe from an undeclared address got through", name=name)
        if contra:
            return Outcome(Status.FAIL, msg("{summary}; probe {probe}.", summary=summary,
                                            probe=contra[0]), evidence)
        return Outcome(Status.FAIL, msg("{summary}.", summary=summary), evidence)
    unreachable = _unreachable(allowed, effective, networks)
    warnings: list[str] = []
    if unreachable:
        warnings.append(msg("declared network {networks} cannot reach it",
                            "declared networks {networks} cannot reach it", n=len(unreachable),
                            networks=", ".join(unreachable[:5])))
    if refused:
        warnings.append(msg("a declared source was refused: {probe}", probe=refused[0]))
    warnings += service.warnings
    if warnings:
        evidence["warnings"] = warnings[:10]
        return Outcome(Status.WARN, msg("{name}: only declared sources can connect, but "
                                        "{warning}.", name=name, warning=warnings[0]), evidence)
    return Outcome(Status.PASS, msg("{name} is reachable only from declared sources: "
                                    "{sources}.", name=name,
                                    sources=", ".join(effective.networks(5)) or "–"), evidence)
