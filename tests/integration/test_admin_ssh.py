"""SSH as admins use it, against real sshd on loopback: 2-hop chains (one hop over IPv6)
with host keys checked on every hop, ssh_config Include, the agent, and least-privilege sudo
through the generated wrapper and sudoers rules."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from posture.collect.collector import CollectOptions, collect
from posture.collect.leastpriv import render_sudoers, render_wrapper, root_specs
from posture.collect.transport.ssh import SshSession
from posture.errors import HostKeyError
from posture.inventory import load_inventory
from posture.models import FactStatus
from tests.labs.base import Lab, LabSshd

if TYPE_CHECKING:
    from conftest import HostFactory, LabUsers

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def hop6_sshd(lab: Lab, lab_users: LabUsers) -> LabSshd:
    """A second bastion that also listens on [::1] (same port)."""
    sshd = lab.start_sshd("hop6", options={"ListenAddress": "127.0.0.1\nListenAddress ::1"})
    line = sshd.known_hosts.read_text()
    sshd.known_hosts.write_text(line + line.replace("[127.0.0.1]", "[::1]"))
    return sshd


@pytest.fixture
def all_keys(tmp_path: Path, lab_sshd: LabSshd, jump_sshd: LabSshd,
             hop6_sshd: LabSshd) -> Path:
    path = tmp_path / "known_hosts"
    path.write_text("".join(s.known_hosts.read_text() for s in (lab_sshd, jump_sshd, hop6_sshd)))
    return path


def _chain(users: LabUsers, jump: LabSshd, hop6: LabSshd) -> str:
    return f"{users.auditor}@127.0.0.1:{jump.port},{users.auditor}@[::1]:{hop6.port}"


def test_two_hop_chain_over_ipv6_checks_every_hop(lab_host: HostFactory, lab_users: LabUsers,
                                                  jump_sshd: LabSshd, hop6_sshd: LabSshd,
                                                  lab_sshd: LabSshd, all_keys: Path,
                                                  tmp_path: Path) -> None:
    chain = _chain(lab_users, jump_sshd, hop6_sshd)
    with SshSession.connect(lab_host(known_hosts=str(all_keys), proxy_jump=chain)) as session:
        assert session.connections == 3
        assert session.host_key == f"ssh-ed25519 {lab_sshd.host_key_fingerprint}"
        assert session.run("id -un", timeout=10).stdout == f"{lab_users.auditor}\n".encode()
    # The second hop's key missing, or another server's key under its name: refused there.
    base = lab_sshd.known_hosts.read_text() + jump_sshd.known_hosts.read_text()
    impostor = jump_sshd.known_hosts.read_text().replace(f"[127.0.0.1]:{jump_sshd.port}",
                                                         f"[::1]:{hop6_sshd.port}")
    for keys_text, problem in ((base, "unknown"), (base + impostor, "changed|mismatch|differ")):
        keys = tmp_path / "partial"
        keys.write_text(keys_text)
        with pytest.raises(HostKeyError, match=r"ProxyJump ::1") as caught:
            SshSession.connect(lab_host(known_hosts=str(keys), proxy_jump=chain))
        assert re.search(problem, str(caught.value), re.I), caught.value


def test_ipv6_target_with_port(lab_host: HostFactory, hop6_sshd: LabSshd,
                               all_keys: Path) -> None:
    host = lab_host(sshd=hop6_sshd, address="[::1]", known_hosts=str(all_keys))
    assert host.address == "[::1]"
    with SshSession.connect(host) as session:
        assert session.host_key.endswith(hop6_sshd.host_key_fingerprint)


def test_chain_from_included_ssh_config_with_agent(lab_host: HostFactory, lab_users: LabUsers,
                                                   jump_sshd: LabSshd, hop6_sshd: LabSshd,
                                                   lab_sshd: LabSshd, all_keys: Path,
                                                   tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    (conf_d / "10-hops.conf").write_text(
        f"Host bastion\n  HostName 127.0.0.1\n  Port {jump_sshd.port}\n"
        f"Host inner\n  HostName ::1\n  Port {hop6_sshd.port}\n  ProxyJump bastion\n")
    config = tmp_path / "ssh_config"
    config.write_text(f"Include {conf_d}/*.conf\nHost shop-*\n  HostName 127.0.0.1\n"
                      f"  Port {lab_sshd.port}\n  ProxyJump inner\n  User {lab_users.auditor}\n")
    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 5
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        env = {**os.environ, "SSH_AUTH_SOCK": str(sock)}
        subprocess.run(["ssh-add", "-q", str(lab_users.key)], env=env, check=True)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        host = lab_host(address="shop-web1", ssh_config=str(config), user=None, port=None,
                        key_file=None, agent=True, known_hosts=str(all_keys))
        with SshSession.connect(host) as session:  # agent keys offered on all three servers
            assert session.connections == 3
            assert session.run("id -un", timeout=10).stdout == f"{lab_users.auditor}\n".encode()
    finally:
        agent.terminate()
        agent.wait(timeout=5)


# -- least privilege ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def least_user(lab: Lab, lab_users: LabUsers) -> Iterator[tuple[str, str]]:
    """A user whose only sudo rights are the generated wrapper rules; (user, wrapper path)."""
    tag = secrets.token_hex(3)
    user = f"pst{tag}lp"
    lab.add_user(user, authorized_key=lab_users.key)
    wrapper = Path(f"/usr/local/libexec/posture-facts-pst{tag}")
    rules = Path(f"/etc/sudoers.d/posture-lab-{user}-lp")
    specs = root_specs({"accounts.shadow", "ssh.authorized_keys", "sshd.contexts"})
    wrapper.parent.mkdir(parents=True, exist_ok=True)
    wrapper.write_text(render_wrapper(specs))
    wrapper.chmod(0o755)
    staging = rules.with_name(".staging-" + user)
    staging.write_text(render_sudoers(user, str(wrapper), specs, "test"))
    staging.chmod(0o440)
    try:
        subprocess.run(["visudo", "-cf", str(staging)], check=True, capture_output=True)
        os.replace(staging, rules)
        yield user, str(wrapper)
    finally:
        staging.unlink(missing_ok=True)
        rules.unlink(missing_ok=True)
        wrapper.unlink(missing_ok=True)


INVENTORY = """\
version: 1
hosts:
  - name: lab
    address: 127.0.0.1
    ssh: {{user: {user}, port: {port}, key_file: {key}, known_hosts: {kh},
           ssh_config: /dev/null, sudo: true, sudo_wrapper: {wrapper}}}
    timeouts: {{connect: 5, command: 20, host: 60}}
