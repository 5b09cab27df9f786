"""``report.sarif`` written as text, result by result: what :func:`render_sarif` writes from
the whole log, byte for byte, without building it.

A fleet's log holds one result per finding, each a dozen nested objects: building them, and
freeing them again, was most of the time spent writing SARIF. Here the log is built without
its results and written by orjson; each result is then written into place from a template
in the very layout of ``json.dumps(log, indent=2, ensure_ascii=False)``, its strings and
evidence encoded by orjson (plain evidence only, :func:`~posture.jsontext.plain_tree`). A
result with a waiver is built as data and encoded at its depth. Whenever a part cannot be
promised the standard library's bytes (a lone surrogate, evidence that needs converting), the
answer is None and :func:`~posture.render.sarif.render_sarif` builds the whole log instead.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from types import ModuleType

from posture.jsontext import ContentMemo, content_key, fast_indented, plain_tree
from posture.models import Finding, Msg, ScanResult
from posture.render.common import claims_by_finding
from posture.render.sarif_log import log_data, result_data, result_kind_level
from posture.sanitize import escape_json_bytes, safe_text

_orjson: ModuleType | None
try:  # as posture.jsontext: without orjson every log is built and written whole
    import orjson as _orjson
except ImportError:  # pragma: no cover - orjson is a dependency
    _orjson = None

__all__ = ["sarif_text"]

_EMPTY_RESULTS = b'\n      "results": [],'
"""The run's ``results`` key in the indented log without results. Strings hold no raw
newline and other keys at this indentation belong to the run itself: it occurs once."""

_TEXTS = frozenset({str, Msg})

EVIDENCE_MEMO = 10_000
"""Distinct evidence contents whose encoding is kept per log (a fleet repeats a few dozen)."""


def _nesting(depth: int) -> tuple[int, int]:
    """How many bytes orjson writes before and after a value nested ``depth`` arrays deep,
    so that the value comes out indented as at that depth of the log."""
    assert _orjson is not None
    nested: object = 0
    for _ in range(depth):
        nested = [nested]
    text = _orjson.dumps(nested, option=_orjson.OPT_INDENT_2)
    cut = text.index(b"0")
    return cut, len(text) - cut - 1


def sarif_text(result: ScanResult) -> bytes | None:
    """``report.sarif`` as UTF-8 bytes, or None when only the whole log can be written."""
    if _orjson is None:
        return None
    log, plain = log_data(result, with_results=False)
    head = fast_indented(log, newline=True, checked=True) if plain else None
    if head is None:
        return None
    index = {rule["id"]: n for n, rule in enumerate(log["runs"][0]["tool"]["driver"]["rules"])}
    del log
    owners = claims_by_finding(result)
    memo = ContentMemo(EVIDENCE_MEMO)
    head = escape_json_bytes(head)  # each part is escaped on its own (lossless either way)
    out = io.BytesIO()
    cut = head.index(_EMPTY_RESULTS)
    out.write(head[:cut])
    if result.findings:
        out.write(b'\n      "results": [')
        for n, finding in enumerate(result.findings):
            fid = finding.id  # a property that builds the string: once per finding
            part = _result_text(finding, fid, index[finding.check], owners.get(fid, []), memo,
                                result.evidence_key)
            if part is None:
                return None
            if n:
                out.write(b",")
            out.write(escape_json_bytes(part))
        out.write(b"\n      ],")
    else:
        out.write(_EMPTY_RESULTS)
    out.write(head[cut + len(_EMPTY_RESULTS):])
    return out.getvalue()


_RESULT_DEPTH = _nesting(4) if _orjson is not None else (0, 0)
"""A result is an item of ``runs[0].results``: four levels deep."""
_EVIDENCE_DEPTH = _nesting(6) if _orjson is not None else (0, 0)
"""A result's evidence is the value of ``properties.evidence``: six levels deep."""


def _at(value: object, depth: int, where: tuple[int, int]) -> bytes:
    """``value`` encoded as at ``depth`` of the log (``where`` = :func:`_nesting` of it)."""
    assert _orjson is not None
    for _ in range(depth):
        value = [value]
    text: bytes = _orjson.dumps(value, option=_orjson.OPT_INDENT_2)
    return text[where[0]:len(text) - where[1]]


def _result_text(finding: Finding, fid: str, rule_index: int, claims: list[str],
                 memo: ContentMemo | None = None,
                 key: Callable[[Finding], bytes | None] | None = None) -> bytes | None:
    """One result: ``\\n        {...}`` as ``json.dumps`` indents it in the log, or None.

    ``memo`` keeps the encoded evidence of each evidence content met before (plain only),
    by ``key`` (:meth:`~posture.models.ScanResult.evidence_key`, made once for all formats).
    """
    assert _orjson is not None
    if finding.waiver is not None:  # the rare shape: built as data, encoded at its depth
        entry, plain = result_data(finding, rule_index, claims)
        try:
            return b"\n        " + _at(entry, 4, _RESULT_DEPTH) if plain else None
        except TypeError:  # orjson refuses a lone surrogate, an integer beyond 64 bits
            return None
    evidence = finding.evidence
    texts = (finding.check, finding.target, *claims)
    if not _TEXTS.issuperset(map(type, texts)):
        return None
    content = None if memo is None else (
        content_key(evidence) if key is None else key(finding))
    data: bytes | None = None if memo is None else memo.get(content)
    if data is None:
        if not plain_tree(evidence):
            return None
        try:
            data = _at(evidence, 6, _EVIDENCE_DEPTH)
        except TypeError:  # orjson refuses a lone surrogate, an integer beyond 64 bits
            return None
        if memo is not None:
            memo.put(content, data)
    kind, level = result_kind_level(finding)
    dumps = _orjson.dumps
    try:
        check, target, ident, message = map(dumps, (
            finding.check, finding.target, fid,
            safe_text(finding.summary or finding.status._value_, 4000)))
        listed = b"[]" if not claims else (
            b"[\n              " + b",\n              ".join(map(dumps, claims)) +
            b"\n            ]")
    except TypeError:  # orjson refuses a lone surrogate, an integer beyond 64 bits
        return None
    return b"".join((
        b'\n        {\n          "ruleId": ', check,
        b',\n          "ruleIndex": ', str(rule_index).encode(),
        b',\n          "kind": "', kind.encode(),
        b'",\n          "level": "', level.encode(),
        b'",\n          "message": {\n            "text": ', message,
        b'\n          },\n          "locations": [\n            {\n'
        b'              "logicalLocations": [\n                {\n'
        b'                  "name": ', target,
        b',\n                  "kind": "resource"\n                }\n              ]\n'
        b'            }\n          ],\n          "partialFingerprints": {\n'
        b'            "postureFindingId/v1": ', ident,
        b'\n          },\n          "properties": {\n            "status": "',
        finding.status._value_.encode(),
        b'",\n            "severity": "', finding.severity._value_.encode(),
        b'",\n            "claims": ', listed,
        b',\n            "evidence": ', data,
        b"\n          }\n        }",
    ))
