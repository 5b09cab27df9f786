"""``report.json`` written finding by finding is the very document of the standard library."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fixtures_result import (
    build_result,
    claim,
    clean_result,
    finding,
    hostile_result,
    mixed_result,
    waived_result,
)

from posture import jsontext
from posture.models import ScanResult, Status
from posture.sanitize import escape_json_invisible
from posture.store.results import _streamed, result_bytes, result_from_json, result_to_jsonable

pytestmark = pytest.mark.skipif(not jsontext.available(), reason="orjson is not installed")


def reference(result: ScanResult) -> bytes:
    """The standard library's report: what ``result_bytes`` wrote before the fast path."""
    text = json.dumps(result_to_jsonable(result), indent=2, ensure_ascii=False,
                      allow_nan=False) + "\n"
    return escape_json_invisible(text).encode("utf-8")


def with_evidence(**evidence: Any) -> ScanResult:
    plain = finding("versions.os", "vps1", Status.PASS, version="12")
    odd = finding("versions.apache", "vps1", Status.FAIL, **evidence)
    return build_result([claim("c1", [plain, odd])], [plain, odd])


@pytest.mark.parametrize("make", [mixed_result, clean_result, hostile_result, waived_result])
def test_fixture_reports_are_streamed_byte_for_byte(make: Any) -> None:
    result = make()
    assert _streamed(result) is not None, "the fast path should take plain reports"
    assert result_bytes(result) == reference(result)


def test_a_report_without_findings() -> None:
    result = build_result([claim("c1", [])], [])
    assert b'"findings": [],' in result_bytes(result)
    assert result_bytes(result) == reference(result)


@pytest.mark.parametrize("evidence", [
    {"surrogate": "a\udc80b"},                # orjson refuses it: the whole report falls back
    {"tiny": 1e-07, "big": 2**70},           # float form and integer size differ in orjson
    {"bidi": "\u202e\u2066", "del": "\x7f", "accents": "é"},  # escaped after streaming
    {"nested": {"deep": [[{"x": "line\nbreak"}]], "empty": {}, "list": []}},
])
def test_hostile_evidence(evidence: dict[str, Any]) -> None:
    result = with_evidence(**evidence)
    data = result_bytes(result)
    assert data == reference(result)
    assert result_from_json(json.loads(data)).findings[1].evidence == evidence


def test_only_a_top_level_findings_key_is_replaced() -> None:
    # A string that looks like the placeholder sits inside a value, escaped and deeper.
    fake = '\n  "findings": [],'
    result = with_evidence(fake=fake, **{'"findings"': []})
    assert result_bytes(result) == reference(result)
