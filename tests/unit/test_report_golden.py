"""Golden files of every renderer: any change to a report's bytes must be deliberate.

Regenerate after an intended change with ``POSTURE_UPDATE_GOLDEN=1 pytest
tests/unit/test_report_golden.py`` and review the diff of ``tests/data/golden/``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures_result import (
    EXPIRED_WAIVER,
    HOSTILE,
    IMG_ONERROR,
    SCRIPT,
    VPS1,
    VPS2,
    build_result,
    claim,
    finding,
    hostile_result,
    mixed_result,
    waived_result,
)
from report_samples import sample_history

from posture.judge.waivers import apply_waivers
from posture.models import FactSource, ScanResult, Severity, Status
from posture.render import Format, render

GOLDEN = Path(__file__).parents[1] / "data" / "golden"
UPDATE = os.environ.get("POSTURE_UPDATE_GOLDEN") == "1"

def sourced_result() -> ScanResult:
    """The facts behind findings (commands, sudo, reasons, unknown states) and long evidence.

    Two findings share fact sources, with and without a reason, so a report that builds a
    repeated source once must still write each one as it is.
    """
    cmd = "sshd -T -C user=root,host=x,addr=198.18.0.1"
    shared = FactSource("sshd.config", "ok", cmd, True)
    denied = FactSource("accounts.shadow", "denied", "getent shadow", True,
                        "sudo: a password is required")
    hostile = FactSource(f"x.{SCRIPT}", f"we{IMG_ONERROR}ird", f"cat {SCRIPT}", False,
                         f"{HOSTILE} timed out")
    long_evidence = {f"k{n:02d}": {"v": n, "tags": [SCRIPT, None, True]} for n in range(45)}
    first = dataclasses.replace(
        finding("ssh.root_login", "vps1", Status.FAIL, **long_evidence),
        sources=(shared, denied, hostile, FactSource("os.release", "ok")))
    second = dataclasses.replace(
        finding("ssh.password_authentication", "vps1", Status.ERROR, nested={"a": {}, "b": []}),
        sources=(shared, dataclasses.replace(shared, reason="fact was not gathered"),
                 dataclasses.replace(shared, privileged=False)),
        title="", remediation="")
    third = dataclasses.replace(finding("ssh.root_login", "vps2", Status.PASS),
                                sources=(dataclasses.replace(denied, status="ok", reason=""),))
    claims = (claim("ssh", [first, second, third]), claim("root", [first], Severity.LOW))
    base = build_result(claims, (first, second, third), (VPS1, VPS2))
    waivers = (dataclasses.replace(EXPIRED_WAIVER, id="ssh.root_login@vps1"),)
    judged, by_id = apply_waivers(base.claims, {f.id: f for f in base.findings}, waivers)
    return dataclasses.replace(base, claims=judged, findings=tuple(by_id.values()),
                               waivers=waivers)


CASES: dict[str, Callable[[], bytes]] = {
    "mixed.en.html": lambda: render(mixed_result(), Format.HTML, history=sample_history()),
    "mixed.nl.html": lambda: render(mixed_result(), Format.HTML, lang="nl",
                                    history=sample_history()),
    "mixed.json": lambda: render(mixed_result(), Format.JSON),
    "mixed.sarif": lambda: render(mixed_result(), Format.SARIF),
    "mixed.junit.xml": lambda: render(mixed_result(), Format.JUNIT),
    "waived.en.html": lambda: render(waived_result(), Format.HTML),
    "waived.json": lambda: render(waived_result(), Format.JSON),
    "waived.sarif": lambda: render(waived_result(), Format.SARIF),
    "waived.junit.xml": lambda: render(waived_result(), Format.JUNIT),
    "hostile.en.html": lambda: render(hostile_result(), Format.HTML),
    "sourced.en.html": lambda: render(sourced_result(), Format.HTML),
    "sourced.nl.html": lambda: render(sourced_result(), Format.HTML, lang="nl"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    produced = CASES[name]()
    path = GOLDEN / name
    if UPDATE:
        path.write_bytes(produced)
    assert path.is_file(), f"{path} missing: run with POSTURE_UPDATE_GOLDEN=1"
    assert produced == path.read_bytes(), (
        f"{name} differs from {path}; if intended, regenerate with POSTURE_UPDATE_GOLDEN=1"
    )


def test_rendering_is_deterministic() -> None:
    for name, make in CASES.items():
        assert make() == make(), name
