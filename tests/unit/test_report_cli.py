"""`posture evaluate` on two recorded demo scans: every format, both languages, trend and diff.

The facts were recorded from the demo lab (``scripts/demo.py``), before and after its sshd was
fixed to refuse passwords (``--fixed``). Replaying them needs no network.
"""

from __future__ import annotations

import json
import sqlite3
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from posture.cli import main

DATA = Path(__file__).parents[1] / "data"
INVENTORY = Path(__file__).parents[2] / "inventory" / "demo.yml"
FILES = ("report.html", "report.nl.html", "report.json", "report.sarif", "report.junit.xml")


def _evaluate(facts: str, out: Path, history: Path, *extra: str) -> int:
    return main(["evaluate", "--facts", str(DATA / facts), "-i", str(INVENTORY), "-o", str(out),
                 "--format", "html,json,sarif,junit", "--lang", "en,nl", "-q",
                 "--history", str(history), *extra])


def test_two_scans_show_the_improvement(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    history = tmp_path / "history.sqlite"
    before, after = tmp_path / "before", tmp_path / "after"
    assert _evaluate("demo-facts-before.json", before, history) == 1
    # Still 1: the after scan fixes SSH passwords but other claims stay contradicted.
    assert _evaluate("demo-facts-after.json", after, history) == 1
    for name in FILES:
        assert stat.S_IMODE((after / name).stat().st_mode) == 0o600, name
    old = json.loads((before / "report.json").read_text())
    new = json.loads((after / "report.json").read_text())
    assert new["score"]["value"] > old["score"]["value"]
    html = (after / "report.html").read_text()
    assert "Score of the last 2 scans" in html and "Since the previous scan" in html
    assert '<span class="mono">ssh.password_authentication@lab</span>: fail → pass' in html
    assert "Score van de laatste 2 scans" in (after / "report.nl.html").read_text()
    junit = ET.parse(after / "report.junit.xml").getroot()
    assert {s.get("name") for s in junit} >= {c["id"] for c in new["claims"]} | {"posture.hosts"}
    with sqlite3.connect(history) as db:
        assert db.execute("SELECT count(*) FROM scan_log").fetchone()[0] == 2
    capsys.readouterr()
    assert main(["diff", str(before / "report.json"), str(after / "report.json")]) == 0
    assert "fixed     finding ssh.password_authentication@lab: fail -> pass" in capsys.readouterr().out
    # The other way round the same change is a regression: exit 1.
    assert main(["diff", str(after / "report.json"), str(before / "report.json")]) == 1
    assert "regressed finding ssh.password_authentication@lab: pass -> fail" in \
        capsys.readouterr().out
    # Replaying a stored scan is recorded too (nothing is ever dropped), but the trend shows
    # the scan and its replay as one point.
    assert _evaluate("demo-facts-after.json", after, history) == 1
    with sqlite3.connect(history) as db:
        assert db.execute("SELECT count(*) FROM scan_log").fetchone()[0] == 3
    assert "Score of the last 2 scans" in (after / "report.html").read_text()


def _expected_exit(report: dict[str, object]) -> int:
    verdicts = {c["verdict"] for c in report["claims"] if not c["waived"]}  # type: ignore[attr-defined, index]
    if "contradicted" in verdicts:
        return 1
    return 2 if verdicts & {"inconclusive", "not_verifiable"} else 0


def test_fail_under_and_bad_language(tmp_path: Path) -> None:
    out, history = tmp_path / "r", tmp_path / "h"
    only = ("--only", "apache-version")
    code = _evaluate("demo-facts-after.json", out, history, *only, "--fail-under", "0")
    report = json.loads((out / "report.json").read_text())
    assert code == _expected_exit(report)
    code = _evaluate("demo-facts-after.json", out, history, *only, "--fail-under", "100")
    if report["score"]["value"] < 100:
        assert code == 1
    assert main(["evaluate", "--facts", str(DATA / "demo-facts-after.json"), "-i",
                 str(INVENTORY), "-o", str(out), "--lang", "fr"]) == 3
