"""The result file (``report.json``, schema ``posture.result/1``): its writer and its loader.

The shape is a public contract (see the contract, section 4): keys are never renamed or removed,
only added. Keys come out in a fixed order, enums as their string values, indented by two,
UTF-8 with a trailing newline. The report is lossless: :func:`result_from_json` turns it back
into the :class:`~posture.models.ScanResult` it came from (``posture diff`` relies on that).
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, TypeVar

from posture.errors import PostureError
from posture.jsontext import fast_indented
from posture.models import (
    JSON,
    ClaimResult,
    FactSource,
    Finding,
    HostSummary,
    LedgerRow,
    LedgerVerdict,
    ScanResult,
    Score,
    Severity,
    Status,
    Verdict,
    WaiverState,
)
from posture.sanitize import escape_json_bytes, json_document
from posture.store.findings_text import write_findings
from posture.store.json_messages import message_from_jsonable, message_to_jsonable
from posture.store.jsonable import to_jsonable

SCHEMA = "posture.result/1"
"""Value of the ``schema`` key; bumped only for an incompatible change."""

TOOL_NAME = "posture"

_E = TypeVar("_E", bound=Enum)


class ReportFormatError(PostureError):
    """A JSON report could not be loaded: wrong schema, missing key or wrong type."""


def finding_to_jsonable(finding: Finding) -> dict[str, JSON]:
    """One entry of ``findings``."""
    return {
        "id": finding.id,
        "check": finding.check,
        "target": finding.target,
        "status": finding.status.value,
        "severity": finding.severity.value,
        "summary": finding.summary,
        **_message("summary", finding.summary),
        "evidence": to_jsonable(finding.evidence),
        "remediation": finding.remediation,
        "title": finding.title,
        "facts": [to_jsonable(src) for src in finding.sources],
        "waiver": waiver_to_jsonable(finding.waiver),
    }


def _message(field: str, value: str) -> dict[str, JSON]:
    """``{field}_message`` beside a text that is a translatable message; nothing otherwise."""
    message = message_to_jsonable(value)
    return {} if message is None else {f"{field}_message": message}


def waiver_to_jsonable(waiver: WaiverState | None) -> JSON:
    """A waiver as attached to a claim or finding (``null`` when none applies)."""
    return None if waiver is None else to_jsonable(waiver)


def claim_to_jsonable(claim: ClaimResult) -> dict[str, JSON]:
    """One entry of ``claims``."""
    return {
        "id": claim.id,
        "type": claim.type,
        "verdict": claim.verdict.value,
        "says": claim.says,
        "findings": list(claim.findings),
        "severity": claim.severity.value,
        "reason": claim.reason,
        **_message("reason", claim.reason),
        "waived": claim.waived,
        "waiver": waiver_to_jsonable(claim.waiver),
    }


def host_to_jsonable(host: HostSummary) -> dict[str, JSON]:
    """One entry of ``hosts``."""
    return {
        "name": host.name,
        "reachable": host.reachable,
        "errors": list(host.errors),
        "host_key": host.host_key,
        "round_trips": host.round_trips,
    }


def summary_counts(result: ScanResult) -> dict[str, dict[str, int]]:
    """Counts per verdict, per status and of (un)reachable hosts; every key always present."""
    claims = {v.value: sum(c.verdict is v for c in result.claims) for v in Verdict}
    counted = Counter(f.status for f in result.findings)
    findings = {s.value: counted[s] for s in Status}
    reachable = sum(h.reachable for h in result.hosts)
    return {
        "claims": {"total": len(result.claims), **claims},
        "findings": {"total": len(result.findings), **findings},
        "hosts": {
            "total": len(result.hosts),
            "reachable": reachable,
            "unreachable": len(result.hosts) - reachable,
        },
    }


def result_to_jsonable(result: ScanResult) -> dict[str, JSON]:
    """The whole report as plain JSON data, keys in contract order."""
    return _document(result, [finding_to_jsonable(f) for f in result.findings])


def _document(result: ScanResult, findings: list[JSON]) -> dict[str, JSON]:
    """:func:`result_to_jsonable` with ``findings`` given (the streamed writer gives none)."""
    return {
        "schema": SCHEMA,
        "tool": {"name": TOOL_NAME, "version": result.tool_version},
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "inventory": {
            "organisation": result.organisation,
            "sha256": result.inventory_sha256,
        },
        "statement": to_jsonable(result.statement),
        "score": {
            "value": result.score.value,
            "grade": result.score.grade,
            "coverage": result.score.coverage,
            "method": result.score.method,
        },
        "summary": to_jsonable(summary_counts(result)),
        "claims": [claim_to_jsonable(c) for c in result.claims],
        "findings": findings,
        "hosts": [host_to_jsonable(h) for h in result.hosts],
        "scan_time": result.scan_time,
        "facts_sha256": result.facts_sha256,
        "waivers": [to_jsonable(w) for w in result.waivers],
        "ledger": [row_to_jsonable(r) for r in result.ledger],
        "incomplete": result.incomplete,
    }


def result_bytes(result: ScanResult) -> bytes:
    """``report.json`` as UTF-8 bytes; invisible characters are ``\\u``-escaped (lossless).

    Exactly ``json_document(result_to_jsonable(result))``; when the fast encoder can write
    every part, the findings are written one at a time (:func:`_streamed`), so a fleet's
    report is never held as plain data and as text at once.
    """
    streamed = _streamed(result)
    return streamed if streamed is not None else json_document(result_to_jsonable(result))


_EMPTY_FINDINGS = b'\n  "findings": [],'
"""The top-level ``findings`` key of an indented report without findings. Text inside JSON
strings holds no raw newline, and deeper keys are indented further: it occurs once."""


def _streamed(result: ScanResult) -> bytes | None:
    """The report with the findings encoded a batch at a time and indented into place, or
    None when a part needs the standard library (then the caller writes the whole document)."""
    head = fast_indented(_document(result, []), newline=True)
    if head is None:
        return None
    head = escape_json_bytes(head)  # each part is escaped on its own (lossless either way)
    out = io.BytesIO()  # grown in place: never the parts and their joined copy at once
    if result.findings:
        cut = head.index(_EMPTY_FINDINGS)
        out.write(head[:cut])
        out.write(b'\n  "findings": [')
        if not write_findings(out, result.findings, finding_to_jsonable,
                              result.evidence_key):
            return None
        out.write(b"\n  ],")
        out.write(head[cut + len(_EMPTY_FINDINGS):])
    else:
        out.write(head)
    return out.getvalue()


def result_from_json(data: Any) -> ScanResult:
    """Rebuild a :class:`ScanResult` from a parsed ``report.json``.

    Unknown keys are ignored (later versions may add some); ``summary`` is derived data and
    not read. Raises :class:`ReportFormatError` naming the offending key.
    """
    top = _obj(data, "report")
    if top.get("schema") != SCHEMA:
        raise ReportFormatError(f"schema: expected {SCHEMA!r}, got {top.get('schema')!r}")
    score = _obj(top.get("score"), "score")
    inventory = _obj(top.get("inventory"), "inventory")
    statement = _obj(top.get("statement", {}), "statement")
    return ScanResult(
        started_at=_get(top, "started_at", str),
        finished_at=_get(top, "finished_at", str),
        organisation=_get(inventory, "organisation", str, "inventory"),
        inventory_sha256=_get(inventory, "sha256", str, "inventory"),
        score=Score(
            value=float(_get(score, "value", int | float, "score")),
            grade=_get(score, "grade", str, "score"),
            coverage=float(_get(score, "coverage", int | float, "score")),
            method=_get(score, "method", str, "score"),
        ),
        claims=_items(top, "claims", _claim_from),
        findings=_items(top, "findings", _finding_from),
        hosts=_items(top, "hosts", _host_from),
        tool_version=_get(_obj(top.get("tool"), "tool"), "version", str, "tool"),
        statement={str(k): str(v) for k, v in statement.items()},
        scan_time=_opt(top, "scan_time", str, "", ""),
        facts_sha256=_opt(top, "facts_sha256", str, "", ""),
        waivers=_items(top, "waivers", _waiver_from) if "waivers" in top else (),
        ledger=_items(top, "ledger", _ledger_from) if "ledger" in top else (),
    )


def _ledger_from(item: Mapping[str, Any], where: str) -> LedgerRow:
    try:
        return row_from_jsonable(item)
    except (KeyError, TypeError, ValueError) as exc:
        raise ReportFormatError(f"{where}: malformed ledger entry ({exc})") from None


def _claim_from(item: Mapping[str, Any], where: str) -> ClaimResult:
    return ClaimResult(
        id=_get(item, "id", str, where),
        type=_get(item, "type", str, where),
        says=_get(item, "says", str, where),
        verdict=_enum(Verdict, item, "verdict", where),
        findings=tuple(_strings(item, "findings", where)),
        severity=_enum(Severity, item, "severity", where),
        reason=message_from_jsonable(_opt(item, "reason", str, "", where),
                                     item.get("reason_message")),
        waiver=_opt_waiver(item, where),
        waived=_opt(item, "waived", bool, False, where),
    )


def _waiver_from(item: Mapping[str, Any], where: str) -> WaiverState:
    return WaiverState(
        id=_get(item, "id", str, where),
        reason=_get(item, "reason", str, where),
        owner=_opt(item, "owner", str, "", where),
        expires=_opt(item, "expires", str, "", where),
        active=_opt(item, "active", bool, True, where),
    )


def _opt_waiver(item: Mapping[str, Any], where: str) -> WaiverState | None:
    raw = item.get("waiver")
    return None if raw is None else _waiver_from(_obj(raw, f"{where}.waiver"), f"{where}.waiver")


def _source_from(item: Mapping[str, Any], where: str) -> FactSource:
    return FactSource(
        key=_get(item, "key", str, where),
        status=_get(item, "status", str, where),
        command=_opt(item, "command", str, "", where),
        privileged=_opt(item, "privileged", bool, False, where),
        reason=_opt(item, "reason", str, "", where),
    )


def _finding_from(item: Mapping[str, Any], where: str) -> Finding:
    finding = Finding(
        check=_get(item, "check", str, where),
        target=_get(item, "target", str, where),
        status=_enum(Status, item, "status", where),
        severity=_enum(Severity, item, "severity", where),
        summary=message_from_jsonable(_get(item, "summary", str, where),
                                      item.get("summary_message")),
        evidence=_obj(item.get("evidence", {}), f"{where}.evidence"),
        remediation=_opt(item, "remediation", str, "", where),
        title=_opt(item, "title", str, "", where),
        sources=_items(item, "facts", _source_from, where) if "facts" in item else (),
        waiver=_opt_waiver(item, where),
    )
    if "id" in item and item["id"] != finding.id:
        raise ReportFormatError(f"{where}.id: {item['id']!r} is not CHECK@TARGET")
    return finding


def _host_from(item: Mapping[str, Any], where: str) -> HostSummary:
    return HostSummary(
        name=_get(item, "name", str, where),
        reachable=_get(item, "reachable", bool, where),
        errors=tuple(_strings(item, "errors", where)),
        host_key=_opt(item, "host_key", str, "", where),
        round_trips=_opt(item, "round_trips", int, 0, where),
    )


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ReportFormatError(f"{where}: expected an object")
    return value


def _get(obj: Mapping[str, Any], key: str, kind: Any, where: str = "") -> Any:
    path = f"{where}.{key}" if where else key
    if key not in obj:
        raise ReportFormatError(f"{path}: missing")
    value = obj[key]
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ReportFormatError(f"{path}: unexpected type {type(value).__name__}")
    return value


def _opt(obj: Mapping[str, Any], key: str, kind: Any, default: Any, where: str) -> Any:
    return _get(obj, key, kind, where) if key in obj else default


def _enum(enum: type[_E], obj: Mapping[str, Any], key: str, where: str) -> _E:
    raw = _get(obj, key, str, where)
    try:
        return enum(raw)
    except ValueError:
        raise ReportFormatError(f"{where}.{key}: unknown value {raw!r}") from None


def _strings(obj: Mapping[str, Any], key: str, where: str) -> list[str]:
    values = _get(obj, key, list, where)
    if not all(isinstance(v, str) for v in values):
        raise ReportFormatError(f"{where}.{key}: expected a list of strings")
    return list(values)


_T = TypeVar("_T")


def _items(
    top: Mapping[str, Any], key: str, build: Callable[[Mapping[str, Any], str], _T],
    where: str = "",
) -> tuple[_T, ...]:
    values = _get(top, key, list, where)
    path = f"{where}.{key}" if where else key
    return tuple(build(_obj(v, f"{path}[{i}]"), f"{path}[{i}]") for i, v in enumerate(values))


def row_to_jsonable(row: LedgerRow) -> dict[str, Any]:
    """One entry of ``ledger`` in ``report.json``."""
    return {"sentence": row.sentence, "section": row.section, "verdict": row.verdict.value,
            "claims": list(row.claims), "reason": row.reason, "starts": row.starts,
            **({"text": row.text} if row.text else {})}


def row_from_jsonable(item: Mapping[str, Any]) -> LedgerRow:
    """Rebuild a row; ``ValueError``/``KeyError``/``TypeError`` on a malformed entry."""
    claims = item.get("claims", [])
    if not isinstance(claims, list) or not all(isinstance(c, str) for c in claims):
        raise TypeError("claims: expected a list of strings")
    return LedgerRow(str(item["sentence"]), str(item.get("section", "")),
                     LedgerVerdict(item["verdict"]), tuple(claims),
                     str(item.get("reason", "")), str(item.get("starts", "")),
                     str(item.get("text", "")))
