"""Benchmark the test-data claim on large tables: sampling, keyed hashing and the whole claim.

Usage: python scripts/bench_testdata.py [--rows N] [--runs N]   (root: it starts a lab)

Starts a lab sshd and a lab MariaDB, fills shop_prod with N generated customers and shop_test
with N fictitious ones plus 100 copied from production, then runs ``posture scan --only`` on
the claim. Prints per run: the wall time of the claim (the whole scan command, SSH included),
the time of the personal-data scan and of the comparison, and rows hashed per second.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import labpath  # noqa: F401  (puts the repository root on sys.path: tests.labs)

from posture.cli import main as posture_main
from tests.labs.base import Lab
from tests.labs.mariadb import start_mariadb
from tests.labs.shop import create_reader, create_shop, fictitious_people, real_looking_people

PLANTED = 100
INVENTORY = """\
version: 1
organisation: Benchmark shop
defaults:
  ssh: {{user: {user}, key_file: {key}, known_hosts: {known_hosts}, ssh_config: /dev/null}}
  timeouts: {{connect: 5, command: 60, host: 120}}
hosts:
  - {{name: lab, address: 127.0.0.1, ssh: {{port: {ssh_port}}}}}
databases:
  - {{name: prod, host: lab, engine: mariadb, port: {db_port}, database: shop_prod,
     user: {db_user}, password_env: PST_BENCH_DB_PW, environment: production}}
  - {{name: test, host: lab, engine: mariadb, port: {db_port}, database: shop_test,
     user: {db_user}, password_env: PST_BENCH_DB_PW, environment: test}}
claims:
  - {{id: td, says: Test data is fictitious., type: test_data_fictitious,
     scope: {{databases: [test]}}, compare_with: prod}}
"""


def main() -> int:
    """Set up, run the claim ``--runs`` times, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Lab(Path(tmp) / "lab") as lab:
        sshd = lab.start_sshd("bench")
        user = f"pst{secrets.token_hex(3)}b"
        lab.add_user(user, authorized_key=lab.client_key())
        db = start_mariadb(Path(tmp) / "db")
        try:
            started = time.monotonic()
            production = real_looking_people(args.rows)
            test = fictitious_people(args.rows - PLANTED) + production[:PLANTED]
            create_shop(db, "shop_prod", production)
            create_shop(db, "shop_test", test)
            password = secrets.token_urlsafe(16)
            create_reader(db, user, password, ("shop_prod", "shop_test"))
            print(f"seeded 2 x {args.rows:,} customers in {time.monotonic() - started:.1f} s")
            inventory = Path(tmp) / "inventory.yml"
            inventory.write_text(INVENTORY.format(
                user=user, key=lab.client_key(), known_hosts=sshd.known_hosts,
                ssh_port=sshd.port, db_port=db.port, db_user=user))
            os.environ["PST_BENCH_DB_PW"] = password  # environment only, never argv
            walls, scans, compares = [], [], []
            for run in range(args.runs):
                out = Path(tmp) / f"out{run}"
                t0 = time.monotonic()
                posture_main(["scan", "-i", str(inventory), "-o", str(out), "--format", "json",
                              "-q", "--save-facts", str(out / "facts.json")])
                walls.append(time.monotonic() - t0)
                facts = json.loads((out / "facts.json").read_text())["databases"]["test"]
                scan = facts["facts"]["db.pii_scan"]["value"]
                overlap = facts["facts"]["db.prod_overlap"]["value"]["comparisons"][0]
                scans.append(scan["seconds"])
                compares.append(overlap["seconds"])
                found = overlap["kinds"]["email"]["overlap"]
                print(f"run {run + 1}: claim {walls[-1]:.2f} s (scan {scan['seconds']:.2f} s, "
                      f"comparison {overlap['seconds']:.2f} s), e-mail overlap {found}")
        finally:
            db.stop()
    kinds = 5  # identifiers hashed per row on each side (e-mail, phone, IBAN, BSN, name+pc)
    hashed = 2 * args.rows * kinds
    print(f"median claim time: {statistics.median(walls):.2f} s for a {args.rows:,}-row table")
    print(f"median comparison: {statistics.median(compares):.2f} s = "
          f"{hashed / statistics.median(compares):,.0f} values hashed per second "
          f"({2 * args.rows / statistics.median(compares):,.0f} rows per second)")
    print(f"median personal-data scan: {statistics.median(scans):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
