"""safe_text's run-at-a-time scan gives exactly what the plain per-character walk gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from posture.sanitize import ELLIPSIS, is_unsafe_char, safe_text, visible_escape


def reference_safe_text(s: str, limit: int, keep_newlines: bool) -> str:
    """The definition: one character at a time, cut before the piece that would not fit."""
    out: list[str] = []
    size = 0
    for ch in s:
        if ch == "\t":
            piece = " "
        elif (ch == "\n" and keep_newlines) or not is_unsafe_char(ch):
            piece = ch
        else:
            piece = visible_escape(ch)
        if size + len(piece) > limit:
            out.append(ELLIPSIS)
            break
        out.append(piece)
        size += len(piece)
    return "".join(out)


_HOSTILE = st.sampled_from(["\x1b[31m", "\u202e", "\u200b", "\n", "\t", "\r", "\x00", "\x7f",
                            "\x85", "\u2028", "\ud800", "\U000e0001", "é", "ß", "日本",
                            "\u00a0", "\U0001f600", "abc", " "])
_TEXT = st.lists(st.one_of(_HOSTILE, st.text(max_size=8)), max_size=30).map("".join)


@settings(max_examples=600, deadline=None)
@given(_TEXT, st.integers(min_value=0, max_value=40), st.booleans())
def test_same_as_the_per_character_walk(s: str, limit: int, keep_newlines: bool) -> None:
    assert safe_text(s, limit, keep_newlines=keep_newlines) == reference_safe_text(
        s, limit, keep_newlines)


def test_escapes_inside_long_plain_text_and_cuts_exactly() -> None:
    text = "a" * 50 + "\x1b[2J" + "b" * 50 + "\u202e"
    assert safe_text(text, 60) == "a" * 50 + "\\x1b[2J" + "bbb" + ELLIPSIS
    assert safe_text(text, 1000) == "a" * 50 + "\\x1b[2J" + "b" * 50 + "\\u202e"
    assert safe_text("line1\nline2", keep_newlines=True) == "line1\nline2"
    assert safe_text("line1\nline2") == "line1\\x0aline2"
    assert safe_text("x" * 10_000_000, 5) == "xxxxx" + ELLIPSIS


def test_findings_index_and_facts_digest() -> None:
    """The id index finds what the linear scan found; the digest is canonical and stable."""
    import dataclasses
    from pathlib import Path

    from posture.inventory import load_inventory
    from posture.judge.evaluate import evaluate
    from posture.store.factsfile import digest, load

    root = Path(__file__).parents[2]
    snapshot = load(root / "tests" / "data" / "demo-facts-before.json")
    result = evaluate(load_inventory(root / "inventory" / "demo.yml"), snapshot)
    assert result.findings
    for finding in result.findings:
        assert result.finding(finding.id) is next(f for f in result.findings
                                                  if f.id == finding.id)
    assert result.finding("no.such@check") is None
    fewer = dataclasses.replace(result, findings=result.findings[1:])
    assert fewer.finding(result.findings[0].id) is None  # a replaced result has its own index
    assert result.facts_sha256 == digest(snapshot) and len(result.facts_sha256) == 64
    other = dataclasses.replace(snapshot, scan_time="2000-01-01T00:00:00Z")
    assert digest(other) != digest(snapshot)


def test_digest_is_the_hash_of_the_whole_canonical_document() -> None:
    """Hashed target by target, yet the same as hashing the canonical JSON of the whole."""
    import dataclasses
    import hashlib
    import json
    from pathlib import Path

    from posture.models import Fact, FactStatus, HostFacts
    from posture.store.factsfile import digest, load, snapshot_to_dict

    def whole(snapshot: object) -> str:
        text = json.dumps(snapshot_to_dict(snapshot), sort_keys=True,  # type: ignore[arg-type]
                          separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(text.encode("ascii")).hexdigest()

    snapshot = load(Path(__file__).parents[1] / "data" / "demo-facts-after.json")
    assert digest(snapshot) == whole(snapshot)
    other = HostFacts("zz-\u202e\ud800", True, {"k": Fact("k", FactStatus.OK, {"b": 1, "a": [2]})})
    bigger = dataclasses.replace(snapshot, hosts={**snapshot.hosts, "aa": other},
                                 endpoints={"ep": other}, documents={"doc": other})
    assert digest(bigger) == whole(bigger) != digest(snapshot)
    assert digest(dataclasses.replace(snapshot, hosts={})) == whole(
        dataclasses.replace(snapshot, hosts={}))
