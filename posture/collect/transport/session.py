"""The seam between the collector and a host: one :class:`Session` per host and scan.

Whatever the connection, a host still costs one batched script per privilege level: the
collector hands a session the unprivileged script (``run("sh -s", stdin=...)``) and the root
script (``run_sudo``). Three implementations exist, chosen by the host's ``connection``:

* ``ssh`` -- :class:`~posture.collect.transport.ssh.SshSession` (paramiko; host keys verified
  on every hop);
* ``local`` -- :class:`~posture.collect.transport.local_session.LocalSession` (the auditor's
  own machine);
* ``ansible`` -- :class:`~posture.collect.transport.ansible_session.AnsibleSession` (Ansible's
  connection plugins, through pytest-testinfra's Ansible backend).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Protocol

from posture.collect.transport.execresult import DEFAULT_MAX_STDERR, DEFAULT_MAX_STDOUT, ExecResult
from posture.inventory.model import Host


class Session(Protocol):
    """An open connection to one host that can run a batch, as the user and as root."""

    host_key: str  # what identifies the peer in reports ("" when the transport does not say)
    connections: int  # transport connections opened (hops included)

    @classmethod
    def connect(cls, host: Host, *, trust_on_first_use: bool = False,
                environ: Mapping[str, str] | None = None,
                allow_match_exec: bool = False) -> Session:
        """Open the session (verifying the peer where the transport can)."""
        ...

    def run(self, command: str, *, stdin: bytes = b"", timeout: float,
            max_stdout: int = DEFAULT_MAX_STDOUT,
            max_stderr: int = DEFAULT_MAX_STDERR) -> ExecResult:
        """Run ``command`` with ``stdin``; bounded in time and output."""
        ...

    def run_sudo(self, script: bytes, *, timeout: float, max_stdout: int = DEFAULT_MAX_STDOUT,
                 max_stderr: int = DEFAULT_MAX_STDERR) -> ExecResult:
        """Run ``script`` with ``sh -s`` as root; raise SudoError when refused."""
        ...

    def close(self) -> None:
        """Release the connection; safe to call twice."""
        ...

    def __enter__(self) -> Session: ...

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None: ...


def session_class(host: Host) -> type[Session]:
    """The session implementation for ``host.connection``."""
    if host.connection == "local":
        from posture.collect.transport.local_session import LocalSession

        return LocalSession
    if host.connection == "ansible":
        from posture.collect.transport.ansible_session import AnsibleSession

        return AnsibleSession
    from posture.collect.transport.ssh import SshSession

    return SshSession


def open_session(host: Host, *, trust_on_first_use: bool = False,
                 environ: Mapping[str, str] | None = None,
                 allow_match_exec: bool = False) -> Session:
    """Connect to ``host`` the way its inventory entry says."""
    return session_class(host).connect(host, trust_on_first_use=trust_on_first_use,
                                       environ=environ, allow_match_exec=allow_match_exec)
