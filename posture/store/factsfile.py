"""Save and load a facts snapshot (``--save-facts`` / ``posture evaluate --facts``).

The file holds what was gathered, never a secret: password hashes never leave the target
(the shadow snippet reduces them to a state), and no command line of ours carries a secret.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from posture.errors import FactsFileError
from posture.jsontext import plain_json, same_float
from posture.models import Fact, FactsSnapshot, FactStatus, HostFacts
from posture.sanitize import escape_json_invisible

_orjson: ModuleType | None
try:  # optional: without it the digest takes the standard library's path, same bytes
    import orjson as _orjson
except ImportError:  # pragma: no cover - orjson is a dependency; kept for bare installs
    _orjson = None

SCHEMA = "posture.facts/1"
MAX_BYTES = 64 << 20
# Real facts nest a handful of levels (host, facts, value, list, entry); far deeper is hand
# editing gone wrong or a hostile file that would exhaust recursion in checks and renderers.
MAX_DEPTH = 64


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


_STATUS_TEXT = {s: str(s) for s in FactStatus}


def _host_to_dict(host: HostFacts) -> dict[str, Any]:
    text = _STATUS_TEXT
    facts: dict[str, Any] = {}
    for k, f in host.facts.items():
        status = f.status
        entry = {"status": text.get(status) or str(status), "value": f.value,
                 "reason": f.reason, "command": f.command, "exit_status": f.exit_status,
                 "privileged": f.privileged}
        if f.truncated:
            entry["truncated"] = True
        facts[k] = entry
    return {
        "reachable": host.reachable, "errors": list(host.errors), "host_key": host.host_key,
        "round_trips": host.round_trips, "connections": host.connections,
        "duration_s": host.duration_s, "facts": facts,
    }


def dumps(snapshot: FactsSnapshot) -> str:
    """Serialise with a stable key order."""
    text = json.dumps(snapshot_to_dict(snapshot), indent=1, sort_keys=True, ensure_ascii=False)
    # Facts hold raw target text: bidi overrides and C1 controls are \u-escaped (losslessly),
    # so that viewing the file cannot drive a terminal.
    return escape_json_invisible(text) + "\n"


class _Sharer:
    """``object_hook`` of the parser: each object's strings and integers (and those of the
    lists it holds) replaced by the first equal one met, as the object is made.

    A fleet's hosts repeat the same commands, paths and names thousands of times: one copy
    of each is most of the memory of loaded facts saved, and sharing them while parsing
    frees each duplicate at once, so the parser reuses its memory instead of leaving holes
    all over the heap (which a pass after parsing did).
    """

    def __init__(self) -> None:
        self.seen: dict[Any, Any] = {}

    def __call__(self, obj: dict[str, Any]) -> dict[str, Any]:
        share = self.seen.setdefault
        for key, value in obj.items():
            cls = value.__class__
            if cls is str or cls is int:  # never bool: True == 1 must stay True
                obj[key] = share(value, value)
            elif cls is list:
                for n, item in enumerate(value):
                    if item.__class__ is str or item.__class__ is int:
                        value[n] = share(item, item)
        return obj


class _TooDeep(Exception):
    """Raised inside :func:`_depth_in` when the data nests deeper than :data:`MAX_DEPTH`."""


def _too_deep(data: Any) -> bool:
    """Whether ``data`` nests deeper than :data:`MAX_DEPTH` (the root at depth 0, every value
    one deeper than its container); the walk recurses at most :data:`MAX_DEPTH` levels and
    looks only at containers."""
    if not isinstance(data, dict | list):
        return False
    try:
        _depth_in(data, 0)
    except _TooDeep:
        return True
    return False


def _depth_in(item: dict[str, Any] | list[Any], depth: int) -> None:
    if depth > MAX_DEPTH or (depth == MAX_DEPTH and item):
        raise _TooDeep
    for value in (item.values() if item.__class__ is dict else item):
        if value.__class__ is dict or value.__class__ is list:
            _depth_in(value, depth + 1)


def _scan_time(value: Any, source: str) -> str:
    """The snapshot's scan time, checked now: every judgement is dated by it."""
    text = value if isinstance(value, str) else ""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise FactsFileError(f"{source}: scan_time must be an ISO 8601 time with a zone "
                             f"(e.g. 2026-11-25T10:00:00Z), got {str(value)[:60]!r}")
    return text


