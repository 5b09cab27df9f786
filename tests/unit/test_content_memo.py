"""Value-keyed memos of the renderers: a content key tells apart every two values a function
of plain data could tell apart, and each format written with its memos is byte for byte the
format written without them, for findings whose evidence repeats, differs only in type or
order, or is not plain at all."""

from __future__ import annotations

import copy
import dataclasses
import enum
from typing import Any

import pytest
from fixtures_result import HOSTILE, build_result, claim, finding

from posture import jsontext, models
from posture.jsontext import ContentMemo, content_key
from posture.models import FactSource, Finding, ScanResult, Severity, Status, msg
from posture.render import htmlcards, junit, render, sarif_text
from posture.store import findings_text


class _Colour(enum.Enum):
    RED = "red"


class _Sneaky(str):
    """Text whose repr is that of other text: a key made of reprs would mix them up."""

    def __repr__(self) -> str:
        return repr("other")


_DIFFERENT = [
    (1, 1.0), (1, True), (0, False), (0.0, -0.0), ([1], (1,)), (None, float("nan")),
    ({"a": 1, "b": 2}, {"b": 2, "a": 1}), ("x", "x "), ("é", "e"), (2 ** 70, 2 ** 70 + 1),
    ({"a": [1, {"b": None}]}, {"a": [1, {"b": 0}]}), ({1, 2}, [1, 2]), (b"x", "x"),
]


@pytest.mark.parametrize(("first", "second"), _DIFFERENT)
def test_values_any_code_could_tell_apart_have_different_keys(first: Any, second: Any) -> None:
    assert content_key(first) is not None and content_key(second) is not None
    assert content_key(first) != content_key(second)


def test_equal_values_built_apart_have_one_key() -> None:
    def build() -> dict[str, Any]:
        return {"users": [{"name": "r" + "oot", "uid": 0}], "ok": True, "n": 1.5,
                "nested": ({"x": None},)}

    assert content_key(build()) == content_key(build())


@pytest.mark.parametrize("value", [
    msg("a {b}", b="c"), [msg("x")], {"k": _Colour.RED}, object(), {"k": object()},
])
def test_subclasses_and_other_types_have_no_key(value: Any) -> None:
    assert content_key(value) is None


def test_a_cycle_or_deep_nesting_has_no_key() -> None:
    loop: list[Any] = []
    loop.append(loop)
    assert content_key(loop) is None
    deep: list[Any] = []
    for _ in range(5000):
        deep = [deep]
    assert content_key(deep) is None


def test_the_memo_keeps_its_newest_within_its_bound_and_nothing_without_a_key() -> None:
    memo = ContentMemo(2)
    memo.put(None, "x")
    assert memo.get(None) is None
    memo.put(b"a", "first")
    memo.put(b"b", "second")
    memo.put(b"a", "first again")  # a key met again is replaced, nothing goes
    assert memo.get(b"a") == "first again" and memo.get(b"b") == "second"
    memo.put(b"c", "third")  # past the bound the oldest goes
    assert memo.get(b"a") is None and memo.get(b"b") == "second" and memo.get(b"c") == "third"
    nothing = ContentMemo(0)
    nothing.put(b"a", "first")
    assert nothing.get(b"a") is None


def test_a_fleet_whose_first_values_differ_still_shares_what_repeats_later() -> None:
    """Values met once (a clock per host) first, then values that repeat: the memo is used
    for the repeating ones, as a memo that kept only its first entries was not."""
    memo, made = ContentMemo(10), 0
    for value in [f"clock {n}".encode() for n in range(50)] + [b"shared"] * 50:
        if memo.get(value) is None:
            made += 1
            memo.put(value, value)
    assert made == 51


_PLAIN: list[dict[str, Any]] = [
    {"n": 1}, {"n": 1.0}, {"n": True}, {"a": 1, "b": [2, 3]}, {"b": [2, 3], "a": 1},
    {"t": (1, 2)}, {"t": [1, 2]}, {"x": None}, {"h": HOSTILE}, {"m": msg("a {b}", b="c")},
    {"m": "a c"}, {"deep": {"a": {"b": {"c": ["d"]}}}}, {}, {"s": "other"},
    {"s": _Sneaky("text")},
]
_WHOLE: list[dict[str, Any]] = [
    {"x": float("nan")}, {"x": 1e-05}, {"e": _Colour.RED}, {"big": 2 ** 70},
]
"""Evidence that sends the JSON and SARIF writers to the standard library for the whole file."""


_SOURCES = [
    (), (FactSource("k", "ok", "cat /k"),),
    (FactSource("k", "ok", "cat /k", True),), (FactSource("k", "error", "cat /k"),),
    (FactSource("k", "error", "cat /k", False, "fact was not gathered"),),
    (FactSource("k", "error", "cat /k", False, msg("fact was not gathered")),),
    (FactSource("k", "error", "cat /k", False, "timed out after {seconds}s"),),
    (FactSource("k", "error", "cat /k", False,
                msg("timed out after {seconds}s", seconds="3")),),
    (FactSource("k", "ok", "cat /other"), FactSource("j", "ok", "cat /j")),
    (FactSource("k", "error", "", False, "could not determine: p"),),
    (FactSource("k", "error", "", False, msg("could not determine: {problem}", problem="p")),),
]
"""Fact sources told apart by each field, a reason as text or as a message of that text."""


