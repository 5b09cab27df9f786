"""What a check is: validated metadata, the facts it needs, and a pure ``evaluate``.

Checks import only :mod:`posture.models` (and this module); they do no I/O and read no clock:
the scan time arrives in the :class:`CheckContext`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from posture.models import JSON, Fact, FactStatus, Severity, Status

_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


@dataclass(frozen=True)
class CheckMeta:
    """Metadata of a check; every field is required and validated when the catalogue loads."""

    id: str
    title: str
    claim_types: tuple[str, ...]
    severity: Severity
    rationale: str
    remediation: str
    references: tuple[str, ...]
    needs: tuple[str, ...]  # fact keys (see posture.collect.catalog)

    def validate(self) -> None:
        """Raise ``ValueError`` when a field is empty or malformed."""
        if not self.id or set(self.id) - _ID_CHARS or "." not in self.id:
            raise ValueError(f"check id {self.id!r} must be 'family.name' in [a-z0-9._-]")
        for name in ("title", "rationale", "remediation"):
            if not str(getattr(self, name)).strip():
                raise ValueError(f"check {self.id}: {name} is empty")
        if not self.claim_types:
            raise ValueError(f"check {self.id}: serves no claim type")
        if not self.references:
            raise ValueError(f"check {self.id}: no references")
        if not self.needs:
            raise ValueError(f"check {self.id}: needs no fact")


@dataclass(frozen=True)
class CheckContext:
    """The input of ``evaluate``: one target's facts, the claim's parameters, the scan time."""

    target: str
    facts: Mapping[str, Fact]
    params: Mapping[str, Any]
    scan_time: datetime

    def fact(self, key: str) -> Fact:
        """Return the fact, or an ``error`` fact if it was never gathered."""
        return self.facts.get(key) or Fact(key, FactStatus.ERROR, reason="fact was not gathered")


@dataclass(frozen=True)
class Outcome:
    """What ``evaluate`` returns; the engine turns it into a :class:`posture.models.Finding`."""

    status: Status
    summary: str
    evidence: Mapping[str, JSON] = field(default_factory=dict)
    severity: Severity | None = None  # None: the check's own severity


Evaluate = Callable[[CheckContext], Outcome]


@dataclass(frozen=True)
class Check:
    """A check: metadata plus its pure evaluation function."""

    meta: CheckMeta
    evaluate: Evaluate


def missing(ctx: CheckContext, *keys: str) -> Outcome | None:
    """Return an ``error`` outcome naming the first unusable fact among ``keys``, else None.

    This is how every check starts: without evidence there is no pass.
    """
    for key in keys:
        fact = ctx.fact(key)
        if not fact.ok:
            why = fact.reason or fact.status.value
            return Outcome(
                Status.ERROR,
                f"could not determine: fact {key} is {fact.status.value} ({why})",
                {"fact": key, "fact_status": fact.status.value, "reason": why[:500]},
            )
    return None
