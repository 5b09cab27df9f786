"""JUnit XML output (``report.junit.xml``) for CI test dashboards.

One ``<testsuite>`` per claim (named by the claim id) with one ``<testcase>`` per finding:

* ``fail`` -> ``<failure>`` (message = summary, text = evidence as JSON),
* ``error`` -> ``<error>`` (the outcome could not be determined),
* ``not_applicable`` -> ``<skipped>``,
* ``warn`` -> a passing test case with the summary in ``<system-out>``,
* ``pass`` -> a passing test case.

A ``fail`` or ``error`` finding with an active waiver is ``<skipped>`` with the waiver in the
message (an accepted risk does not break the build); once the waiver has expired it is a
``<failure>``/``<error>`` again, its message saying so.

A claim without findings gets one skipped test case carrying its reason, so no claim vanishes
from a dashboard. A final ``posture.hosts`` suite holds a test case per host; an unreachable
host is an ``<error>``. Markup is escaped (:func:`escape_text`, :func:`escape_attribute`);
characters XML 1.0 forbids are removed and other invisible characters shown as escapes
(:func:`~posture.sanitize.safe_text`).

The document is written as text, element by element, in the layout of ElementTree's
``indent()`` and ``tostring()`` (two spaces a level, ``<empty />`` elements, attributes in
the order given): the bytes the ElementTree renderer wrote, at a fraction of its cost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from posture.gcpause import collector_paused
from posture.jsontext import ContentMemo, content_key, fast_indented, indented_text
from posture.models import ClaimResult, Finding, HostSummary, ScanResult, Status
from posture.sanitize import safe_text
from posture.store.jsonable import checked_jsonable

HOSTS_SUITE = "posture.hosts"
"""Name (and test case class name) of the suite listing the hosts."""

TEXT_LIMIT = 20_000
"""Longest text put in one element or attribute."""

# Anything outside XML 1.0's Char production ([^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-
# \U0010ffff]), listed directly: the same set, compiled some ten times faster.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_OUTCOMES = ("failure", "error", "skipped")
"""Child elements a test case is counted by (``failures``, ``errors``, ``skipped``)."""


def xml_text(value: str, limit: int = TEXT_LIMIT) -> str:
    """Text safe to place in XML 1.0: invisible characters escaped, illegal ones removed."""
    if value.__class__ is str and len(value) <= limit and value.isprintable():
        # Nothing to escape or remove (every character XML forbids is unprintable): the
        # text as it is, without the two passes below (a fleet's ids and names, mostly).
        return value
    return _XML_ILLEGAL.sub("", safe_text(value, limit, keep_newlines=True))


def escape_text(text: str) -> str:
    """Character data escaped as ElementTree escapes it (``&``, ``<``, ``>``)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def escape_attribute(text: str) -> str:
    """An attribute value escaped as ElementTree escapes it: markup, quotes, and the line
    breaks and tabs an XML parser would otherwise normalise to spaces."""
    text = escape_text(text)
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    if "\n" in text:
        text = text.replace("\n", "&#10;")
    if "\t" in text:
        text = text.replace("\t", "&#09;")
    return text


class _Case:
    """One ``<testcase>``: its start tag and at most one child element, as text."""

    __slots__ = ("child", "outcome", "start")

    def __init__(self, classname: str, name: str) -> None:
        """``classname`` is the attribute's value as written (see :func:`_classname`)."""
        self.start = f'<testcase classname="{classname}" name="{escape_attribute(xml_text(name))}"'

        self.child = ""
        self.outcome = ""

    def add(self, tag: str, attributes: Iterable[tuple[str, str]], text: str = "") -> None:
        """Give the case its child element (attribute values and text not yet escaped)."""
        self.outcome = tag
        self.child = _element(tag, attributes, text)

    def lines(self, indent: str) -> str:
        """The case at ``indent`` (its child one level deeper), without a final newline."""
        if not self.child:
            return f"{indent}{self.start} />"
        return f"{indent}{self.start}>\n{indent}  {self.child}\n{indent}</testcase>"


