"""The facts digest written by orjson is byte for byte the canonical form of the standard
library, and falls back to it on every value where the two would differ."""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import math
import uuid
from pathlib import Path
from typing import Any

import pytest

from posture.models import Fact, FactsSnapshot, FactStatus, HostFacts
from posture.store import factsfile
from posture.store.factsfile import canonical_bytes, digest, load, snapshot_to_dict


def _reference(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True).encode("ascii")


def _whole(snapshot: FactsSnapshot) -> str:
    return hashlib.sha256(_reference(snapshot_to_dict(snapshot))).hexdigest()


class _Colour(enum.Enum):
    RED = "red"


class _Word(str):
    pass


class _Count(int):
    pass


_HOSTILE: list[Any] = [
    "plain", "caf\u00e9", "\u202e\u200b", "\ud800", "a\udfffb", "\U0001f600", "\x7f",
    "\x00\x01\x1f", "tab\tnew\nline\r\x08\x0c", '"quoted" \\ back/slash', "", "</script>",
    2**63 - 1, -(2**63), 2**63, 2**64 - 1, 2**64, -(2**63) - 1, 10**40, 0, -1,
    1.0, -0.0, 0.1, 1e16, 1e22, 1e-4, 1e-05, 5e-06, 1e-07, 2.5e-09, 1e-10, 5e-324, 1.5e300,
    math.nan, math.inf, -math.inf, True, False, None,
    [1, "a", None], (1, 2), {"b": 1, "a": 2}, {"z": 1, "\u00e9": 2, "Z": 3, "a": 4},
    {"\ud800": 1}, {"\x7f": 1}, {"k": [{"x": 1e-05}]}, {"k": {"y": [math.nan]}},
    _Word("sub"), {"k": _Word("sub")}, _Count(3), [_Count(3)],
    {"nested": [[[[{"deep": "ok"}]]]]}, {"": {"": ""}},
]


@pytest.mark.parametrize("value", _HOSTILE, ids=lambda v: repr(v)[:40])
def test_canonical_bytes_equal_the_standard_library(value: Any) -> None:
    assert canonical_bytes(value) == _reference(value)


def test_nesting_past_orjson_limit_falls_back() -> None:
    value: Any = "leaf"
    for _ in range(300):
        value = [value]
    assert canonical_bytes(value) == _reference(value)


@pytest.mark.parametrize("value", [_Colour.RED, uuid.UUID(int=7), {"k": _Colour.RED},
                                   [uuid.UUID(int=7)], {1: "int key"}])
def test_what_the_standard_library_refuses_is_never_written_by_orjson(value: Any) -> None:
    if isinstance(value, dict) and 1 in value:  # non-string keys: both write them alike
        assert canonical_bytes(value) == _reference(value)
        return
    with pytest.raises(TypeError):
        _reference(value)
    with pytest.raises(TypeError):
        canonical_bytes(value)


def test_plain_data_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path is used (not always the fallback) and agrees with it."""
    value = {"b": [1, "x", None, True, 0.5], "a": {"c": "d"}}
    calls: list[Any] = []
    original = factsfile._canonical
    monkeypatch.setattr(factsfile, "_canonical",
                        lambda v: calls.append(v) or original(v))
    assert canonical_bytes(value) == _reference(value) and calls == []
    assert canonical_bytes({"k": 1e-05}) == _reference({"k": 1e-05}) and len(calls) == 1


def _hostile_snapshot() -> FactsSnapshot:
    snapshot = load(Path(__file__).parents[1] / "data" / "demo-facts-after.json")
    facts = {f"k{i}": Fact(f"k{i}", FactStatus.OK, value, reason="r\u00e9",
                           command="cmd \x7f", exit_status=i, truncated=bool(i % 2))
             for i, value in enumerate(_HOSTILE) if not isinstance(value, _Word | _Count)}
    odd = HostFacts("odd", True, facts, ("err\ud800",), "key", 3, 2, 1e-05)
    plain = HostFacts("plain", False, {"x": Fact("x", FactStatus.DENIED, [1, 2])},
                      (), "", 0, 0, 0.25)
    return dataclasses.replace(snapshot, hosts={**snapshot.hosts, "odd": odd, "\u00e9": plain},
                               endpoints={"ep": plain}, databases={"db": odd},
                               documents={"doc": plain})


def test_digest_of_hostile_facts_equals_the_whole_canonical_document(
        monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = _hostile_snapshot()
    fast = digest(snapshot)
    assert fast == _whole(snapshot)
    monkeypatch.setattr(factsfile, "_orjson", None)  # a bare installation: the same digest
    assert digest(snapshot) == fast


@pytest.mark.parametrize(("name", "expected"), [
    ("before", "f4249c73cd1750fc4079f576a5d957abdab3fba5174829e097a7d307d85717ce"),
    ("after", "9e20fabed7e3192ffd02499e9abc7833c19f1a1fe598b3dcf6628495283dd235")])
def test_digest_of_recorded_facts_is_unchanged(name: str, expected: str) -> None:
    """The values the standard library's encoder gave: the canonical form did not change."""
    snapshot = load(Path(__file__).parents[1] / "data" / f"demo-facts-{name}.json")
    assert digest(snapshot) == _whole(snapshot) == expected


