"""The fast paths of the JSON, SARIF and JUnit writers give exactly what the slow ones give.

Each fast path skips work for data that needs none (plain evidence is not copied, printable
text is not walked, the XML is written as text rather than through ElementTree); every test
here builds hostile data (control characters, bidi overrides, lone surrogates, NUL, non-BMP
characters, very long strings, enums, sets, odd floats, huge integers, non-string keys) and
compares the bytes with the reference written the slow way.
"""

from __future__ import annotations

import dataclasses
import json
import math
from enum import Enum, IntEnum, StrEnum
from typing import Any

import pytest
from fixtures_result import build_result, claim, finding, hostile_result, mixed_result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_junit_reference import reference_junit
from test_sanitize_fastpath import reference_safe_text

from posture import jsontext
from posture.jsontext import fast_indented, plain_tree
from posture.models import (
    ClaimResult,
    FactSource,
    Finding,
    HostSummary,
    Msg,
    ScanResult,
    Severity,
    Status,
    WaiverState,
    msg,
)
from posture.render.junit import escape_attribute, escape_text, render_junit
from posture.render.sarif import render_sarif, sarif_log
from posture.render.sarif_text import sarif_text
from posture.sanitize import escape_json_invisible, safe_text
from posture.store.findings_text import plain_finding
from posture.store.jsonable import checked_jsonable, to_jsonable
from posture.store.results import _streamed, result_bytes, result_to_jsonable

pytestmark = pytest.mark.skipif(not jsontext.available(), reason="orjson is not installed")


class Colour(StrEnum):
    RED = "red"


class Level(IntEnum):
    HIGH = 3


class Mixed(str, Enum):  # noqa: UP042 - str() of a member is "Mixed.A", its content "a"
    A = "a"


HOSTILE_PIECES = ["\x1b[31m", "\u202e", "\u2066", "\u200b", "\n", "\t", "\r", "\x00", "\x7f",
                  "\x85", "\u2028", "\ud800", "\udfff", "\U000e0001", "\ufffe", "é", "日本",
                  "\u00a0", "\U0001f600", "<&>\"'", "]]>", "abc", " ", "\\", "e-05", "1e-7"]
LONG = ["x" * 4100, "é\n" * 2600, "a\u202e" * 11_000, "line\n" * 4500]
TEXT = st.one_of(
    st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=6)),
             max_size=12).map("".join),
    st.sampled_from(LONG),
)
LEAF = st.one_of(
    TEXT, st.integers(min_value=-(2**70), max_value=2**70), st.booleans(), st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e-05, 1e-9, 1e16, 0.5, -0.0, 1e300, Colour.RED, Level.HIGH, Mixed.A]),
    TEXT.map(lambda t: msg("says {t}", t=t)),
)
KEY = st.one_of(TEXT, st.sampled_from([1, Colour.RED, Mixed.A, None, 2.5]))
EVIDENCE_VALUE = st.recursive(
    LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(KEY, inner, max_size=4),
        st.frozensets(st.sampled_from(["b", "a", "c"]), max_size=3),
    ),
    max_leaves=12,
)
EVIDENCE = st.dictionaries(TEXT, EVIDENCE_VALUE, max_size=5)


def reference_json(value: Any) -> bytes:
    """What ``json_document`` writes, the slow way: the standard library on converted data."""
    text = json.dumps(to_jsonable(value), indent=2, ensure_ascii=False, allow_nan=False)
    return escape_json_invisible(text + "\n").encode("utf-8")


def reference_report(result: ScanResult) -> bytes:
    return reference_json(result_to_jsonable(result))


def reference_sarif(result: ScanResult) -> bytes:
    return reference_json(sarif_log(result))


