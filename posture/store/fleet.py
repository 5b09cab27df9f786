"""Fleets: split one inventory into shards scanned apart, and merge their facts back.

A host belongs to shard ``K`` of ``N`` when ``sha256(name) mod N == K - 1``: stable across runs,
machines and Python versions, independent of the inventory's order, and a host keeps its
shard when others are added. Databases go with their host; endpoints are split by their own
name. A shard judges each claim on the part of its scope it holds; claims with nothing there
are left out of that shard's report. The whole-fleet answer comes from :func:`merge_snapshots`:
the shards' facts snapshots are merged and judged again against the full inventory, so claims
spanning shards get one verdict and the score is computed once (merging finished reports
instead would average scores and lose the facts).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import replace

from posture.errors import FactsFileError, UsageError
from posture.inventory.model import Claim, Inventory, Scope
from posture.models import FactsSnapshot, HostFacts

_SHARD = re.compile(r"(\d{1,4})/(\d{1,4})")


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` with 1 <= K <= N."""
    found = _SHARD.fullmatch(text.strip())
    if not found or not 1 <= int(found.group(1)) <= int(found.group(2)):
        raise UsageError(f"--shard: expected K/N with 1 <= K <= N (e.g. 2/4), got {text!r}")
    return int(found.group(1)), int(found.group(2))


def shard_of(name: str, count: int) -> int:
    """The 1-based shard of a target name among ``count`` shards."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def _scope(claim: Claim, hosts: set[str], endpoints: set[str],
           databases: set[str]) -> Scope:
    return Scope(hosts=tuple(h for h in claim.scope.hosts if h in hosts),
                 endpoints=tuple(e for e in claim.scope.endpoints if e in endpoints),
                 databases=tuple(d for d in claim.scope.databases if d in databases))


def shard_inventory(inventory: Inventory, index: int, count: int) -> Inventory:
    """The part of ``inventory`` that shard ``index`` of ``count`` scans and judges.

    The inventory's sha256 is kept, so the shards' facts can be merged and checked against
    the full inventory.
    """
    if count == 1:
        return inventory
    hosts = tuple(h for h in inventory.hosts if shard_of(h.name, count) == index)
    names = {h.name for h in hosts}
    databases = tuple(d for d in inventory.databases if d.host in names)
    endpoints = tuple(e for e in inventory.endpoints if shard_of(e.name, count) == index)
    db_names, ep_names = {d.name for d in databases}, {e.name for e in endpoints}
    claims: list[Claim] = []
    for claim in inventory.claims:
        scope = _scope(claim, names, ep_names, db_names)
        if not scope.empty or (claim.scope.empty and index == 1):
            claims.append(replace(claim, scope=scope))
    return replace(inventory, hosts=hosts, endpoints=endpoints, databases=databases,
                   claims=tuple(claims))


def _union(kind: str, parts: Sequence[tuple[str, FactsSnapshot]]) -> dict[str, HostFacts]:
    merged: dict[str, HostFacts] = {}
    origin: dict[str, str] = {}
    for source, snapshot in parts:
        table = {"host": snapshot.hosts, "endpoint": snapshot.endpoints,
                 "database": snapshot.databases}[kind]
        for name, facts in table.items():
            if name in merged and merged[name] != facts:
                raise FactsFileError(f"{kind} {name!r} was collected by both {origin[name]} "
                                     f"and {source}: are two shards overlapping?")
            merged[name], origin[name] = facts, source
    return merged


def merge_snapshots(parts: Sequence[tuple[str, FactsSnapshot]],
                    inventory: Inventory) -> FactsSnapshot:
    """One snapshot from the shards' snapshots (``(file name, snapshot)`` pairs).

    All parts must come from the same inventory (same sha256) and posture version. The scan
    time, against which ages are judged, is the earliest shard's.
    """
    if not parts:
        raise UsageError("merge: no facts files given")
    shas = {s.inventory_sha256 for _, s in parts}
    if len(shas) > 1:
        raise FactsFileError("the facts files were gathered with different inventories")
    if shas != {inventory.sha256}:
        raise FactsFileError(f"the facts were gathered with another version of "
                             f"{inventory.path}: merge with the inventory the shards used")
    versions = {s.tool_version for _, s in parts}
    if len(versions) > 1:
        raise FactsFileError(f"the shards ran different posture versions: "
                             f"{', '.join(sorted(versions))}")
    hosts, endpoints = _union("host", parts), _union("endpoint", parts)
    databases = _union("database", parts)
    snapshots = [s for _, s in parts]
    return FactsSnapshot(
        started_at=min(s.started_at for s in snapshots),
        finished_at=max(s.finished_at for s in snapshots),
        scan_time=min(s.scan_time for s in snapshots),
        inventory_sha256=inventory.sha256,
        hosts={h.name: hosts[h.name] for h in inventory.hosts if h.name in hosts},
        endpoints={e.name: endpoints[e.name] for e in inventory.endpoints
                   if e.name in endpoints},
        databases={d.name: databases[d.name] for d in inventory.databases
                   if d.name in databases},
        tool_version=snapshots[0].tool_version)
