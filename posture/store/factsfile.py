"""Save and load a facts snapshot (``--save-facts`` / ``posture evaluate --facts``).

The file holds what was gathered, never a secret: password hashes never leave the target
(the shadow snippet reduces them to a state), and no command line of ours carries a secret.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from posture.errors import FactsFileError
from posture.models import Fact, FactsSnapshot, FactStatus, HostFacts
from posture.sanitize import escape_json_invisible

SCHEMA = "posture.facts/1"
MAX_BYTES = 64 << 20


def snapshot_to_dict(snapshot: FactsSnapshot) -> dict[str, Any]:
    """A JSON-ready dict of the snapshot."""
    return {
        "schema": SCHEMA,
        "tool_version": snapshot.tool_version,
        "started_at": snapshot.started_at,
        "finished_at": snapshot.finished_at,
        "scan_time": snapshot.scan_time,
        "inventory_sha256": snapshot.inventory_sha256,
        "hosts": {name: _host_to_dict(h) for name, h in snapshot.hosts.items()},
        "endpoints": {name: _host_to_dict(h) for name, h in snapshot.endpoints.items()},
        "databases": {name: _host_to_dict(h) for name, h in snapshot.databases.items()},
        # Only when attestation claims were judged, so other facts files keep their shape.
        **({"documents": {n: _host_to_dict(h) for n, h in snapshot.documents.items()}}
           if snapshot.documents else {}),
    }


def _host_to_dict(host: HostFacts) -> dict[str, Any]:
    return {
        "reachable": host.reachable, "errors": list(host.errors), "host_key": host.host_key,
        "round_trips": host.round_trips, "connections": host.connections,
        "duration_s": host.duration_s,
        "facts": {k: {"status": str(f.status), "value": f.value, "reason": f.reason,
                      "command": f.command, "exit_status": f.exit_status,
                      "privileged": f.privileged,
                      **({"truncated": True} if f.truncated else {})}
                  for k, f in host.facts.items()},
    }


def dumps(snapshot: FactsSnapshot) -> str:
    """Serialise with a stable key order."""
    text = json.dumps(snapshot_to_dict(snapshot), indent=1, sort_keys=True, ensure_ascii=False)
    # Facts hold raw target text: bidi overrides and C1 controls are \u-escaped (losslessly),
    # so that viewing the file cannot drive a terminal.
    return escape_json_invisible(text) + "\n"


def digest(snapshot: FactsSnapshot) -> str:
    """SHA-256 of the snapshot in one canonical compact form: the JSON of
    :func:`snapshot_to_dict` with sorted keys, no whitespace and ASCII only (every other
    character \\u-escaped, lone surrogates included).

    Hashed one target at a time, so a fleet's facts are never copied whole (as dicts or as
    text), by the C JSON encoder: the indented form of :func:`dumps` would take the
    pure-Python encoder, several times slower on a large fleet.
    """
    groups = {"hosts": snapshot.hosts, "endpoints": snapshot.endpoints,
              "databases": snapshot.databases, "documents": snapshot.documents}
    head = snapshot_to_dict(replace(snapshot, hosts={}, endpoints={}, databases={},
                                    documents={}))
    hasher = hashlib.sha256()
    for i, key in enumerate(sorted(set(head) | {g for g, t in groups.items() if t})):
        hasher.update(f"{',' if i else '{'}{_canonical(key)}:".encode("ascii"))
        if key not in groups:
            hasher.update(_canonical(head[key]).encode("ascii"))
            continue
        targets = groups[key]
        hasher.update(b"{")
        for j, name in enumerate(sorted(targets)):
            hasher.update(f"{',' if j else ''}{_canonical(name)}:"
                          f"{_canonical(_host_to_dict(targets[name]))}".encode("ascii"))
        hasher.update(b"}")
    hasher.update(b"}")
    return hasher.hexdigest()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def loads(text: str, *, source: str = "facts") -> FactsSnapshot:
    """Parse a facts file; raise :class:`FactsFileError` with a clear reason."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FactsFileError(f"{source}:{exc.lineno}: not JSON ({exc.msg})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise FactsFileError(f"{source}: not a posture facts file (schema {SCHEMA} expected)")
    try:
        hosts = {name: _host_from_dict(name, h) for name, h in data["hosts"].items()}
        endpoints = {n: _host_from_dict(n, h) for n, h in data.get("endpoints", {}).items()}
        databases = {n: _host_from_dict(n, h) for n, h in data.get("databases", {}).items()}
        documents = {n: _host_from_dict(n, h) for n, h in data.get("documents", {}).items()}
        return FactsSnapshot(started_at=str(data["started_at"]),
                             finished_at=str(data["finished_at"]),
                             scan_time=str(data["scan_time"]),
                             inventory_sha256=str(data["inventory_sha256"]), hosts=hosts,
                             tool_version=str(data.get("tool_version", "")),
                             endpoints=endpoints, databases=databases,
                             documents=documents)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FactsFileError(f"{source}: malformed facts file ({type(exc).__name__}: "
                             f"{str(exc)[:200]})") from None


def _host_from_dict(name: str, data: dict[str, Any]) -> HostFacts:
    facts = {
        key: Fact(key, FactStatus(f["status"]), f.get("value"), str(f.get("reason", "")),
                  str(f.get("command", "")), f.get("exit_status"), bool(f.get("privileged")),
                  f.get("truncated") is True)
        for key, f in data.get("facts", {}).items()
    }
    return HostFacts(name, bool(data["reachable"]), facts, tuple(data.get("errors", ())),
                     str(data.get("host_key", "")), int(data.get("round_trips", 0)),
                     int(data.get("connections", 0)), float(data.get("duration_s", 0.0)))


def load(path: str | Path) -> FactsSnapshot:
    """Read a facts file from disk."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_BYTES:
            raise FactsFileError(f"{p}: larger than {MAX_BYTES >> 20} MiB")
        return loads(p.read_text(encoding="utf-8"), source=str(p))
    except OSError as exc:
        raise FactsFileError(f"{p}: cannot read ({exc.strerror})") from None
