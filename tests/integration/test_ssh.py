"""The SSH seam against real OpenSSH servers on loopback (no mocks)."""

from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from posture.collect.transport.ssh import ExecResult, SshSession
from posture.errors import AuthenticationError, HostKeyError, SudoError, TransportError
from posture.inventory.model import Timeouts
from tests.labs.base import LabSshd, free_port

if TYPE_CHECKING:  # tests/ is not a package: the fixture types are for readers and editors
    from conftest import HostFactory, LabUsers

pytestmark = pytest.mark.integration

# How sshd (VERBOSE and up) reports the end of a client connection.
_END_OF_CONNECTION = re.compile(r"Connection (closed|reset) by|Disconnected from|"
                                r"Received disconnect from")


def _log_offset(sshd: LabSshd) -> int:
    return sshd.log_path.stat().st_size


def _log_since(sshd: LabSshd, offset: int, until: re.Pattern[str] = _END_OF_CONNECTION,
               limit: float = 5.0) -> str:
    """What sshd logged after ``offset``, once ``until`` shows up (sshd logs asynchronously)."""
    deadline = time.monotonic() + limit
    while True:
        text = sshd.log_path.read_bytes()[offset:].decode(errors="replace")
        if until.search(text) or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def _run(host_factory: HostFactory, command: str, **ssh: object) -> ExecResult:
    with SshSession.connect(host_factory(**ssh)) as session:
        return session.run(command, timeout=10)


# -- authentication ----------------------------------------------------------------------------

def test_key_auth_runs_command(lab_host: HostFactory, lab_sshd: LabSshd,
                               lab_users: LabUsers) -> None:
    # The lab's known_hosts uses the "[127.0.0.1]:port" form of non-22 ports.
    assert lab_sshd.known_hosts.read_text().startswith(f"[127.0.0.1]:{lab_sshd.port} ")
    with SshSession.connect(lab_host()) as session:
        result = session.run("id -un", timeout=10)
        assert session.host_key == f"ssh-ed25519 {lab_sshd.host_key_fingerprint}"
        assert session.connections == 1
    assert result.stdout == f"{lab_users.auditor}\n".encode() and result.exit_status == 0
    assert not (result.timed_out or result.truncated)


def test_password_auth_from_environment(lab_host: HostFactory, lab_users: LabUsers) -> None:
    host = lab_host(user=lab_users.sudoer, key_file=None, password_env="POSTURE_T_PW")
    with SshSession.connect(host, environ={"POSTURE_T_PW": lab_users.sudoer_password}) as s:
        assert s.run("id -un", timeout=10).stdout == f"{lab_users.sudoer}\n".encode()


def test_agent_auth(lab_host: HostFactory, lab_users: LabUsers, tmp_path: Path,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 5
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        env = {**os.environ, "SSH_AUTH_SOCK": str(sock)}
        subprocess.run(["ssh-add", "-q", str(lab_users.key)], env=env, check=True,
                       capture_output=True)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))  # paramiko's agent client reads os.environ
        with SshSession.connect(lab_host(key_file=None, agent=True)) as session:
            assert session.run("id -un", timeout=10).stdout == f"{lab_users.auditor}\n".encode()
    finally:
        agent.terminate()
        agent.wait(timeout=5)


def test_missing_environment_variable_is_named(lab_host: HostFactory) -> None:
    host = lab_host(key_file=None, password_env="POSTURE_T_UNSET")
    with pytest.raises(AuthenticationError, match="POSTURE_T_UNSET"):
        SshSession.connect(host, environ={})


def test_wrong_password_is_tried_once(lab_host: HostFactory, lab_sshd: LabSshd,
                                      lab_users: LabUsers) -> None:
    wrong = "not-the-password-" + lab_users.sudoer_password
    host = lab_host(user=lab_users.sudoer, key_file=None, password_env="POSTURE_T_PW")
    offset = _log_offset(lab_sshd)
    with pytest.raises(AuthenticationError) as caught:
        SshSession.connect(host, environ={"POSTURE_T_PW": wrong})
    message = str(caught.value)
    assert "password from $POSTURE_T_PW" in message and wrong not in message
    gone = re.compile(rf"(closed|reset) by authenticating user {lab_users.sudoer} |"
                      rf"Disconnected from authenticating user {lab_users.sudoer} ")
    log = _log_since(lab_sshd, offset, gone)
    assert gone.search(log), log
    assert log.count(f"Failed password for {lab_users.sudoer}") == 1, log


