"""Frozen, typed results shared by every layer: facts, findings, claims, the scan result.

Everything here is JSON-serialisable (see :mod:`posture.store.results`); no I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from posture.jsontext import content_key

JSON = Any  # a JSON-compatible value: dict/list/str/int/float/bool/None

CONTRACT_CLAIM_TYPES: tuple[str, ...] = (
    "tls_all_links",
    "os_version",
    "apache_version",
    "password_rotation",
    "ip_allowlist",
    "test_data_fictitious",
    "encrypted_admin_channels",
)
"""The claim types of the contract (v1): never renamed."""

STATEMENT_CLAIM_TYPES: tuple[str, ...] = (
    "cookies_functional_only",
    "third_parties_declared",
    "retention",
    "no_card_data_stored",
    "newsletter_opt_in",
    "application_version",
    "attestation",
    "web_server_version",
)
"""Claim types beyond the contract's seven, for whole-statement coverage.
``web_server_version`` generalises the contract's ``apache_version`` (which stays, as an
alias for ``product: apache``)."""

CLAIM_TYPES: tuple[str, ...] = (*CONTRACT_CLAIM_TYPES, *STATEMENT_CLAIM_TYPES)
"""Every claim type the inventory accepts, the contract's first."""


class FactStatus(StrEnum):
    """Whether a fact could be gathered."""

    OK = "ok"
    MISSING = "missing"  # the file/tool does not exist on the target
    DENIED = "denied"  # permission denied (no sudo, or sudo refused)
    TIMEOUT = "timeout"
    ERROR = "error"  # anything else: transport failure, parse failure, truncated output


class Status(StrEnum):
    """Outcome of one check on one target (a finding)."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    WARN = "warn"
    ERROR = "error"
    NOT_APPLICABLE = "not_applicable"


class Severity(StrEnum):
    """How much a failed finding matters."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Verdict(StrEnum):
    """Outcome of one claim."""

    VERIFIED = "verified"
    CONTRADICTED = "contradicted"
    INCONCLUSIVE = "inconclusive"
    NOT_VERIFIABLE = "not_verifiable"


@dataclass(frozen=True)
class Fact:
    """One gathered property of a target, with how it was obtained."""

    key: str
    status: FactStatus
    value: JSON = None
    reason: str = ""
    command: str = ""
    exit_status: int | None = None
    privileged: bool = False
    # The output went past a cap (section bytes or parser lines) and the value holds only the
    # part before it: a judgement that needs the whole set must not rely on it.
    truncated: bool = False

    @property
    def ok(self) -> bool:
        """True when the value can be trusted as gathered."""
        return self.status is FactStatus.OK


@dataclass(frozen=True)
class HostFacts:
    """Everything gathered from one target (host, endpoint or database) in one visit."""

    host: str
    reachable: bool
    facts: Mapping[str, Fact] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    host_key: str = ""  # "ssh-ed25519 SHA256:..." of the verified server key
    round_trips: int = 0  # SSH execs used for this host
    connections: int = 0
    duration_s: float = 0.0

    def fact(self, key: str) -> Fact:
        """Return the fact, or an ``error`` fact saying it was never gathered."""
        found = self.facts.get(key)
        if found is not None:
            return found
        reason = "; ".join(self.errors) if self.errors else "fact was not gathered"
        return Fact(key=key, status=FactStatus.ERROR, reason=reason)


@dataclass(frozen=True)
class FactsSnapshot:
    """The immutable input of evaluation: replaying it gives the same findings."""

    started_at: str
    finished_at: str
    scan_time: str  # ISO-8601 UTC; checks use it instead of a clock
    inventory_sha256: str
    hosts: Mapping[str, HostFacts]
    tool_version: str = ""
    schema: str = "posture.facts/1"
    # Facts of endpoints (probed from the auditor) and databases (through SSH tunnels), in the
    # same shape as a host's; ``reachable`` says whether the target answered at all.
    endpoints: Mapping[str, HostFacts] = field(default_factory=dict)
    databases: Mapping[str, HostFacts] = field(default_factory=dict)
    # Evidence files of attestation claims, by claim id (read on the auditor's machine).
    documents: Mapping[str, HostFacts] = field(default_factory=dict)

    def target(self, kind: str, name: str) -> HostFacts | None:
        """The facts of target ``name`` of ``kind`` (host | endpoint | database)."""
        table = {"host": self.hosts, "endpoint": self.endpoints, "database": self.databases,
                 "document": self.documents}
        return table[kind].get(name)


