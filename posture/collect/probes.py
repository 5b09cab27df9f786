"""Facts that are not lines of the SSH batch: probes run by the auditor.

Three kinds, by what they judge:

* ``host`` probes run from the auditor's machine against a host (TCP connects from vantage
  addresses, port scans);
* ``endpoint`` probes speak TLS/HTTP to an endpoint of the inventory;
* ``database`` probes run inside a database session opened through an SSH tunnel from the
  database's host (the host's one SSH connection is reused).

A probe returns a JSON value or raises :class:`ProbeError` with an honest status. Probe
families live in their own modules and are listed in :data:`PROBES`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from posture.models import JSON, Fact, FactStatus

if TYPE_CHECKING:
    from posture.collect.ssh import SshSession
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

    def remaining(self) -> float:
        """Seconds left before the deadline (never negative)."""
        return max(0.0, self.deadline - time.monotonic())


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


def _families() -> tuple[Probe, ...]:
    # Imported here, not at module top, so that a family can import this module's types.
    from posture.collect import (
        probes_db,
        probes_dbtls,
        probes_net,
        probes_plain,
        probes_shopdb,
        probes_tls,
        probes_web,
    )

    return (*probes_net.PROBES, *probes_tls.PROBES, *probes_db.PROBES, *probes_web.PROBES,
            *probes_shopdb.PROBES, *probes_plain.PROBES, *probes_dbtls.PROBES)


PROBES: tuple[Probe, ...] = _families()
BY_KEY: dict[str, Probe] = {p.key: p for p in PROBES}


def probe_keys(kind: str) -> frozenset[str]:
    """The probe fact keys of one target kind."""
    return frozenset(p.key for p in PROBES if p.kind == kind)


def before_ssh(keys: Iterable[str]) -> set[str]:
    """The keys of ``keys`` that do not wait for the host's SSH facts."""
    return {k for k in keys if not (k in BY_KEY and BY_KEY[k].after_ssh)}


def run_after_ssh(keys: Iterable[str], ctx: ProbeContext, facts: Mapping[str, Fact],
                  run: Callable[[Iterable[str], ProbeContext], dict[str, Fact]]
                  ) -> dict[str, Fact]:
    """Run the ``after_ssh`` probes among ``keys``, with the host's facts in the cache."""
    late = set(keys) - before_ssh(keys)
    if not late:
        return {}
    ctx.cache["host_facts"] = dict(facts)
    return run(late, ctx)