def digest(snapshot: FactsSnapshot) -> str:
    """SHA-256 of the snapshot in one canonical compact form: the JSON of
    :func:`snapshot_to_dict` with sorted keys, no whitespace and ASCII only (every other
    character \\u-escaped, lone surrogates included).

    Hashed one target at a time, so a fleet's facts are never copied whole (as dicts or as
    text), each by orjson when it writes the very bytes of the standard library (see
    :func:`canonical_bytes`), else by the standard library's C encoder: the indented form of
    :func:`dumps` would take the pure-Python encoder, several times slower on a large fleet.
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
            hasher.update(f"{',' if j else ''}{_canonical(name)}:".encode("ascii"))
            target = targets[name]
            hasher.update(canonical_bytes(_host_to_dict(target), plain=_plain(target)))
        hasher.update(b"}")
    hasher.update(b"}")
    return hasher.hexdigest()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


_ORJSON_OPTIONS = (0 if _orjson is None else _orjson.OPT_SORT_KEYS
                   | _orjson.OPT_PASSTHROUGH_SUBCLASS | _orjson.OPT_PASSTHROUGH_DATACLASS
                   | _orjson.OPT_PASSTHROUGH_DATETIME)


def canonical_bytes(value: Any, *, plain: bool = False) -> bytes:
    """The canonical form of ``value`` (:func:`_canonical`) as ASCII bytes, by orjson when
    it provably writes the same bytes (several times faster), else by the standard library.

    Compact orjson output with sorted keys equals ``json.dumps(sort_keys=True,
    separators=(",", ":"), ensure_ascii=True)`` except where this falls back:

    * any character outside ASCII (orjson writes UTF-8, the canonical form ``\\uXXXX``, and
      sorts keys by UTF-8 bytes rather than code points) and DEL (0x7f, which the standard
      library escapes): the output must be ASCII without DEL;
    * lone surrogates, integers beyond 64 bits, non-string keys, subclasses of ``str``,
      ``int``, ``dict`` and ``list``, dataclasses, dates, nesting past 254 levels: orjson
      refuses them (with the options used);
    * floats written in an exponent form ``e-0N`` by Python (``1e-05``), NaN and the
      infinities (orjson writes ``null``), and types orjson writes but the standard library
      refuses (enums, UUIDs): found by :func:`posture.jsontext.plain_json`, unless ``plain``
      says the caller knows ``value`` holds none (a target read from JSON text: :func:`_plain`).
    """
    if _orjson is not None:
        try:
            data: bytes = _orjson.dumps(value, option=_ORJSON_OPTIONS, default=_refuse)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            data = b""
        if data and data.isascii() and b"\x7f" not in data \
                and (plain or plain_json(value, exact=True)):
            return data
    return _canonical(value).encode("ascii")


def _refuse(value: Any) -> Any:
    """orjson's ``default``: whatever it cannot write natively goes to the standard library."""
    raise TypeError(type(value).__name__)


def loads(text: str, *, source: str = "facts") -> FactsSnapshot:
    """Parse a facts file; raise :class:`FactsFileError` with a clear reason."""
    floats = _Floats()
    try:
        data = json.loads(text, object_hook=_Sharer(), parse_float=floats.parse,
                          parse_constant=floats.constant)
    except json.JSONDecodeError as exc:
        raise FactsFileError(f"{source}:{exc.lineno}: not JSON ({exc.msg})") from None
    except RecursionError:
        raise FactsFileError(f"{source}: nested deeper than {MAX_DEPTH} levels") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise FactsFileError(f"{source}: not a posture facts file (schema {SCHEMA} expected)")
    if _too_deep(data):
        raise FactsFileError(f"{source}: nested deeper than {MAX_DEPTH} levels")
    _scan_time(data.get("scan_time"), source)
    try:
        plain = floats.plain
        hosts = {name: _host_from_dict(name, h, plain) for name, h in data["hosts"].items()}
        endpoints = {n: _host_from_dict(n, h, plain)
                     for n, h in data.get("endpoints", {}).items()}
        databases = {n: _host_from_dict(n, h, plain)
                     for n, h in data.get("databases", {}).items()}
        documents = {n: _host_from_dict(n, h, plain)
                     for n, h in data.get("documents", {}).items()}
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


class _Floats:
    """``parse_float`` and ``parse_constant`` of the parser: notes whether every number of
    the text is one orjson writes as the standard library does (see :func:`canonical_bytes`);
    NaN, the infinities and floats Python writes as ``1e-05`` are not."""

    def __init__(self) -> None:
        self.plain = True

    def parse(self, text: str) -> float:
        value = float(text)
        if self.plain and not same_float(value):
            self.plain = False
        return value

    def constant(self, text: str) -> float:
        self.plain = False
        return float(text)


_PARSED = "_posture_parsed_plain"
"""The mark of a target read from JSON text whose values are all plain (see :func:`_plain`)."""


def _plain(target: HostFacts) -> bool:
    """Whether the canonical form of ``target`` holds only exact JSON types and floats that
    orjson writes as the standard library does, known without walking it: true of a target
    :func:`loads` made from text whose floats are all plain (a parser makes nothing but the
    exact JSON types, and :func:`_host_from_dict` only exact strings, integers and booleans
    of them), its one float of its own, ``duration_s``, checked here.

    The mark is an attribute outside the dataclass's fields: :func:`dataclasses.replace` and
    every other way of making a target leave it off. What a loaded target holds is never
    changed (checks and renderers only read facts).
    """
    return target.__dict__.get(_PARSED) is True and same_float(target.duration_s)


def _host_from_dict(name: str, data: dict[str, Any], plain: bool = False) -> HostFacts:
    facts = {
        key: Fact(key, FactStatus(f["status"]), f.get("value"), str(f.get("reason", "")),
                  str(f.get("command", "")), f.get("exit_status"), bool(f.get("privileged")),
                  f.get("truncated") is True)
        for key, f in data.get("facts", {}).items()
    }
    reachable = data["reachable"]
    if not isinstance(reachable, bool):  # "false" is a true string: never read it as reachable
        raise ValueError(f"{name}: reachable must be true or false, got {str(reachable)[:30]!r}")
    host = HostFacts(name, reachable, facts, tuple(data.get("errors", ())),
                     str(data.get("host_key", "")), int(data.get("round_trips", 0)),
                     int(data.get("connections", 0)), float(data.get("duration_s", 0.0)))
    if plain:
        object.__setattr__(host, _PARSED, True)  # frozen: set as its __init__ sets fields
    return host


def load(path: str | Path) -> FactsSnapshot:
    """Read a facts file from disk."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_BYTES:
            raise FactsFileError(f"{p}: larger than {MAX_BYTES >> 20} MiB")
        return loads(p.read_text(encoding="utf-8"), source=str(p))
    except UnicodeDecodeError as exc:
        line = p.read_bytes()[:exc.start].count(b"\n") + 1
        raise FactsFileError(f"{p}:{line}: not UTF-8 text (byte "
                             f"0x{exc.object[exc.start]:02x})") from None
    except OSError as exc:
        raise FactsFileError(f"{p}: cannot read ({exc.strerror})") from None
