"""The console summary printed at the end of a scan.

Every string that came from a target or the inventory goes through
:func:`~posture.sanitize.safe_text` and into a :class:`rich.text.Text`, which rich never
parses as markup: control characters, ANSI escapes and bidi overrides show as visible escapes,
and ``[bold]``-like text stays literal. Only this module's own constant strings carry styles.
"""

from __future__ import annotations

import sys
from io import StringIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from posture.models import Finding, ScanResult, Status, Verdict
from posture.render.common import finding_sort_key
from posture.render.owner import shown_verdict
from posture.sanitize import safe_text

MIN_WIDTH, MAX_WIDTH = 60, 160
"""Bounds of the measured terminal width (a pipe or no terminal measures as 80)."""

FIELD_LIMIT = 300
"""Longest text shown for one field; the reports carry the full text."""

VERDICT_STYLES = {
    Verdict.VERIFIED: "bold green",
    Verdict.CONTRADICTED: "bold red",
    Verdict.INCONCLUSIVE: "bold yellow",
    Verdict.NOT_VERIFIABLE: "bold magenta",
}

STATUS_STYLES = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.WARN: "yellow",
    Status.ERROR: "bold yellow",
    Status.NOT_APPLICABLE: "dim",
}

_SHOWN_STATUSES = frozenset({Status.FAIL, Status.ERROR, Status.WARN})


def terminal_width() -> int:
    """The terminal's width as rich measures it (``COLUMNS``, the tty, else 80), bounded."""
    return max(MIN_WIDTH, min(MAX_WIDTH, Console(file=sys.stdout).size.width))


def render_console(result: ScanResult, *, color: bool, width: int | None = None) -> str:
    """Render the summary: claims, findings needing attention, unreachable hosts, score.

    Passing and not-applicable findings are left out (the reports list them). Verdicts and
    statuses are always spelled out, so the output reads the same without colour. ``width``
    defaults to the terminal's; ids and summaries share one column (the id on its own line),
    so an id breaks only when it is longer than the whole line.
    """
    out = StringIO()
    console = Console(
        file=out,
        force_terminal=color,
        color_system="standard" if color else None,
        width=width or terminal_width(),
        emoji=False,
        highlight=False,
        soft_wrap=False,
    )
    console.print(_header(result))
    console.print(_claims_table(result))
    attention = [f for f in result.findings if f.status in _SHOWN_STATUSES]
    if attention:
        console.print(_findings_table(attention))
    for host in result.hosts:
        if not host.reachable:
            console.print(_unreachable_line(host.name, host.errors))
    console.print(_score_line(result))
    return out.getvalue()


def _text(value: str) -> Text:
    """A neutralised, never-markup text cell."""
    return Text(safe_text(value, FIELD_LIMIT))


def _header(result: ScanResult) -> Text:
    header = Text("posture ", style="bold")
    header.append(safe_text(result.tool_version, 40))
    header.append(" · ")
    header.append(safe_text(result.organisation, FIELD_LIMIT), style="bold")
    header.append(f" · {safe_text(result.finished_at, 40)}")
    return header


def _claims_table(result: ScanResult) -> Table:
    table = Table(title="Claims", box=box.SIMPLE, title_justify="left", expand=True)
    table.add_column("Verdict", no_wrap=True)
    table.add_column("Claim · says", overflow="fold", ratio=1)
    for claim in result.claims:
        verdict = Text(shown_verdict(claim).upper(), style=VERDICT_STYLES[claim.verdict])
        if claim.waived:
            verdict.append("\nwaived", style="dim")
        cell = Text(safe_text(claim.id, FIELD_LIMIT), style="bold")
        cell.append("\n")
        cell.append(safe_text(claim.says, FIELD_LIMIT))
        if claim.reason and claim.verdict is not Verdict.VERIFIED:
            cell.append(f"\n{safe_text(claim.reason, FIELD_LIMIT)}", style="dim")
        table.add_row(verdict, cell)
    if not result.claims:
        table.add_row(Text("-"), Text("no claims in scope"))
    return table


def _findings_table(findings: list[Finding]) -> Table:
    table = Table(
        title="Findings needing attention", box=box.SIMPLE, title_justify="left", expand=True
    )
    table.add_column("Status", no_wrap=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Finding · summary", overflow="fold", ratio=1)
    for finding in sorted(findings, key=finding_sort_key):
        cell = Text(safe_text(finding.id, FIELD_LIMIT), style="bold")
        cell.append("\n")
        cell.append(safe_text(finding.summary, FIELD_LIMIT))
        table.add_row(
            Text(finding.status.value.upper(), style=STATUS_STYLES[finding.status]),
            Text(finding.severity.value),
            cell,
        )
    return table


def _unreachable_line(name: str, errors: tuple[str, ...]) -> Text:
    line = Text("UNREACHABLE ", style="bold yellow")
    line.append(safe_text(name, FIELD_LIMIT), style="bold")
    if errors:
        line.append(": " + safe_text("; ".join(errors), FIELD_LIMIT))
    return line


def _score_line(result: ScanResult) -> Text:
    score = result.score
    line = Text("Score ", style="bold")
    line.append(f"{score.value:.1f}/100", style="bold")
    line.append(f"  grade {safe_text(score.grade, 4)}", style="bold")
    line.append(f"  coverage {score.coverage * 100:.0f}%")
    return line