# -- host keys ---------------------------------------------------------------------------------

def test_unknown_host_key_offers_no_credential(lab_host: HostFactory, canary_sshd: LabSshd,
                                               lab_users: LabUsers, tmp_path: Path) -> None:
    env = {"POSTURE_T_PW": lab_users.sudoer_password}
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    host = lab_host(sshd=canary_sshd, known_hosts=str(empty), password_env="POSTURE_T_PW")
    offset = _log_offset(canary_sshd)
    with pytest.raises(HostKeyError) as caught:
        SshSession.connect(host, environ=env)
    message = str(caught.value)
    assert "unknown host key" in message and "ssh-keyscan" in message
    assert canary_sshd.host_key_fingerprint in message
    log = _log_since(canary_sshd, offset)
    # It reached the server and got its host key (the client may leave before NEWKEYS)...
    assert "Connection from 127.0.0.1" in log
    assert re.search(r"KEX done|expecting SSH2_MSG_NEWKEYS", log), log
    for sign in ("userauth", "Accepted", "Failed", "Postponed", lab_users.auditor):
        assert sign not in log, f"{sign!r} in the server log:\n{log}"  # ...and offered nothing

    # Control: the same server does log userauth for a client that trusts its key.
    offset = _log_offset(canary_sshd)
    with SshSession.connect(lab_host(sshd=canary_sshd, password_env="POSTURE_T_PW"),
                            environ=env):
        pass
    control = re.compile(f"userauth-request for user {lab_users.auditor}")
    assert control.search(_log_since(canary_sshd, offset, control))


def test_changed_host_key_is_refused_even_with_tofu(lab_host: HostFactory, lab_sshd: LabSshd,
                                                    jump_sshd: LabSshd, tmp_path: Path) -> None:
    other = jump_sshd.known_hosts.read_text().replace(f":{jump_sshd.port} ", f":{lab_sshd.port} ")
    known = tmp_path / "known_hosts"
    known.write_text(other)
    for tofu in (False, True):
        with pytest.raises(HostKeyError, match="CHANGED") as caught:
            SshSession.connect(lab_host(known_hosts=str(known)), trust_on_first_use=tofu)
        assert jump_sshd.host_key_fingerprint in str(caught.value)
        assert lab_sshd.host_key_fingerprint in str(caught.value)
    assert known.read_text() == other  # nothing was recorded


def test_trust_on_first_use_records_the_key(lab_host: HostFactory, lab_sshd: LabSshd,
                                            tmp_path: Path) -> None:
    known = tmp_path / "ssh" / "known_hosts"
    with SshSession.connect(lab_host(known_hosts=str(known)), trust_on_first_use=True) as s:
        assert s.host_key_learned
    assert stat.S_IMODE(known.stat().st_mode) == 0o600
    assert known.read_text().startswith(f"[127.0.0.1]:{lab_sshd.port} ssh-ed25519 ")
    with SshSession.connect(lab_host(known_hosts=str(known))) as s:  # no TOFU needed now
        assert not s.host_key_learned
        assert s.run("true", timeout=10).exit_status == 0


