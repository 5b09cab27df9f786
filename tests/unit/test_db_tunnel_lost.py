"""A database reached through the host's SSH connection: a lost connection is named as such,
not blamed on the database port."""

from __future__ import annotations

import paramiko
import pytest

from posture.collect.db.session import _tunnel
from posture.collect.types import ProbeError
from posture.inventory.model import Host, SshSettings, Timeouts


class _Transport:
    def __init__(self, active: bool) -> None:
        self.active = active

    def is_active(self) -> bool:
        return self.active

    def open_channel(self, *_args: object, **_kwargs: object) -> None:
        raise paramiko.SSHException("SSH session not active" if not self.active
                                    else "Connect failed")


class _Ssh:
    def __init__(self, active: bool) -> None:
        self._transports = [_Transport(active)]


@pytest.mark.parametrize(("active", "words"), [
    (False, "db1: the SSH connection to the host was lost before the database port was reached"),
    (True, "db1: the host could not connect to the database port 5432"),
])
def test_a_failed_channel_says_whose_fault_it_is(active: bool, words: str) -> None:
    host = Host(name="web", address="192.0.2.10", ssh=SshSettings(), timeouts=Timeouts())
    with pytest.raises(ProbeError) as caught:
        _tunnel(_Ssh(active), host, 5432, 1.0, "db1")
    assert str(caught.value) == words
