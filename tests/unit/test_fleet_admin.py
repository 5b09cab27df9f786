"""Shards, merging facts, posture init, sudoers rules and --dry-run (no network)."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from posture.cli import main
from posture.cli.init_cmd import Answers, init_command, interview
from posture.collect.leastpriv import (
    render_sudoers,
    render_wrapper,
    root_specs,
    wrapper_specs,
)
from posture.errors import FactsFileError, UsageError
from posture.inventory import load_inventory
from posture.models import Fact, FactsSnapshot, FactStatus, HostFacts
from posture.store.fleet import merge_snapshots, parse_shard, shard_inventory, shard_of
from tests.conftest import require_lab_part

HOSTS = "".join(f"  - {{name: web{i}, address: 192.0.2.{i}}}\n" for i in range(1, 21))
INVENTORY = f"""\
version: 1
defaults:
  ssh: {{user: auditor, sudo: true, known_hosts: /dev/null, key_file: /dev/null}}
hosts:
{HOSTS}claims:
  - id: os
    says: Debian everywhere.
    type: os_version
    expect: {{distribution: debian, version: "12"}}
    scope: {{hosts: [{", ".join(f"web{i}" for i in range(1, 21))}]}}
  - id: rotation
    says: Passwords rotate.
    type: password_rotation
    expect: {{max_age_days: 90}}
    scope: {{hosts: [web1, web2]}}
  - id: admin
    says: Administration uses SSH only.
    type: encrypted_admin_channels
    scope: {{hosts: [web1, web2]}}
