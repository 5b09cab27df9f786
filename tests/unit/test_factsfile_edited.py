"""`posture evaluate` on hand-edited facts files: a clear exit 3 with the reason, never a
crash (exit 4) and never a wrong reading (a string "false" is not reachable)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from posture.cli import main
from posture.errors import FactsFileError
from posture.store.factsfile import MAX_DEPTH, loads
from tests.exitcodes import expected_exit

DATA = Path(__file__).parents[1] / "data"
INVENTORY = Path(__file__).parents[2] / "inventory" / "demo.yml"


def _recorded() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "demo-facts-before.json").read_text())
    return data


def _evaluate(tmp_path: Path, body: bytes) -> tuple[int, str]:
    facts = tmp_path / "facts.json"
    facts.write_bytes(body)
    code = main(["evaluate", "--facts", str(facts), "-i", str(INVENTORY),
                 "-o", str(tmp_path / "out"), "--format", "json", "-q"])
    return code, str(facts)


def test_the_recorded_file_still_evaluates(tmp_path: Path) -> None:
    code, _ = _evaluate(tmp_path, json.dumps(_recorded()).encode())
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert code == expected_exit(report) == 1  # the demo's planted contradictions


@pytest.mark.parametrize("scan_time", ["yesterday", "2026-13-01T00:00:00Z", 12, None,
                                       "2026-11-25T10:00:00"])
def test_a_bad_scan_time_is_exit_3(scan_time: Any, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    data = {**_recorded(), "scan_time": scan_time}
    code, path = _evaluate(tmp_path, json.dumps(data).encode())
    err = capsys.readouterr().err
    assert code == 3, err
    assert f"{path}: scan_time must be an ISO 8601 time with a zone" in err


def test_a_non_utf8_byte_is_exit_3_with_its_line(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    text = json.dumps(_recorded(), indent=1).encode()
    at = text.index(b'"organisation"') if b'"organisation"' in text else text.index(b'"hosts"')
    body = text[:at] + b'"x": "caf\xe9", ' + text[at:]
    code, path = _evaluate(tmp_path, body)
    err = capsys.readouterr().err
    assert code == 3, err
    line = body[:at].count(b"\n") + 1
    assert f"{path}:{line}: not UTF-8 text (byte 0xe9)" in err


@pytest.mark.parametrize("depth", [MAX_DEPTH + 5, 100_000])
def test_deep_nesting_is_exit_3(depth: int, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    data = _recorded()
    host = next(iter(data["hosts"].values()))
    host["facts"]["os.release"]["value"] = "NEST"
    text = json.dumps(data).replace('"NEST"', "[" * depth + "]" * depth)
    code, _ = _evaluate(tmp_path, text.encode())
    err = capsys.readouterr().err
    assert code == 3, err
    assert f"nested deeper than {MAX_DEPTH} levels" in err


@pytest.mark.parametrize("value", ["false", "true", 0, 1, None])
def test_reachable_must_be_a_boolean(value: Any) -> None:
    data = _recorded()
    next(iter(data["hosts"].values()))["reachable"] = value
    with pytest.raises(FactsFileError, match="reachable must be true or false"):
        loads(json.dumps(data))


def test_reachable_false_is_read_as_unreachable() -> None:
    data = _recorded()
    name = next(iter(data["hosts"]))
    data["hosts"][name]["reachable"] = False
    assert loads(json.dumps(data)).hosts[name].reachable is False
