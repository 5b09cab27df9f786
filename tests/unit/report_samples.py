"""Fixed report inputs shared by the golden-file and browser tests (no clock, no I/O)."""

from __future__ import annotations

import dataclasses

from posture.models import ScanResult, Severity, Status
from posture.store.diff import compare
from posture.store.history import ReportHistory, TrendPoint, trend_with
from tests.unit.fixtures_result import (
    DB_TLS_PASS,
    OS_PASS,
    TLS_FAIL,
    build_result,
    claim,
    mixed_result,
)


def previous_result() -> ScanResult:
    """A week earlier: TLS was fine, the OS claim was broken."""
    os_fail = dataclasses.replace(OS_PASS, status=Status.FAIL, summary="Debian 11 found")
    tls_pass = dataclasses.replace(TLS_FAIL, status=Status.PASS, summary="TLS 1.2+ only")
    result = build_result(
        [claim("tls-all-links", [tls_pass, DB_TLS_PASS]),
         claim("os-version", [os_fail], Severity.MEDIUM)],
        [tls_pass, DB_TLS_PASS, os_fail])
    return dataclasses.replace(result, started_at="2026-11-18T10:00:00Z")


def sample_history(current: ScanResult | None = None) -> ReportHistory:
    """Three earlier scans and the changes against the last of them."""
    current = current or mixed_result()
    earlier = [TrendPoint("2026-11-04T10:00:00Z", 41.0, "E", 0.9),
               TrendPoint("2026-11-11T10:00:00Z", 55.5, "E", 1.0),
               TrendPoint("2026-11-18T10:00:00Z", 73.1, "D", 1.0)]
    previous = previous_result()
    return ReportHistory(trend=tuple(trend_with(earlier, current)),
                         changes=compare(previous, current),
                         previous_started_at=previous.started_at)
