"""Sub-commands and scan options for fitting posture into existing practice.

``posture init``, ``posture sudoers``, ``posture merge``, ``posture inventory
import-ansible``; the scan options ``--ansible-inventory``, ``--shard``, ``--dry-run`` and
``--allow-match-exec``. Parsers are added here so that :mod:`posture.cli` stays small; heavy
imports are deferred to keep ``--help`` fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from posture.cli.options import output_options
from posture.cli.reporting import load_for
from posture.errors import UsageError

if TYPE_CHECKING:
    from posture.inventory.model import Inventory

COMMANDS = ("init", "sudoers", "merge")


def add_scan_options(scan: argparse.ArgumentParser) -> None:
    """Options of ``posture scan`` added by this module."""
    add_ansible_option(scan)
    scan.add_argument("--shard", metavar="K/N",
                      help="scan only shard K of N (hosts split by a stable hash of their name)")
    scan.add_argument("--dry-run", action="store_true",
                      help="list every command and probe per host; contact nothing")
    scan.add_argument("--allow-match-exec", action="store_true",
                      help="let 'Match exec' lines of ssh_config run their local commands")


def add_ansible_option(p: argparse.ArgumentParser) -> None:
    """``--ansible-inventory FILE``: hosts from Ansible, claims from ``-i``."""
    p.add_argument("--ansible-inventory", metavar="FILE",
                   help="add the hosts of this Ansible inventory (INI or YAML) to -i's")


def add_inventory_parsers(inv_sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``posture inventory import-ansible``."""
    imp = inv_sub.add_parser("import-ansible", help="turn an Ansible inventory into a posture one")
    imp.add_argument("source", help="Ansible inventory file (INI or YAML)")
    imp.add_argument("-o", "--output", help="write here (default: print)")
    imp.add_argument("--organisation", default="", help="organisation name")
    imp.add_argument("--limit", metavar="GROUP", help="only hosts of this group (or this host)")
    imp.add_argument("--via-ansible", action="store_true",
                     help="reach hosts through Ansible (connection: ansible)")
    imp.add_argument("--merge", metavar="INVENTORY",
                     help="print INVENTORY with the Ansible hosts added (what scan reads)")


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``posture init``, ``posture sudoers`` and ``posture merge``."""
    init = sub.add_parser("init", help="write a commented starter inventory")
    init.add_argument("-o", "--output", default="posture.yml", help="inventory file to write")
    init.add_argument("--non-interactive", action="store_true", help="flags only, no prompts")
    init.add_argument("--host", action="append", metavar="NAME=ADDRESS", help="a host (repeat)")
    init.add_argument("--user", help="SSH user for the audit")
    init.add_argument("--key-file", help="SSH private key file (default: the agent)")
    init.add_argument("--known-hosts", help="known_hosts file")
    init.add_argument("--organisation", help="organisation name")
    init.add_argument("--connection", choices=["ssh", "local", "ansible"], help="how to reach")
    init.add_argument("--no-sudo", action="store_true", help="do not use sudo")
    init.add_argument("--claims", help="claim types, comma separated")
    init.add_argument("--force", action="store_true", help="replace an existing file")

    sudo = sub.add_parser("sudoers", help="print least-privilege sudo rules for the checks")
    sudo.add_argument("-i", "--inventory", help="only what this inventory's claims need")
    sudo.add_argument("--only", nargs="+", default=[], metavar="CLAIM_ID")
    sudo.add_argument("--user", help="the audit user (default: the inventory's, or auditor)")
    sudo.add_argument("--wrapper-path", default=None, help="where the wrapper is installed")
    sudo.add_argument("--wrapper", action="store_true", help="print the wrapper script instead")

    merge = sub.add_parser("merge", help="judge the facts of several shards as one scan")
    merge.add_argument("facts", nargs="+", metavar="FACTS", help="facts files of the shards")
    output_options(merge)  # the same report options as scan
    add_ansible_option(merge)
    merge.add_argument("--save-facts", metavar="FILE", help="also write the merged facts")


def apply_shard(args: argparse.Namespace, inventory: Inventory) -> Inventory:
    """The shard of ``inventory`` that ``--shard K/N`` selects (all of it without)."""
    if not getattr(args, "shard", None):
        return inventory
    from posture.store.fleet import parse_shard, shard_inventory

    index, count = parse_shard(args.shard)
    return shard_inventory(inventory, index, count)


def dry_run(args: argparse.Namespace) -> int:
    """``posture scan --dry-run``."""
    from posture.cli.dryrun import render_dry_run
    from posture.judge.evaluate import collection_plan, selected_claims

    inventory = apply_shard(args, load_for(args))
    plan = collection_plan(inventory, selected_claims(inventory, args.only))
    sys.stdout.write(render_dry_run(inventory, plan, allow_match_exec=args.allow_match_exec))
    return 0


def dispatch(args: argparse.Namespace) -> int:
    """Run one of this module's commands."""
    if args.command == "init":
        from posture.cli.init_cmd import init_command

        return init_command(args)
    if args.command == "sudoers":
        return _sudoers(args)
    if args.command == "merge":
        return _merge(args)
    if args.command == "inventory" and args.inventory_command == "import-ansible":
        return _import_ansible(args)
    raise UsageError(f"unknown command {args.command!r}")


