"""Shop databases for the lab: an OpenCart-like schema filled with generated people.

Used by the demo, the tests and the benchmark. "Real-looking" people pass every check a real
customer passes (deliverable-looking addresses, valid IBAN and BSN checksums) but are invented;
"fictitious" people use reserved domains, test BSNs and published example numbers. Nobody
here is a real person.
"""

# Seed SQL is built from generated values, each escaped by _rows: S608 does not apply.

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pymysql.converters import escape_string

from posture.collect.db.piilists import PUBLISHED_TEST_IBANS
from posture.secret import Secret
from tests.labs.mariadb import LabMariaDB, start_mariadb

SCHEMA = """
CREATE TABLE oc_customer (customer_id INT PRIMARY KEY, customer_group_id INT DEFAULT 1,
  store_id INT DEFAULT 0, firstname VARCHAR(32), lastname VARCHAR(32), email VARCHAR(96),
  telephone VARCHAR(32), password VARCHAR(255) DEFAULT '', ip VARCHAR(40),
  status TINYINT DEFAULT 1, date_added DATETIME DEFAULT '2024-01-01 00:00:00');
CREATE TABLE oc_address (address_id INT PRIMARY KEY, customer_id INT, firstname VARCHAR(32),
  lastname VARCHAR(32), company VARCHAR(60) DEFAULT '', address_1 VARCHAR(128),
  city VARCHAR(128), postcode VARCHAR(10), country_id INT DEFAULT 150);
CREATE TABLE klant_extra (customer_id INT PRIMARY KEY, rekeningnummer VARCHAR(34),
  bsn VARCHAR(9), geboortedatum DATE);
CREATE TABLE oc_product (product_id INT PRIMARY KEY, model VARCHAR(64), name VARCHAR(255),
  description TEXT);
"""

_FIRST = ("Daan", "Sem", "Lucas", "Levi", "Finn", "Milan", "Emma", "Julia", "Mila", "Tess",
          "Sophie", "Zoë", "Noah", "Luuk", "Anna", "Evi", "Saar", "Bram", "Lotte", "Jesse")
_LAST = ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser",
         "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks")
_CITIES = ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Groningen", "Tilburg", "Almere",
           "Breda", "Nijmegen", "Haarlem", "Zwolle", "Leiden", "Maastricht", "Delft")
_STREETS = ("Dorpsstraat", "Kerkstraat", "Schoolstraat", "Molenweg", "Stationsweg",
            "Julianastraat", "Beatrixlaan", "Parallelweg", "Wilhelminastraat", "Eikenlaan")
_PROVIDERS = ("gmail.com", "hotmail.com", "ziggo.nl", "kpnmail.nl", "outlook.com", "xs4all.nl")
_BANKS = ("ABNA", "INGB", "RABO", "SNSB", "TRIO", "ASNB")


@dataclass(frozen=True)
class Person:
    """One generated customer (every field a string)."""

    firstname: str
    lastname: str
    email: str
    telephone: str
    address_1: str
    city: str
    postcode: str
    iban: str
    bsn: str
    birth_date: str
    ip: str


def iban_for(bank: str, account: str, country: str = "NL") -> str:
    """A checksum-valid IBAN for ``bank`` and a 10-digit ``account``."""
    bban = bank + account
    number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    return f"{country}{98 - number % 97:02d}{bban}"


def bsn_with_prefix(rng: random.Random, prefix: str = "") -> str:
    """A number passing the BSN 11-check, starting with ``prefix``."""
    while True:
        head = prefix + "".join(str(rng.randint(0, 9)) for _ in range(8 - len(prefix)))
        check = sum(int(d) * w for d, w in zip(head, range(9, 1, -1), strict=True)) % 11
        if check < 10 and (prefix or not head.startswith("99999")) and head[0] != "0":
            return head + str(check)


def real_looking_people(count: int, seed: int = 1) -> list[Person]:
    """Invented people that look real to every rule (the 'production' side of the lab)."""
    rng = random.Random(seed)
    people = []
    for i in range(count):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        local = f"{first}.{last}".lower().replace(" ", "").replace("ë", "e")
        people.append(Person(
            first, last, f"{local}{i}@{rng.choice(_PROVIDERS)}",
            f"06{rng.randint(20000000, 99999999)}",
            f"{rng.choice(_STREETS)} {rng.randint(1, 250)}", rng.choice(_CITIES),
            f"{rng.randint(1000, 9999)} {rng.choice('ABCEGHJKLMNPRTVWXZ')}"
            f"{rng.choice('ABCEGHJKLMNPRTVWXZ')}",
            iban_for(rng.choice(_BANKS), f"{rng.randint(0, 9999999999):010d}"),
            bsn_with_prefix(rng), f"19{rng.randint(40, 99)}-0{rng.randint(1, 9)}-1{i % 9}",
            f"{rng.randint(80, 95)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{i % 250 + 1}"))
    return people