def fleet(evidences: list[dict[str, Any]], summaries: list[str],
          waived: bool = False) -> ScanResult:
    """A result with one finding per evidence, every status, sources, a waiver, hosts."""
    statuses = list(Status)
    findings = []
    for n, evidence in enumerate(evidences):
        status = statuses[n % len(statuses)]
        base = finding(f"check.{n % 7}", f"host-{n}", status, list(Severity)[n % 5],
                       summary=summaries[n % len(summaries)] if summaries else "")
        findings.append(dataclasses.replace(
            base, evidence=evidence,
            sources=(FactSource("k", "ok", summaries[0] if summaries else "cmd", n % 2 == 0),),
            waiver=(WaiverState("w1", "accepted \u202e risk", "ops", "2030-01-01", n % 3 == 0)
                    if waived and n % 2 else None)))
    claims = [claim("c-all", findings), claim("c-none", [], reason="\x1b[2J gone")]
    hosts = [HostSummary("vps1", True, ("warn\x00",), "ssh-ed25519 K", 3),
             HostSummary("vps2", False, (summaries[0] if summaries else "",))]
    return build_result(claims, findings, hosts)


RESULT = st.builds(fleet, st.lists(EVIDENCE, min_size=1, max_size=8),
                   st.lists(TEXT, max_size=3), st.booleans())
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(RESULT)
def test_report_json_same_as_the_standard_library(result: ScanResult) -> None:
    try:
        expected = reference_report(result)
    except ValueError:  # a value json refuses (allow_nan=False): the writer refuses it too
        with pytest.raises(ValueError):
            result_bytes(result)
        return
    assert result_bytes(result) == expected


@SETTINGS
@given(RESULT)
def test_sarif_same_as_the_standard_library(result: ScanResult) -> None:
    try:
        expected = reference_sarif(result)
    except ValueError:
        with pytest.raises(ValueError):
            render_sarif(result)
        return
    assert render_sarif(result) == expected


@SETTINGS
@given(RESULT)
def test_junit_same_as_elementtree(result: ScanResult) -> None:
    assert render_junit(result) == reference_junit(result)


@pytest.mark.parametrize("make", [mixed_result, hostile_result])
def test_fixtures_same_as_the_references(make: Any) -> None:
    result = make()
    assert render_junit(result) == reference_junit(result)
    assert render_sarif(result) == reference_sarif(result)
    assert result_bytes(result) == reference_report(result)


def test_many_findings_cross_batches_with_odd_ones_between() -> None:
    # 600 findings: batches with findings that need converting (an enum, a set, a tiny
    # float) at and around batch edges, and one beyond both encoders' agreement.
    odd = {255: {"e": Colour.RED}, 256: {"s": frozenset({"b", "a"})}, 257: {"f": 1e-7},
           511: {"t": (1, Level.HIGH)}, 599: {"k": {1: "x"}}}
    evidences = [odd.get(n, {"n": n, "text": "plain \u00e9"}) for n in range(600)]
    result = fleet(evidences, ["summary"])
    assert result_bytes(result) == reference_report(result)
    assert render_sarif(result) == reference_sarif(result)
    assert render_junit(result) == reference_junit(result)
    big = fleet([*evidences[:300], {"big": 2**70}], ["s"])  # orjson refuses: stdlib path
    assert result_bytes(big) == reference_report(big)
    assert render_sarif(big) == reference_sarif(big)


@settings(max_examples=400, deadline=None)
@given(EVIDENCE_VALUE)
def test_plain_tree_means_same_text_unconverted(value: Any) -> None:
    data, plain = checked_jsonable(value)
    if plain_tree(value):
        assert data is value  # not copied
    if not plain:
        return
    fast = fast_indented(data, checked=True)
    if fast is None:  # orjson refused it (an integer beyond 64 bits, a lone surrogate)
        return
    assert fast.decode("utf-8") == json.dumps(to_jsonable(value), indent=2, ensure_ascii=False)


@pytest.mark.parametrize("value", [
    Colour.RED, Level.HIGH, Mixed.A, {Mixed.A: 1}, {Colour.RED: 1}, {1: 2}, 1e-5, math.nan,
    math.inf, [1e-7], frozenset({"a"}), {"a": {"b": [Mixed.A]}}, object(),
    dataclasses.make_dataclass("D", ["x"])(1),
])
def test_plain_tree_refuses_what_would_be_converted(value: Any) -> None:
    assert not plain_tree(value)


