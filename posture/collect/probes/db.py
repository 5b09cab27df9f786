"""Probe family 'db' (see :mod:`posture.collect.probes.registry`): facts from inside a
database session.

``db.pii_scan`` labels a bounded sample of every personal-data column; ``db.prod_overlap``
counts production records in the database by keyed hashes computed on both servers. Both
return counts and categories only (see ``docs/test-data.md``).
"""

from __future__ import annotations

import time

from posture.collect.types import Probe, ProbeContext, ProbeError
from posture.models import JSON, FactStatus

SCAN_SHARE = 0.5  # of the time left: the rest is for the production comparison


def _environment(ctx: ProbeContext) -> str:
    return ctx.database.environment if ctx.database else ""


def pii_scan(ctx: ProbeContext) -> JSON:
    """Per personal-data column: how many sampled values look fictitious, real or invalid."""
    # Imported here: the database modules import posture.collect.probes.registry, which lists this
    # family while it loads.
    from posture.collect.db.scan import scan
    from posture.collect.db.session import db_session

    session = db_session(ctx)
    deadline = time.monotonic() + ctx.remaining() * SCAN_SHARE
    return {"environment": _environment(ctx), **scan(session, deadline)}


def compare_targets(ctx: ProbeContext) -> list[str]:
    """Names of the databases that test-data claims on this database compare it with."""
    names = {c.compare_with for c in ctx.inventory.claims
             if c.type == "test_data_fictitious" and c.compare_with
             and ctx.name in c.scope.databases and c.compare_with != ctx.name}
    return sorted(n for n in names if n)


def prod_overlap(ctx: ProbeContext) -> JSON:
    """Per identifier kind: values of this database also present in the compared database."""
    from posture.collect.db.overlap import compare
    from posture.collect.db.session import db_session, db_session_for

    comparisons: list[JSON] = []
    targets = compare_targets(ctx)
    if not targets:
        return {"environment": _environment(ctx), "comparisons": []}
    session = db_session(ctx)
    for name in targets:
        other = next((d for d in ctx.inventory.databases if d.name == name), None)
        if other is None:
            raise ProbeError(FactStatus.ERROR, f"compare_with names an unknown database {name}")
        result = compare(session, db_session_for(ctx, other))
        comparisons.append({**result, "environment": other.environment})
    return {"environment": _environment(ctx), "comparisons": comparisons}


PROBES: tuple[Probe, ...] = (
    Probe("db.pii_scan", "database", pii_scan,
          "personal-data columns and labels of a bounded sample (counts only)"),
    Probe("db.prod_overlap", "database", prod_overlap,
          "production records found in this database, by keyed hashes (counts only)"),
)
