"""Other connections: the local machine, hosts reached through Ansible (real ansible-core over
real sshd), and hosts read straight from an Ansible inventory."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from posture.cli import main
from posture.collect.collector import CollectOptions, collect
from posture.collect.transport.local_session import LocalSession
from posture.collect.transport.session import open_session
from posture.inventory import load_inventory
from posture.models import FactStatus
from tests.conftest import require_lab_part
from tests.exitcodes import expected_exit
from tests.labs.base import LabSshd

if TYPE_CHECKING:
    from conftest import LabUsers

pytestmark = pytest.mark.integration

CLAIMS = """\
claims:
  - id: os
    says: Debian.
    type: os_version
    expect: {distribution: debian, version: "12"}
    scope: {hosts: [HOSTS]}
  - id: rotation
    says: Passwords rotate.
    type: password_rotation
    expect: {max_age_days: 90}
    scope: {hosts: [HOSTS]}
"""
PLAN_KEYS = {"os.release", "accounts.shadow", "host.time"}


def _os_release_field(key: str) -> str:
    text = Path("/etc/os-release").read_text()
    return next((line.split("=", 1)[1].strip('"') for line in text.splitlines()
                 if line.startswith(f"{key}=")), "")


def _os_release_id() -> str:
    return _os_release_field("ID")


def _os_release() -> tuple[str, str]:
    return _os_release_field("ID"), _os_release_field("VERSION_ID")


def test_local_session_runs_the_batch(tmp_path: Path) -> None:
    path = tmp_path / "local.yml"
    path.write_text("version: 1\nhosts:\n  - {name: me, address: localhost, connection: local, "
                    "ssh: {sudo: true}}\n" + CLAIMS.replace("HOSTS", "me"))
    inventory = load_inventory(path)
    session = open_session(inventory.hosts[0])
    assert isinstance(session, LocalSession)
    with session:
        slow = session.run("sleep 5", timeout=0.5)
        assert slow.timed_out and slow.exit_status is None and slow.duration_s < 3
        big = session.run("head -c 100000 /dev/zero", timeout=5, max_stdout=1000)
        assert big.truncated and len(big.stdout) == 1000
    snapshot = collect(inventory, {"host": {"me": set(PLAN_KEYS)}}, CollectOptions())
    me = snapshot.hosts["me"]
    assert me.reachable and me.host_key == "local" and me.round_trips == 2
    assert me.facts["os.release"].value["ID"] == _os_release_id()  # type: ignore[index]
    shadow = me.facts["accounts.shadow"]
    assert shadow.ok and shadow.privileged
    assert any(e["name"] == "root" for e in shadow.value)  # type: ignore[union-attr]


def _ansible_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = str(Path(sys.executable).parent)
    if not Path(bin_dir, "ansible").exists() and not shutil.which("ansible"):
        require_lab_part("ansible-core is not installed (it is in the test extras)")
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("ANSIBLE_NOCOLOR", "1")


def _ansible_ini(path: Path, sshd: LabSshd, users: LabUsers, user: str) -> None:
    path.write_text(
        "[shop]\n"
        f"lab1 ansible_host=127.0.0.1 ansible_port={sshd.port} ansible_user={user} "
        f"ansible_ssh_private_key_file={users.key} ansible_become=true "
        f"ansible_python_interpreter=/usr/bin/python3 "
        f"ansible_ssh_common_args='-o UserKnownHostsFile={sshd.known_hosts} -F /dev/null'\n")


def test_ansible_connection_runs_one_task_per_level(lab_sshd: LabSshd, lab_users: LabUsers,
                                                    tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _ansible_ready(monkeypatch)
    ini = tmp_path / "hosts.ini"
    _ansible_ini(ini, lab_sshd, lab_users, lab_users.auditor)
    path = tmp_path / "inv.yml"
    path.write_text(f"version: 1\nhosts:\n  - {{name: lab1, address: lab1, connection: ansible, "
                    f"ansible_inventory: {ini}, ssh: {{sudo: true}}}}\n"
                    + CLAIMS.replace("HOSTS", "lab1"))
    snapshot = collect(load_inventory(path), {"host": {"lab1": set(PLAN_KEYS)}},
                       CollectOptions())
    lab1 = snapshot.hosts["lab1"]
    assert lab1.reachable, lab1.errors
    assert lab1.round_trips == 2 and lab1.connections == 2  # one task per privilege level
    assert lab1.facts["os.release"].ok
    shadow = lab1.facts["accounts.shadow"]
    assert shadow.ok and shadow.privileged, shadow
    assert any(e["name"] == lab_users.auditor for e in shadow.value)  # type: ignore[union-attr]
    # A user whose sudo needs a password: Ansible's become fails, the root facts are denied.
    _ansible_ini(ini, lab_sshd, lab_users, lab_users.sudoer)
    denied = collect(load_inventory(path), {"host": {"lab1": set(PLAN_KEYS)}},
                     CollectOptions()).hosts["lab1"]
    assert denied.facts["os.release"].ok
    assert denied.facts["accounts.shadow"].status is FactStatus.DENIED, denied.facts


def test_scan_reads_an_ansible_inventory(lab_sshd: LabSshd, lab_users: LabUsers,
                                         tmp_path: Path) -> None:
    """--ansible-inventory: hosts from Ansible, claims and defaults from -i; posture's own SSH."""
    ini = tmp_path / "hosts.ini"
    _ansible_ini(ini, lab_sshd, lab_users, lab_users.auditor)
    inv = tmp_path / "claims.yml"
    inv.write_text(f"version: 1\ndefaults:\n  ssh: {{known_hosts: {lab_sshd.known_hosts}, "
                   f"ssh_config: /dev/null}}\n" + CLAIMS.replace("HOSTS", "lab1"))
    out = tmp_path / "out"
    code = main(["scan", "-i", str(inv), "--ansible-inventory", str(ini), "-o", str(out),
                 "--format", "json", "-q", "--no-history", "--save-facts",
                 str(tmp_path / "facts.json")])
    report = json.loads((out / "report.json").read_text())
    # judged: nothing undetermined on a reachable host with sudo
    assert code == expected_exit(report) != 2
    [host] = report["hosts"]
    assert host["name"] == "lab1" and host["reachable"], host
    facts = json.loads((tmp_path / "facts.json").read_text())["hosts"]["lab1"]["facts"]
    assert facts["accounts.shadow"]["status"] == "ok"  # ansible_become=true -> sudo: true
    verdicts = {c["id"]: c["verdict"] for c in report["claims"]}
    # judged against this machine: the claim says Debian 12
    assert verdicts["os"] == ("verified" if _os_release() == ("debian", "12") else "contradicted")
