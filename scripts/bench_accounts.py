"""Accounts on the target vs scan time and peak memory (run as root).

For 1,000, 10,000 and 50,000 generated password accounts (one planted 400 days stale), runs a
real ``posture scan`` of this machine seen through a private mount namespace (see
tests/labs/bigserver.py) and prints wall time, the scan process's peak RSS and whether the
stale account was found. Usage: ``sudo .venv/bin/python scripts/bench_accounts.py``.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import labpath  # noqa: F401  (puts the repository root on sys.path: tests.labs)

from tests.labs.bigserver import LOCAL_INVENTORY, scan_with_accounts, write_accounts

SIZES = (1_000, 10_000, 50_000)


def main() -> int:
    """Print one line per size; exit 1 if any size misses the stale account."""
    print(f"{'accounts':>9} {'wall s':>7} {'peak MiB':>9}  stale found")
    missed = 0
    for size in SIZES:
        with tempfile.TemporaryDirectory(prefix="posture-bench-") as tmp:
            folder = Path(tmp)
            accounts = write_accounts(folder, size, comment_len=40)
            inventory = folder / "big.yml"
            inventory.write_text(LOCAL_INVENTORY)
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            started = time.monotonic()
            done = scan_with_accounts(accounts, inventory, folder / "out")
            wall = time.monotonic() - started
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            report = json.loads((folder / "out" / "report.json").read_text())
            age = next(f for f in report["findings"] if f["check"] == "accounts.password_age")
            found = age["status"] == "fail" and accounts.stale in age["summary"]
            missed += not found
            # ru_maxrss of children is the largest child so far (KiB); it only grows.
            print(f"{size:>9,} {wall:>7.2f} {max(peak, before) / 1024:>9.1f}  "
                  f"{'yes' if found else 'NO'} (exit {done.returncode})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