@dataclass(frozen=True)
class FactSource:
    """One fact a finding relied on and how it was obtained (the admin's evidence trail)."""

    key: str
    status: str
    command: str = ""
    privileged: bool = False
    reason: str = ""


@dataclass(frozen=True)
class WaiverState:
    """An inventory waiver as applied to one scan (see :mod:`posture.judge.waivers`)."""

    id: str
    reason: str
    owner: str = ""
    expires: str = ""  # YYYY-MM-DD; "" = no expiry date
    active: bool = True  # False: expired at scan time, so the item counts again


@dataclass(frozen=True)
class Finding:
    """The result of one check on one target: ``CHECK@TARGET``."""

    check: str
    target: str
    status: Status
    severity: Severity
    summary: str
    evidence: Mapping[str, JSON] = field(default_factory=dict)
    remediation: str = ""
    title: str = ""
    sources: tuple[FactSource, ...] = ()  # the facts the check read, with their commands
    waiver: WaiverState | None = None

    @cached_property
    def id(self) -> str:
        """The finding id, stable across scans (made once: every format reads it several
        times per finding; kept in ``__dict__``, outside the fields)."""
        return f"{self.check}@{self.target}"


@dataclass(frozen=True)
class ClaimResult:
    """A claim of the inventory with its verdict and the findings behind it."""

    id: str
    type: str
    says: str
    verdict: Verdict
    findings: tuple[str, ...]
    severity: Severity = Severity.HIGH
    reason: str = ""  # why not_verifiable / inconclusive
    waiver: WaiverState | None = None  # a waiver naming the claim itself
    waived: bool = False  # every failing part is covered by an active waiver


class LedgerVerdict(StrEnum):
    """What became of one sentence of an imported statement."""

    VERIFIED = "verified"
    CONTRADICTED = "contradicted"
    INCONCLUSIVE = "inconclusive"
    ATTESTED = "attested"  # holds on evidence the organisation supplied, not on observation
    NOT_VERIFIABLE_REMOTELY = "not_verifiable_remotely"
    NEEDS_REVIEW = "needs_review"  # speaks of security, but no claim was taken from it


@dataclass(frozen=True)
class LedgerRow:
    """One sentence of the statement with its verdict (see :mod:`posture.judge.ledger`)."""

    sentence: str
    section: str
    verdict: LedgerVerdict
    claims: tuple[str, ...] = ()
    reason: str = ""  # why not verifiable remotely, or what kept it inconclusive
    starts: str = ""
    text: str = ""  # the sentence itself (bounded), when the import kept it


@dataclass(frozen=True)
class Score:
    """The headline number; coverage is reported beside it, never folded into it."""

    value: float
    grade: str
    coverage: float
    method: str


@dataclass(frozen=True)
class HostSummary:
    """Per-host reachability for the result."""

    name: str
    reachable: bool
    errors: tuple[str, ...] = ()
    host_key: str = ""
    round_trips: int = 0