def test_plain_tree_accepts_plain_data_and_caps_the_depth() -> None:
    assert plain_tree({"a": [1, True, None, "x", (2, 0.5)], "m": msg("hi {x}", x=1)})
    deep: Any = "leaf"
    for _ in range(jsontext.MAX_PLAIN_DEPTH + 5):
        deep = [deep]
    assert not plain_tree(deep)
    result = fleet([{"deep": deep}], ["s"])  # converted, then written by orjson or json
    assert result_bytes(result) == reference_report(result)
    assert render_sarif(result) == reference_sarif(result)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=10),
                          st.sampled_from(["\n", "line\n", "\n\n"])), max_size=40).map("".join),
       st.sampled_from([0, 5, 40, 2000, 20_000]), st.booleans())
def test_safe_text_multi_line_fast_path(s: str, limit: int, keep_newlines: bool) -> None:
    assert safe_text(s, limit, keep_newlines=keep_newlines) == \
        reference_safe_text(s, limit, keep_newlines)


@pytest.mark.parametrize("text", [*LONG, "a\nb", "\n", "é\n日本\n\U0001f600", "a\n\x00",
                                  "a\n\u202e", "a\n\ud800", "a\n\t", "a\n\u00a0"])
def test_safe_text_long_and_hostile_lines(text: str) -> None:
    for limit in (len(text) - 1, len(text), 20_000):
        for keep in (True, False):
            assert safe_text(text, limit, keep_newlines=keep) == \
                reference_safe_text(text, limit, keep)


@given(TEXT)
def test_xml_escaping_is_elementtree_escaping(text: str) -> None:
    import xml.etree.ElementTree as ET

    element = ET.Element("e", {"a": text})
    element.text = text
    written = ET.tostring(element, encoding="unicode")
    if text:
        assert written == f'<e a="{escape_attribute(text)}">{escape_text(text)}</e>'
    else:
        assert written == '<e a="" />'


def test_the_fast_paths_are_taken_for_plain_results() -> None:
    # Equal bytes alone would also hold if every result fell back to the slow writers.
    result = fleet([{"n": n, "list": [1, "x", None], "map": {"a": {"b": [True]}}}
                    for n in range(300)], ["summary \u00e9"], waived=True)
    assert sarif_text(result) is not None
    assert sarif_text(mixed_result()) is not None
    assert all(plain_finding(f) is not None for f in result.findings)
    assert _streamed(result) is not None
    assert sarif_text(fleet([{"e": Colour.RED}], ["s"])) is None  # converted: whole log
    assert plain_finding(fleet([{"e": Colour.RED}], ["s"]).findings[0]) is None


def test_a_claim_without_findings_and_no_hosts() -> None:
    empty = build_result([ClaimResult("c", "t", "says", claim("c", []).verdict, ())], [])
    assert render_junit(empty) == reference_junit(empty)
    assert sarif_text(empty) is not None
    assert render_sarif(empty) == reference_sarif(empty)
    assert result_bytes(empty) == reference_report(empty)
    missing = dataclasses.replace(empty, claims=(claim("c", [finding("x", "y", Status.PASS)]),),
                                  findings=(), hosts=(HostSummary("h", True),))
    assert render_junit(missing) == reference_junit(missing)
    assert b"finding missing from the result" in render_junit(missing)


def test_finding_type_stays_as_declared() -> None:
    # The writers read Finding fields only; a subclass of FactSource is converted in full.
    @dataclasses.dataclass(frozen=True)
    class Source(FactSource):
        extra: str = "more"

    base = finding("a.b", "h", Status.FAIL, evidence_key="v")
    odd: Finding = dataclasses.replace(base, sources=(Source("k", "ok"),))
    result = build_result([claim("c", [odd])], [odd])
    assert result_bytes(result) == reference_report(result)
    assert b'"extra": "more"' in result_bytes(result)