"""


@pytest.fixture
def inventory_file(tmp_path: Path) -> Path:
    path = tmp_path / "fleet.yml"
    path.write_text(INVENTORY)
    return path


def test_shards_partition_the_hosts_stably(inventory_file: Path) -> None:
    inventory = load_inventory(inventory_file)
    parts = [shard_inventory(inventory, k, 3) for k in (1, 2, 3)]
    names = [h.name for part in parts for h in part.hosts]
    assert sorted(names) == sorted(h.name for h in inventory.hosts)  # each host exactly once
    assert all(part.hosts for part in parts)  # 20 hosts over 3 shards: none empty
    assert shard_of("web7", 3) == shard_of("web7", 3) and parse_shard("2/3") == (2, 3)
    for part in parts:  # claims are cut to the shard's hosts; empty ones dropped
        held = {h.name for h in part.hosts}
        assert all(set(c.scope.hosts) <= held and c.scope.hosts for c in part.claims)
        assert part.sha256 == inventory.sha256
    with pytest.raises(UsageError):
        parse_shard("4/3")


def _snapshot(hosts: list[str], sha: str, time: str) -> FactsSnapshot:
    facts = {h: HostFacts(h, True, {"host.time": Fact("host.time", FactStatus.OK, 1)})
             for h in hosts}
    return FactsSnapshot(time, time, time, sha, facts, tool_version="0.1.0")


def test_merge_snapshots(inventory_file: Path) -> None:
    inventory = load_inventory(inventory_file)
    a = _snapshot(["web2", "web1"], inventory.sha256, "2026-01-02T00:00:00Z")
    b = _snapshot(["web3"], inventory.sha256, "2026-01-01T00:00:00Z")
    merged = merge_snapshots([("a", a), ("b", b)], inventory)
    assert list(merged.hosts) == ["web1", "web2", "web3"]  # inventory order
    assert merged.scan_time == "2026-01-01T00:00:00Z"
    with pytest.raises(FactsFileError, match="both a and c"):
        clash = replace(a, hosts={"web1": HostFacts("web1", False, {})})
        merge_snapshots([("a", a), ("c", clash)], inventory)
    with pytest.raises(FactsFileError, match="another version"):
        merge_snapshots([("x", _snapshot(["web1"], "0" * 64, "2026-01-01T00:00:00Z"))],
                        inventory)


def test_merge_command_judges_all_shards_as_one(inventory_file: Path, tmp_path: Path) -> None:
    from posture.store.factsfile import dumps

    inventory = load_inventory(inventory_file)
    files = []
    for k in (1, 2):
        part = shard_inventory(inventory, k, 2)
        path = tmp_path / f"facts-{k}.json"
        path.write_text(dumps(_snapshot([h.name for h in part.hosts], inventory.sha256,
                                        "2026-01-01T00:00:00Z")))
        files.append(str(path))
    out = tmp_path / "merged"
    code = main(["merge", "-i", str(inventory_file), "-o", str(out), "--format", "json", "-q",
                 "--no-history", *files])
    assert code == 2  # facts lack os.release etc: inconclusive, not a crash and not a pass
    import json

    report = json.loads((out / "report.json").read_text())
    assert {h["name"] for h in report["hosts"]} == {f"web{i}" for i in range(1, 21)}
    assert {c["id"] for c in report["claims"]} == {"os", "rotation", "admin"}


def test_dry_run_lists_commands_without_connecting(inventory_file: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "-i", str(inventory_file), "--dry-run", "--shard", "1/2"]) == 0
    out = capsys.readouterr().out
    assert "nothing is contacted" in out
    assert "user os.release:" in out and "cat /etc/os-release" in out
    shard = shard_inventory(load_inventory(inventory_file), 1, 2)
    for host in load_inventory(inventory_file).hosts:
        assert (f"host {host.name} " in out) == (host in shard.hosts)
    if any(h.name in ("web1", "web2") for h in shard.hosts):
        assert "root accounts.shadow:" in out
        # What runs includes the DATA a fact reads: sshd.contexts' source addresses (the
        # admin claim's need; the rotation claim reads it only for evidence).
        assert "root sshd.contexts:" in out
        assert "with these lines on its standard input:\n      anywhere internet 203.0.113.99" \
            in out


def _args(**kw: object) -> argparse.Namespace:
    base: dict[str, object] = {"host": [], "organisation": None, "user": None, "key_file": None,
                               "known_hosts": None, "connection": None, "no_sudo": False,
                               "claims": None, "non_interactive": True, "force": False}
    return argparse.Namespace(**{**base, **kw})


def test_init_non_interactive_writes_a_valid_inventory(tmp_path: Path) -> None:
    out = tmp_path / "posture.yml"
    code = main(["init", "--non-interactive", "-o", str(out), "--host", "web1=192.0.2.10",
                 "--host", "db1=[2001:db8::5]", "--user", "audit", "--key-file", "~/.ssh/k",
                 "--claims", "os_version,password_rotation,encrypted_admin_channels"])
    assert code == 0
    inventory = load_inventory(out)
    assert [h.address for h in inventory.hosts] == ["192.0.2.10", "2001:db8::5"]
    assert inventory.hosts[0].ssh.user == "audit" and inventory.hosts[0].ssh.sudo
    assert [c.type for c in inventory.claims] == [
        "os_version", "password_rotation", "encrypted_admin_channels"]
    assert out.read_text().startswith("# posture inventory written by 'posture init'")
    assert main(["init", "--non-interactive", "-o", str(out), "--host", "x=1.2.3.4"]) == 3
    assert main(["init", "--non-interactive", "-o", str(tmp_path / "n.yml")]) == 3
    assert main(["init", "--non-interactive", "-o", str(tmp_path / "b.yml"),
                 "--host", "bad name=1.2.3.4"]) == 3  # the loader refuses it: nothing written
    assert not (tmp_path / "b.yml").exists()


def test_init_interview(tmp_path: Path) -> None:
    answers = iter(["Shop", "oops=", "web1=192.0.2.1", "deploy", "", "n", "os_version"])
    result = interview(Answers(), lambda _q, _d: next(answers))
    assert (result.organisation, result.hosts, result.user, result.sudo) == (
        "Shop", [("web1", "192.0.2.1")], "deploy", False)
    replies = iter(["Shop", "web1=192.0.2.1", "deploy", "", "y", "os_version"])
    code = init_command(_args(output=str(tmp_path / "i.yml"), non_interactive=False),
                        ask=lambda _q, _d: next(replies))
    assert code == 0
    assert load_inventory(tmp_path / "i.yml").hosts[0].ssh.agent


def test_sudoers_rules_parse_with_visudo(tmp_path: Path) -> None:
    specs = root_specs({"accounts.shadow", "sshd.config", "os.release"})
    assert [s.key for s in specs] == ["sshd.config", "accounts.shadow"]  # root facts only
    text = render_sudoers("auditor", "/usr/local/libexec/posture-facts", specs, "test")
    assert "auditor ALL=(root) NOPASSWD: POSTURE_FACTS" in text
    path = tmp_path / "sudoers"
    path.write_text(text)
    visudo = shutil.which("visudo") or "/usr/sbin/visudo"
    if not Path(visudo).exists():
        require_lab_part("visudo not installed (Debian package sudo)")
    done = subprocess.run([visudo, "-c", "-f", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    with pytest.raises(UsageError):
        render_sudoers("bad user", "/x", specs, "test")


def test_wrapper_refuses_unknown_keys_and_stale_digests(tmp_path: Path) -> None:
    specs = root_specs({"accounts.shadow"})
    wrapper = tmp_path / "posture-facts"
    wrapper.write_text(render_wrapper(specs))
    [rewritten] = wrapper_specs(specs, str(wrapper))
    argv = rewritten.snippet.split()[-3:]
    good = subprocess.run(["sh", str(wrapper), *argv[1:]], capture_output=True, text=True)
    assert good.returncode == 0 and ":" in good.stdout  # shadow lines, reduced
    for bad in (["accounts.shadow", "0" * 16], ["os.release", argv[2]], [argv[1]]):
        done = subprocess.run(["sh", str(wrapper), *bad], capture_output=True, text=True)
        assert done.returncode == 125 and not done.stdout


def test_concurrency_bounds_hosts_in_flight(inventory_file: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time as clock

    from posture.collect import collector

    inventory = load_inventory(inventory_file)
    lock, state = threading.Lock(), {"now": 0, "peak": 0}

    def fake_host(work: collector._HostWork, *_: object) -> tuple[HostFacts, dict[str, object]]:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        clock.sleep(0.02)
        with lock:
            state["now"] -= 1
        return HostFacts(work.host.name, True, {}), {}

    monkeypatch.setattr(collector, "collect_host", fake_host)
    plan = {"host": {h.name: {"host.time"} for h in inventory.hosts}}
    for limit in (1, 3):
        state["peak"] = 0
        snapshot = collector.collect(inventory, plan, collector.CollectOptions(concurrency=limit))
        assert len(snapshot.hosts) == 20 and state["peak"] == limit