@dataclass(frozen=True)
class ScanResult:
    """The whole judged scan: what every renderer takes."""

    started_at: str
    finished_at: str
    organisation: str
    inventory_sha256: str
    score: Score
    claims: tuple[ClaimResult, ...]
    findings: tuple[Finding, ...]
    hosts: tuple[HostSummary, ...]
    tool_version: str
    statement: Mapping[str, str] = field(default_factory=dict)
    scan_time: str = ""
    facts_sha256: str = ""  # SHA-256 of the facts snapshot the findings were judged from
    waivers: tuple[WaiverState, ...] = ()  # every inventory waiver, active or expired
    ledger: tuple[LedgerRow, ...] = ()  # every imported statement sentence with its verdict
    incomplete: bool = False  # the scan was stopped (SIGTERM) before every target was done

    def finding(self, finding_id: str) -> Finding | None:
        """Look a finding up by id (through :attr:`findings_by_id`: constant time)."""
        return self.findings_by_id.get(finding_id)

    @cached_property
    def findings_by_id(self) -> Mapping[str, Finding]:
        """The findings by id, built on first use (the first finding of an id wins).

        Not a field: equality, ``dataclasses.replace`` and serialisation ignore it, and a
        replaced result builds its own index from its own findings.
        """
        index: dict[str, Finding] = {}
        for finding in self.findings:
            index.setdefault(finding.id, finding)
        return index

    def evidence_key(self, finding: Finding) -> bytes | None:
        """:func:`~posture.jsontext.content_key` of ``finding.evidence``, made once for each
        evidence object and shared by every format rendered from this result.

        The findings a judge memo shared share their evidence object (a fleet's report holds
        tens of thousands of findings, a few thousand evidence objects), and equal contents
        share one bytes object, whose hash a format's memo then computes once. Renderers only
        read a judged result: the key made for an object stays its key.
        """
        evidence = finding.evidence
        known = self._evidence_keys.get(id(evidence))
        if known is not None and known[0] is evidence:  # the entry holds its object: an id
            return known[1]                              # is never read for another one
        key = content_key(evidence)
        if key is not None:
            key = self._same_keys.setdefault(key, key)
        self._evidence_keys[id(evidence)] = (evidence, key)
        return key

    @cached_property
    def _evidence_keys(self) -> dict[int, tuple[Mapping[str, JSON], bytes | None]]:
        return {}

    @cached_property
    def _same_keys(self) -> dict[bytes, bytes]:
        return {}


class Msg(str):
    """A sentence of posture's own (a finding summary, a reason) that a report can translate.

    The value is the English text, formatted, so every existing use of the string keeps
    working (console, JSON, SARIF, JUnit, comparisons). Beside it the message keeps its
    ``msgid`` (the English template with ``{name}`` placeholders), the ``plural`` template
    and count ``n`` for ngettext, and the ``params``: the HTML report looks the template up in
    the catalog of its language and fills in the parameters, escaped. Parameters are target
    data or numbers and are never translated, except a parameter that is itself a
    :class:`Msg`. Build one with :func:`msg`.
    """

    msgid: str
    plural: str
    n: int | None
    params: Mapping[str, Any]

    def __new__(cls, singular: str, plural: str = "", n: int | None = None,
                params: Mapping[str, Any] | None = None) -> Msg:
        """Format the English text now; keep what a translation needs."""
        return _message(cls, singular, plural, n, dict(params) if params else {})

    def __reduce__(self) -> tuple[Any, ...]:
        return (Msg, (self.msgid, self.plural, self.n, dict(self.params)))


def _message(cls: type[Msg], singular: str, plural: str, n: int | None,
             values: dict[str, Any]) -> Msg:
    """A :class:`Msg` of ``cls`` that keeps ``values`` itself (a dict no one else holds)."""
    if n is not None:
        values.setdefault("n", n)
    template = plural if plural and n is not None and n != 1 else singular
    # Plain strings (most parameters) go in as they are: plain_param would return them.
    self = str.__new__(cls, template.format_map(
        {k: v if v.__class__ is str else plain_param(v) for k, v in values.items()}))
    self.msgid, self.plural, self.n, self.params = singular, plural, n, values
    return self


_JOINED = (list, tuple, set, frozenset)  # a tuple of types: isinstance with it is far faster


def plain_param(value: Any) -> str:
    """A message parameter as English text: lists joined with commas."""
    if value.__class__ is str:  # the common case, as str() would return it
        return value
    if isinstance(value, _JOINED):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return ", ".join(plain_param(v) for v in items)
    return str(value)


def msg(singular: str, plural: str = "", /, *, n: int | None = None, **params: Any) -> Msg:
    """A translatable message: ``msg("{n} account is old.", "{n} accounts are old.", n=k)``.

    ``singular`` and ``plural`` are English templates with ``{name}`` placeholders
    (``str.format`` syntax, no format specs); ``n`` picks the plural form and is available as
    ``{n}``. ``scripts/extract_messages.py`` collects every ``msg(...)`` of ``checks/`` and
    ``posture/`` into the catalog.
    """
    return _message(Msg, singular, plural, n, params)  # ``params``: a fresh dict of its own


def joined(parts: list[str]) -> str:
    """``parts`` joined with ``"; "``, as one message when they are messages (each translated)."""
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return msg("{first}; {rest}", first=parts[0], rest=joined(parts[1:]))
