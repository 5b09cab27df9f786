"""The types every probe family shares: a module without imports of the families.

Families and the database sessions import these from here, so that loading the registry in
:mod:`posture.collect.probes.registry` (which imports every family) never runs into an
import cycle.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from posture.errors import TransportError
from posture.models import JSON, FactStatus

if TYPE_CHECKING:
    from posture.collect.transport.ssh import SshSession
    from posture.collect.witness import SshWitness
    from posture.inventory.model import Database, Endpoint, Host, Inventory


class ProbeError(Exception):
    """A probe could not produce its fact; ``status`` says why (never ``ok``)."""

    def __init__(self, status: FactStatus, reason: str) -> None:
        if status is FactStatus.OK:
            raise ValueError("a ProbeError cannot be ok")
        self.status = status
        super().__init__(reason)


@dataclass
class ProbeContext:
    """Everything a probe may use; ``cache`` is shared by the probes of one target."""

    inventory: Inventory
    name: str
    deadline: float  # time.monotonic() value after which the probe must give up
    environ: Mapping[str, str]
    host: Host | None = None
    endpoint: Endpoint | None = None
    database: Database | None = None
    ssh: SshSession | None = None
    cache: dict[str, Any] = field(default_factory=dict)
    # What the audit session's own connection showed of the host's SSH port (net.reach and
    # net.scan take it instead of connecting there again; see posture.collect.witness).
    witness: SshWitness | None = None
    # The host's SSH port as its session connects to it: the inventory's, else the user's
    # ssh_config entry for the address (see :func:`ssh_port`); None: not looked up.
    ssh_port: int | None = None

    def remaining(self) -> float:
        """Seconds left before the deadline (never negative)."""
        return max(0.0, self.deadline - time.monotonic())


def ssh_port(ctx: ProbeContext) -> int:
    """The SSH port of ``ctx.host`` for the probes: the port its session connects to when the
    collector looked it up, else the inventory's ``ssh.port``, else 22."""
    if ctx.ssh_port is not None:
        return ctx.ssh_port
    return (ctx.host.ssh.port if ctx.host is not None else None) or 22


def session_port(host: Host) -> int | None:
    """The port ``host``'s SSH session connects to, for the port probes (``ssh_port``): the
    inventory's, else the user's ssh_config entry for the address (OpenSSH's order), else 22.

    None for a host posture does not reach over SSH itself (``local``, ``ansible``) or an
    ssh_config that cannot be read (the session then fails, saying why). A ``Match exec``
    line is never run for this look-up (the session runs it, when the user allows it): such
    a config gives None too."""
    if host.ssh.port:
        return host.ssh.port
    if host.connection != "ssh":
        return None
    from posture.inventory.sshconfig import resolve  # loads paramiko: SSH hosts only

    try:
        return resolve(host).target.port
    except TransportError:
        return None


@dataclass(frozen=True)
class Probe:
    """How one auditor-side fact is produced."""

    key: str
    kind: str  # host | endpoint | database
    run: Callable[[ProbeContext], JSON]
    doc: str = ""
    # Host probes only: run after the SSH batches, which they read in ctx.cache["host_facts"]
    # (e.g. to confirm from the auditor a listener that the host reported).
    after_ssh: bool = False
    # Database probes only: (engine, host fact key) pairs: for a database of that engine the
    # host fact (an SSH batch key) is planned on the database's host, and the probe reads it
    # in ctx.cache["host_facts"].
    host_facts: tuple[tuple[str, str], ...] = ()
    # after_ssh probes only: the part that needs no SSH fact (connects to well-known ports),
    # started with the early probes, beside the SSH session; it leaves its results in
    # ctx.cache for ``run`` (the same context), which must still work when they are absent.
    warm: Callable[[ProbeContext], None] | None = None
