"""Facts that are not lines of the SSH batch: probes run by the auditor.

Three kinds, by what they judge:

* ``host`` probes run from the auditor's machine against a host (TCP connects from vantage
  addresses, port scans);
* ``endpoint`` probes speak TLS/HTTP to an endpoint of the inventory;
* ``database`` probes run inside a database session opened through an SSH tunnel from the
  database's host (the host's one SSH connection is reused).

A probe returns a JSON value or raises :class:`ProbeError` with an honest status. Probe
families live in their own modules and are listed in :data:`MANIFEST`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import NamedTuple

from posture.collect.types import Probe, ProbeContext, ProbeError
from posture.models import Fact

__all__ = ["BY_KEY", "MANIFEST", "Probe", "ProbeContext", "ProbeError", "all_probes",
           "before_ssh", "probe_keys", "run_after_ssh"]


class Entry(NamedTuple):
    """Where a probe lives and what the collector must know of it before importing it."""

    module: str
    kind: str  # host | endpoint | database
    after_ssh: bool = False


_P = "posture.collect.probes."
MANIFEST: Mapping[str, Entry] = {
    # A family's module is imported only when a scan runs one of its probes (a TLS or database
    # family pulls in cryptography, requests or a database driver): a scan of SSH facts alone
    # loads none of them. tests/unit/test_probe_manifest.py checks this table against the
    # families' own PROBES.
    "net.reach": Entry(_P + "net", "host"),
    "net.scan": Entry(_P + "net", "host"),
    "endpoint.info": Entry(_P + "tls.probe", "endpoint"),
    "tls.protocols": Entry(_P + "tls.probe", "endpoint"),
    "tls.certificate": Entry(_P + "tls.probe", "endpoint"),
    "http.https": Entry(_P + "tls.probe", "endpoint"),
    "http.plain": Entry(_P + "tls.probe", "endpoint"),
    "db.pii_scan": Entry(_P + "db", "database"),
    "db.prod_overlap": Entry(_P + "db", "database"),
    "web.crawl": Entry(_P + "web", "endpoint"),
    "db.retention": Entry(_P + "shopdb", "database"),
    "db.card_numbers": Entry(_P + "shopdb", "database"),
    "db.newsletter": Entry(_P + "shopdb", "database"),
    "admin.plaintext_reach": Entry(_P + "plain", "host", after_ssh=True),
    "db.tls": Entry(_P + "dbtls", "database"),
    "web.admin_paths": Entry(_P + "adminpaths", "host", after_ssh=True),
}


def _load(key: str) -> Probe:
    family: tuple[Probe, ...] = importlib.import_module(MANIFEST[key].module).PROBES
    return next(p for p in family if p.key == key)


class _LazyProbes(Mapping[str, Probe]):
    """Probes by key; a family's module is imported on the first lookup of one of its keys."""

    def __init__(self) -> None:
        self._loaded: dict[str, Probe] = {}

    def __getitem__(self, key: str) -> Probe:
        probe = self._loaded.get(key)
        if probe is None:
            if key not in MANIFEST:
                raise KeyError(key)
            probe = self._loaded[key] = _load(key)
        return probe

    def __contains__(self, key: object) -> bool:
        return key in MANIFEST

    def __iter__(self) -> Iterator[str]:
        return iter(MANIFEST)

    def __len__(self) -> int:
        return len(MANIFEST)


BY_KEY: Mapping[str, Probe] = _LazyProbes()


def all_probes() -> tuple[Probe, ...]:
    """Every probe, every family imported (for tools and tests that list them)."""
    return tuple(BY_KEY[k] for k in MANIFEST)


def probe_keys(kind: str) -> frozenset[str]:
    """The probe fact keys of one target kind."""
    return frozenset(k for k, e in MANIFEST.items() if e.kind == kind)


def _after_ssh(key: str) -> bool:
    entry = MANIFEST.get(key)
    return entry.after_ssh if entry is not None else BY_KEY[key].after_ssh


def before_ssh(keys: Iterable[str]) -> set[str]:
    """The keys of ``keys`` that do not wait for the host's SSH facts."""
    return {k for k in keys if not (k in BY_KEY and _after_ssh(k))}


def run_after_ssh(keys: Iterable[str], ctx: ProbeContext, facts: Mapping[str, Fact],
                  run: Callable[[Iterable[str], ProbeContext], dict[str, Fact]]
                  ) -> dict[str, Fact]:
    """Run the ``after_ssh`` probes among ``keys``, with the host's facts in the cache."""
    late = set(keys) - before_ssh(keys)
    if not late:
        return {}
    ctx.cache["host_facts"] = dict(facts)
    return run(late, ctx)
