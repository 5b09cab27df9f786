"""Many inventory hosts behind one real sshd with its default MaxStartups (run as root).

Usage: python scripts/bench_handshakes.py [--hosts 200] [--concurrency 50] [--no-pacing]

Starts a lab sshd (tests/labs/base.py; MaxStartups is never set, so sshd's 10:30:100 applies),
writes an inventory of ``--hosts`` entries that are all that sshd, collects one fact from each
at ``--concurrency``, and prints wall time, hosts that failed and the first errors.
``--no-pacing`` lifts the per-address limit and the retries (the behaviour before pacing),
for comparison. Exits 1 when any host failed.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path

import labpath  # noqa: F401  (puts the repository root on sys.path: tests.labs)

from posture.collect.collector import CollectOptions, collect
from posture.collect.transport import pacing
from posture.inventory import load_inventory
from tests.labs.base import Lab


def run(hosts: int, concurrency: int, *, paced: bool) -> tuple[float, int, list[str]]:
    """Collect from ``hosts`` entries of one sshd; wall seconds, failures, first errors."""
    with tempfile.TemporaryDirectory(prefix="posture-handshakes-") as tmp, Lab(Path(tmp)) as lab:
        key = lab.client_key()
        user = f"pst{secrets.token_hex(3)}aud"
        lab.add_user(user, authorized_key=key)
        sshd = lab.start_sshd("crowd")
        entries = "".join(f"  - {{name: node-{i:04d}, address: {sshd.address}}}\n"
                          for i in range(hosts))
        path = Path(tmp) / "fleet.yml"
        path.write_text(
            "version: 1\ndefaults:\n"
            f"  ssh: {{user: {user}, port: {sshd.port}, key_file: {key}, "
            f"known_hosts: {sshd.known_hosts}, ssh_config: /dev/null}}\n"
            f"  timeouts: {{connect: 10, command: 30, host: 120}}\nhosts:\n{entries}")
        inventory = load_inventory(path)
        plan = {"host": {h.name: {"os.release"} for h in inventory.hosts}}
        retries = pacing.RETRIES
        if not paced:
            pacing.RETRIES = 0
        try:
            started = time.monotonic()
            snapshot = collect(inventory, plan, CollectOptions(
                concurrency=concurrency,
                handshakes_per_address=pacing.DEFAULT_PER_ADDRESS if paced else 1 << 16))
            wall = time.monotonic() - started
        finally:
            pacing.RETRIES = retries
        failed = [f"{n}: {h.errors[0] if h.errors else 'unreachable'}"
                  for n, h in snapshot.hosts.items() if h.errors or not h.reachable]
        return wall, len(failed), failed[:3]


def main() -> int:
    """Print the figures of one run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--no-pacing", action="store_true")
    args = parser.parse_args()
    wall, failed, first = run(args.hosts, args.concurrency, paced=not args.no_pacing)
    mode = "without pacing" if args.no_pacing else "paced"
    print(f"{args.hosts} hosts behind one sshd, --concurrency {args.concurrency}, {mode}: "
          f"{wall:.2f} s, {failed} failed")
    for line in first:
        print(f"  {line[:200]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
