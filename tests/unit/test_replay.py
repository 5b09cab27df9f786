"""The collector end to end on recorded hosts: batch building, splitting, classification and
parsing without a server (recordings under tests/data/hosts/, one folder per host)."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from posture.collect.collector import CollectOptions, collect
from posture.collect.replay import ReplaySession
from posture.inventory import load_inventory
from posture.judge.evaluate import collection_plan, evaluate, selected_claims
from posture.models import FactsSnapshot, FactStatus

HOSTS = Path(__file__).parents[1] / "data" / "hosts"
DEMO = Path(__file__).parents[2] / "inventory" / "demo.yml"
RECORDED = HOSTS / "debian12-apache-mariadb"


def _snapshot(folder: Path, keys: set[str] | None = None) -> tuple[FactsSnapshot, set[str]]:
    inventory = load_inventory(DEMO)
    plan = collection_plan(inventory, selected_claims(inventory, []))
    wanted = keys if keys is not None else set(plan["host"]["lab"])
    snapshot = collect(inventory, {"host": {"lab": wanted}},
                       CollectOptions(session_factory=lambda host: ReplaySession(folder)))
    # Judge as of the recording's own clock, so ages do not drift as the files grow old.
    clock = int((folder / "host.time.out").read_text().split()[0])
    when = datetime.fromtimestamp(clock, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return dataclasses.replace(snapshot, scan_time=when), wanted


def test_recorded_host_parses_every_fact() -> None:
    snapshot, wanted = _snapshot(RECORDED)
    host = snapshot.hosts["lab"]
    assert host.reachable and host.round_trips == 2
    recorded = {p.name.removesuffix(".out") for p in RECORDED.glob("*.out")}
    from posture.collect.facts.registry import BY_KEY
    assert {k for k in wanted if k in BY_KEY} == recorded  # every SSH fact is recorded
    not_ok = {k: f.reason for k, f in host.facts.items() if k in recorded and not f.ok}
    assert not_ok == {}
    assert host.facts["os.release"].value["ID"] == "debian"  # type: ignore[index]
    summary = host.facts["accounts.password_summary"].value
    assert summary["judged"] >= 2  # type: ignore[index]


def test_recorded_host_is_judged_like_the_live_one() -> None:
    snapshot, _ = _snapshot(RECORDED)
    result = evaluate(load_inventory(DEMO), snapshot)
    status = {f.id: f.status.value for f in result.findings if f.target == "lab"}
    assert status["accounts.password_age@lab"] == "fail"  # pstlegacy: 200 days, planted
    age = next(f for f in result.findings if f.id == "accounts.password_age@lab")
    assert "pstlegacy" in age.summary
    assert status["ssh.password_authentication@lab"] == "fail"  # planted: passwords on


def test_a_fact_the_recording_lacks_is_missing_not_passed(tmp_path: Path) -> None:
    folder = tmp_path / "host"
    shutil.copytree(RECORDED, folder)
    (folder / "os.release.out").unlink()
    snapshot, _ = _snapshot(folder, {"os.release", "host.time"})
    fact = snapshot.hosts["lab"].facts["os.release"]
    assert fact.status is FactStatus.MISSING


def test_a_recorded_sudo_refusal_denies_the_root_facts(tmp_path: Path) -> None:
    folder = tmp_path / "host"
    shutil.copytree(RECORDED, folder)
    (folder / "host.json").write_text('{"host_key": "x", "sudo": "needs_password"}\n')
    snapshot, _ = _snapshot(folder, {"os.release", "host.time", "accounts.shadow"})
    facts = snapshot.hosts["lab"].facts
    assert facts["os.release"].ok
    assert facts["accounts.shadow"].status is FactStatus.DENIED


RECORDINGS = ("debian12-apache-mariadb",)
"""Every recorded host, by name: a missing folder fails below instead of shrinking the list."""


def test_the_recordings_are_the_listed_ones() -> None:
    assert sorted(p.name for p in HOSTS.iterdir() if p.is_dir()) == sorted(RECORDINGS)


@pytest.mark.parametrize("name", RECORDINGS)
def test_every_recording_replays_without_a_crash(name: str) -> None:
    folder = HOSTS / name
    assert folder.is_dir(), f"recording missing: {folder}"
    snapshot, _ = _snapshot(folder)
    assert snapshot.hosts["lab"].reachable
