"""The sub-commands behind :mod:`posture.cli`; each returns an exit code."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import NoReturn

from posture.cli import admin as commands_admin
from posture.cli import signals
from posture.cli.outpaths import check_output_file
from posture.cli.reporting import (
    common_setup,
    judge_and_report,
    prepare_reports,
    report_then_facts,
)
from posture.errors import UsageError
from posture.inventory import load_inventory
from posture.store.factsfile import dumps as facts_dumps
from posture.store.factsfile import load as facts_load

EXIT_UNDETERMINED = 2  # the contract's "could not be determined"

def dispatch(args: argparse.Namespace) -> int:
    """Run the chosen sub-command."""
    if args.command == "scan":
        with signals.watched():  # a signal from here on ends in an incomplete report
            signals.decide(watching=True)
            return _scan(args)
    signals.decide(watching=False)
    if args.command == "evaluate":
        return _evaluate(args)
    if args.command in commands_admin.COMMANDS or getattr(args, "inventory_command", "") \
            == "import-ansible":
        return commands_admin.dispatch(args)
    if args.command == "inventory":
        return _validate(args.path)
    if args.command == "checks":
        return _checks(args)
    if args.command == "statement":
        from posture.cli.statement import import_command

        return import_command(args)
    if args.command == "diff":
        from posture.store.diff import diff_command

        return diff_command(args.old, args.new)
    raise UsageError(f"unknown command {args.command!r}")


def _scan(args: argparse.Namespace) -> int:
    from posture.collect.collector import CollectOptions, load_transport, now_iso
    from posture.collect.interrupt import collect_until_stopped
    from posture.judge.evaluate import collection_plan, selected_claims

    if args.dry_run:
        return commands_admin.dry_run(args)
    inventory, outdir = common_setup(args)
    inventory = commands_admin.apply_shard(args, inventory)
    if args.concurrency < 1:
        raise UsageError("--concurrency: expected a whole number >= 1")
    if args.handshakes_per_address < 1:
        raise UsageError("--handshakes-per-address: expected a whole number >= 1")
    if args.save_facts:
        check_output_file(args.save_facts, "--save-facts").parent.mkdir(parents=True,
                                                                        exist_ok=True)
    plan = collection_plan(inventory, selected_claims(inventory, args.only))
    load_transport(inventory, plan)
    from posture.cli.progress import ProgressReporter

    with ProgressReporter(live=False if args.quiet else None) as reporter:
        options = CollectOptions(trust_on_first_use=args.trust_on_first_use,
                                 concurrency=args.concurrency,
                                 handshakes_per_address=args.handshakes_per_address,
                                 allow_match_exec=args.allow_match_exec,
                                 progress=None if args.quiet else reporter)
        snapshot, stopped = collect_until_stopped(inventory, plan, options, signals.STOP,
                                                  meanwhile=lambda: prepare_reports(args))
    stopped = stopped or signals.STOP.requested
    signals.note_stop()
    facts = [(Path(args.save_facts).expanduser(), lambda: facts_dumps(snapshot).encode())
             ] if args.save_facts else []
    code = report_then_facts(lambda: judge_and_report(args, inventory, snapshot, outdir,
                                                      now_iso(), incomplete=stopped),
                             facts)
    if stopped or signals.STOP.requested:
        # The partial report is written; do not wait for threads stuck on dead connections.
        exit_now(code)
    return code


def _evaluate(args: argparse.Namespace) -> int:
    inventory, outdir = common_setup(args)
    snapshot = facts_load(args.facts)
    if snapshot.inventory_sha256 != inventory.sha256:
        print("posture: note: the facts were gathered with a different version of the "
              "inventory", file=sys.stderr)
    return judge_and_report(args, inventory, snapshot, outdir, None)


def _validate(path: str) -> int:
    inventory = load_inventory(path)
    print(f"{path}: valid inventory v1: {len(inventory.hosts)} host(s), "
          f"{len(inventory.endpoints)} endpoint(s), {len(inventory.databases)} database(s), "
          f"{len(inventory.claims)} claim(s)")
    return 0


def _checks(args: argparse.Namespace) -> int:
    import checks as catalogue

    if args.checks_command == "list":
        for check in catalogue.CATALOGUE:
            meta = check.meta
            print(f"{meta.id:34} {meta.severity.value:8} {','.join(meta.claim_types):26} "
                  f"{meta.title}")
        unserved = sorted(set(catalogue.CLAIM_TYPES) - set(catalogue.IMPLEMENTED_CLAIM_TYPES))
        if unserved:
            print(f"\nclaim types without checks yet (judged not_verifiable): "
                  f"{', '.join(unserved)}")
        return 0
    try:
        meta = catalogue.by_id(args.check_id).meta
    except KeyError:
        raise UsageError(f"no check {args.check_id!r}; see 'posture checks list'") from None
    print(json.dumps({"id": meta.id, "title": meta.title, "claim_types": meta.claim_types,
                      "severity": meta.severity.value, "rationale": meta.rationale,
                      "remediation": meta.remediation, "references": meta.references,
                      "needs": meta.needs, "optional": meta.optional}, indent=2))
    return 0


def exit_now(code: int) -> NoReturn:
    """Leave at once after a stop: threads still blocked on a dead peer are not waited for
    (the reports are already written)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