def test_hashed_known_hosts_entry(lab_host: HostFactory, lab_sshd: LabSshd,
                                  tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text(lab_sshd.known_hosts.read_text())
    subprocess.run(["ssh-keygen", "-H", "-f", str(known)], check=True, capture_output=True)
    assert known.read_text().startswith("|1|")
    assert _run(lab_host, "true", known_hosts=str(known)).exit_status == 0


def test_pinned_fingerprint(lab_host: HostFactory, lab_sshd: LabSshd, tmp_path: Path) -> None:
    nowhere = str(tmp_path / "absent_known_hosts")
    pinned = _run(lab_host, "true", known_hosts=nowhere,
                  host_key_fingerprints=(lab_sshd.host_key_fingerprint,))
    assert pinned.exit_status == 0
    with pytest.raises(HostKeyError, match="pinned"):
        SshSession.connect(lab_host(known_hosts=nowhere,
                                    host_key_fingerprints=("SHA256:" + "A" * 43,)))


# -- connection failures and limits ------------------------------------------------------------

def test_unreachable_port_fails_fast(lab_host: HostFactory) -> None:
    started = time.monotonic()
    with pytest.raises(TransportError, match="cannot connect"):
        SshSession.connect(lab_host(port=free_port()))
    assert time.monotonic() - started < 3


def test_silent_server_times_out_at_connect_timeout(lab_host: HostFactory) -> None:
    with socket.socket() as listener:  # accepts TCP, never says a word
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        started = time.monotonic()
        with pytest.raises(TransportError, match="handshake"):
            SshSession.connect(lab_host(port=listener.getsockname()[1],
                                        timeouts=Timeouts(connect=1, command=5, host=30)))
        assert time.monotonic() - started < 3


def test_command_timeout(lab_host: HostFactory) -> None:
    with SshSession.connect(lab_host()) as session:
        result = session.run("sleep 30", timeout=1)
    assert result.timed_out and result.exit_status is None
    assert result.duration_s < 2


def test_host_deadline_caps_every_command(lab_host: HostFactory) -> None:
    host = lab_host(timeouts=Timeouts(connect=3, command=60, host=2))
    started = time.monotonic()
    with SshSession.connect(host) as session:
        first = session.run("sleep 30", timeout=60)
        second = session.run("true", timeout=60)
    assert first.timed_out and second.timed_out
    assert time.monotonic() - started < 3.5


def test_output_cap_truncates_endless_output(lab_host: HostFactory) -> None:
    with SshSession.connect(lab_host()) as session:
        result = session.run("yes | head -c 50000000", timeout=10, max_stdout=1 << 20)
        assert session.run("echo still usable", timeout=10).stdout == b"still usable\n"
    assert result.truncated and len(result.stdout) == 1 << 20
    assert result.exit_status is None and result.duration_s < 5


def test_large_stdout_and_stderr_together(lab_host: HostFactory) -> None:
    size = 3 << 20  # both streams beyond paramiko's 2 MiB window at once
    command = f"head -c {size} /dev/zero >&2 & head -c {size} /dev/zero; wait"
    with SshSession.connect(lab_host()) as session:
        result = session.run(command, timeout=20, max_stdout=4 << 20, max_stderr=4 << 20)
    assert (len(result.stdout), len(result.stderr)) == (size, size)
    assert result.exit_status == 0 and not result.truncated


def test_large_stdin_is_streamed(lab_host: HostFactory) -> None:
    data = bytes(range(256)) * (16 << 10)  # 4 MiB: more than the channel window
    with SshSession.connect(lab_host()) as session:
        result = session.run("cat", stdin=data, timeout=20, max_stdout=8 << 20)
    assert result.stdout == data and result.exit_status == 0


def test_run_and_sudo_concurrently_on_one_session(lab_host: HostFactory) -> None:
    results: dict[str, ExecResult] = {}
    with SshSession.connect(lab_host(sudo=True)) as session:
        worker = threading.Thread(
            target=lambda: results.update(sudo=session.run_sudo(b"sleep 0.5; id -u\n",
                                                                timeout=10)))
        worker.start()
        results["user"] = session.run("sleep 0.5; id -u", timeout=10)
        worker.join()
    assert results["sudo"].stdout == b"0\n" and results["user"].stdout != b"0\n"


# -- sudo --------------------------------------------------------------------------------------

def test_sudo_nopasswd(lab_host: HostFactory) -> None:
    with SshSession.connect(lab_host(sudo=True)) as session:
        result = session.run_sudo(b"id -u\necho to-stderr >&2\n", timeout=10)
    assert (result.stdout, result.stderr, result.exit_status) == (b"0\n", b"to-stderr\n", 0)


def test_sudo_with_password(lab_host: HostFactory, lab_users: LabUsers) -> None:
    host = lab_host(user=lab_users.sudoer, sudo_password_env="POSTURE_T_SUDO")
    env = {"POSTURE_T_SUDO": lab_users.sudoer_password}
    with SshSession.connect(host, environ=env) as session:
        result = session.run_sudo(b"id -u\n", timeout=10)
    assert result.stdout == b"0\n" and result.exit_status == 0
    assert b"posture-sudo" not in result.stderr  # the prompt is stripped


def test_sudo_password_is_not_sent_when_sudo_does_not_ask(lab_host: HostFactory) -> None:
    secret = "would-be-a-command-" + "x" * 8
    host = lab_host(sudo_password_env="POSTURE_T_SUDO")  # the auditor is NOPASSWD
    with SshSession.connect(host, environ={"POSTURE_T_SUDO": secret}) as session:
        result = session.run_sudo(b"id -u\n", timeout=10)
    assert (result.stdout, result.stderr) == (b"0\n", b"")


def test_wrong_sudo_password_never_runs_the_script(lab_host: HostFactory, lab_users: LabUsers,
                                                   tmp_path: Path) -> None:
    canary = tmp_path / "script-ran"
    wrong = "wrong-" + lab_users.sudoer_password
    host = lab_host(user=lab_users.sudoer, sudo_password_env="POSTURE_T_SUDO")
    with (SshSession.connect(host, environ={"POSTURE_T_SUDO": wrong}) as session,
          pytest.raises(SudoError) as caught):
        session.run_sudo(f"touch {canary}\n".encode(), timeout=10)
    assert caught.value.kind == "wrong_password"
    assert wrong not in str(caught.value)
    assert not canary.exists()


def test_user_not_in_sudoers(lab_host: HostFactory, lab_users: LabUsers) -> None:
    host = lab_host(user=lab_users.nosudo, sudo_password_env="POSTURE_T_SUDO")
    env = {"POSTURE_T_SUDO": lab_users.nosudo_password}
    with SshSession.connect(host, environ=env) as s, pytest.raises(SudoError) as caught:
        s.run_sudo(b"id -u\n", timeout=10)
    assert caught.value.kind == "not_allowed"


def test_sudo_without_password_when_one_is_required(lab_host: HostFactory,
                                                    lab_users: LabUsers) -> None:
    host = lab_host(user=lab_users.sudoer, sudo=True)
    with SshSession.connect(host) as session, pytest.raises(SudoError) as caught:
        session.run_sudo(b"id -u\n", timeout=10)
    assert caught.value.kind == "needs_password"


# -- routing: ProxyJump and ssh_config ---------------------------------------------------------

def test_proxy_jump_verifies_both_hops(lab_host: HostFactory, lab_sshd: LabSshd,
                                       jump_sshd: LabSshd, lab_users: LabUsers,
                                       tmp_path: Path) -> None:
    both = tmp_path / "known_hosts"
    both.write_text(lab_sshd.known_hosts.read_text() + jump_sshd.known_hosts.read_text())
    jump = f"{lab_users.auditor}@127.0.0.1:{jump_sshd.port}"
    offset = _log_offset(jump_sshd)
    with SshSession.connect(lab_host(known_hosts=str(both), proxy_jump=jump)) as session:
        assert session.connections == 2
        assert session.host_key == f"ssh-ed25519 {lab_sshd.host_key_fingerprint}"
        assert session.run("id -un", timeout=10).stdout == f"{lab_users.auditor}\n".encode()
    # The bastion saw the audit user log in (and the target saw the bastion, not us).
    assert f"Accepted publickey for {lab_users.auditor}" in _log_since(
        jump_sshd, offset, re.compile("Accepted publickey"))

    only_target = tmp_path / "target_only"
    only_target.write_text(lab_sshd.known_hosts.read_text())
    with pytest.raises(HostKeyError, match="ProxyJump"):
        SshSession.connect(lab_host(known_hosts=str(only_target), proxy_jump=jump))


def test_ssh_config_is_honoured(lab_host: HostFactory, lab_sshd: LabSshd,
                                lab_users: LabUsers, tmp_path: Path) -> None:
    config = tmp_path / "ssh_config"
    config.write_text(f"Host labalias\n  HostName 127.0.0.1\n  Port {lab_sshd.port}\n"
                      f"  User {lab_users.nosudo}\n  IdentityFile {lab_users.key}\n")
    host = lab_host(address="labalias", ssh_config=str(config), user=None, port=None,
                    key_file=None)
    with SshSession.connect(host) as session:
        assert session.run("id -un", timeout=10).stdout == f"{lab_users.nosudo}\n".encode()
    overridden = lab_host(address="labalias", ssh_config=str(config), port=None)
    with SshSession.connect(overridden) as session:  # the inventory's user wins
        assert session.run("id -un", timeout=10).stdout == f"{lab_users.auditor}\n".encode()


def test_invalid_user_name_is_refused(lab_host: HostFactory) -> None:
    with pytest.raises(TransportError, match="invalid user name"):
        SshSession.connect(lab_host(user="-oProxyCommand=id"))


def test_no_secret_in_process_arguments(lab_host: HostFactory, lab_users: LabUsers) -> None:
    """While sudo runs, the password is on no process's argv."""
    host = lab_host(user=lab_users.sudoer, sudo_password_env="POSTURE_T_SUDO")
    with SshSession.connect(host, environ={"POSTURE_T_SUDO": lab_users.sudoer_password}) as s:
        result = s.run_sudo(b"cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '\n",
                            timeout=10)
    assert result.exit_status == 0 and b"sudo" in result.stdout
    assert lab_users.sudoer_password.encode() not in result.stdout
