"""Judging a facts snapshot and writing its reports: shared by ``scan``, ``evaluate``, ``merge``."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from posture.cli.output import (
    parse_formats,
    parse_languages,
    prepare_outdir,
    write_all,
    write_reports,
)
from posture.errors import InventoryError, OutputError, UsageError
from posture.inventory.model import Inventory
from posture.models import FactsSnapshot, ScanResult
from posture.sanitize import safe_text

if TYPE_CHECKING:  # the history module is loaded with the reports, not before the scan
    from posture.store.history import ReportHistory

__all__ = ["common_setup", "history_for", "judge_and_report", "load_for", "prepare_reports",
           "report_then_facts"]


def load_for(args: argparse.Namespace) -> Inventory:
    """The inventory of ``-i``, with ``--ansible-inventory`` hosts merged in when given."""
    from posture.inventory import load_inventory

    ansible = getattr(args, "ansible_inventory", None)
    if not ansible:
        return load_inventory(args.inventory)
    from posture.inventory.ansible.convert import convert, merge
    from posture.inventory.ansible.reader import load_ansible_inventory

    imported = convert(load_ansible_inventory(ansible))
    path = Path(args.inventory)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InventoryError(f"cannot read: {exc.strerror}", path=str(path)) from None
    try:
        return load_inventory(path, text=merge(text, imported, str(path)))
    except InventoryError as exc:
        raise InventoryError(f"{exc}\n(with the hosts of {ansible}; 'posture inventory "
                             f"import-ansible {ansible} --merge {path}' shows the merged "
                             "inventory these lines refer to)") from None


def common_setup(args: argparse.Namespace) -> tuple[Inventory, Path]:
    """The inventory and the prepared output folder; report options checked first."""
    inventory = load_for(args)  # -i, plus any --ansible-inventory hosts
    parse_formats(args.format)
    parse_languages(args.lang)
    if args.fail_under is not None and not 0 <= args.fail_under <= 100:
        raise UsageError("--fail-under: expected a score from 0 to 100")
    known = {c.id for c in inventory.claims}
    unknown = [c for c in args.only if c not in known]
    if unknown:
        raise UsageError(f"--only: no claim {unknown[0]!r} in {args.inventory} "
                         f"(claims: {', '.join(sorted(known))})")
    return inventory, prepare_outdir(args.output)


def judge_and_report(args: argparse.Namespace, inventory: Inventory,
                      snapshot: FactsSnapshot, outdir: Path, finished: str | None, *,
                      incomplete: bool = False) -> int:
    """Judge ``snapshot``, write the reports and the console summary; the exit code."""
    from posture.judge.evaluate import evaluate, exit_code

    result: ScanResult = evaluate(inventory, snapshot, only=args.only, finished_at=finished)
    if incomplete:
        result = dataclasses.replace(result, incomplete=True)
    history = history_for(args, result)
    files = write_reports(result, outdir, parse_formats(args.format), args.lang, history)
    if not args.quiet:
        from posture.render.console import render_console  # rich: only for the summary

        color = sys.stdout.isatty() and not args.no_color
        sys.stdout.write(render_console(result, color=color))
        for path in files:
            print(f"wrote {path}")
    code = exit_code(result, args.fail_under)
    return code or (2 if incomplete else 0)  # 2: the contract's "could not be determined"


def prepare_reports(args: argparse.Namespace) -> None:
    """Load what judging and writing the reports will need (the judge, the renderers of the
    chosen formats, the HTML template), so that a scan does it while it waits on the network.

    Never raises: what fails here fails again, and is reported, where the reports are made.
    """
    try:
        import posture.judge.evaluate
        from posture.render.prepare import prepare

        prepare(parse_formats(args.format), parse_languages(args.lang))
        if not args.quiet:
            import posture.render.console  # noqa: F401
    except Exception:  # noqa: BLE001, S110 - see the docstring
        pass


def history_for(args: argparse.Namespace, result: ScanResult) -> ReportHistory | None:
    """Trend and changes from the scan history, recording this scan; a broken history only
    costs the trend, never the report."""
    from posture.store.history import HistoryError, report_history, resolve_path

    try:
        return report_history(resolve_path(args.history, args.no_history), result)
    except HistoryError as exc:
        print(f"posture: warning: {safe_text(str(exc), 300)}; no trend in this report",
              file=sys.stderr)
        return None


def report_then_facts(report: Callable[[], int],
                      facts: Sequence[tuple[Path, Callable[[], bytes]]]) -> int:
    """Write the reports, then the facts file, each whatever happened to the other: a full
    disk must not cost both. Raises one :class:`OutputError` naming every file that failed."""
    failures: list[str] = []
    code = 2
    try:
        code = report()
    except OutputError as exc:
        failures.extend(exc.failures)
    try:
        write_all(facts)
    except OutputError as exc:
        failures.extend(exc.failures)
    if failures:
        raise OutputError(failures)
    return code
