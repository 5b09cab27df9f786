"""SARIF 2.1.0 output (``report.sarif``) for code-scanning dashboards.

One run; one rule per check id; one result per finding, so a dashboard sees what passed as well
as what failed. SARIF's ``kind`` carries the evaluation state and ``level`` the seriousness; the
standard requires ``level: none`` for every kind but ``fail``:

==================  ===============  ==========================================
finding status      ``kind``         ``level``
==================  ===============  ==========================================
fail                fail             error (critical, high), warning (medium),
                                     note (low, info)
warn                fail             note
error               open             none (the rule ran; the outcome is unknown)
pass                pass             none
not_applicable      notApplicable    none
==================  ===============  ==========================================

Targets are hosts, endpoints and databases rather than files, so a result's location is a
``logicalLocation`` of kind ``resource``. ``partialFingerprints["postureFindingId/v1"]`` is the
finding id, stable across scans. Human-readable message text is neutralised with
:func:`~posture.sanitize.safe_text`; identifiers and evidence stay as in ``report.json``.
Unreachable hosts are reported as ``toolExecutionNotifications`` of the invocation. A finding
with an active inventory waiver carries an ``external``, ``accepted`` suppression whose
justification is the waiver's reason; an expired waiver only shows in the properties.

The log is written as text, result by result (:mod:`posture.render.sarif_text`); when a part
cannot be written that way, it is built whole as data (:mod:`posture.render.sarif_log`) and
encoded: the same bytes either way.
"""

from __future__ import annotations

from posture.gcpause import collector_paused
from posture.jsontext import fast_indented
from posture.models import ScanResult
from posture.render.sarif_log import (
    FINGERPRINT_KEY,
    INFORMATION_URI,
    SARIF_SCHEMA_URI,
    SARIF_VERSION,
    log_data,
    result_kind_level,
    sarif_log,
)
from posture.render.sarif_text import sarif_text
from posture.sanitize import escape_json_bytes, json_document

__all__ = ["FINGERPRINT_KEY", "INFORMATION_URI", "SARIF_SCHEMA_URI", "SARIF_VERSION",
           "render_sarif", "result_kind_level", "sarif_log"]


def render_sarif(result: ScanResult) -> bytes:
    """``report.sarif`` as UTF-8 bytes."""
    with collector_paused():
        written = sarif_text(result)
        if written is not None:
            return written
        log, plain = log_data(result)
        data = fast_indented(log, newline=True, checked=True) if plain else None
        if data is None:
            return json_document(log)
        del log  # freed before the collector resumes: it has nothing left to look at
    return escape_json_bytes(data)
