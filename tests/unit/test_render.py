"""Renderers on sample results: contract shape, schema validity, hostile strings neutralised."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fixtures_result import (
    BIDI,
    HOSTILE,
    HOSTILE_FAIL,
    RICH_MARKUP,
    SCRIPT,
    TEMPLATE_INJECTION,
    clean_result,
    empty_result,
    mixed_result,
)

from posture.models import ScanResult, Status
from posture.render import FILENAMES, Format, render
from posture.render.console import render_console
from posture.sanitize import escape_json_invisible, is_unsafe_char, safe_markup, safe_text
from posture.store.jsonable import to_jsonable
from posture.store.results import ReportFormatError, result_from_json

RESULTS = {"mixed": mixed_result, "clean": clean_result, "empty": empty_result}
SARIF_SCHEMA_PATHS = (
    Path(__file__).parents[2].parent / "shared/data/sarif-schema-2.1.0.json",
    Path(__file__).parents[1] / "data/sarif-schema-2.1.0.json",
)
BAD_CHARS = ("\x1b", BIDI, "\x00", "\x07")


def _json(result: ScanResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(result, Format.JSON))
    return data


@pytest.fixture(params=sorted(RESULTS))
def result(request: pytest.FixtureRequest) -> ScanResult:
    return RESULTS[request.param]()


def test_formats_and_file_names() -> None:
    assert {f.value for f in Format} == {"html", "json", "sarif", "junit", "pdf"}
    assert FILENAMES[Format.JUNIT] == "report.junit.xml" and len(FILENAMES) == len(Format)
    assert render(mixed_result(), "json") == render(mixed_result(), Format.JSON)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        render(mixed_result(), "docx")  # type: ignore[arg-type]


# --- JSON -------------------------------------------------------------------------------------


def test_json_contract_shape() -> None:
    raw = render(mixed_result(), Format.JSON)
    assert raw.endswith(b"}\n") and raw.startswith(b'{\n  "schema"')
    data = json.loads(raw.decode("utf-8"))
    assert list(data)[:11] == [
        "schema", "tool", "started_at", "finished_at", "inventory", "statement", "score",
        "summary", "claims", "findings", "hosts",
    ]  # fmt: skip
    assert {"scan_time", "facts_sha256", "waivers"} <= set(data)
    assert data["schema"] == "posture.result/1"
    assert data["tool"] == {"name": "posture", "version": "0.1.0"}
    assert set(data["inventory"]) == {"organisation", "sha256"}
    assert list(data["score"]) == ["value", "grade", "coverage", "method"]
    assert data["score"]["value"] == 25.8 and data["score"]["grade"] == "F"
    claim = data["claims"][0]
    assert list(claim) == [
        "id", "type", "verdict", "says", "findings", "severity", "reason", "waived", "waiver",
    ]  # fmt: skip
    assert claim["verdict"] == "contradicted"
    assert claim["findings"] == ["tls.protocols@shop", "db.tls@shop-prod"]
    found = data["findings"][0]
    assert list(found) == [
        "id", "check", "target", "status", "severity", "summary", "evidence", "remediation",
        "title", "facts", "waiver",
    ]  # fmt: skip
    assert found["facts"][0]["key"] == "tls.versions" and found["waiver"] is None
    assert found["id"] == "tls.protocols@shop" and found["status"] == "fail"
    assert found["evidence"] == {"accepted": ["TLSv1", "TLSv1.1", "TLSv1.2"]}
    assert list(data["hosts"][1]) == ["name", "reachable", "errors", "host_key", "round_trips"]
    assert data["hosts"][1]["reachable"] is False
    assert {f["status"] for f in data["findings"]} == {s.value for s in Status}
    assert data["summary"]["claims"]["contradicted"] == 2
    assert data["summary"]["hosts"] == {"total": 2, "reachable": 1, "unreachable": 1}


def test_json_is_terminal_safe_and_lossless() -> None:
    raw = render(mixed_result(), Format.JSON).decode("utf-8")
    assert not any(ch in raw for ch in BAD_CHARS)
    assert "\\u202e" in raw
    assert _json(mixed_result())["inventory"]["organisation"] == f"Shop {HOSTILE}"


def test_json_round_trips(result: ScanResult) -> None:
    assert result_from_json(_json(result)) == result


def test_json_is_deterministic() -> None:
    assert render(mixed_result(), Format.JSON) == render(mixed_result(), Format.JSON)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("schema",), "posture.result/2", "schema"),
        (("findings", 0, "status"), "maybe", "findings[0].status"),
        (("findings", 0, "id"), "other@shop", "CHECK@TARGET"),
        (("hosts", 0, "reachable"), "yes", "hosts[0].reachable"),
        (("claims", 0, "findings"), [1], "claims[0].findings"),
        (("score", "value"), True, "score.value"),
        (("claims",), {}, "claims"),
    ],
)
def test_json_loader_rejects_bad_reports(path: tuple[Any, ...], value: Any, message: str) -> None:
    data = _json(mixed_result())
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ReportFormatError, match=re.escape(message)):
        result_from_json(data)


def test_json_loader_names_missing_keys() -> None:
    data = _json(mixed_result())
    del data["findings"][2]["summary"]
    with pytest.raises(ReportFormatError, match=r"findings\[2\]\.summary: missing"):
        result_from_json(data)
    with pytest.raises(ReportFormatError):
        result_from_json([])


def test_to_jsonable() -> None:
    assert to_jsonable({"a": (1, Status.FAIL), 2: {3.5, 1.5}}) == {
        "a": [1, "fail"],
        "2": [1.5, 3.5],
    }
    assert to_jsonable(float("nan")) == "nan" and to_jsonable(object()).startswith("<object")
    assert to_jsonable(mixed_result().hosts[0])["name"] == "vps1"


# --- SARIF ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_schema() -> dict[str, Any]:
    path = next(p for p in SARIF_SCHEMA_PATHS if p.is_file())
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def test_sarif_validates(result: ScanResult, sarif_schema: dict[str, Any]) -> None:
    log = json.loads(render(result, Format.SARIF))
    validator = jsonschema.validators.validator_for(sarif_schema)(sarif_schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []


def test_sarif_content() -> None:
    log = json.loads(render(mixed_result(), Format.SARIF))
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "posture" and driver["version"] == "0.1.0"
    assert driver["informationUri"] == "https://github.com/posture-audit/posture"
    rule_ids = [r["id"] for r in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids)) == 7
    assert driver["rules"][0]["shortDescription"]["text"] == "Title of tls.protocols"
    assert driver["rules"][0]["defaultConfiguration"]["level"] == "error"
    by_id = {r["partialFingerprints"]["postureFindingId/v1"]: r for r in run["results"]}
    assert len(by_id) == 7
    kinds = {fid: (r["kind"], r["level"]) for fid, r in by_id.items()}
    assert kinds["tls.protocols@shop"] == ("fail", "error")
    assert kinds[HOSTILE_FAIL.id] == ("fail", "note")  # low severity
    assert kinds["versions.apache@vps1"] == ("fail", "note")
    assert kinds["accounts.password_age@vps2"] == ("open", "none")
    assert kinds["db.tls@shop-prod"] == ("pass", "none")
    assert kinds["data.fictitious@shop-test"] == ("notApplicable", "none")
    tls = by_id["tls.protocols@shop"]
    assert driver["rules"][tls["ruleIndex"]]["id"] == tls["ruleId"] == "tls.protocols"
    assert tls["locations"][0]["logicalLocations"][0] == {"name": "shop", "kind": "resource"}
    assert "physicalLocation" not in tls["locations"][0]
    assert tls["properties"]["claims"] == ["tls-all-links"]
    assert tls["properties"]["evidence"] == {"accepted": ["TLSv1", "TLSv1.1", "TLSv1.2"]}
    assert tls["message"]["text"] == "TLS 1.0 and TLS 1.1 are accepted"
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"][0]["logicalLocations"][0]["name"] for n in notes] == ["vps2"]


def test_sarif_neutralises_messages() -> None:
    raw = render(mixed_result(), Format.SARIF).decode("utf-8")
    assert not any(ch in raw for ch in BAD_CHARS)
    message = json.loads(raw)["runs"][0]["results"][-1]["message"]["text"]
    assert not any(is_unsafe_char(ch) for ch in message)


# --- JUnit ------------------------------------------------------------------------------------


def _junit(result: ScanResult) -> ET.Element:
    return ET.fromstring(render(result, Format.JUNIT))


def test_junit_structure(result: ScanResult) -> None:
    root = _junit(result)
    assert root.tag == "testsuites"
    names = [suite.get("name") for suite in root.findall("testsuite")]
    assert names == [c.id for c in result.claims] + ["posture.hosts"]
    hosts = root.findall("testsuite")[-1]
    assert [c.get("name") for c in hosts.findall("testcase")] == [h.name for h in result.hosts]
    for suite in root.findall("testsuite"):
        assert suite.get("tests") == str(len(suite.findall("testcase")))
    for counter in ("tests", "failures", "errors", "skipped"):
        total = sum(int(s.get(counter, "")) for s in root.findall("testsuite"))
        assert root.get(counter) == str(total)


def test_junit_outcomes() -> None:
    root = _junit(mixed_result())
    cases = {
        (case.get("classname"), case.get("name")): case
        for case in root.iter("testcase")
    }  # fmt: skip
    tls = cases[("tls-all-links", "tls.protocols@shop")]
    failure = tls.find("failure")
    assert failure is not None and failure.get("message") == "TLS 1.0 and TLS 1.1 are accepted"
    assert "TLSv1.1" in (failure.text or "")
    assert list(cases[("tls-all-links", "db.tls@shop-prod")]) == []
    assert cases[("password-rotation", "accounts.password_age@vps2")].find("error") is not None
    assert cases[("test-data-fictitious", "data.fictitious@shop-test")].find("skipped") is not None
    warn = cases[("apache-version", "versions.apache@vps1")]
    assert warn.find("failure") is None and warn.find("system-out") is not None
    assert cases[("allowlist", "allowlist")].find("skipped") is not None
    vps2 = cases[("posture.hosts", "vps2")]
    error = vps2.find("error")
    assert error is not None and "connect timed out" in (error.text or "")
    assert cases[("posture.hosts", "vps1")].find("error") is None


def test_junit_strips_illegal_characters() -> None:
    raw = render(mixed_result(), Format.JUNIT).decode("utf-8")
    assert "\x00" not in raw and "\x07" not in raw and BIDI not in raw and "\x1b" not in raw
    assert "&lt;script&gt;" in raw


# --- HTML -------------------------------------------------------------------------------------


CSP = (
    '<meta http-equiv="Content-Security-Policy" '
    "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
)


@pytest.mark.parametrize("lang", ["en", "nl", "xx"])
def test_html_is_safe_and_self_contained(lang: str) -> None:
    html = render(mixed_result(), Format.HTML, lang=lang).decode("utf-8")
    shown = "nl" if lang == "nl" else "en"  # an unknown language falls back to English
    assert html.startswith("<!DOCTYPE html>") and f'<html lang="{shown}">' in html
    assert CSP in html
    assert "<script" not in html.lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert TEMPLATE_INJECTION in html
    assert not any(ch in html for ch in BAD_CHARS)
    assert "\\u202e" in html and "\\x1b[31m" in html
    for attr, value in re.findall(r"""\b(src|href)\s*=\s*["']?([^"'\s>]*)""", html, re.I):
        assert value.startswith(("#", "data:", "https://")), (attr, value)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert "<style>" in html and "@media print" in html and "size: A4" in html


def test_html_content() -> None:
    result = mixed_result()
    html = render(result, Format.HTML).decode("utf-8")
    for word in ("contradicted", "verified", "inconclusive", "not verifiable"):
        assert f"{word}</span>" in html
    for claim in result.claims[:5]:
        assert claim.id in html
    assert "Score" in html and "25.8 / 100" in html and ">F<" in html
    assert "ssh-ed25519 SHA256:9x8NwS1Tz3kq" in html
    assert "We promise tls-all-links." in html and "Fix first:</strong> Fix tls.protocols." in html
    assert 'href="https://shop.example/privacy"' in html
    assert "Appendix: how the score is computed" in html and "posture-score/1" in html
    tables = re.findall(r'<table class="evidence kv">(.*?)</table>', html, re.S)
    assert len(tables) == 5  # the error and not_applicable findings carry no evidence
    assert any(re.search(r"<td[^>]*>[^<]*TLSv1\.1", t) for t in tables)
    assert "<pre class=\"evidence\">" not in html  # raw JSON only in report.json
    assert "Fix tls.protocols." in html
    anchors = set(re.findall(r'id="((?:[cf]|cmd)-\d+)"', html))
    assert set(re.findall(r'href="#([^"]+)"', html)) <= anchors


def test_html_renders_empty_and_clean_results() -> None:
    assert "No claims in scope." in render(empty_result(), Format.HTML).decode("utf-8")
    assert "grade-A" in render(clean_result(), Format.HTML).decode("utf-8")


# --- console ----------------------------------------------------------------------------------


def test_console_plain() -> None:
    out = render_console(mixed_result(), color=False)
    assert not any(ch in out for ch in BAD_CHARS)
    assert RICH_MARKUP in out.replace("\n", "")  # markup shown, not interpreted
    assert TEMPLATE_INJECTION in out and SCRIPT in out
    for word in ("CONTRADICTED", "VERIFIED", "INCONCLUSIVE", "NOT_VERIFIABLE", "FAIL", "WARN"):
        assert word in out
    assert "UNREACHABLE vps2" in out and "Score 25.8/100" in out and "grade F" in out
    assert "db.tls@shop-prod" not in out  # passing findings are left out


def test_console_color_keeps_only_its_own_escapes() -> None:
    out = render_console(mixed_result(), color=True)
    assert "\x1b[" in out  # styles are on
    assert "\\x1b[31mred" in out and BIDI not in out and "\x00" not in out
    stripped = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert "\x1b" not in stripped


def test_console_empty_result() -> None:
    out = render_console(empty_result(), color=False)
    assert "no claims in scope" in out and "Score 0.0/100" in out


# --- sanitize ---------------------------------------------------------------------------------


def test_safe_text() -> None:
    assert safe_text("plain text") == "plain text"
    assert safe_text("a\x1b[31mb\u202ec\x00") == "a\\x1b[31mb\\u202ec\\x00"
    assert safe_text("x\ny\tz") == "x\\x0ay z"
    assert safe_text("x\ny", keep_newlines=True) == "x\ny"
    assert safe_text("\u2066\u2069\u200f\x85\ud800") == "\\u2066\\u2069\\u200f\\x85\\ud800"
    assert safe_text("é ü 漢字 🙂") == "é ü 漢字 🙂"
    assert safe_text("a" * 50, limit=10) == "a" * 10 + "…"
    assert len(safe_text("\x00" * 50, limit=10)) <= 11


def test_safe_markup() -> None:
    assert safe_markup("[bold]x[/bold]\x1b") == "\\[bold]x\\[/bold]\\x1b"


def test_escape_json_invisible_is_lossless() -> None:
    value = {"k": "a\x7f\x85\u202e\U000e0001\u2028 é 🙂"}
    text = escape_json_invisible(json.dumps(value, ensure_ascii=False))
    assert not any(is_unsafe_char(ch) for ch in text)
    assert "é 🙂" in text and json.loads(text) == value
