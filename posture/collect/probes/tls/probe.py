"""Probe family 'tls': what an endpoint offers over TLS and HTTP, seen from the auditor.

All parts of one endpoint start together on the first probe call (a bounded thread pool held
in the target's cache): the version/cipher scan (raw ClientHellos, itself parallel), one full
handshake for the certificate chain, the https request and the plain-HTTP request. Each
probe then waits for its own part, so a slow part delays only its own fact.

Fact values (what checks may rely on):

* ``endpoint.info``: {"url", "scheme", "kind", "host", "port", "address", "http_port"}.
* ``tls.protocols``: {"accepted": ["TLSv1.2", ...], "versions": {name: {"accepted":
  bool|None, "ciphers": [{"name", "classes", "bits", "kx", "group"?, "dh_bits"?}],
  "server_order": bool|None, "error"?}}, "seconds"}.
* ``tls.certificate``: {"negotiated": {"protocol", "cipher", "bits", "group"}, "server_name",
  "chain": [{"subject", "issuer", "not_before", "not_after", "key_type", "key_bits",
  "signature", "san_dns", "san_ip", "self_signed", "sha256"}], "trusted", "verify_error",
  "hostname_match", "chain_order_ok", "extra_ca_file", "seconds"}.
* ``http.https``: see :func:`posture.collect.probes.tls.http.probe_https`.
* ``http.plain``: {"url", "path", "port", "host_header", "listening", "status", "location",
  "redirect_scheme", "redirect_same_host", "same_resource", "server"} for the endpoint's own
  path on ``http://host:http_port`` (port 80 unless the inventory says; on 80 beside an https
  port other than 443 the answer counts only when it redirects to the endpoint).
"""

from __future__ import annotations

import concurrent.futures as cf
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from posture.collect.probes.tls import clienthello, handshake, versions
from posture.collect.probes.tls import http as tlshttp
from posture.collect.types import Probe, ProbeContext, ProbeError
from posture.models import JSON, FactStatus

_WORKERS = 8  # per endpoint: enough for the version scan; the collector bounds endpoints


@dataclass(frozen=True)
class _Where:
    url: str
    scheme: str
    host: str
    address: str
    port: int
    http_port: int
    path: str = "/"
    paired: bool = True  # the plain port belongs to this endpoint (http_port, or 80 for 443)