def _sudoers(args: argparse.Namespace) -> int:
    from posture.collect.facts.registry import BY_KEY
    from posture.collect.leastpriv import (
        DEFAULT_WRAPPER,
        render_sudoers,
        render_wrapper,
        root_specs,
    )
    from posture.judge.evaluate import collection_plan, selected_claims

    user, wrapper, origin = args.user, args.wrapper_path, "every root fact of the catalogue"
    keys: set[str] = set(BY_KEY)
    if args.inventory:
        inventory = load_for(args)
        plan = collection_plan(inventory, selected_claims(inventory, args.only))
        keys = {k for needed in plan["host"].values() for k in needed}
        origin = f"the claims of {args.inventory}"
        hosts = [h for h in inventory.hosts if h.name in plan["host"]]
        user = user or next((h.ssh.user for h in hosts if h.ssh.user), None)
        wrapper = wrapper or next((h.ssh.sudo_wrapper for h in hosts if h.ssh.sudo_wrapper),
                                  None)
    specs = root_specs(keys)
    if args.wrapper:
        sys.stdout.write(render_wrapper(specs))
    else:
        sys.stdout.write(render_sudoers(user or "auditor", wrapper or DEFAULT_WRAPPER, specs,
                                        origin))
    return 0


def _merge(args: argparse.Namespace) -> int:
    from posture.cli.reporting import common_setup, judge_and_report, report_then_facts
    from posture.store.factsfile import dumps, load
    from posture.store.fleet import merge_snapshots

    inventory, outdir = common_setup(args)
    snapshot = merge_snapshots([(f, load(f)) for f in args.facts], inventory)
    facts = [(Path(args.save_facts).expanduser(), lambda: dumps(snapshot).encode())
             ] if args.save_facts else []
    return report_then_facts(lambda: judge_and_report(args, inventory, snapshot, outdir, None),
                             facts)


def _import_ansible(args: argparse.Namespace) -> int:
    from posture.inventory import load_inventory
    from posture.inventory.ansible.convert import convert, merge, render
    from posture.inventory.ansible.reader import load_ansible_inventory

    source = load_ansible_inventory(args.source)
    imported = convert(source, via_ansible=args.via_ansible, limit=args.limit)
    if args.merge:
        base = Path(args.merge)
        text = merge(base.read_text(encoding="utf-8-sig"), imported, str(base))
    else:
        text = render(imported, source.path, organisation=args.organisation)
    target = Path(args.output).expanduser() if args.output else Path(args.merge or "import.yml")
    load_inventory(target, text=text)  # the result must be a valid inventory (exit 3 if not)
    for note in imported.notes:
        print(f"posture: note: {note}", file=sys.stderr)
    if not args.output:
        sys.stdout.write(text)
        return 0
    if target.exists():
        raise UsageError(f"{target} exists; choose another --output")
    from posture.cli.output import write_private

    write_private(target, text.encode("utf-8"), mode=0o644)
    print(f"wrote {target}: {len(imported.hosts)} host(s) from {args.source}", file=sys.stderr)
    return 0
