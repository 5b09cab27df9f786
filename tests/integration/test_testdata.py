"""Test data is fictitious: a real MariaDB reached through the lab sshd, seeded with Faker.

Production holds generated Dutch customers (Faker nl_NL), the test database 500 fictitious
customers plus a known number of production rows, and a clean database none. The scan runs
as a child process, the database password in its environment only.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from faker import Faker

from posture.collect.db.session import open_db_session
from posture.collect.probes.registry import ProbeError
from posture.collect.transport.ssh import SshSession
from posture.inventory.model import Database
from posture.models import FactStatus
from posture.secret import Secret
from tests.conftest import HostFactory, LabUsers
from tests.labs.base import Lab, LabSshd, free_port
from tests.labs.mariadb import LabMariaDB, mariadb_unavailable_reason, start_mariadb
from tests.labs.shop import (
    Person,
    bsn_with_prefix,
    create_reader,
    create_shop,
    fictitious_people,
    iban_for,
)

pytestmark = pytest.mark.integration

PLANTED = 7
ROOT = Path(__file__).resolve().parents[2]


def faker_people(count: int) -> list[Person]:
    """Dutch-looking customers from Faker nl_NL (seeded: the same people every run)."""
    fake = Faker("nl_NL")
    fake.seed_instance(20261125)
    people = []
    for i in range(count):
        first, last = fake.first_name(), fake.last_name()
        local = "".join(c for c in f"{first}.{last}".lower() if c.isalnum() or c == ".")
        bsn = fake.ssn()
        if bsn.startswith("99999"):
            bsn = bsn_with_prefix(fake.random)
        people.append(Person(
            first, last, f"{local}{i}@{fake.free_email_domain()}", fake.phone_number(),
            fake.street_address(), fake.city(), fake.postcode(),
            iban_for(fake.random_element(("ABNA", "INGB", "RABO")),
                     f"{fake.random_int(0, 9999999999):010d}"),
            bsn, fake.date_of_birth(minimum_age=18).isoformat(), fake.ipv4_public()))
    return people


@dataclass(frozen=True)
class ShopLab:
    """The seeded server and what went into it."""

    db: LabMariaDB
    production: list[Person]
    user: str
    password: str


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, lab_users: LabUsers) -> Iterator[ShopLab]:
    """MariaDB with shop_prod (1000 Faker people), shop_test (500 + 7 planted), shop_clean."""
    reason = mariadb_unavailable_reason()
    if reason:
        if os.environ.get("CI") or os.environ.get("POSTURE_REQUIRE_LAB"):
            pytest.fail(f"the lab MariaDB is required here but unavailable: {reason}")
        pytest.skip(reason)
    db = start_mariadb(tmp_path_factory.mktemp("mariadb"))
    try:
        production = faker_people(1000)
        test = fictitious_people(500)
        for n in range(PLANTED):  # spread through the table, not bunched at the end
            test.insert(n * 70 + 3, production[n * 111])
        create_shop(db, "shop_prod", production)
        create_shop(db, "shop_test", test)
        create_shop(db, "shop_clean", fictitious_people(300, seed=3))
        user, password = f"pst{secrets.token_hex(3)}ro", secrets.token_urlsafe(16)
        create_reader(db, user, password, ("shop_prod", "shop_test", "shop_clean"))
        yield ShopLab(db, production, user, password)
    finally:
        db.stop()


def _inventory(path: Path, sshd: LabSshd, users: LabUsers, shop: ShopLab) -> Path:
    dead_port = free_port()
    dbs = "".join(f"""\
  - {{name: {name}, host: lab, engine: mariadb, port: {port}, database: {database},
     user: {shop.user}, password_env: {env}, environment: {environment}}}
""" for name, port, database, env, environment in (
        ("shop-prod", shop.db.port, "shop_prod", "PST_DB_PW", "production"),
        ("shop-test", shop.db.port, "shop_test", "PST_DB_PW", "test"),
        ("shop-clean", shop.db.port, "shop_clean", "PST_DB_PW", "staging"),
        ("wrong-pw", shop.db.port, "shop_test", "PST_DB_WRONG", "test"),
        ("no-env", shop.db.port, "shop_test", "PST_DB_UNSET", "test"),
        ("down", dead_port, "shop_test", "PST_DB_PW", "test")))
    claims = "".join(f"""\
  - {{id: {cid}, says: Test data is fictitious., type: test_data_fictitious,
     scope: {{databases: [{name}]}}, compare_with: shop-prod}}
""" for cid, name in (("td-test", "shop-test"), ("td-clean", "shop-clean"),
                      ("td-wrong", "wrong-pw"), ("td-noenv", "no-env"), ("td-down", "down")))
    path.write_text(f"""\
version: 1
organisation: Lab shop
defaults:
  ssh: {{user: {users.auditor}, key_file: {users.key}, known_hosts: {sshd.known_hosts},
         ssh_config: /dev/null}}
  timeouts: {{connect: 3, command: 20, host: 60}}
hosts:
  - {{name: lab, address: {sshd.address}, ssh: {{port: {sshd.port}}}}}
