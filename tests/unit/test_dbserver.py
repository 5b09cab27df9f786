"""Database server product and version from recorded ``--version`` banners."""

from __future__ import annotations

import pytest

from checks.base import CheckContext
from checks.network import allowlist
from posture.collect.facts.dbserver import parse_servers
from posture.collect.facts.parsers import ParseError
from posture.models import Fact, FactStatus

DEB12 = ("binary /usr/sbin/mariadbd\n/usr/sbin/mariadbd  Ver 10.11.6-MariaDB-0+deb12u1 for "
         "debian-linux-gnu on x86_64 (Debian 12)\nbinary /usr/lib/postgresql/15/bin/postgres\n"
         "postgres (PostgreSQL) 15.5 (Debian 15.5-0+deb12u1)\n")
UBUNTU1204 = ("binary /usr/sbin/mysqld\n/usr/sbin/mysqld  Ver 5.5.22-0ubuntu1 for "
              "debian-linux-gnu on x86_64 ((Ubuntu))\n")
MARIADB_OLD = ("binary /usr/sbin/mysqld\n/usr/sbin/mysqld  Ver 10.3.39-MariaDB-0+deb10u1 for "
               "debian-linux-gnu on x86_64 (Debian 10)\n")
MYSQL8 = ("binary /usr/sbin/mysqld\n/usr/sbin/mysqld  Ver 8.0.36-0ubuntu0.22.04.1 for Linux on "
          "x86_64 ((Ubuntu))\n")


@pytest.mark.parametrize(("raw", "expected"), [
    (DEB12, [("MariaDB", "10.11.6"), ("PostgreSQL", "15.5")]),
    (UBUNTU1204, [("MySQL", "5.5.22")]),
    (MARIADB_OLD, [("MariaDB", "10.3.39")]),
    (MYSQL8, [("MySQL", "8.0.36")]),
    ("binary /usr/sbin/mysqld\nmysqld: error while loading shared libraries\n", [("", "")]),
])
def test_banners(raw: str, expected: list[tuple[str, str]]) -> None:
    servers = parse_servers(raw)["servers"]
    assert [(s["product"], s["version"]) for s in servers] == expected


def test_nothing_reported_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_servers("")


def test_the_database_finding_names_the_server_software() -> None:
    ctx = CheckContext("db1", {"db.server_version": Fact("db.server_version", FactStatus.OK,
                                                         parse_servers(DEB12))}, {}, None)  # type: ignore[arg-type]
    assert allowlist.server_software(ctx) == [
        "MariaDB 10.11.6 (/usr/sbin/mariadbd)", "PostgreSQL 15.5 (/usr/lib/postgresql/15/bin/postgres)"]
    empty = CheckContext("db1", {}, {}, None)  # type: ignore[arg-type]
    assert str(allowlist.server_software(empty)).startswith("not read")
