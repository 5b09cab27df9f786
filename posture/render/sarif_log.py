"""The SARIF log as JSON data (see :mod:`posture.render.sarif` for the mapping of findings).

Evidence that is plain JSON data (:func:`~posture.jsontext.plain_tree`) is placed in the log
as it is, not copied; each builder says whether its part is plain, so orjson may write it
without walking it again.
"""

from __future__ import annotations

from posture.jsontext import plain_tree
from posture.models import JSON, Finding, ScanResult, Severity, Status
from posture.render.common import claims_by_finding
from posture.sanitize import safe_text
from posture.store.jsonable import checked_jsonable, to_jsonable

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/posture-audit/posture"
FINGERPRINT_KEY = "postureFindingId/v1"

_SEVERITY_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}

# GitHub code scanning reads a 0-10 "security-severity" from rule properties.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}

_KIND = {
    Status.FAIL: "fail",
    Status.WARN: "fail",
    Status.ERROR: "open",
    Status.PASS: "pass",
    Status.NOT_APPLICABLE: "notApplicable",
}


def result_kind_level(finding: Finding) -> tuple[str, str]:
    """SARIF ``(kind, level)`` of a finding, per the table in the module docstring."""
    if finding.status is Status.FAIL:
        return "fail", _SEVERITY_LEVEL[finding.severity]
    if finding.status is Status.WARN:
        return "fail", "note"
    return _KIND[finding.status], "none"


def sarif_log(result: ScanResult) -> dict[str, JSON]:
    """The SARIF log as plain JSON data."""
    return log_data(result)[0]


def log_data(result: ScanResult, *, with_results: bool = True) -> tuple[dict[str, JSON], bool]:
    """The SARIF log (``results`` left empty unless ``with_results``), and whether
    :func:`~posture.jsontext.plain_tree` holds for every part of it (then orjson writes it
    without walking it again).

    Evidence that is plain JSON data is placed in the log as it is, not copied.
    """
    rules, index = _rules(result)
    results: list[JSON] = []
    plain = True
    if with_results:
        owners = claims_by_finding(result)
        for finding in result.findings:
            entry, fast = result_data(finding, index[finding.check], owners.get(finding.id, []))
            results.append(entry)
            plain = plain and fast
    score = to_jsonable(result.score)
    invocation = _invocation(result)
    head = (rules, invocation, score, result.tool_version, result.organisation,
            result.inventory_sha256)
    log: dict[str, JSON] = {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "posture",
                        "version": result.tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "invocations": [invocation],
                "results": results,
                "properties": {
                    "organisation": result.organisation,
                    "inventorySha256": result.inventory_sha256,
                    "score": score,
                },
            }
        ],
    }
    return log, plain and plain_tree(head)


def _rules(result: ScanResult) -> tuple[list[JSON], dict[str, int]]:
    """One rule per check id, in order of first appearance, and each rule's index."""
    rules: list[JSON] = []
    index: dict[str, int] = {}
    for finding in result.findings:
        if finding.check in index:
            continue
        index[finding.check] = len(rules)
        rule: dict[str, JSON] = {
            "id": finding.check,
            "shortDescription": {"text": safe_text(finding.title or finding.check, 1000)},
            "defaultConfiguration": {"level": _SEVERITY_LEVEL[finding.severity]},
            "properties": {
                "tags": ["security"],
                "security-severity": _SECURITY_SEVERITY[finding.severity],
            },
        }
        if finding.remediation:
            rule["help"] = {"text": safe_text(finding.remediation, 4000)}
        rules.append(rule)
    return rules, index


def result_data(finding: Finding, rule_index: int, claims: list[str]) -> tuple[JSON, bool]:
    """One result, and whether it is plain JSON data (see :func:`log_data`)."""
    kind, level = result_kind_level(finding)
    evidence, plain = checked_jsonable(finding.evidence)
    target = finding.target
    properties: dict[str, JSON] = {
        "status": finding.status.value,
        "severity": finding.severity.value,
        "claims": list(claims),
        "evidence": evidence,
    }
    out: dict[str, JSON] = {
        "ruleId": finding.check,
        "ruleIndex": rule_index,
        "kind": kind,
        "level": level,
        "message": {"text": safe_text(finding.summary or finding.status.value, 4000)},
        "locations": [{"logicalLocations": [{"name": target, "kind": "resource"}]}],
        "partialFingerprints": {FINGERPRINT_KEY: finding.id},
        "properties": properties,
    }
    waiver = finding.waiver
    if waiver is not None:
        properties["waiver"] = to_jsonable(waiver)
        if waiver.active:
            out["suppressions"] = [{"kind": "external", "status": "accepted",
                                    "justification": safe_text(waiver.reason, 4000)}]
        plain = plain and plain_tree(properties["waiver"])
    # The check, the target and the claim ids go into the log as they are: exact strings.
    plain = plain and _TEXTS.issuperset(map(type, (finding.check, target, *claims)))
    return out, plain


_TEXTS = frozenset({str})


def _invocation(result: ScanResult) -> JSON:
    """The scan itself; each unreachable host becomes an error notification."""
    notifications: list[JSON] = [
        {
            "level": "error",
            "message": {
                "text": safe_text(
                    f"host {host.name} unreachable: {'; '.join(host.errors) or 'no reason'}",
                    4000,
                )
            },
            "locations": [{"logicalLocations": [{"name": host.name, "kind": "resource"}]}],
        }
        for host in result.hosts
        if not host.reachable
    ]
    invocation: dict[str, JSON] = {"executionSuccessful": True}
    if result.started_at:
        invocation["startTimeUtc"] = result.started_at
    if result.finished_at:
        invocation["endTimeUtc"] = result.finished_at
    invocation["toolExecutionNotifications"] = notifications
    return invocation
