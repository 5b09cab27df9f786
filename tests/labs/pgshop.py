"""Shop databases on the lab PostgreSQL: the schema and generated people of tests/labs/shop.py.

Values are generated here (nobody is a real person) and quoted for PostgreSQL's standard
strings; the statements go through ``psql`` on stdin.
"""

# Seed SQL is built from generated values, each quoted by _rows: S608 does not apply.

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tests.labs.postgres import LabPostgres
from tests.labs.shop import Person

SCHEMA = """
CREATE TABLE oc_customer (customer_id INT PRIMARY KEY, customer_group_id INT DEFAULT 1,
  store_id INT DEFAULT 0, firstname VARCHAR(32), lastname VARCHAR(32), email VARCHAR(96),
  telephone VARCHAR(32), password VARCHAR(255) DEFAULT '', ip INET,
  status SMALLINT DEFAULT 1, newsletter SMALLINT DEFAULT 0,
  date_added TIMESTAMP DEFAULT '2024-01-01 00:00:00');
CREATE TABLE oc_address (address_id INT PRIMARY KEY, customer_id INT, firstname VARCHAR(32),
  lastname VARCHAR(32), company VARCHAR(60) DEFAULT '', address_1 VARCHAR(128),
  city VARCHAR(128), postcode VARCHAR(10), country_id INT DEFAULT 150);
CREATE TABLE klant_extra (customer_id INT PRIMARY KEY, rekeningnummer VARCHAR(34),
  bsn VARCHAR(9), geboortedatum DATE);
CREATE TABLE oc_product (product_id INT PRIMARY KEY, model VARCHAR(64), name VARCHAR(255),
  description TEXT);
CREATE TABLE "order" (order_id INT PRIMARY KEY, customer_id INT, comment TEXT,
  date_added TIMESTAMP DEFAULT now());
"""


def _quote(value: object) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''").replace("\x00", "") + "'"
    return str(value)


def _rows(values: Iterable[Sequence[object]]) -> str:
    return ",\n".join("(" + ", ".join(_quote(v) for v in row) + ")" for row in values)


def insert_sql(people: Sequence[Person], *, batch: int = 5000) -> str:
    """INSERT statements for ``people`` into the shop schema."""
    parts: list[str] = []
    for start in range(0, len(people), batch):
        chunk = list(enumerate(people[start:start + batch], start=1 + start))
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


def create_pg_shop(server: LabPostgres, name: str, people: Sequence[Person], *,
                   pgcrypto: bool = False) -> None:
    """Create database ``name`` with the shop schema, ``people`` and a few products."""
    server.sql(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0;")
    products = _rows((n, f"M-{n}", f"Product {n}", "Sturdy and useful.") for n in range(1, 21))
    extension = "CREATE EXTENSION pgcrypto;" if pgcrypto else ""
    server.sql(extension + SCHEMA + insert_sql(people)
               + f"INSERT INTO oc_product VALUES {products};", database=name)
