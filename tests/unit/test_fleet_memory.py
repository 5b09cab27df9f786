"""What keeps a fleet's facts and reports small: shared values, a page encoded in chunks."""

from __future__ import annotations

import json
from pathlib import Path

from posture.render.html import CHUNK_CHARS, _utf8
from posture.store.factsfile import loads

DATA = Path(__file__).parents[1] / "data"


def two_host_facts() -> str:
    record = json.loads((DATA / "demo-facts-before.json").read_text(encoding="utf-8"))
    host = record["hosts"]["lab"]
    record["hosts"] = {"a": host, "b": json.loads(json.dumps(host))}  # distinct objects
    host["facts"]["extra.flags"] = {"status": "ok", "value": {"on": True, "one": 1,
                                                                "list": [1, True, "1"]},
                                    "reason": "", "command": "true", "exit_status": 0,
                                    "privileged": False}
    return json.dumps(record)


def test_hosts_share_equal_strings_and_keep_every_value() -> None:
    text = two_host_facts()
    snapshot = loads(text)
    a, b = snapshot.hosts["a"], snapshot.hosts["b"]
    shared = [k for k in a.facts if k in b.facts and a.facts[k].command]
    assert shared
    for key in shared:
        assert a.facts[key].command is b.facts[key].command
    # Nothing changes but identity: every value still equals the parsed file's.
    parsed = json.loads(text)
    for name in ("a", "b"):
        for key, fact in snapshot.hosts[name].facts.items():
            assert fact.value == parsed["hosts"][name]["facts"][key].get("value")


def test_booleans_stay_booleans_beside_equal_integers() -> None:
    value = loads(two_host_facts()).hosts["a"].facts["extra.flags"].value
    assert value["on"] is True and value["one"] == 1 and type(value["one"]) is int
    assert [type(v) for v in value["list"]] == [int, bool, str]


def test_page_chunks_encode_to_the_joined_text() -> None:
    pieces = [f"<p>{n} é ✓ 😀</p>\n" for n in range(CHUNK_CHARS // 5)]
    pieces.insert(100, "x" * (CHUNK_CHARS + 3))  # one piece longer than a chunk
    assert _utf8(iter(pieces)) == "".join(pieces).encode("utf-8")
    assert _utf8(iter([])) == b""