databases:
{dbs}claims:
{claims}""")
    return path


@dataclass(frozen=True)
class Scan:
    """One finished child scan."""

    code: int
    report: dict[str, Any]
    out: Path
    stdout: str
    stderr: str
    seconds: float

    def finding(self, fid: str) -> dict[str, Any]:
        found = [f for f in self.report["findings"] if f["id"] == fid]
        assert found, f"no finding {fid}"
        return dict(found[0])

    def verdict(self, claim: str) -> str:
        return str(next(c["verdict"] for c in self.report["claims"] if c["id"] == claim))


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory, shop: ShopLab, lab_sshd: LabSshd,
         lab_users: LabUsers) -> Scan:
    """``posture scan`` as a child process; passwords only in its environment."""
    work = tmp_path_factory.mktemp("testdata-scan")
    inventory = _inventory(work / "inventory.yml", lab_sshd, lab_users, shop)
    out = work / "out"
    env = {**os.environ, "PST_DB_PW": shop.password, "PST_DB_WRONG": shop.password + "x",
           "PYTHONPATH": str(ROOT)}
    env.pop("PST_DB_UNSET", None)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "posture", "scan", "-i", str(inventory), "-o", str(out),
         "--format", "html,json,sarif,junit", "--save-facts", str(out / "facts.json")],
        env=env, capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    report = json.loads((out / "report.json").read_text())
    return Scan(done.returncode, report, out, done.stdout, done.stderr,
                time.monotonic() - started)


def test_planted_production_rows_are_counted_exactly(scan: Scan) -> None:
    finding = scan.finding("testdata.no_production_records@shop-test")
    assert finding["status"] == "fail"
    assert "7 production records found in test (by e-mail hash)" in finding["summary"]
    kinds = finding["evidence"]["comparisons"][0]["kinds"]
    for kind in ("email", "phone", "iban", "bsn"):
        assert kinds[kind]["overlap"] == PLANTED, kind
    assert kinds["email"]["test_values"] == PLANTED  # reserved domains are not compared
    assert scan.verdict("td-test") == "contradicted"
    assert scan.code == 1


def test_per_column_figures_show_the_planted_rows(scan: Scan) -> None:
    finding = scan.finding("testdata.fictitious_values@shop-test")
    assert finding["status"] == "fail"
    columns = {f"{c['table']}.{c['column']}": c
               for c in finding["evidence"]["columns"]}
    email = columns["oc_customer.email"]
    assert (email["real_looking"], email["fictitious"], email["sampled"]) == (7, 500, 507)
    assert columns["klant_extra.bsn"]["real_looking"] == PLANTED
    assert columns["klant_extra.rekeningnummer"]["kind"] == "iban"
    assert "oc_product.name" not in columns  # a product name is not a person's name


def test_clean_test_database_is_verified(scan: Scan) -> None:
    assert scan.finding("testdata.no_production_records@shop-clean")["status"] == "pass"
    assert scan.finding("testdata.fictitious_values@shop-clean")["status"] == "pass"
    assert scan.verdict("td-clean") == "verified"


@pytest.mark.parametrize(("claim", "target", "needle"), [
    ("td-wrong", "wrong-pw", "access denied"),
    ("td-noenv", "no-env", "PST_DB_UNSET"),
    ("td-down", "down", "could not connect"),
])
def test_access_problems_are_errors_never_passes(scan: Scan, claim: str, target: str,
                                                 needle: str) -> None:
    for check in ("testdata.no_production_records", "testdata.fictitious_values"):
        finding = scan.finding(f"{check}@{target}")
        assert finding["status"] == "error", finding
        assert needle in finding["summary"]
    assert scan.verdict(claim) == "inconclusive"


def test_no_personal_value_in_any_output(scan: Scan, shop: ShopLab) -> None:
    values = {v for p in shop.production
              for v in (p.email, p.telephone, p.iban, p.bsn, p.address_1,
                        f"{p.firstname} {p.lastname}", p.ip)}
    outputs = {path.name: path.read_text(errors="replace")
               for path in scan.out.rglob("*") if path.is_file()}
    outputs |= {"stdout": scan.stdout, "stderr": scan.stderr}
    assert {"report.json", "report.html", "facts.json"} <= set(outputs)
    assert len(values) > 6000
    for name, text in outputs.items():
        lowered = text.lower()
        leaked = [v for v in values if v.lower() in lowered]
        assert not leaked, f"{name} holds {len(leaked)} seeded personal values"
    assert shop.password not in "".join(outputs.values())


def test_session_is_read_only_even_for_a_writer(shop: ShopLab, lab_host: HostFactory,
                                                lab: Lab) -> None:
    writer, password = f"pst{secrets.token_hex(3)}rw", secrets.token_urlsafe(12)
    shop.db.sql(f"CREATE USER '{writer}'@'127.0.0.1' IDENTIFIED BY '{password}';"
                f"GRANT ALL ON shop_clean.* TO '{writer}'@'127.0.0.1';")
    host = lab_host()
    database = Database("rw", "lab", "mariadb", "shop_clean", writer, port=shop.db.port)
    with SshSession.connect(host) as ssh:
        session = open_db_session(ssh, host, database, Secret(password), remaining=30)
        try:
            assert session.query("SELECT COUNT(*) FROM oc_customer") == [(300,)]
            with pytest.raises(ProbeError) as refused:
                session.query("DELETE FROM oc_customer WHERE email LIKE %s", ("klant1@%",))
            assert "read-only" in str(refused.value) and "klant1" not in str(refused.value)
            assert refused.value.status is FactStatus.ERROR
        finally:
            session.close()
    assert shop.db.sql("SELECT COUNT(*) FROM shop_clean.oc_customer").strip() == "300"
