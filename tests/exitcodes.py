"""The exit code a report calls for (README, "Exit codes"), so scans can assert it exactly.

A test that accepts "0 or 1" cannot tell a broken exit code from a right one; deriving the one
expected code from the report's own verdicts and hosts can.
"""

from __future__ import annotations

from typing import Any


def expected_exit(report: dict[str, Any], fail_under: float | None = None) -> int:
    """0, 1 or 2 for a judged report; waived claims do not count; a scan stopped part-way
    (``incomplete``) never exits 0."""
    verdicts = {c["verdict"] for c in report["claims"] if not c.get("waived")}
    if "contradicted" in verdicts:
        return 1
    if fail_under is not None and report["score"]["value"] < fail_under:
        return 1
    if verdicts & {"inconclusive", "not_verifiable"} or not all(
            h["reachable"] for h in report["hosts"]):
        return 2
    return 2 if report.get("incomplete") else 0
