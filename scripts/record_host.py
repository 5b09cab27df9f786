"""Record one host's SSH facts into a folder that tests replay without a server.

    .venv/bin/python scripts/record_host.py -i inventory/demo.yml --host lab \\
        -o tests/data/hosts/debian12-apache-mariadb

Every fact the inventory's claims need on that host is gathered through the host's real
session (one batch per privilege level, as in a scan) and written as ``<key>.out`` /
``.err`` / ``.rc`` (see :mod:`posture.collect.replay`). Read the files before committing
them: they hold what the target printed (no password hashes: the shadow snippet reduces them
on the target).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import labpath  # noqa: F401  (puts the repository root on sys.path)

from posture.collect.collector import CollectOptions, collect
from posture.collect.replay import RecordingSession
from posture.collect.transport.session import Session, open_session
from posture.inventory import load_inventory
from posture.inventory.model import Host
from posture.judge.evaluate import collection_plan, selected_claims


def main() -> int:
    """Record the facts; print what was written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-i", "--inventory", required=True)
    parser.add_argument("--host", required=True)
    parser.add_argument("-o", "--output", required=True, type=Path)
    args = parser.parse_args()
    inventory = load_inventory(args.inventory)
    plan = collection_plan(inventory, selected_claims(inventory, []))
    keys = set(plan["host"].get(args.host, set()))
    if not keys:
        print(f"no facts are needed on host {args.host!r}", file=sys.stderr)
        return 3

    def recorder(host: Host) -> Session:
        return RecordingSession(open_session(host), args.output)

    snapshot = collect(inventory, {"host": {args.host: keys}},
                       CollectOptions(session_factory=recorder))
    host = snapshot.hosts[args.host]
    written = sorted(p.name for p in args.output.glob("*.out"))
    print(f"recorded {len(written)} facts of {args.host} into {args.output} "
          f"({sum(f.ok for f in host.facts.values())} ok)")
    return 0 if host.reachable else 2


if __name__ == "__main__":
    sys.exit(main())