def fictitious_people(count: int, seed: int = 2) -> list[Person]:
    """People made up by the book: reserved domains, test BSNs, example IBANs, fake phones."""
    rng = random.Random(seed)
    ibans = sorted(i for i in PUBLISHED_TEST_IBANS if i.startswith("NL"))
    return [Person(
        rng.choice(_FIRST), rng.choice(_LAST), f"klant{i}@{('example.com', 'shop.test')[i % 2]}",
        f"07700 900{i % 1000:03d}" if i % 2 else "06-12345678",
        f"{rng.choice(_STREETS)} {i % 99 + 1}", rng.choice(_CITIES), "1234 AB",
        ibans[i % len(ibans)], bsn_with_prefix(rng, "99999"), "1970-01-01",
        f"192.0.2.{i % 250 + 1}") for i in range(count)]


def _rows(values: Iterable[Sequence[object]]) -> str:
    return ",\n".join("(" + ", ".join(f"'{escape_string(str(v))}'" if isinstance(v, str)
                                      else str(v) for v in row) + ")" for row in values)


def insert_sql(people: Sequence[Person], *, first_id: int = 1, batch: int = 2000) -> str:
    """INSERT statements for ``people`` into the shop schema."""
    parts: list[str] = []
    for start in range(0, len(people), batch):
        chunk = list(enumerate(people[start:start + batch], start=first_id + start))
        parts.append("INSERT INTO oc_customer (customer_id, firstname, lastname, email, "
                     "telephone, ip) VALUES " + _rows(
                         (i, p.firstname, p.lastname, p.email, p.telephone, p.ip)
                         for i, p in chunk) + ";")
        parts.append("INSERT INTO oc_address (address_id, customer_id, firstname, lastname, "
                     "address_1, city, postcode) VALUES " + _rows(
                         (i, i, p.firstname, p.lastname, p.address_1, p.city, p.postcode)
                         for i, p in chunk) + ";")
        parts.append("INSERT INTO klant_extra VALUES " + _rows(
            (i, p.iban, p.bsn, p.birth_date) for i, p in chunk) + ";")
    return "\n".join(parts)


def create_shop(db: LabMariaDB, name: str, people: Sequence[Person]) -> None:
    """(Re)create database ``name`` with the shop schema, ``people`` and a few products."""
    products = _rows((n, f"M-{n}", f"Product {n}", "Sturdy and useful.") for n in range(1, 21))
    db.sql(f"DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}` CHARACTER SET utf8mb4;")
    db.sql(SCHEMA + insert_sql(people) + f"INSERT INTO oc_product VALUES {products};",
           database=name)


def create_reader(db: LabMariaDB, user: str, password: str, databases: Iterable[str]) -> None:
    """A read-only account (SELECT only) from 127.0.0.1; the password travels on stdin."""
    grants = "".join(f"GRANT SELECT ON `{d}`.* TO '{user}'@'127.0.0.1';" for d in databases)
    db.sql(f"CREATE OR REPLACE USER '{user}'@'127.0.0.1' IDENTIFIED BY "
           f"'{escape_string(password)}';{grants}")




DEMO_READER = "posture_ro"
DEMO_PLANTED = 7


def start_demo_shop(workdir: Path, port: int) -> tuple[LabMariaDB, Secret]:
    """The demo's MariaDB: shop_prod (1,000 customers), shop_test (500 fictitious customers
    and 7 copied from production) and a read-only account; returns it with its password."""
    # TLS offered but not required: a planted weakness of the demo's database link.
    db = start_mariadb(workdir, port=port, tls=True)
    try:
        production = real_looking_people(1000)
        test = fictitious_people(500)
        for n in range(DEMO_PLANTED):
            test.insert(n * 60 + 5, production[n * 97])
        create_shop(db, "shop_prod", production)
        create_shop(db, "shop_test", test)
        password = Secret(secrets.token_urlsafe(18))
        create_reader(db, DEMO_READER, password.reveal(), ("shop_prod", "shop_test"))
    except BaseException:
        db.stop()
        raise
    return db, password