def _result(evidences: list[dict[str, Any]]) -> ScanResult:
    """Findings on many targets, each evidence several times and in several statuses, with
    fact sources and remediations that differ independently of the evidence."""
    found = []
    statuses = (Status.FAIL, Status.ERROR, Status.WARN, Status.PASS)
    for n in range(4 * len(evidences)):
        evidence = evidences[n % len(evidences)]
        made = finding("x.check", f"host-{n}", statuses[n // len(evidences)], Severity.HIGH,
                       msg("seen {n}", n=str(n % 2)))
        found.append(Finding(
            made.check, made.target, made.status, made.severity, made.summary,
            # half of them share one evidence object, as findings a judge memo shared do
            evidence if n % 2 else dict(evidence), made.remediation if n % 3 else "", made.title,
            _SOURCES[n % len(_SOURCES)]))
    return build_result([claim("c-1", found)], found)


def _rendered(result: ScanResult) -> list[bytes]:
    return [render(result, fmt, lang=lang) for fmt, lang in (
        ("html", "en"), ("html", "nl"), ("json", "en"), ("sarif", "en"), ("junit", "en"))]


@pytest.mark.parametrize("whole", [False, True])
def test_each_format_is_the_same_with_and_without_its_memos(
        monkeypatch: pytest.MonkeyPatch, whole: bool) -> None:
    result = _result(_PLAIN + _WHOLE if whole else _PLAIN)
    hits = 0
    real_get = ContentMemo.get

    def counted(self: ContentMemo, key: bytes | None) -> Any:
        nonlocal hits
        found = real_get(self, key)
        hits += found is not None
        return found

    monkeypatch.setattr(ContentMemo, "get", counted)
    with_memos = _rendered(result)
    assert hits > len(result.findings)  # the memos were used, in more than one format
    for module in (htmlcards, sarif_text, findings_text, junit, models):
        monkeypatch.setattr(module, "content_key", lambda value: None)
    hits = 0
    without = _rendered(dataclasses.replace(result))  # a result with no keys made yet
    assert hits == 0
    assert with_memos == without


def test_a_result_keys_each_evidence_object_once_by_its_content() -> None:
    result = _result(_PLAIN + _WHOLE)
    keys = [result.evidence_key(f) for f in result.findings]
    assert keys == [content_key(f.evidence) for f in result.findings]
    by_content: dict[bytes, bytes] = {}
    for key in keys:
        if key is not None:  # equal contents: one bytes object (its hash made once)
            assert by_content.setdefault(key, key) is key
    assert result.evidence_key(result.findings[0]) is keys[0]  # made once
    # Not one of the result's findings, or a finding whose evidence is another object of
    # other content: keyed afresh, never by a remembered id.
    other = dataclasses.replace(result.findings[0], evidence={"n": 2})
    assert result.evidence_key(other) == content_key({"n": 2})
    copied = copy.deepcopy(result)
    assert [copied.evidence_key(f) for f in copied.findings] == keys


def test_sarif_and_json_still_fall_back_for_evidence_that_is_not_plain() -> None:
    found = finding("x.check", "h", Status.FAIL, nan=float("nan"))
    memo = ContentMemo(10)
    assert sarif_text._result_text(found, found.id, 0, [], memo) is None
    assert sarif_text._result_text(found, found.id, 0, [], memo) is None
    assert findings_text.plain_finding(found, {}, memo) is None
    plain = finding("x.check", "h", Status.FAIL, n=1)
    first = sarif_text._result_text(plain, plain.id, 0, [], memo)
    assert first is not None and first == sarif_text._result_text(plain, plain.id, 0, [], memo)
    assert first == sarif_text._result_text(plain, plain.id, 0, [])
    assert jsontext.plain_tree(plain.evidence)


_SAID = msg("could not determine: {problem}", problem="p")
_TAIL_VARIANTS: list[dict[str, Any]] = [
    {}, {"summary": str(_SAID)}, {"summary": msg("could not determine: {problem}",
                                                  problem="q")},
    {"evidence": {"n": True}}, {"evidence": {"n": 1.0}}, {"status": Status.PASS},
    {"status": Status.NOT_APPLICABLE}, {"status": Status.ERROR}, {"remediation": ""},
    {"remediation": "Other fix."}, {"sources": ()},
    {"sources": (FactSource("k", "error", "cat /k", False, str(_SAID)),)},
    {"sources": (FactSource("k", "error", "cat /k", True, _SAID),)},
    {"sources": (FactSource("k", "error", "cat /j", False, _SAID),)},
    {"sources": (FactSource("j", "error", "cat /k", False, _SAID),)},
    {"sources": (FactSource("k", "ok", "cat /k", False, _SAID),)},
]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_a_card_end_is_shared_only_by_findings_equal_in_all_it_shows(
        monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    base = Finding("x.check", "h", Status.FAIL, Severity.HIGH, _SAID, {"n": 1}, "Fix it.",
                   "Title", (FactSource("k", "error", "cat /k", False, _SAID),))
    found = [dataclasses.replace(base, target=f"h{n}-{m}", **variant)
             for n, variant in enumerate(_TAIL_VARIANTS) for m in range(2)]
    result = build_result([claim("c-1", found)], found)
    shared = render(result, "html", lang=lang)
    monkeypatch.setattr(htmlcards, "TAIL_MEMO", 0)
    assert render(result, "html", lang=lang) == shared


def test_a_findings_id_is_made_once_and_follows_a_replacement() -> None:
    one = finding("ssh.root_login", "web1", Status.FAIL)
    assert one.id == "ssh.root_login@web1" and one.id is one.id
    moved = dataclasses.replace(one, target="web2")
    assert moved.id == "ssh.root_login@web2" and one.id == "ssh.root_login@web1"
    assert one != moved and dataclasses.replace(moved, target="web1") == one
