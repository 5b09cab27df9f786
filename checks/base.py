"""What a check is: validated metadata, the facts it needs, and a pure ``evaluate``.

Checks import only :mod:`posture.models` (and this module); they do no I/O and read no clock:
the scan time arrives in the :class:`CheckContext`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast

from posture.models import JSON, Fact, FactStatus, Msg, Severity, Status, msg

_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
TARGET_KINDS = ("host", "endpoint", "database", "document")
"""What a check judges: a host (facts over SSH and probes of it), an endpoint (TLS/HTTP from
the auditor), a database (a session through an SSH tunnel) or a document (the evidence file
an attestation claim names: the claim is its own target)."""

T = TypeVar("T")


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
    needs: tuple[str, ...]  # fact keys (see posture.collect.facts.registry and .probes)
    target: str = "host"  # one of TARGET_KINDS: which scope list of a claim it iterates
    # Needed facts whose truncation the check handles itself (it never passes on a cut
    # value); for every other needed fact the engine turns a pass on a truncated value into
    # an error (see posture.judge.evaluate.guard_truncated).
    partial_ok: tuple[str, ...] = ()
    # Facts read for evidence only, when this scan gathered them for a check that needs them;
    # never gathered for this check, so its verdict must not depend on them (a unit test holds
    # every check to that). Absent, the check reads an ``error`` fact saying why.
    optional: tuple[str, ...] = ()

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
        if set(self.partial_ok) - set(self.needs):
            raise ValueError(f"check {self.id}: partial_ok names a fact it does not need")
        if set(self.optional) & set(self.needs):
            raise ValueError(f"check {self.id}: a fact is both needed and optional")
        if self.target not in TARGET_KINDS:
            raise ValueError(f"check {self.id}: target {self.target!r} not in {TARGET_KINDS}")


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
    summary: str  # preferably a Msg (see msg()), so the HTML report can translate it
    evidence: Mapping[str, JSON] = field(default_factory=dict)
    severity: Severity | None = None  # None: the check's own severity


Evaluate = Callable[[CheckContext], Outcome]


@dataclass(frozen=True)
class Check:
    """A check: metadata plus its pure evaluation function."""

    meta: CheckMeta
    evaluate: Evaluate


def shaped(ctx: CheckContext, key: str, shape: type[T]) -> T | None:
    """The value of fact ``key`` as its family's typed shape (a ``TypedDict`` declared beside
    the parser in ``posture.collect.facts``), or None when the fact is not ``ok``.

    The parser guarantees the shape; a hand-edited facts file that breaks it makes the check
    raise, which the engine turns into an ``error`` finding, never a pass.
    """
    fact = ctx.fact(key)
    return cast(T, fact.value) if fact.ok and isinstance(fact.value, dict) else None


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
                msg("could not determine: fact {key} is {status} ({why})", key=key,
                    status=fact_status_word(fact.status), why=known_reason(why)),
                {"fact": key, "fact_status": fact.status.value, "reason": why[:500]},
            )
    return None


_STATUS_WORDS = {
    FactStatus.OK: msg("ok"),
    FactStatus.MISSING: msg("missing"),
    FactStatus.DENIED: msg("denied"),
    FactStatus.TIMEOUT: msg("timeout"),
    FactStatus.ERROR: msg("error"),
}

KNOWN_REASONS = (
    "fact was not gathered",
    "host was not collected",
    "endpoint was not collected",
    "database was not collected",
    "document was not collected",
    "not collected",
)
"""Reasons posture itself writes for a fact it never had: translated like any of its text.
Any other reason (a tool's stderr, an exception text) is target data and stays verbatim."""


def fact_status_word(status: FactStatus) -> Msg:
    """The fact status as a translatable word (the value stays the English code)."""
    return _STATUS_WORDS[status]


def known_reason(reason: str) -> str:
    """``reason`` as a translatable message when posture wrote it, else unchanged."""
    return Msg(reason) if reason in KNOWN_REASONS else reason


EVIDENCE_CAP = 50  # longest list a finding carries; the full count is reported beside it


def capped(items: Sequence[JSON], limit: int = EVIDENCE_CAP) -> list[JSON]:
    """Return at most ``limit`` items, so one large host cannot bloat a report."""
    return list(items[:limit])


def param_error(message: str) -> Outcome:
    """An ``error`` outcome for a claim whose ``expect`` parameters are absent or malformed."""
    return Outcome(Status.ERROR, msg("could not determine: {problem}", problem=message),
                   {"parameter_error": message})


def scan_date(ctx: CheckContext) -> date:
    """The scan day in UTC (a naive scan time is taken to be UTC already)."""
    moment = ctx.scan_time
    return (moment.astimezone(UTC) if moment.tzinfo else moment).date()


def text_param(ctx: CheckContext, name: str) -> str | Outcome:
    """A required text parameter of the claim (integers are accepted and turned into text).

    Floats are refused: YAML reads ``version: 22.10`` as 22.1, which would silently change
    the claim.
    """
    value = ctx.params.get(name)
    if isinstance(value, float):
        return param_error(msg("expect.{name} must be quoted; YAML read it as the number "
                               "{value}", name=name, value=repr(value)))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return param_error(msg("expect.{name} is required (a non-empty string)", name=name))


def int_param(ctx: CheckContext, name: str, *, required: bool) -> int | Outcome | None:
    """A positive integer parameter of the claim; ``None`` when optional and absent."""
    value = ctx.params.get(name)
    if value is None and not required:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return param_error(msg("expect.{name} must be a positive whole number, got {value}",
                           name=name, value=repr(value)))
