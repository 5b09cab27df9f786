"""Read an Ansible inventory (INI or YAML) without Ansible: hosts, groups, resolved variables.

Follows Ansible's documented rules: groups from ``[group]``, ``[group:vars]`` and
``[group:children]`` (INI) or nested ``hosts``/``vars``/``children`` mappings (YAML); host
ranges such as ``www[01:50].example.com``; ``host:port``; ``group_vars/`` and ``host_vars/``
beside the file. A host's variables are merged from ``all`` down to its deepest groups (same
depth: by name), then its own, each level's files overriding the inventory text. Nothing is
executed: dynamic inventory scripts, plugins and vaulted files are refused or skipped, and
Jinja2 expressions are left as text (the importer does not use such values).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from posture.errors import InventoryError
from posture.inventory.ansible.ini import parse_ini, split_address
from posture.inventory.ansible.model import Group

MAX_BYTES = 1 << 20
MAX_HOSTS = 10000
_VAR_FILES = ("", ".yml", ".yaml", ".json")


@dataclass(frozen=True)
class AnsibleHost:
    """A host with its merged variables and every group it belongs to (``all`` excluded)."""

    name: str
    vars: dict[str, Any]
    groups: tuple[str, ...]


@dataclass(frozen=True)
class AnsibleInventory:
    """A parsed inventory: hosts in file order."""

    path: Path
    hosts: tuple[AnsibleHost, ...]
    notes: tuple[str, ...] = ()

    def host(self, name: str) -> AnsibleHost:
        """The host called ``name``."""
        return next(h for h in self.hosts if h.name == name)


def _read(path: Path) -> str:
    try:
        if not path.is_file():
            raise InventoryError("not a regular file (directories and inventory scripts are "
                                 "not read)", path=str(path))
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InventoryError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    if len(data) > MAX_BYTES:
        raise InventoryError(f"larger than {MAX_BYTES} bytes", path=str(path))
    if data.startswith(b"#!"):
        raise InventoryError("a dynamic inventory script: posture does not run it; use "
                             "'ansible-inventory -i FILE --list --yaml' and import that",
                             path=str(path))
    return data.decode("utf-8-sig", errors="replace")


def _yaml_groups(doc: Any, shown: str) -> dict[str, Group]:
    groups: dict[str, Group] = {}

    def visit(name: str, body: Any, depth: int) -> None:
        if depth > 50:
            raise InventoryError("groups nested more than 50 levels deep", path=shown)
        group = groups.setdefault(name, Group(name))
        if body is None:
            return
        if not isinstance(body, dict):
            raise InventoryError(f"group {name!r}: expected a mapping with hosts, vars, "
                                 "children", path=shown)
        for host, hvars in (body.get("hosts") or {}).items():
            for expanded in split_address(str(host), shown)[0]:
                group.hosts.setdefault(expanded, {}).update(hvars or {})
        group.vars.update(body.get("vars") or {})
        for child, child_body in (body.get("children") or {}).items():
            if str(child) not in group.children:
                group.children.append(str(child))
            visit(str(child), child_body, depth + 1)

    if not isinstance(doc, dict):
        raise InventoryError("expected a mapping of groups (e.g. 'all:')", path=shown)
    for name, body in doc.items():
        visit(str(name), body, 0)
    return groups


def _var_file(base: Path, name: str, shown: str, notes: list[str]) -> dict[str, Any]:
    """Variables of ``group_vars/NAME`` or ``host_vars/NAME`` (a file or a directory)."""
    found: dict[str, Any] = {}
    candidates = [base / f"{name}{ext}" for ext in _VAR_FILES]
    if (base / name).is_dir():
        candidates = sorted(p for p in (base / name).iterdir()
                            if p.suffix in (".yml", ".yaml", ".json"))
    for path in candidates:
        if not path.is_file():
            continue
        text = _read(path)
        if text.startswith("$ANSIBLE_VAULT"):
            notes.append(f"{path}: vault-encrypted, not read")
            continue
        try:
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError):
            raise InventoryError("not valid YAML/JSON", path=str(path)) from None
        if isinstance(data, dict):
            found.update(data)
    return found


def _depths(groups: dict[str, Group]) -> dict[str, int]:
    depth = {name: 0 for name in groups}
    for _ in range(len(groups) + 1):  # longest path from a root; bounded against cycles
        changed = False
        for group in groups.values():
            for child in group.children:
                if child in depth and depth[child] < depth[group.name] + 1:
                    depth[child], changed = depth[group.name] + 1, True
        if not changed:
            return depth
    raise InventoryError("the group children form a cycle")


def _ancestors(host: str, groups: dict[str, Group]) -> set[str]:
    parents = {g.name for g in groups.values() if host in g.hosts}
    todo = list(parents)
    while todo:
        name = todo.pop()
        for group in groups.values():
            if name in group.children and group.name not in parents:
                parents.add(group.name)
                todo.append(group.name)
    return parents


def _host_order(groups: dict[str, Group]) -> Iterator[str]:
    seen: set[str] = set()
    for group in groups.values():
        for host in group.hosts:
            if host not in seen:
                seen.add(host)
                yield host


def resolve(groups: dict[str, Group], path: Path) -> AnsibleInventory:
    """Merge variables per host, as Ansible does."""
    groups.setdefault("all", Group("all"))
    notes: list[str] = []
    depth = _depths(groups)
    group_files = {n: _var_file(path.parent / "group_vars", n, str(path), notes) for n in groups}
    hosts: list[AnsibleHost] = []
    for name in _host_order(groups):
        member = _ancestors(name, groups) | {"all"}
        merged: dict[str, Any] = {}
        for group in sorted(member, key=lambda g: (depth.get(g, 0), g)):
            merged.update(groups[group].vars)
            merged.update(group_files[group])
        for group in member:  # inline host vars, as written under any group
            merged.update(groups[group].hosts.get(name, {}))
        merged.update(_var_file(path.parent / "host_vars", name, str(path), notes))
        ordered = tuple(sorted(member - {"all"}, key=lambda g: (depth.get(g, 0), g)))
        hosts.append(AnsibleHost(name, merged, ordered))
        if len(hosts) > MAX_HOSTS:
            raise InventoryError(f"more than {MAX_HOSTS} hosts", path=str(path))
    return AnsibleInventory(path, tuple(hosts), tuple(notes))


def load_ansible_inventory(path: str | Path) -> AnsibleInventory:
    """Parse an INI or YAML Ansible inventory file (the format is told from the content)."""
    file = Path(path).expanduser()
    text = _read(file)
    shown = str(file)
    stripped = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    looks_yaml = file.suffix in (".yml", ".yaml", ".json") or bool(
        stripped and re.match(r"^[\w.-]+:\s*$", stripped[0]) and not stripped[0].startswith("["))
    if looks_yaml:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise InventoryError("not valid YAML", path=shown,
                                 line=mark.line + 1 if mark else None) from None
        groups = _yaml_groups(doc, shown)
    else:
        groups = parse_ini(text, shown)
    return resolve(groups, file)
