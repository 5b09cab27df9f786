"""Benchmark the test-data claim on large tables: sampling, keyed hashing and the whole claim.

Usage: python scripts/bench_testdata.py [--rows N] [--runs N] [--engine mariadb|postgresql|both]
(root: it starts a lab)

Starts a lab sshd and a lab MariaDB and/or PostgreSQL 15, fills shop_prod with N generated
customers and shop_test with N fictitious ones plus 100 copied from production, then runs
``posture scan`` on the claim. Prints per run: the wall time of the claim (the whole scan
command, SSH included), the time of the personal-data scan and of the comparison, and rows
hashed per second. PostgreSQL is measured twice: with pgcrypto (hmac-sha256) and without
(the built-in sha256 fallback). Neither server uses TLS here, so the figures compare hashing.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import labpath  # noqa: F401  (puts the repository root on sys.path: tests.labs)

from posture.cli import main as posture_main
from tests.labs.base import Lab
from tests.labs.mariadb import start_mariadb
from tests.labs.pgshop import create_pg_shop
from tests.labs.postgres import create_role, start_postgres
from tests.labs.shop import (
    Person,
    create_reader,
    create_shop,
    fictitious_people,
    real_looking_people,
)

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
  - {{name: prod, host: lab, engine: {engine}, port: {db_port}, database: shop_prod,
     user: {db_user}, password_env: PST_BENCH_DB_PW, environment: production}}
  - {{name: test, host: lab, engine: {engine}, port: {db_port}, database: shop_test,
     user: {db_user}, password_env: PST_BENCH_DB_PW, environment: test}}
claims:
  - {{id: td, says: Test data is fictitious., type: test_data_fictitious,
     scope: {{databases: [test]}}, compare_with: prod}}
"""


KINDS = 5  # identifiers hashed per row on each side (e-mail, phone, IBAN, BSN, name+pc)


def run_claim(inventory: Path, out_root: Path, runs: int, label: str
              ) -> tuple[list[float], list[float], list[float]]:
    """Run the claim ``runs`` times; (walls, scan seconds, comparison seconds)."""
    walls, scans, compares = [], [], []
    for run in range(runs):
        out = out_root / f"{label}-out{run}"
        t0 = time.monotonic()
        posture_main(["scan", "-i", str(inventory), "-o", str(out), "--format", "json",
                      "-q", "--save-facts", str(out / "facts.json")])
        walls.append(time.monotonic() - t0)
        facts = json.loads((out / "facts.json").read_text())["databases"]["test"]
        scan = facts["facts"]["db.pii_scan"]["value"]
        overlap = facts["facts"]["db.prod_overlap"]["value"]["comparisons"][0]
        scans.append(scan["seconds"])
        compares.append(overlap["seconds"])
        print(f"{label} run {run + 1}: claim {walls[-1]:.2f} s (scan {scan['seconds']:.2f} s, "
              f"comparison {overlap['seconds']:.2f} s, {overlap.get('hash', 'sha256')}), "
              f"e-mail overlap {overlap['kinds']['email']['overlap']}")
    return walls, scans, compares


def summary(label: str, rows: int, result: tuple[list[float], list[float], list[float]]
            ) -> str:
    """One line: median claim time and rows hashed per second."""
    walls, scans, compares = result
    median = statistics.median(compares)
    return (f"{label:<28} claim {statistics.median(walls):6.2f} s  scan "
            f"{statistics.median(scans):5.2f} s  comparison {median:6.2f} s  "
            f"{2 * rows / median:>10,.0f} rows hashed/s  "
            f"({2 * rows * KINDS / median:,.0f} values/s)")


def main() -> int:
    """Set up, run the claim ``--runs`` times per engine, print the figures side by side."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engine", choices=("mariadb", "postgresql", "both"), default="both")
    args = parser.parse_args()
    production = real_looking_people(args.rows)
    test = fictitious_people(args.rows - PLANTED) + production[:PLANTED]
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, Lab(Path(tmp) / "lab") as lab:
        sshd = lab.start_sshd("bench")
        user = f"pst{secrets.token_hex(3)}b"
        lab.add_user(user, authorized_key=lab.client_key())
        password = secrets.token_urlsafe(16)
        os.environ["PST_BENCH_DB_PW"] = password  # environment only, never argv

        def inventory(engine: str, port: int) -> Path:
            path = Path(tmp) / f"inventory-{engine}.yml"
            path.write_text(INVENTORY.format(
                user=user, key=lab.client_key(), known_hosts=sshd.known_hosts,
                ssh_port=sshd.port, db_port=port, db_user=user, engine=engine))
            return path

        if args.engine in ("mariadb", "both"):
            lines.append(_mariadb(Path(tmp), args, production, test, user, password,
                                  inventory))
        if args.engine in ("postgresql", "both"):
            lines.extend(_postgres(Path(tmp), args, production, test, user, password,
                                   inventory))
    print(f"\n{args.rows:,} rows per side, median of {args.runs} runs:")
    for line in lines:
        print(line)
    return 0


def _mariadb(tmp: Path, args: argparse.Namespace, production: list[Person],
             test: list[Person], user: str, password: str,
             inventory: Callable[[str, int], Path]) -> str:
    db = start_mariadb(tmp / "db")
    try:
        started = time.monotonic()
        create_shop(db, "shop_prod", production)
        create_shop(db, "shop_test", test)
        create_reader(db, user, password, ("shop_prod", "shop_test"))
        print(f"MariaDB: seeded 2 x {args.rows:,} customers in "
              f"{time.monotonic() - started:.1f} s")
        result = run_claim(inventory("mariadb", db.port), tmp, args.runs, "mariadb")
    finally:
        db.stop()
    return summary("MariaDB (SHA2)", args.rows, result)


def _postgres(tmp: Path, args: argparse.Namespace, production: list[Person],
              test: list[Person], user: str, password: str,
              inventory: Callable[[str, int], Path]) -> list[str]:
    pg = start_postgres(ssl_on=False, hba=(f"host all {user} 127.0.0.1/32 scram-sha-256",))
    try:
        started = time.monotonic()
        create_pg_shop(pg, "shop_prod", production, pgcrypto=True)
        create_pg_shop(pg, "shop_test", test, pgcrypto=True)
        create_role(pg, user, password, ("shop_prod", "shop_test"))
        for name in ("shop_prod", "shop_test"):
            pg.sql("VACUUM ANALYZE;", database=name)
        print(f"PostgreSQL: seeded 2 x {args.rows:,} customers in "
              f"{time.monotonic() - started:.1f} s")
        path = inventory("postgresql", pg.port)
        hmac = run_claim(path, tmp, args.runs, "postgresql-hmac")
        for name in ("shop_prod", "shop_test"):
            pg.sql("DROP EXTENSION pgcrypto;", database=name)
        builtin = run_claim(path, tmp, args.runs, "postgresql-sha256")
    finally:
        pg.stop()
    return [summary("PostgreSQL (pgcrypto hmac)", args.rows, hmac),
            summary("PostgreSQL (sha256 fallback)", args.rows, builtin)]


if __name__ == "__main__":
    raise SystemExit(main())