def _where(ctx: ProbeContext) -> _Where:
    endpoint = ctx.endpoint
    if endpoint is None:
        raise ProbeError(FactStatus.ERROR, "not an endpoint")
    parts = urlsplit(endpoint.url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = host
    if endpoint.connect_to:
        target, _, port_text = endpoint.connect_to.rpartition(":")
        address, port = target.strip("[]"), int(port_text)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    paired = endpoint.http_port is not None or parts.scheme != "https" or port == 443
    return _Where(endpoint.url, parts.scheme, host, address, port,
                  endpoint.http_port or (80 if parts.scheme == "https" else port), path, paired)


def _resolve(address: str) -> str:
    """One IP for ``address`` (the same one for every part of the scan)."""
    try:
        infos = socket.getaddrinfo(address, None, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ProbeError(FactStatus.ERROR, f"cannot resolve {address!r}: {exc}") from exc
    return str(infos[0][4][0])


def _tls_only(where: _Where) -> None:
    if where.scheme != "https":
        raise ProbeError(FactStatus.MISSING, f"the endpoint URL is {where.scheme}://: it has "
                                             "no TLS to probe")


def _parts(ctx: ProbeContext, where: _Where, ip: str) -> dict[str, Callable[[], JSON]]:
    deadline = ctx.deadline
    ca_file = ctx.endpoint.ca_file if ctx.endpoint else None
    conn = _connect_s(ctx)
    target = versions.Target(ip, where.port, where.host or None, deadline, connect_s=conn)
    peer = handshake.Peer(ip, where.port, where.host, deadline, ca_file, conn)
    plain_url = f"http://{where.host}:{where.http_port}{where.path}"
    return {
        "tls.protocols": lambda: versions.probe_protocols(target),
        "tls.certificate": lambda: handshake.probe_handshake(peer),
        "http.https": lambda: tlshttp.probe_https(
            tlshttp.Request(where.url, ip, where.port, deadline, conn)),
        "http.plain": lambda: tlshttp.probe_plain(
            tlshttp.Request(plain_url, ip, where.http_port, deadline, conn), where.host,
            where.url, where.paired),
    }


def _connect_s(ctx: ProbeContext) -> float:
    """The endpoint's connect timeout: a black hole then costs this, not the deadline."""
    return ctx.endpoint.connect_s if ctx.endpoint else 10.0


def _futures(ctx: ProbeContext) -> dict[str, cf.Future[JSON]]:
    """Start every part of the endpoint scan once; later calls get the same futures."""
    started = ctx.cache.get("tls_futures")
    if started is not None:
        return started  # type: ignore[no-any-return]
    where = _where(ctx)
    ip = _resolve(where.address)
    parts = _parts(ctx, where, ip)
    if where.scheme != "https":
        parts = {"http.plain": lambda: tlshttp.probe_plain(
            tlshttp.Request(where.url, ip, where.port, ctx.deadline, _connect_s(ctx)),
            where.host)}
    pool = cf.ThreadPoolExecutor(max_workers=len(parts), thread_name_prefix="tls")
    futures = {key: pool.submit(run) for key, run in parts.items()}
    ctx.cache["tls_futures"] = futures
    ctx.cache.setdefault("closers", []).append(lambda: pool.shutdown(wait=False,
                                                                     cancel_futures=True))
    return futures


def _wait(ctx: ProbeContext, key: str) -> JSON:
    futures = _futures(ctx)
    if key not in futures:
        _tls_only(_where(ctx))
        raise ProbeError(FactStatus.ERROR, f"{key} was not started")
    try:
        return futures[key].result(timeout=ctx.remaining() + 1.0)
    except cf.TimeoutError as exc:
        raise ProbeError(FactStatus.TIMEOUT, f"{key}: the endpoint deadline was reached") from exc
    except (clienthello.HelloIOError, handshake.HandshakeError,
            tlshttp.HttpProbeError) as exc:
        status = FactStatus.TIMEOUT if "deadline" in str(exc) or "timed out" in str(
            exc) else FactStatus.ERROR
        raise ProbeError(status, str(exc)[:400]) from exc


def _info(ctx: ProbeContext) -> JSON:
    where = _where(ctx)
    kind = ctx.endpoint.kind if ctx.endpoint else "web"
    return {"url": where.url, "scheme": where.scheme, "kind": kind, "host": where.host,
            "port": where.port, "address": where.address, "http_port": where.http_port}


def _probe(key: str) -> Callable[[ProbeContext], JSON]:
    return lambda ctx: _wait(ctx, key)


PROBES: tuple[Probe, ...] = (
    Probe("endpoint.info", "endpoint", _info, "What the inventory says about the endpoint."),
    Probe("tls.protocols", "endpoint", _probe("tls.protocols"),
          "Accepted protocol versions and cipher suites (raw ClientHellos)."),
    Probe("tls.certificate", "endpoint", _probe("tls.certificate"),
          "One full handshake: negotiated parameters and the certificate chain."),
    Probe("http.https", "endpoint", _probe("http.https"),
          "The https response: HSTS, Server header, cookies, mixed content."),
    Probe("http.plain", "endpoint", _probe("http.plain"),
          "What plain HTTP answers on the endpoint's host, and where it redirects."),
)
"""The endpoint probes of this family."""


def scan_endpoint_now(ctx: ProbeContext) -> dict[str, JSON]:
    """Run every probe of this family on ``ctx`` (for the benchmark and tests)."""
    out: dict[str, JSON] = {}
    for probe in PROBES:
        try:
            out[probe.key] = probe.run(ctx)
        except ProbeError as exc:
            out[probe.key] = {"error": exc.status.value, "reason": str(exc)}
    return out