def _classname(name: str) -> str:
    """The ``classname`` attribute of a suite's cases, escaped (once per suite)."""
    return escape_attribute(xml_text(name, 1000))


def _element(tag: str, attributes: Iterable[tuple[str, str]], text: str = "") -> str:
    """An element without children: ``<tag a="v">text</tag>``, or ``<tag a="v" />``."""
    attrs = "".join(f' {name}="{escape_attribute(value)}"' for name, value in attributes)
    if text:
        return f"<{tag}{attrs}>{escape_text(text)}</{tag}>"
    return f"<{tag}{attrs} />"


def render_junit(result: ScanResult) -> bytes:
    """``report.junit.xml`` as UTF-8 bytes with an XML declaration."""
    with collector_paused():
        memo = ContentMemo(DETAILS_MEMO)
        suites = [_claim_suite(claim, result, memo) for claim in result.claims]
        suites.append(_hosts_suite(result.hosts))
        data = _document(suites)
        del suites  # freed before the collector resumes
    return data


def _document(suites: list[_Suite]) -> bytes:
    """The whole document from its suites, the totals on the root element."""
    totals = [sum(counts[i] for _, counts, _ in suites) for i in range(4)]
    head = _start_tag("testsuites", [("name", "posture"), *_counted(totals)])
    parts = ["<?xml version='1.0' encoding='utf-8'?>\n", head, ">"]
    for start, counts, body in suites:
        start += "".join(f' {name}="{value}"' for name, value in _counted(counts))
        if body:
            parts += ("\n  ", start, ">", *body, "\n  </testsuite>")
        else:
            parts += ("\n  ", start, " />")
    parts.append("\n</testsuites>\n")
    # Every text went through xml_text (no lone surrogate left); the error handler is the
    # one ElementTree's writer uses, should any character still not encode.
    return "".join(parts).encode("utf-8", "xmlcharrefreplace")


_Suite = tuple[str, list[int], list[str]]
"""A suite's start tag without its counts, its counts, and its body (indented lines)."""


def _counted(counts: list[int]) -> list[tuple[str, str]]:
    return list(zip(("tests", "failures", "errors", "skipped"), map(str, counts), strict=True))


def _start_tag(tag: str, attributes: Iterable[tuple[str, str]]) -> str:
    return f"<{tag}" + "".join(f' {n}="{escape_attribute(v)}"' for n, v in attributes)


def _suite_start(name: str, timestamp: str = "") -> str:
    attributes = [("name", xml_text(name, 1000))]
    if timestamp:
        attributes.append(("timestamp", xml_text(timestamp, 64)))
    return _start_tag("testsuite", attributes)


def _cases(cases: list[_Case], body: list[str]) -> list[int]:
    """Append the cases' lines to ``body``; return the suite's counts."""
    counts = [len(cases), 0, 0, 0]
    for case in cases:
        if case.outcome in _OUTCOMES:
            counts[1 + _OUTCOMES.index(case.outcome)] += 1
        body.append("\n" + case.lines("    "))
    return counts


def _claim_suite(claim: ClaimResult, result: ScanResult,
                 memo: ContentMemo | None = None) -> _Suite:
    body = ["\n    <properties>"]
    for name, value in (
        ("type", claim.type),
        ("verdict", claim.verdict.value),
        ("severity", claim.severity.value),
        ("says", claim.says),
        ("reason", claim.reason),
    ):
        body.append("\n      " + _element("property", [("name", name),
                                                        ("value", xml_text(value, 4000))]))
    body.append("\n    </properties>")
    classname = _classname(claim.id)
    cases = [_finding_case(classname, fid, result.finding(fid), memo, result.evidence_key)
             for fid in claim.findings]
    if not claim.findings:
        case = _Case(classname, claim.id)
        reason = claim.reason or "nothing in scope can check this claim"
        case.add("skipped", [("message", xml_text(reason, 4000))])
        cases.append(case)
    return _suite_start(claim.id, result.started_at), _cases(cases, body), body


