"""Apache configuration as the running server reads it (real Apache on loopback).

The lab Apache's ``conf-enabled/site.conf`` includes a file outside its root. A glob of the
root's enabled folders never sees that file; the running server's own list
(``-t -D DUMP_INCLUDES`` with its arguments) does, so its directives are judged.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from posture.collect.collector import CollectOptions, collect
from posture.inventory.loader import load_inventory
from posture.models import FactStatus
from tests.conftest import LabUsers, require_lab_part
from tests.labs.base import LabSshd
from tests.labs.web import LabApache, apache_unavailable_reason, start_apache

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def apache_with_outside_include() -> Iterator[tuple[LabApache, Path]]:
    require_lab_part(apache_unavailable_reason())
    root = Path(tempfile.mkdtemp(prefix="pstincl-"))
    outside = Path(tempfile.mkdtemp(prefix="pstincl-outside-"))
    root.chmod(0o755)
    try:
        (outside / "tokens.conf").write_text("# from outside the root\nServerTokens Full\n")
        site = root / "site"
        site.mkdir()
        (site / "site.conf").write_text(f"Include {outside}/tokens.conf\n")
        server = start_apache(root / "srv", site=site)
        try:
            yield server, outside / "tokens.conf"
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(outside, ignore_errors=True)


def test_directives_come_from_every_file_the_server_reads(
        apache_with_outside_include: tuple[LabApache, Path], lab_sshd: LabSshd,
        lab_users: LabUsers, tmp_path: Path) -> None:
    server, outside = apache_with_outside_include
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
    plan = {"host": {"lab": {"apache.config", "apache.access"}}}
    # The outside folder is root's only (0700): apache.config runs without sudo, so the file
    # the server reads cannot be read, and the fact says so instead of dropping its lines.
    outside.parent.chmod(0o700)
    facts = collect(load_inventory(inventory), plan, CollectOptions()).hosts["lab"].facts
    hidden = facts["apache.config"]
    assert hidden.status is FactStatus.ERROR, hidden  # the server could not list its files
    assert "could not list its files" in hidden.reason, hidden.reason
    assert "Could not open configuration file" in hidden.reason  # Apache's own words
    assert facts["apache.access"].ok  # the sudo batch reads it
    outside.parent.chmod(0o755)
    facts = collect(load_inventory(inventory), plan, CollectOptions()).hosts["lab"].facts
    config = facts["apache.config"]
    assert config.ok, config
    value = config.value
    assert isinstance(value, dict)
    ours = value["roots"].index(str(server.root))
    assert value["read_from"][ours].startswith("dump_includes ")
    assert {"file": str(outside), "line": 2, "name": "ServerTokens", "args": "Full"} \
        in value["directives"]
    access = facts["apache.access"]
    assert access.ok and isinstance(access.value, dict)
    assert access.value["read_from"][access.value["roots"].index(str(server.root))] \
        .startswith("dump_includes ")
