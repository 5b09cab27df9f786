"""Shared fixtures: the real loopback lab (sshd, users, sudo rules) for integration tests.

The lab needs root and Debian's openssh-server/sudo. Without them the tests that use it are
skipped with the reason, except under CI (``CI`` or ``POSTURE_REQUIRE_LAB`` set), where a
missing lab is a failure: integration tests must not silently vanish from a pipeline.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from posture.inventory.model import Host, SshSettings, Timeouts
from tests.labs.base import Lab, LabSshd, lab_unavailable_reason

# Scans run by tests must never write the user's scan history, whatever the caller's
# environment says; tests of the history pass --history or set it with monkeypatch.
os.environ["POSTURE_HISTORY"] = "off"


@pytest.fixture(autouse=True)
def _history_stays_off() -> Iterator[None]:
    """Every test starts and ends with the history off (a test's monkeypatch is undone first)."""
    assert os.environ.get("POSTURE_HISTORY") == "off"
    yield
    assert os.environ.get("POSTURE_HISTORY") == "off", "a test left POSTURE_HISTORY changed"


@dataclass(frozen=True)
class LabUsers:
    """The lab's accounts. Every one accepts ``key``; passwords are throwaway.

    Names carry a per-session tag: user names are machine-wide, and a demo lab or another
    test session on the same machine must not delete or recreate our accounts.
    """

    key: Path  # private key of the audit client (``key.pub`` beside it)
    auditor: str  # key auth, sudo NOPASSWD
    sudoer: str  # key or password auth, sudo asks for the password
    nosudo: str  # key or password auth, not in sudoers
    sudoer_password: str
    nosudo_password: str


def require_lab_part(reason: str) -> None:
    """Skip with ``reason`` (when not empty), but fail under CI: nothing vanishes there."""
    if reason:
        if os.environ.get("CI") or os.environ.get("POSTURE_REQUIRE_LAB"):
            pytest.fail(f"required lab part unavailable: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """The session's lab; torn down (servers, users, sudoers) even when tests fail."""
    reason = lab_unavailable_reason()
    if reason:
        if os.environ.get("CI") or os.environ.get("POSTURE_REQUIRE_LAB"):
            pytest.fail(f"the integration lab is required here but unavailable: {reason}")
        pytest.skip(f"integration lab unavailable: {reason}")
    the_lab = Lab(tmp_path_factory.mktemp("lab"))
    try:
        yield the_lab
    finally:
        the_lab.stop()


@pytest.fixture(scope="session")
def lab_users(lab: Lab) -> LabUsers:
    """Create the lab accounts once per session."""
    key = lab.client_key()
    tag = secrets.token_hex(3)
    users = LabUsers(key=key, auditor=f"pst{tag}aud", sudoer=f"pst{tag}sudo",
                     nosudo=f"pst{tag}nosudo", sudoer_password=secrets.token_urlsafe(12),
                     nosudo_password=secrets.token_urlsafe(12))
    lab.add_user(users.auditor, sudo="nopasswd", authorized_key=key)
    lab.add_user(users.sudoer, password=users.sudoer_password, sudo="password",
                 authorized_key=key)
    lab.add_user(users.nosudo, password=users.nosudo_password, authorized_key=key)
    return users


@pytest.fixture(scope="session")
def lab_sshd(lab: Lab, lab_users: LabUsers) -> LabSshd:
    """The main lab sshd (LogLevel VERBOSE: logs every accepted and failed attempt)."""
    return lab.start_sshd("main")


@pytest.fixture(scope="session")
def jump_sshd(lab: Lab, lab_users: LabUsers) -> LabSshd:
    """A second sshd, used as a ProxyJump bastion (and as 'another server's key')."""
    return lab.start_sshd("jump")


@pytest.fixture(scope="session")
def canary_sshd(lab: Lab, lab_users: LabUsers) -> LabSshd:
    """An sshd logging at DEBUG3, whose log proves whether a client offered credentials.

    Not used for running commands: at DEBUG3 sshd copies debug lines into sessions' stderr.
    """
    return lab.start_sshd("canary", options={"LogLevel": "DEBUG3"})


HostFactory = Callable[..., Host]


@pytest.fixture
def lab_host(lab_sshd: LabSshd, lab_users: LabUsers) -> HostFactory:
    """Build a Host for a lab sshd: keyword arguments override SshSettings fields, plus
    ``sshd=`` (another LabSshd), ``address=`` and ``timeouts=``."""

    def make(*, sshd: LabSshd | None = None, address: str | None = None,
             timeouts: Timeouts | None = None, **ssh: Any) -> Host:
        server = sshd or lab_sshd
        base = SshSettings(user=lab_users.auditor, port=server.port, key_file=str(lab_users.key),
                           known_hosts=str(server.known_hosts),
                           ssh_config="/dev/null")  # hermetic: ignore ~/.ssh/config
        return Host(name="lab", address=address or server.address, ssh=replace(base, **ssh),
                    timeouts=timeouts or Timeouts(connect=3, command=10, host=60))

    return make
