"""The ``findings`` of ``report.json`` written a batch at a time (see
:func:`posture.store.results.result_bytes`).

Most findings are plain JSON data apart from their dataclass shell: their entries are built
without copying the evidence (:func:`plain_finding`) and written by orjson in batches, each
batch nested two arrays deep so that it comes out indented as the items of the top-level
``findings`` array. A finding that is not plain is converted as the slow path converts it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from itertools import repeat

from posture.jsontext import ContentMemo, content_key, fast_indented, plain_tree
from posture.models import JSON, FactSource, Finding, Msg
from posture.sanitize import escape_json_bytes
from posture.store.json_messages import message_to_jsonable
from posture.store.jsonable import to_jsonable

__all__ = ["plain_finding", "write_findings"]

_BATCH = 16
"""Findings encoded by one call: few calls, and each batch's text (some 50 KB on a fleet)
still in the processor's cache when it is checked and copied (measured: 16 beat 4 to 1,024)."""


def write_findings(out: io.BytesIO, findings: tuple[Finding, ...],
                   convert: Callable[[Finding], dict[str, JSON]],
                   key: Callable[[Finding], bytes | None] | None = None) -> bool:
    """Write the findings as the items of the top-level ``findings`` array (without the
    brackets), invisible characters escaped a batch at a time (a report is never decoded
    whole); False when one of them needs the standard library. ``convert`` gives the entry
    of a finding that is not plain (:func:`~posture.store.results.finding_to_jsonable`);
    ``key`` the content key of a finding's evidence (:meth:`ScanResult.evidence_key`, made
    once for all formats; by default :func:`~posture.jsontext.content_key` of it)."""
    batch: list[JSON] = []
    first = True
    memo: dict[object, tuple[JSON, bool]] = {}
    evidence_memo = ContentMemo(EVIDENCE_MEMO)

    def flush(part: bytes | None) -> bool:
        # ``part`` is the batch inside another array ("[\n  [\n    {...},\n    {...}\n  ]\n]"):
        # its items are indented as the items of the top-level findings array are.
        nonlocal first
        if part is None:
            return False
        if not first:
            out.write(b",")
        items = memoryview(part)[len(_NESTED_START):-len(_NESTED_END)]  # not copied
        out.write(items if part.isascii() and b"\x7f" not in part
                  else escape_json_bytes(bytes(items)))
        first = False
        batch.clear()
        return True

    for finding in findings:
        entry = plain_finding(finding, memo, evidence_memo, key)
        if entry is not None:
            batch.append(entry)
            if len(batch) < _BATCH or flush(fast_indented([batch], checked=True)):
                continue
            return False  # a value orjson refuses (an integer beyond 64 bits)
        if batch and not flush(fast_indented([batch], checked=True)):
            return False
        if not flush(fast_indented([[convert(finding)]])):
            return False
    return not batch or flush(fast_indented([batch], checked=True))


_NESTED_START = b"[\n  ["
_NESTED_END = b"\n  ]\n]"


def plain_finding(finding: Finding, memo: dict[object, tuple[JSON, bool]] | None = None,
                  evidence_memo: ContentMemo | None = None,
                  key: Callable[[Finding], bytes | None] | None = None
                  ) -> dict[str, JSON] | None:
    """The entry ``finding_to_jsonable`` makes, without copying the evidence, when every part
    is plain JSON data (:func:`~posture.jsontext.plain_tree`: the same text either way);
    else None.

    The parts are checked one by one rather than by walking the whole entry, by the types of
    their values where that suffices: a fleet's report holds tens of thousands of findings.
    ``memo`` keeps the ``summary_message`` of each message met before (see :func:`_message`),
    ``evidence_memo`` whether each evidence content met before is plain (by ``key``, see
    :func:`write_findings`).
    """
    evidence, summary, sources = finding.evidence, finding.summary, finding.sources
    texts = (finding.check, finding.target, finding.remediation, finding.title, summary)
    if not (_TEXTS.issuperset(map(type, texts)) and _SOURCES.issuperset(map(type, sources))
            and _plain_evidence(finding, evidence_memo, key)):
        return None
    # ``to_jsonable(source)`` written out: the fields in declaration order.
    facts = [{"key": s.key, "status": s.status, "command": s.command,
              "privileged": s.privileged, "reason": s.reason} for s in sources]
    if not all(map(_SOURCE_VALUES.issuperset, map(map, repeat(type), map(dict.values, facts)))):
        return None
    message, plain = _message(summary, memo)
    waiver = None if finding.waiver is None else to_jsonable(finding.waiver)
    if not plain or (waiver is not None and not plain_tree(waiver)):
        return None
    entry: dict[str, JSON] = {
        "id": finding.id,
        "check": texts[0],
        "target": texts[1],
        "status": finding.status._value_,  # .value is a Python-level property
        "severity": finding.severity._value_,
        "summary": summary,
    }
    if message is not None:
        entry["summary_message"] = message
    entry["evidence"] = evidence
    entry["remediation"] = texts[2]
    entry["title"] = texts[3]
    entry["facts"] = facts
    entry["waiver"] = waiver
    return entry


def _plain_evidence(finding: Finding, plain: ContentMemo | None,
                    key: Callable[[Finding], bytes | None] | None) -> bool:
    """``plain_tree(finding.evidence)``, looked up in ``plain`` by content when met before."""
    evidence = finding.evidence
    if plain is None:
        return plain_tree(evidence)
    content = content_key(evidence) if key is None else key(finding)
    known: bool | None = plain.get(content)
    if known is None:
        known = plain_tree(evidence)
        plain.put(content, known)
    return known


EVIDENCE_MEMO = 20_000
"""Distinct evidence contents whose plainness :func:`write_findings` keeps."""

_TEXTS = frozenset({str, Msg})
"""Text both encoders write as its characters (a message is a ``str`` subclass, no enum)."""
_SOURCES = frozenset({FactSource})
"""A subclass may add fields: it is converted in full, as the slow path converts it."""
_SOURCE_VALUES = frozenset({str, bool})


def _message(summary: str, memo: dict[object, tuple[JSON, bool]] | None,
             ) -> tuple[JSON, bool]:
    """``summary_message`` of a summary (None for plain text) and whether it is plain.

    Across a fleet most summaries are the same few messages with the same parameters: the
    entry of each is built once and shared (it is only read). The memo key holds everything
    the entry is made of, types included (``1``, ``1.0`` and ``True`` are equal keys in
    Python but different JSON); a message with a parameter of any other type is not kept.
    """
    if summary.__class__ is not Msg:
        return message_to_jsonable(summary), True
    key = _key(summary, 0) if memo is not None else None
    if key is not None and memo is not None:
        known = memo.get(key)
        if known is not None:
            return known
    message = message_to_jsonable(summary)
    found = (message, plain_tree(message))
    if key is not None and memo is not None:
        memo[key] = found
    return found


_KEYED = frozenset({str, int, bool, type(None)})


def _key(message: Msg, depth: int) -> tuple[object, ...] | None:
    """What :func:`message_to_jsonable` makes of ``message``, as a hashable key (or None)."""
    if message.__class__ is not Msg or depth > 4:
        return None
    params: list[object] = [message.msgid, message.plural, message.n.__class__, message.n]
    for name, value in message.params.items():
        kind = value.__class__
        if kind is Msg:
            value = _key(value, depth + 1)
            if value is None:
                return None
        elif kind not in _KEYED:
            return None
        params += (name, kind, value)
    return tuple(params)
