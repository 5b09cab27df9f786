"""Many inventory hosts behind one real sshd with its default MaxStartups (10:30:100).

sshd drops new connections at random once 10 are unauthenticated; posture opens at most 8 at a
time to one address and retries a connection dropped before authentication, so a scan of many
hosts behind one address at a high concurrency reports none of them unreachable. A failed
authentication is an answer and is never retried.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from posture.collect.collector import CollectOptions, collect
from posture.inventory import load_inventory
from tests.labs.base import Lab, LabSshd

if TYPE_CHECKING:
    from conftest import LabUsers

pytestmark = pytest.mark.integration

HOSTS = 40
CONCURRENCY = 30


@pytest.fixture(scope="module")
def crowded_sshd(lab: Lab, lab_users: LabUsers) -> LabSshd:
    """An sshd of its own with sshd's defaults for MaxStartups (the option is never set)."""
    sshd = lab.start_sshd("crowded")
    assert "maxstartups" not in sshd.config_path.read_text().lower()
    return sshd


def fleet_inventory(path: Path, sshd: LabSshd, user: str, key: Path, count: int) -> Path:
    """``count`` inventory hosts that are all the one sshd."""
    hosts = "".join(f"  - {{name: node-{i:04d}, address: {sshd.address}}}\n" for i in range(count))
    path.write_text(
        "version: 1\n"
        "defaults:\n"
        f"  ssh: {{user: {user}, port: {sshd.port}, key_file: {key}, "
        f"known_hosts: {sshd.known_hosts}, ssh_config: /dev/null}}\n"
        "  timeouts: {connect: 10, command: 30, host: 120}\n"
        f"hosts:\n{hosts}")
    return path


def test_forty_hosts_behind_one_sshd_all_answer(tmp_path: Path, crowded_sshd: LabSshd,
                                                 lab_users: LabUsers) -> None:
    inventory = load_inventory(fleet_inventory(tmp_path / "fleet.yml", crowded_sshd,
                                               lab_users.auditor, lab_users.key, HOSTS))
    plan = {"host": {h.name: {"os.release"} for h in inventory.hosts}}
    started = time.monotonic()
    snapshot = collect(inventory, plan, CollectOptions(concurrency=CONCURRENCY))
    took = time.monotonic() - started
    errors = {n: h.errors for n, h in snapshot.hosts.items() if h.errors or not h.reachable}
    assert errors == {}, f"{len(errors)} of {HOSTS} hosts failed: {list(errors.items())[:3]}"
    assert all(h.facts["os.release"].ok for h in snapshot.hosts.values())
    assert len(snapshot.hosts) == HOSTS
    assert took < 60


def test_a_refused_key_is_tried_once(tmp_path: Path, crowded_sshd: LabSshd, lab: Lab,
                                     lab_users: LabUsers) -> None:
    stranger = tmp_path / "stranger_ed25519"
    import subprocess
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)],
                   check=True)
    inventory = load_inventory(fleet_inventory(tmp_path / "one.yml", crowded_sshd,
                                               lab_users.auditor, stranger, 1))
    before = crowded_sshd.log_text().count("Connection from")
    snapshot = collect(inventory, {"host": {"node-0000": {"os.release"}}}, CollectOptions())
    host = snapshot.hosts["node-0000"]
    assert not host.reachable and host.errors
    assert "attempts" not in host.errors[0]  # not treated as a dropped connection
    time.sleep(0.3)  # sshd writes its log line as it accepts
    assert crowded_sshd.log_text().count("Connection from") - before == 1
    assert re.search(r"Connection from", crowded_sshd.log_text())
