"""The database account layer finds the server's real unix socket (a real MariaDB on loopback).

The server runs with ``--defaults-file=my.cnf``; my.cnf only has ``!includedir conf.d`` and
the drop-in ``conf.d/50-server.cnf`` sets the socket. Nothing about the socket is on its
command line, and nothing listens on the client's default path, so a client that assumes the
default socket reads no account at all.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from posture.collect.collector import CollectOptions, collect
from posture.inventory.loader import load_inventory
from tests.conftest import LabUsers, require_lab_part
from tests.labs.base import LabSshd
from tests.labs.mariadb import LabMariaDB, mariadb_unavailable_reason, start_mariadb

pytestmark = pytest.mark.integration

DEFAULT_SOCKETS = ("/run/mysqld/mysqld.sock", "/var/run/mysqld/mysqld.sock", "/tmp/mysql.sock")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabMariaDB]:
    reason = mariadb_unavailable_reason()
    if reason:
        if os.environ.get("CI") or os.environ.get("POSTURE_REQUIRE_LAB"):
            pytest.fail(f"the MariaDB lab is required here but unavailable: {reason}")
        pytest.skip(reason)
    server = start_mariadb(tmp_path_factory.mktemp("mariadb-cnf"), socket_in_config=True)
    try:
        yield server
    finally:
        server.stop()


def test_account_layer_uses_the_socket_from_a_config_dropin(
        db: LabMariaDB, lab_sshd: LabSshd, lab_users: LabUsers, tmp_path: Path) -> None:
    cmdline = Path(f"/proc/{db.pid}/cmdline").read_bytes().split(b"\0")
    assert not any(arg.startswith(b"--socket") for arg in cmdline)
    assert db.socket.name == "server.sock" and str(db.socket) not in DEFAULT_SOCKETS
    if any(Path(p).exists() for p in DEFAULT_SOCKETS):
        require_lab_part("a server listens on a default socket here: it could answer instead")
    account = f"pst{secrets.token_hex(3)}shop"
    db.sql(f"CREATE USER '{account}'@'%' IDENTIFIED BY '{secrets.token_urlsafe(12)}'")
    inventory = tmp_path / "inv.yml"
    inventory.write_text(f"""\
version: 1
hosts:
  - name: lab
    address: {lab_sshd.address}
    ssh: {{user: {lab_users.auditor}, port: {lab_sshd.port}, key_file: {lab_users.key},
           known_hosts: {lab_sshd.known_hosts}, ssh_config: /dev/null, sudo: true}}
    timeouts: {{connect: 5, command: 20, host: 60}}
claims: []
""")
    plan = {"host": {"lab": {"db.mysql_access"}}}
    facts = collect(load_inventory(inventory), plan, CollectOptions()).hosts["lab"]
    fact = facts.facts["db.mysql_access"]
    assert fact.ok, fact
    value = fact.value
    assert isinstance(value, dict)
    if value["pids"] != [db.pid]:
        require_lab_part(f"other MariaDB servers listen here too ({value['pids']})")
    assert value["listening"] == [str(db.socket)]  # from its open files, not a guess
    assert value["socket"] == str(db.socket)
    assert not value["client_error"], value["client_error"]
    assert {"user": account, "host": "%"} in value["accounts"]
    assert value["variables"]["port"] == str(db.port)