def _facts_text(values: list[Any], duration: Any = 0.5) -> str:
    """A facts file of one host whose facts hold ``values``, as the standard library writes
    it (NaN and the infinities as the bare words it reads back)."""
    facts = {f"k{i}": {"status": "ok", "value": v, "reason": "", "command": "c",
                       "exit_status": 0, "privileged": False} for i, v in enumerate(values)}
    host = {"reachable": True, "errors": [], "host_key": "", "round_trips": 1,
            "connections": 1, "duration_s": duration, "facts": facts}
    return json.dumps({"schema": factsfile.SCHEMA, "started_at": "2026-01-01T00:00:00Z",
                       "finished_at": "2026-01-01T00:00:01Z",
                       "scan_time": "2026-01-01T00:00:00Z", "inventory_sha256": "0" * 64,
                       "hosts": {"h": host}})


_TEXT_VALUES: list[Any] = [v for v in _HOSTILE if not isinstance(v, _Word | _Count | tuple)]


@pytest.mark.parametrize("value", _TEXT_VALUES, ids=lambda v: repr(v)[:40])
def test_digest_of_a_loaded_file_equals_the_whole_canonical_document(value: Any) -> None:
    """Read from text, each value alone, NaN, ``1e-05`` and surrogates included: the
    digest that skips the walk for parsed targets is the standard library's."""
    snapshot = factsfile.loads(_facts_text([value, {"in": [value]}]))
    assert digest(snapshot) == _whole(snapshot)


@pytest.mark.parametrize("duration", [0.25, 1e-05, "1e-5", 3, 10**20])
def test_the_duration_is_checked_apart(duration: Any) -> None:
    """``duration_s`` goes through ``float()``: from text "1e-5" it becomes 1e-05, which
    orjson writes otherwise, though the parser saw no float."""
    snapshot = factsfile.loads(_facts_text(["x"], duration))
    assert digest(snapshot) == _whole(snapshot)


def test_a_parsed_target_skips_the_walk_and_only_a_parsed_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    walked: list[Any] = []
    original = factsfile.plain_json
    monkeypatch.setattr(factsfile, "plain_json",
                        lambda v, exact=False: walked.append(v) or original(v, exact=exact))
    snapshot = factsfile.loads(_facts_text([1, "a", [0.5]]))
    assert digest(snapshot) == _whole(snapshot) and walked == []
    # A float the text writes plainly but orjson would not: the whole file is walked.
    walked_file = factsfile.loads(_facts_text([1e-05]))
    assert digest(walked_file) == _whole(walked_file) and len(walked) == 1
    # A target made anew (replace) is no longer known as parsed: walked again.
    copy = dataclasses.replace(snapshot, hosts={
        n: dataclasses.replace(h) for n, h in snapshot.hosts.items()})
    assert digest(copy) == digest(snapshot) and len(walked) == 2
    # Nor is one built in memory with the same values.
    host = snapshot.hosts["h"]
    built = HostFacts(host.host, host.reachable, dict(host.facts), host.errors, host.host_key,
                      host.round_trips, host.connections, host.duration_s)
    assert digest(dataclasses.replace(snapshot, hosts={"h": built})) == digest(snapshot)
    assert len(walked) == 3
