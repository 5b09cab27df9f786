"""Turn an Ansible inventory into posture hosts: an inventory file, or hosts merged into one.

Mapping (per host, after Ansible's variable precedence): ``ansible_host`` -> ``address``;
``ansible_user`` -> ``ssh.user``; ``ansible_port`` -> ``ssh.port``;
``ansible_ssh_private_key_file`` -> ``ssh.key_file`` (relative paths from the inventory's
folder); ``ansible_become`` -> ``ssh.sudo``; ``-J``/``-o ProxyJump=`` in
``ansible_ssh_common_args``/``ansible_ssh_extra_args`` -> ``ssh.proxy_jump``; groups ->
``roles``; ``ansible_connection: local`` -> ``connection: local``; other connection plugins
(docker, winrm, ...) -> ``connection: ansible``. Passwords are never copied (an inventory
holds no secret): each one met is named in a note instead.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from posture.errors import InventoryError
from posture.inventory.ansible.reader import AnsibleHost, AnsibleInventory

_NAME_BAD = re.compile(r"[^A-Za-z0-9._-]")
_JUMP = re.compile(r"(?:-J\s*|ProxyJump[= ]\s*)([^\s'\"]+)")
_SECRETS = ("ansible_password", "ansible_ssh_pass", "ansible_ssh_password",
            "ansible_become_password", "ansible_become_pass", "ansible_sudo_pass")
_SSH_CONNECTIONS = ("ssh", "smart", "paramiko", "paramiko_ssh", "ansible.builtin.ssh",
                    "ansible.builtin.paramiko_ssh")
_LOCAL = ("local", "ansible.builtin.local")


@dataclass(frozen=True)
class Imported:
    """posture host records (plain data, as in the YAML) and notes for the user."""

    hosts: list[dict[str, Any]]
    comments: dict[str, str]  # host name -> where it came from
    notes: list[str]


def _first(variables: dict[str, Any], *names: str) -> Any:
    for name in names:
        value = variables.get(name)
        if value is not None and value != "":
            return value
    return None


def _plain(value: Any) -> bool:
    return not (isinstance(value, str) and ("{{" in value or "{%" in value))


def _name(raw: str) -> str:
    name = _NAME_BAD.sub("-", raw).strip("-.") or "host"
    return name[:64] if name[0].isalnum() else f"h{name}"[:64]


def _ssh(host: AnsibleHost, base: Path, notes: list[str]) -> dict[str, Any]:
    v = host.vars
    ssh: dict[str, Any] = {}
    user = _first(v, "ansible_user", "ansible_ssh_user")
    port = _first(v, "ansible_port", "ansible_ssh_port")
    key = _first(v, "ansible_ssh_private_key_file", "ansible_private_key_file")
    for field, value in (("user", user), ("port", port), ("key_file", key)):
        if value is None:
            continue
        if not _plain(value):
            notes.append(f"{host.name}: {field} is a Jinja2 expression; set it by hand")
        elif field == "port":
            ssh["port"] = int(str(value))
        elif field == "key_file":
            path = os.path.expanduser(str(value))
            ssh["key_file"] = os.path.normpath(path if os.path.isabs(path) else base / path)
        else:
            ssh[field] = str(value)
    args = f"{v.get('ansible_ssh_common_args') or ''} {v.get('ansible_ssh_extra_args') or ''}"
    jump = _JUMP.search(args)
    if jump:
        ssh["proxy_jump"] = jump.group(1)
    if "ProxyCommand" in args:
        notes.append(f"{host.name}: ProxyCommand is not supported; use ProxyJump")
    if str(v.get("ansible_become", "")).lower() in ("true", "yes", "1"):
        ssh["sudo"] = True
        method = str(v.get("ansible_become_method") or "sudo")
        if method != "sudo":
            notes.append(f"{host.name}: become method {method!r}; posture uses sudo")
    return ssh


def convert(inventory: AnsibleInventory, *, via_ansible: bool = False,
            limit: str | None = None) -> Imported:
    """posture host records for the hosts of ``inventory`` (those in group ``limit``)."""
    hosts: list[dict[str, Any]] = []
    comments: dict[str, str] = {}
    notes = list(inventory.notes)
    base = inventory.path.parent
    taken: set[str] = set()
    for host in inventory.hosts:
        if limit and limit != host.name and limit not in host.groups:
            continue
        name = _name(host.name)
        if name in taken:
            notes.append(f"{host.name}: the name {name!r} is taken; host skipped")
            continue
        taken.add(name)
        notes += [f"{host.name}: {s} is not copied (no secrets in an inventory); use "
                  f"password_env / sudo_password_env" for s in _SECRETS if s in host.vars]
        connection = str(host.vars.get("ansible_connection") or "ssh")
        address = _first(host.vars, "ansible_host", "ansible_ssh_host") or host.name
        record: dict[str, Any] = {"name": name, "address": str(address)}
        if via_ansible or connection not in (*_SSH_CONNECTIONS, *_LOCAL):
            record.update(address=host.name, connection="ansible",
                          ansible_inventory=str(inventory.path.resolve()))
        elif connection in _LOCAL:
            record.update(address="localhost", connection="local")
        else:
            ssh = _ssh(host, base, notes)
            if "key_file" not in ssh:
                # Ansible's ssh would try the agent; say so, as the inventory needs a credential.
                ssh["agent"] = True
                notes.append(f"{host.name}: no key file in Ansible; logs in with the SSH agent "
                             "(agent: true): set key_file or password_env instead if needed")
            if ssh:
                record["ssh"] = ssh
        if not _plain(record["address"]):
            notes.append(f"{host.name}: ansible_host is a Jinja2 expression; using the name")
            record["address"] = host.name
        roles = [_name(g) for g in host.groups if g != "ungrouped"]
        if roles:
            record["roles"] = roles
        hosts.append(record)
        comments[name] = f"{host.name}; groups: {', '.join(host.groups) or '-'}"
    return Imported(hosts, comments, notes)


def _flow(value: Any) -> str:
    # JSON is valid YAML, and quoted strings never turn into numbers or booleans.
    return json.dumps(value, ensure_ascii=False)


def render(imported: Imported, source: Path, *, organisation: str = "") -> str:
    """A commented posture inventory holding the imported hosts and no claims yet."""
    out = [f"# posture inventory imported from the Ansible inventory {source}",
           "# ('posture inventory import-ansible'). Addresses, users, ports, key files and",
           "# ProxyJump come from the Ansible variables; Ansible groups became 'roles'.",
           "# Host keys are verified against known_hosts before any credential is offered.",
           "# Next: add claims (see inventory/example.yml), then 'posture inventory validate'."]
    out += [f"# note: {n}" for n in imported.notes]
    out += ["version: 1", f"organisation: {_flow(organisation or source.stem)}", "", "hosts:"]
    for record in imported.hosts:
        out.append(f"  # {imported.comments.get(record['name'], '')}")
        first = True
        for key, value in record.items():
            out.append(f"  {'- ' if first else '  '}{key}: {_flow(value)}")
            first = False
    if not imported.hosts:
        out[-1] = "hosts: []"
    out += ["", "# What you promise, per host; e.g.:", "# - id: os-version",
            "#   says: Our servers run Debian 12.", "#   type: os_version",
            '#   expect: {distribution: debian, version: "12"}',
            f"#   scope: {{hosts: [{', '.join(r['name'] for r in imported.hosts[:3])}]}}",
            "claims: []", ""]
    return "\n".join(out)


def merge(posture_text: str, imported: Imported, shown: str) -> str:
    """The posture inventory ``posture_text`` with the imported hosts added.

    Hosts already in the posture inventory win (same name: the Ansible one is dropped), so an
    entry can be refined there; ``defaults`` of the posture inventory apply to all hosts.
    """
    try:
        doc = yaml.safe_load(posture_text)
    except yaml.YAMLError:
        raise InventoryError("not valid YAML", path=shown) from None
    if not isinstance(doc, dict):
        raise InventoryError("expected a mapping", path=shown)
    own = doc.get("hosts") or []
    if not isinstance(own, list):
        raise InventoryError("hosts: expected a list", path=shown)
    names = {h.get("name") for h in own if isinstance(h, dict)}
    doc["hosts"] = own + [h for h in imported.hosts if h["name"] not in names]
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
