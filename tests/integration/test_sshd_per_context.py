"""sshd as each client meets it, on real OpenSSH servers on loopback (``posture scan``).

Each server runs with the main config saying ``PasswordAuthentication no`` and an
``Include`` of a drop-in folder holding a ``Match Address`` block that turns passwords back on.
Plain ``sshd -T`` says "no" for both; only ``sshd -T -C`` per connection context tells them
apart: the block for a declared SSH source fails with its file:line, the block for a network
no client reaches passes (and is named as unreachable).
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
from pathlib import Path

import pytest

from posture.cli import main
from tests.conftest import LabUsers, require_lab_part
from tests.labs.base import Lab, LabSshd, free_port

pytestmark = pytest.mark.integration

KEYS_ONLY = {"PasswordAuthentication": "no", "KbdInteractiveAuthentication": "no"}


def _start(lab: Lab, name: str, dropin: str) -> tuple[LabSshd, Path]:
    """An sshd whose only password-enabling line is the Match block in ``dropin``."""
    folder = lab.workdir / f"sshd-{name}" / "sshd_config.d"
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "50-office.conf"
    conf.write_text(dropin)
    sshd = lab.start_sshd(name, options={**KEYS_ONLY, "Include": f"{folder}/*.conf"})
    return sshd, conf


def _scan(tmp_path: Path, sshd: LabSshd, users: LabUsers, ssh_sources: list[str]) -> dict:
    inventory = tmp_path / "inv.yml"
    inventory.write_text(f"""\
version: 1
organisation: Lab shop
defaults:
  ssh:
    user: {users.auditor}
    key_file: {users.key}
    known_hosts: {sshd.known_hosts}
    ssh_config: /dev/null
    sudo: true
  timeouts: {{connect: 3, command: 30, host: 90}}
hosts:
  - name: lab
    address: {sshd.address}
    ssh: {{port: {sshd.port}}}
claims:
  - id: channels
    says: Administration only with keys over SSH.
    type: encrypted_admin_channels
    scope: {{hosts: [lab]}}
  - id: allow
    says: SSH only from the office network.
    type: ip_allowlist
    expect: {{ssh: {json.dumps(ssh_sources)}}}
    scope: {{hosts: [lab]}}
""")
    out, facts = tmp_path / "out", tmp_path / "facts.json"
    main(["scan", "-i", str(inventory), "-o", str(out), "--format", "json", "-q",
          "--save-facts", str(facts)])
    report = json.loads((out / "report.json").read_text())
    host = json.loads(facts.read_text())["hosts"]["lab"]
    assert host["connections"] == 1 and host["round_trips"] <= 2  # still one batch per level
    return {f["id"]: f for f in report["findings"]} | {"_facts": host["facts"]}


def _plain_sshd_t_says_no(sshd: LabSshd) -> None:
    """What posture read before: plain sshd -T hides the Match block."""
    out = subprocess.run(["/usr/sbin/sshd", "-T", "-f", str(sshd.config_path)],
                         capture_output=True, text=True, check=True).stdout
    assert "passwordauthentication no" in out.splitlines()


def test_match_block_for_a_declared_source_fails_with_file_and_line(
        tmp_path: Path, lab: Lab, lab_users: LabUsers) -> None:
    sshd, conf = _start(lab, "ctxfail", "# office network\nMatch Address 10.0.0.0/8\n"
                                        "    PasswordAuthentication yes\n")
    _plain_sshd_t_says_no(sshd)
    findings = _scan(tmp_path, sshd, lab_users, ["10.0.0.0/8"])
    finding = findings["ssh.password_authentication@lab"]
    assert finding["status"] == "fail", finding
    assert f"{conf}:2 (Match Address 10.0.0.0/8)" in finding["summary"]
    assert "from 10.0.0.1" in finding["summary"]
    contexts = findings["_facts"]["sshd.contexts"]["value"]
    assert str(conf) in contexts["files"]  # the drop-in, as sshd itself read it
    # The address this audit came from is a context of its own.
    assert any(c["kind"] == "auditor" and c["addr"] == "127.0.0.1" for c in contexts["contexts"])
    assert findings["_facts"]["sshd.config"]["value"]["passwordauthentication"] == ["no"]
    age_logins = [f for i, f in findings.items() if i.startswith("accounts.password_age")]
    assert all(str(f["evidence"].get("ssh_password_logins", "yes")).startswith("yes")
               for f in age_logins)


def _unreached_network() -> ipaddress.IPv4Network:
    """A private network this machine is not attached to (a CI container often sits in
    172.16.0.0/12: then the shared address space is used)."""
    attached = [ipaddress.ip_interface(word).ip for word in subprocess.run(
        ["ip", "-o", "addr", "show"], capture_output=True, text=True, check=True).stdout.split()
        if "/" in word and word[0].isdigit()]
    for candidate in ("172.16.0.0/12", "100.64.0.0/10"):
        network = ipaddress.IPv4Network(candidate)
        if not any(ip in network for ip in attached):
            return network
    require_lab_part("this machine is attached to 172.16.0.0/12 and 100.64.0.0/10")
    raise AssertionError("unreachable")


def test_match_block_for_an_unreached_network_passes_and_is_named(
        tmp_path: Path, lab: Lab, lab_users: LabUsers) -> None:
    unreached = _unreached_network()
    sshd, conf = _start(lab, "ctxpass", f"Match Address {unreached}\n"
                                        "    PasswordAuthentication yes\n")
    findings = _scan(tmp_path, sshd, lab_users, ["10.0.0.0/8"])
    finding = findings["ssh.password_authentication@lab"]
    assert finding["status"] == "pass", finding
    assert finding["evidence"]["unreachable_blocks"][0].startswith(
        f"{conf}:1 (Match Address {unreached})")
    # The same block is a fail once the allowlist declares a network inside it.
    declared = ipaddress.IPv4Network((int(unreached.network_address) + 8 * 256, 24))
    (tmp_path / "declared").mkdir()
    findings = _scan(tmp_path / "declared", sshd, lab_users, [str(declared)])
    assert findings["ssh.password_authentication@lab"]["status"] == "fail"


def test_match_local_port_is_judged_per_port(tmp_path: Path, lab: Lab,
                                             lab_users: LabUsers) -> None:
    # Passwords only on a second port. Plain `sshd -T` refuses to run with this block.
    port, second = free_port(), free_port()
    folder = lab.workdir / "sshd-ctxport" / "sshd_config.d"
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "60-port.conf"
    conf.write_text(f"Match LocalPort {second}\n    PasswordAuthentication yes\n")
    sshd = lab.start_sshd("ctxport", port=port, options={
        **KEYS_ONLY, "Port": f"{port}\nPort {second}", "Include": f"{folder}/*.conf"})
    plain = subprocess.run(["/usr/sbin/sshd", "-T", "-f", str(sshd.config_path)],
                           capture_output=True, text=True)
    assert plain.returncode != 0 and "lport" in plain.stderr
    findings = _scan(tmp_path, sshd, lab_users, ["10.0.0.0/8"])
    assert findings["_facts"]["sshd.config"]["status"] == "ok"  # still read (outside Match)
    finding = findings["ssh.password_authentication@lab"]
    assert finding["status"] == "fail", finding
    assert f"{conf}:1 (Match LocalPort {second})" in finding["summary"]
    assert f"port {second}" in finding["summary"]
