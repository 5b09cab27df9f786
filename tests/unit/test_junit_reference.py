"""The JUnit renderer as it was written with ElementTree: the reference the text-building
renderer of :mod:`posture.render.junit` must match byte for byte. (Named as a test module,
though it holds none, so it is not one of the shared helpers every mutation record hashes.)"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from posture.jsontext import indented_text
from posture.models import ClaimResult, Finding, HostSummary, ScanResult, Status
from posture.render.junit import HOSTS_SUITE, xml_text
from posture.store.jsonable import to_jsonable

_COUNTED = ("tests", "failures", "errors", "skipped")


def reference_junit(result: ScanResult) -> bytes:
    """``report.junit.xml`` as UTF-8 bytes with an XML declaration."""
    root = ET.Element("testsuites", {"name": "posture"})
    for claim in result.claims:
        root.append(_claim_suite(claim, result))
    root.append(_hosts_suite(result.hosts))
    for counter in _COUNTED:
        total = sum(int(suite.get(counter, "0")) for suite in root)
        root.set(counter, str(total))
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


def _suite(name: str, timestamp: str = "") -> ET.Element:
    suite = ET.Element("testsuite", {"name": xml_text(name, 1000)})
    if timestamp:
        suite.set("timestamp", xml_text(timestamp, 64))
    return suite


def _count(suite: ET.Element) -> ET.Element:
    """Set the counting attributes from the suite's test cases."""
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    for counter, tag in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
        suite.set(counter, str(sum(case.find(tag) is not None for case in cases)))
    return suite


def _claim_suite(claim: ClaimResult, result: ScanResult) -> ET.Element:
    suite = _suite(claim.id, result.started_at)
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("type", claim.type),
        ("verdict", claim.verdict.value),
        ("severity", claim.severity.value),
        ("says", claim.says),
        ("reason", claim.reason),
    ):
        ET.SubElement(props, "property", {"name": name, "value": xml_text(value, 4000)})
    for fid in claim.findings:
        suite.append(_finding_case(claim.id, fid, result.finding(fid)))
    if not claim.findings:
        case = _case(claim.id, claim.id)
        reason = claim.reason or "nothing in scope can check this claim"
        ET.SubElement(case, "skipped", {"message": xml_text(reason, 4000)})
        suite.append(case)
    return _count(suite)


def _case(classname: str, name: str) -> ET.Element:
    return ET.Element("testcase", {"classname": xml_text(classname, 1000), "name": xml_text(name)})


def _finding_case(claim_id: str, fid: str, finding: Finding | None) -> ET.Element:
    case = _case(claim_id, fid)
    if finding is None:
        ET.SubElement(case, "error", {"message": "finding missing from the result"})
        return case
    message = xml_text(finding.summary, 4000)
    evidence = indented_text(to_jsonable(finding.evidence))
    waiver = finding.waiver
    if waiver is not None and finding.status in (Status.FAIL, Status.ERROR):
        if waiver.active:
            until = f" until {waiver.expires}" if waiver.expires else ""
            text = f"waived{until}: {waiver.reason} ({finding.status.value}: {finding.summary})"
            ET.SubElement(case, "skipped", {"message": xml_text(text, 4000)})
            return case
        message = xml_text(f"waiver expired on {waiver.expires}: {finding.summary}", 4000)
    if finding.status is Status.FAIL:
        failure = ET.SubElement(
            case, "failure", {"message": message, "type": finding.severity.value}
        )
        failure.text = xml_text(_details(finding, evidence))
    elif finding.status is Status.ERROR:
        error = ET.SubElement(case, "error", {"message": message, "type": "undetermined"})
        error.text = xml_text(_details(finding, evidence))
    elif finding.status is Status.NOT_APPLICABLE:
        ET.SubElement(case, "skipped", {"message": message})
    elif finding.status is Status.WARN:
        ET.SubElement(case, "system-out").text = xml_text(f"warn: {finding.summary}")
    return case


def _details(finding: Finding, evidence: str) -> str:
    text = f"{finding.summary}\n\nevidence:\n{evidence}"
    if finding.remediation:
        text += f"\n\nremediation:\n{finding.remediation}"
    return text


def _hosts_suite(hosts: tuple[HostSummary, ...]) -> ET.Element:
    suite = _suite(HOSTS_SUITE)
    for host in hosts:
        case = _case(HOSTS_SUITE, host.name)
        errors = "\n".join(host.errors)
        if not host.reachable:
            error = ET.SubElement(case, "error", {"message": "host unreachable"})
            error.text = xml_text(errors or "no reason recorded")
        else:
            out = f"host key: {host.host_key or 'unknown'}\nround trips: {host.round_trips}"
            if errors:
                out += f"\nerrors:\n{errors}"
            ET.SubElement(case, "system-out").text = xml_text(out)
        suite.append(case)
    return _count(suite)
