"""Ansible inventories (INI and YAML) read without Ansible, cross-checked with ansible-core."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from posture.errors import InventoryError
from posture.inventory import load_inventory
from posture.inventory.ansible.convert import convert, merge, render
from posture.inventory.ansible.reader import load_ansible_inventory
from tests.conftest import require_lab_part

INI = """\
# a comment
mail.example.com ansible_host=192.0.2.5

[web]
www[01:03].example.com ansible_user=deploy
web9:2222 ansible_ssh_private_key_file=keys/web9  # trailing comment
[2001:db8::7]:2200

[db]
db1 ansible_host=192.0.2.20 ansible_port=2022 ansible_become=true ansible_password=hunter2

[local]
control ansible_connection=local

[web:vars]
ansible_user=webadmin
http_port=80

[prod:children]
web
db

[prod:vars]
ansible_user=produser
ansible_ssh_common_args='-o ProxyJump=jump@192.0.2.1:2201'
"""

YAML = """\
all:
  vars:
    ansible_user: everyone
  hosts:
    mail.example.com:
      ansible_host: 192.0.2.5
  children:
    prod:
      vars:
        ansible_user: produser
        ansible_ssh_common_args: -J jump@192.0.2.1:2201
      children:
        web:
          vars: {ansible_user: webadmin}
          hosts:
            www[01:02].example.com:
              ansible_user: deploy
            web9:
              ansible_port: 2222
        db:
          hosts:
            db1: {ansible_host: 192.0.2.20, ansible_become: true}
    win:
      hosts:
        desk1: {ansible_connection: winrm}
"""

MAPPED = ("ansible_host", "ansible_user", "ansible_port", "ansible_ssh_private_key_file",
          "ansible_become", "ansible_connection", "ansible_ssh_common_args")


@pytest.fixture(params=["ini", "yml"])
def ansible_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    path = tmp_path / f"hosts.{request.param}"
    path.write_text(INI if request.param == "ini" else YAML)
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "db.yml").write_text("ansible_port: 2200\nhttp_port: 8080\n")
    (tmp_path / "host_vars").mkdir()
    (tmp_path / "host_vars" / "db1.yml").write_text("ansible_user: dbadmin\n")
    return path


def _ansible_hostvars(path: Path) -> dict[str, dict[str, object]]:
    tool = shutil.which("ansible-inventory") or str(Path(sys.executable).with_name(
        "ansible-inventory"))
    if not Path(tool).exists():
        require_lab_part("ansible-core is not installed (it is in the test extras)")
    out = subprocess.run([tool, "-i", str(path), "--list"], capture_output=True, text=True,
                         check=True, timeout=60, cwd=path.parent)
    return json.loads(out.stdout)["_meta"]["hostvars"]  # type: ignore[no-any-return]


def test_variables_match_ansible(ansible_file: Path) -> None:
    ours = {h.name: h for h in load_ansible_inventory(ansible_file).hosts}
    theirs = _ansible_hostvars(ansible_file)
    assert set(ours) == set(theirs) | ({"mail.example.com"} & set(ours))
    for name, variables in theirs.items():
        for key in MAPPED:
            assert ours[name].vars.get(key) == variables.get(key), (name, key)


def test_ranges_groups_and_ports(ansible_file: Path) -> None:
    inventory = load_ansible_inventory(ansible_file)
    names = [h.name for h in inventory.hosts]
    assert "www02.example.com" in names and "web9" in names
    assert inventory.host("web9").vars["ansible_port"] == 2222
    assert inventory.host("db1").groups == ("prod", "db")
    assert inventory.host("db1").vars["ansible_port"] == (2022 if ansible_file.suffix == ".ini"
                                                          else 2200)


def test_import_writes_a_valid_commented_inventory(ansible_file: Path) -> None:
    source = load_ansible_inventory(ansible_file)
    imported = convert(source)
    text = render(imported, ansible_file, organisation="Shop")
    inventory = load_inventory(ansible_file.with_name("out.yml"), text=text)
    hosts = {h.name: h for h in inventory.hosts}
    web9 = hosts["web9"]
    assert (web9.ssh.user, web9.ssh.port, web9.ssh.proxy_jump) == (
        "webadmin", 2222, "jump@192.0.2.1:2201")
    assert set(web9.roles) == {"prod", "web"}
    db1 = hosts["db1"]
    assert (db1.address, db1.ssh.user, db1.ssh.sudo) == ("192.0.2.20", "dbadmin", True)
    assert text.startswith("# posture inventory imported") and "# web9; groups:" in text
    assert "hunter2" not in text
    if ansible_file.suffix == ".ini":
        assert web9.ssh.key_file == str(ansible_file.parent / "keys" / "web9")
        assert hosts["control"].connection == "local"
        assert hosts["2001-db8--7"].address == "2001:db8::7"
        assert any("ansible_password" in n for n in imported.notes)
    else:
        assert hosts["desk1"].connection == "ansible"
        assert hosts["desk1"].ansible_inventory == str(ansible_file.resolve())


def test_via_ansible_and_limit(ansible_file: Path) -> None:
    imported = convert(load_ansible_inventory(ansible_file), via_ansible=True, limit="db")
    assert [(h["name"], h["connection"], h["address"]) for h in imported.hosts] == [
        ("db1", "ansible", "db1")]


def test_merge_keeps_posture_hosts_and_claims(ansible_file: Path) -> None:
    own = ("version: 1\nhosts:\n  - {name: db1, address: 198.51.100.1, ssh: {agent: true}}\n"
           "claims:\n"
           "  - {id: os, says: Debian, type: os_version, expect: {distribution: debian, "
           "version: '12'}, scope: {hosts: [db1, web9]}}\n")
    text = merge(own, convert(load_ansible_inventory(ansible_file)), "own.yml")
    inventory = load_inventory(ansible_file.with_name("own.yml"), text=text)
    assert inventory.host("db1").address == "198.51.100.1"  # the posture entry wins
    assert inventory.host("web9").ssh.port == 2222
    assert inventory.claims[0].scope.hosts == ("db1", "web9")


def test_scripts_and_cycles_are_refused(tmp_path: Path) -> None:
    script = tmp_path / "inventory.py"
    script.write_text("#!/usr/bin/env python3\nprint('{}')\n")
    with pytest.raises(InventoryError, match="dynamic inventory script"):
        load_ansible_inventory(script)
    cycle = tmp_path / "cycle.ini"
    cycle.write_text("[a:children]\nb\n[b:children]\na\n[a]\nh1\n")
    with pytest.raises(InventoryError, match="cycle"):
        load_ansible_inventory(cycle)
    huge = tmp_path / "huge.ini"
    huge.write_text("h[0:99999]\n")
    with pytest.raises(InventoryError, match="too large"):
        load_ansible_inventory(huge)
