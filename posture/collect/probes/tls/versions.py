"""Which protocol versions and cipher suites an endpoint accepts, in parallel.

Phase 1 offers every suite once per version (SSLv2 .. TLS 1.3, concurrently). Phase 2
enumerates the accepted suites of each accepted version the way sslyze and testssl.sh do:
offer the suites not yet seen until the server refuses; the candidate list is split into a
few groups enumerated concurrently, so a weak server with many suites costs a handful of
round trips in wall time. Phase 3 asks whether the server imposes its own order (the same
first choice when our order is reversed).
"""

from __future__ import annotations

import concurrent.futures as cf
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from posture.collect.probes.tls import clienthello as ch
from posture.collect.probes.tls.suites import LEGACY_CODES, SUITES, TLS13_CODES

VERSIONS = (ch.SSL2, ch.SSL3, ch.TLS10, ch.TLS11, ch.TLS12, ch.TLS13)
_GROUPS = 4  # concurrent enumeration groups per version
_KX = {code: suite.kx for code, suite in SUITES.items()}


@dataclass(frozen=True)
class Target:
    """Where to connect and which name to send (SNI)."""

    address: str
    port: int
    server_name: str | None
    deadline: float
    workers: int = 8
    connect_s: float = 10.0  # per TCP connect


@dataclass
class VersionScan:
    """Accepted suites of one version (codes in the order found) and key exchange details."""

    version: int
    accepted: bool | None = None  # None: could not be determined
    suites: list[int] = field(default_factory=list)
    groups: dict[int, str] = field(default_factory=dict)  # suite -> named group
    dh_bits: dict[int, int] = field(default_factory=dict)  # suite -> DH prime bits
    server_order: bool | None = None
    error: str = ""
    answered: bool = False  # the server sent a TLS record (ServerHello or alert) at all


def _candidates(version: int) -> list[int]:
    return list(TLS13_CODES if version == ch.TLS13 else LEGACY_CODES)


def _offer(target: Target, version: int, codes: Sequence[int]) -> ch.HelloResult:
    if version == ch.SSL2:
        return ch.hello_sslv2(target.address, target.port, target.deadline, target.connect_s)
    return ch.hello(target.address, target.port, version, codes, target.server_name,
                    target.deadline, _KX, target.connect_s)


def _enumerate(target: Target, version: int, codes: list[int]) -> list[ch.HelloResult]:
    """Offer ``codes`` minus what was accepted until the server refuses."""
    found: list[ch.HelloResult] = []
    left = list(codes)
    while left:
        result = _offer(target, version, left)
        if not result.accepted or result.suite is None:
            break
        found.append(result)
        left.remove(result.suite)
    return found


def _record(scan: VersionScan, results: list[ch.HelloResult]) -> None:
    for result in results:
        if result.suite is None or result.suite in scan.suites:
            continue
        scan.suites.append(result.suite)
        if result.kx_group:
            scan.groups[result.suite] = result.kx_group
        if result.kx_bits:
            scan.dh_bits[result.suite] = result.kx_bits


def _split(codes: list[int], parts: int) -> list[list[int]]:
    return [chunk for chunk in (codes[i::parts] for i in range(parts)) if chunk]


def _phase_one(pool: cf.ThreadPoolExecutor, target: Target,
               scans: dict[int, VersionScan]) -> None:
    first = {pool.submit(_offer, target, v, _candidates(v)): v for v in VERSIONS}
    for future in cf.as_completed(first):
        version = first[future]
        try:
            result = future.result()
        except ch.HelloIOError as exc:
            scans[version].error = str(exc)[:300]
            continue
        scans[version].accepted = result.accepted
        scans[version].answered = (result.accepted or result.alert is not None
                                   or result.version is not None)
        _record(scans[version], [result])


def _phase_two(pool: cf.ThreadPoolExecutor, target: Target,
               scans: dict[int, VersionScan]) -> None:
    jobs: dict[cf.Future[list[ch.HelloResult]], int] = {}
    for version, scan in scans.items():
        if scan.accepted and version != ch.SSL2:
            rest = [c for c in _candidates(version) if c not in scan.suites]
            for group in _split(rest, _GROUPS if version != ch.TLS13 else 1):
                jobs[pool.submit(_enumerate, target, version, group)] = version
    for future in cf.as_completed(jobs):
        try:
            _record(scans[jobs[future]], future.result())
        except ch.HelloIOError as exc:
            scans[jobs[future]].error = f"cipher enumeration incomplete: {exc}"[:300]


def _phase_three(pool: cf.ThreadPoolExecutor, target: Target,
                 scans: dict[int, VersionScan]) -> None:
    order = {pool.submit(_server_order, target, v, s.suites): v for v, s in scans.items()
             if s.accepted and len(s.suites) > 1}
    for future in cf.as_completed(order):
        try:
            scans[order[future]].server_order = future.result()
        except ch.HelloIOError:
            scans[order[future]].server_order = None


def scan_versions(target: Target) -> dict[int, VersionScan]:
    """Scan every version; errors are kept per version, never raised."""
    scans = {v: VersionScan(v) for v in VERSIONS}
    with cf.ThreadPoolExecutor(max_workers=max(1, target.workers)) as pool:
        _phase_one(pool, target, scans)
        _phase_two(pool, target, scans)
        _phase_three(pool, target, scans)
    return scans


def _server_order(target: Target, version: int, suites: list[int]) -> bool | None:
    """True when the server picks the same suite whichever order we offer."""
    forward = _offer(target, version, suites)
    backward = _offer(target, version, list(reversed(suites)))
    if not (forward.accepted and backward.accepted):
        return None
    return forward.suite == backward.suite


def to_json(scans: dict[int, VersionScan], seconds: float) -> dict[str, object]:
    """The ``tls.protocols`` fact value (see probes_tls)."""
    versions: dict[str, object] = {}
    for version, scan in scans.items():
        versions[ch.VERSION_NAMES[version]] = {
            "accepted": scan.accepted,
            "ciphers": [{"name": SUITES[c].name, "classes": list(SUITES[c].classes),
                         "bits": SUITES[c].bits, "kx": SUITES[c].kx,
                         **({"group": scan.groups[c]} if c in scan.groups else {}),
                         **({"dh_bits": scan.dh_bits[c]} if c in scan.dh_bits else {})}
                        for c in scan.suites if c in SUITES],
            "server_order": scan.server_order,
            **({"error": scan.error} if scan.error else {}),
        }
    accepted = [ch.VERSION_NAMES[v] for v, s in scans.items() if s.accepted]
    return {"versions": versions, "accepted": accepted, "seconds": round(seconds, 3)}


def probe_protocols(target: Target) -> dict[str, object]:
    """Run the whole version and cipher scan; raise HelloIOError when nothing answered."""
    started = time.monotonic()
    scans = scan_versions(target)
    if all(s.accepted is None for s in scans.values()):
        raise ch.HelloIOError(next(s.error for s in scans.values() if s.error))
    if not any(s.answered for s in scans.values()):
        # Closed or reset without one TLS record, for every version: no TLS spoken here (or
        # something in between cuts us off); that says nothing about what the server accepts.
        raise ch.HelloIOError("every connection was closed without a TLS answer")
    return to_json(scans, time.monotonic() - started)