claims:
  - {{id: rotation, says: rotate, type: password_rotation, expect: {{max_age_days: 90}},
     scope: {{hosts: [lab]}}}}
"""


def test_root_facts_through_the_wrapper_only(least_user: tuple[str, str], lab_sshd: LabSshd,
                                             lab_users: LabUsers, tmp_path: Path) -> None:
    user, wrapper = least_user
    path = tmp_path / "inv.yml"
    path.write_text(INVENTORY.format(user=user, port=lab_sshd.port, key=lab_users.key,
                                     kh=lab_sshd.known_hosts, wrapper=wrapper))
    inventory = load_inventory(path)
    plan = {"host": {"lab": {"accounts.shadow", "ssh.authorized_keys", "sshd.config",
                             "sshd.contexts"}}}
    facts = collect(inventory, plan, CollectOptions()).hosts["lab"]
    shadow = facts.facts["accounts.shadow"]
    assert shadow.status is FactStatus.OK and shadow.privileged, shadow
    assert any(e["name"] == user for e in shadow.value)  # type: ignore[union-attr]
    assert facts.facts["ssh.authorized_keys"].ok
    # A fact that takes DATA (the source addresses) gets it through sudo and the wrapper.
    contexts = facts.facts["sshd.contexts"]
    assert contexts.ok, contexts
    kinds = {c["kind"] for c in contexts.value["contexts"]}  # type: ignore[index]
    assert "anywhere" in kinds
    assert f"sudo -n -- {wrapper} accounts.shadow " in shadow.command
    # sshd.config has no rule: sudo refuses it, and the fact says so (denied, not error).
    denied = facts.facts["sshd.config"]
    assert denied.status is FactStatus.DENIED, denied
    assert facts.round_trips == 1  # four root facts, one exec: the sudo calls run inside it
    # Without the wrapper, the same user gets no root shell at all.
    path.write_text(path.read_text().replace(f", sudo_wrapper: {wrapper}", ""))
    plain = collect(load_inventory(path), plan, CollectOptions()).hosts["lab"]
    assert plain.facts["accounts.shadow"].status is FactStatus.DENIED