def _finding_case(classname: str, fid: str, finding: Finding | None,
                  memo: ContentMemo | None = None,
                  key: Callable[[Finding], bytes | None] | None = None) -> _Case:
    case = _Case(classname, fid)
    if finding is None:
        case.add("error", [("message", "finding missing from the result")])
        return case
    status = finding.status
    if status is Status.PASS:
        return case
    message = xml_text(finding.summary, 4000)
    waiver = finding.waiver
    if waiver is not None and status in (Status.FAIL, Status.ERROR):
        if waiver.active:
            until = f" until {waiver.expires}" if waiver.expires else ""
            text = f"waived{until}: {waiver.reason} ({status.value}: {finding.summary})"
            case.add("skipped", [("message", xml_text(text, 4000))])
            return case
        message = xml_text(f"waiver expired on {waiver.expires}: {finding.summary}", 4000)
    if status is Status.FAIL:
        case.add("failure", [("message", message), ("type", finding.severity.value)],
                 _details_xml(finding, memo, key))
    elif status is Status.ERROR:
        case.add("error", [("message", message), ("type", "undetermined")],
                 _details_xml(finding, memo, key))
    elif status is Status.NOT_APPLICABLE:
        case.add("skipped", [("message", message)])
    elif status is Status.WARN:
        case.add("system-out", (), xml_text(f"warn: {finding.summary}"))
    return case


def _evidence(finding: Finding) -> str:
    """The evidence as indented JSON text (plain evidence is not copied first)."""
    data, plain = checked_jsonable(finding.evidence)
    fast = fast_indented(data, checked=True) if plain else None
    return fast.decode("utf-8") if fast is not None else indented_text(data)


def _details(finding: Finding) -> str:
    return _head(finding) + _evidence(finding) + _tail(finding)


def _head(finding: Finding) -> str:
    return f"{finding.summary}\n\nevidence:\n"


def _tail(finding: Finding) -> str:
    return f"\n\nremediation:\n{finding.remediation}" if finding.remediation else ""


DETAILS_MEMO = 10_000
"""Distinct failure texts kept per report (a fleet's findings repeat a few dozen)."""


def _details_xml(finding: Finding, memo: ContentMemo | None,
                 key: Callable[[Finding], bytes | None] | None = None) -> str:
    """``xml_text(_details(finding))``; with ``memo``, made once for each distinct text
    before the evidence, evidence content (:func:`~posture.jsontext.content_key`) and text
    after it (``key``: :meth:`~posture.models.ScanResult.evidence_key`, made once for all
    formats)."""
    if memo is None:
        return xml_text(_details(finding))
    head, tail = _head(finding), _tail(finding)
    content = content_key(finding.evidence) if key is None else key(finding)
    whole = None if content is None else content_key((head, content, tail))
    known: str | None = memo.get(whole)
    if known is None:
        known = xml_text(head + _evidence(finding) + tail)
        memo.put(whole, known)
    return known


def _hosts_suite(hosts: tuple[HostSummary, ...]) -> _Suite:
    cases = []
    classname = _classname(HOSTS_SUITE)
    for host in hosts:
        case = _Case(classname, host.name)
        errors = "\n".join(host.errors)
        if not host.reachable:
            case.add("error", [("message", "host unreachable")],
                     xml_text(errors or "no reason recorded"))
        else:
            out = f"host key: {host.host_key or 'unknown'}\nround trips: {host.round_trips}"
            if errors:
                out += f"\nerrors:\n{errors}"
            case.add("system-out", (), xml_text(out))
        cases.append(case)
    body: list[str] = []
    return _suite_start(HOSTS_SUITE), _cases(cases, body), body