def test_shared_messages_are_told_apart_by_every_part() -> None:
    # Equal in Python (1 == 1.0 == True; a message equals its English text), not in JSON.
    inner_a = msg("{x}", x="a")
    inner_b = msg("a")
    summaries = [msg("{n} x", n=1), msg("{n} x", n=True), msg("{n} x", n=1.0),
                 msg("{n} x", n=1), msg("{p}", p=inner_a), msg("{p}", p=inner_b),
                 msg("{p}", p="a"), msg("{p}", p=inner_a), msg("one", "many", n=1),
                 msg("one", "many", n=2), msg("{v}", v=[1, 2]), msg("{v}", v=None),
                 msg("{v}", v=2), msg("{v}", v=0.5), msg("{v}", v=Colour.RED),
                 msg("{v}", v=1), msg("{v}", v=True), msg("{v}", v=1.0), msg("{v}", v="1"),
                 Msg("{n} x", "", 1, {"n": 7}), Msg("{n} x", "", True, {"n": 7}),
                 "plain text"]
    findings = [dataclasses.replace(finding(f"c.{n}", "h", Status.FAIL), summary=s)
                for n, s in enumerate(summaries)]
    result = build_result([claim("c", findings)], findings)
    assert _streamed(result) is not None  # the memo is on the fast path
    assert result_bytes(result) == reference_report(result)
    entries = json.loads(result_bytes(result))["findings"]
    assert entries[0]["summary_message"]["params"]["n"] == 1
    assert entries[1]["summary_message"]["params"]["n"] is True
    assert entries[2]["summary_message"]["params"]["n"] == 1.0
    assert entries[4]["summary_message"] != entries[5]["summary_message"]
    assert [e["summary_message"]["params"]["v"] for e in entries[15:19]] == [1, True, 1.0, "1"]
    assert [type(e["summary_message"]["params"]["v"]) for e in entries[15:19]] == [
        int, bool, float, str]
    assert [e["summary_message"]["n"] for e in entries[19:21]] == [1, True]
    assert entries[20]["summary_message"]["n"] is True
    assert "summary_message" not in entries[-1]
    odd = dataclasses.replace(findings[0], summary=msg("{v}", v=math.nan))
    with pytest.raises(ValueError):  # as json.dumps(..., allow_nan=False) refuses it
        result_bytes(build_result([claim("c", [odd])], [odd]))


JSON_TEXT = st.one_of(
    TEXT,
    st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=6),
                       st.sampled_from(["\u3000", "\ue000", "\U000f0000", "\u0378", "\u00ad",
                                        "\U0001d11e", "ü\nß"])), max_size=12).map("".join),
    EVIDENCE_VALUE.map(lambda v: json.dumps(to_jsonable(v), indent=2, ensure_ascii=False)),
)


@settings(max_examples=500, deadline=None)
@given(JSON_TEXT)
def test_json_escaping_fast_paths_match_the_expression(text: str) -> None:
    from posture.sanitize import _NON_ASCII_OR_DEL, _json_escape_match, escape_json_bytes

    expected = _NON_ASCII_OR_DEL.sub(_json_escape_match, text)  # the definition
    assert escape_json_invisible(text) == expected
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: never in encoded JSON text
        return
    assert escape_json_bytes(data) == expected.encode("utf-8")


def test_accented_reports_are_escaped_a_piece_at_a_time() -> None:
    evidences = [{"n": n, "owner": "Zoë Ångström", "bidi": "\u202e" if n == 299 else ""}
                 for n in range(300)]
    result = fleet(evidences, ["Ärger \u00e9"])
    for written, expected in ((result_bytes(result), reference_report(result)),
                              (render_sarif(result), reference_sarif(result))):
        assert written == expected
        assert "Zoë".encode() in written and b"\\u202e" in written and "\u202e".encode() \
            not in written
