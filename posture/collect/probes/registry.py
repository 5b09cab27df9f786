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

from collections.abc import Callable, Iterable, Mapping

from posture.collect.types import Probe, ProbeContext, ProbeError
from posture.models import Fact

__all__ = ["BY_KEY", "PROBES", "Probe", "ProbeContext", "ProbeError", "before_ssh",
           "probe_keys", "run_after_ssh"]


def _families() -> tuple[Probe, ...]:
    # Imported here so that this module's name is bound before the families load.
    from posture.collect.probes import adminpaths, db, dbtls, net, plain, shopdb, web
    from posture.collect.probes.tls import probe as tls

    return (*net.PROBES, *tls.PROBES, *db.PROBES, *web.PROBES,
            *shopdb.PROBES, *plain.PROBES, *dbtls.PROBES, *adminpaths.PROBES)


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
