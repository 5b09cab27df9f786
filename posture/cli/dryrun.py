"""``posture scan --dry-run``: every command and probe a scan would run, per target, offline.

Nothing is contacted: routes come from the inventory and the local ssh_config (read, never
executed), commands are the catalogue's constant snippets. What is printed is what runs: the
unprivileged batch, then the root batch (one ``sudo -n sh -s`` exec, or one exact wrapper
command per fact with ``sudo_wrapper``), then the auditor-side probes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from posture.collect.collector import database_host_facts, plan_batches
from posture.collect.facts.registry import BY_KEY as SSH_FACTS
from posture.collect.facts.registry import FactSpec
from posture.collect.leastpriv import wrapper_command
from posture.collect.probes.registry import BY_KEY as PROBES
from posture.errors import TransportError
from posture.inventory.model import Host, Inventory

Plan = Mapping[str, Mapping[str, set[str]]]


def _route(host: Host, allow_match_exec: bool) -> str:
    if host.connection == "local":
        return "local machine (no network)"
    if host.connection == "ansible":
        where = host.ansible_inventory or "Ansible's default inventory"
        return f"Ansible host {host.address} from {where} (Ansible's connection and host keys)"
    from posture.inventory.sshconfig import resolve

    try:
        route = resolve(host, allow_match_exec=allow_match_exec)
    except TransportError as exc:
        return f"ssh: cannot resolve the route: {exc}"
    hops = [f"{t.user}@{t.hostname}:{t.port}" for t in (*route.hops, route.target)]
    return f"ssh {' -> '.join(hops)} (host keys from {route.known_hosts})"


def host_plan(host: Host, keys: set[str], allow_match_exec: bool = False,
              inventory: Inventory | None = None) -> dict[str, Any]:
    """What visiting ``host`` for ``keys`` runs, as plain data (``stdin``: the DATA lines a
    fact reads, computed from ``inventory``)."""
    user_specs, root_specs = plan_batches(host, keys)

    def stdin(spec: FactSpec) -> list[str]:
        return spec.data(inventory, host) if spec.data is not None and inventory else []

    wrapper = host.ssh.sudo_wrapper
    root_mode = (f"each fact: sudo -n -- {wrapper} KEY DIGEST (in the unprivileged exec)"
                 if wrapper else "one exec: sudo -n -- sh -c 'exec sh -s' with the script on "
                 "stdin" + (" (password over stdin)" if host.ssh.sudo_password_env else ""))
    if host.connection == "ansible" and not wrapper:
        root_mode = "one Ansible 'shell' task (sh -s, script on stdin) with become"
    elif host.connection == "local" and not wrapper:
        root_mode = "sh -s as root (directly when posture runs as root, else sudo -n)"
    return {
        "route": _route(host, allow_match_exec),
        "commands": [{"fact": s.key, "privileged": False, "run": s.snippet.strip(),
                      "stdin": stdin(s)} for s in user_specs],
        "root": root_mode if root_specs else "",
        "root_commands": [{"fact": s.key, "privileged": True,
                           "run": f"sudo -n -- {wrapper_command(wrapper, s)}" if wrapper
                           else s.snippet.strip(), "stdin": stdin(s)} for s in root_specs],
        "probes": sorted(k for k in keys if k in PROBES),
        "unknown": sorted(k for k in keys if k not in PROBES and k not in SSH_FACTS),
    }


def _indent(text: str, prefix: str = "      ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def render_dry_run(inventory: Inventory, plan: Plan, *, allow_match_exec: bool = False) -> str:
    """The human-readable listing."""
    out: list[str] = [f"posture scan --dry-run: {inventory.path} (nothing is contacted)"]
    for host in inventory.hosts:
        keys = set(plan.get("host", {}).get(host.name, set()))
        dbs = [d for d in inventory.databases
               if d.host == host.name and plan.get("database", {}).get(d.name)]
        keys |= database_host_facts((d, plan["database"][d.name]) for d in dbs)
        if not keys and not dbs:
            continue
        item = host_plan(host, keys, allow_match_exec, inventory)
        out += ["", f"host {host.name} [{host.connection}]: {item['route']}"]
        for cmd in item["commands"] + item["root_commands"]:
            label = "root" if cmd["privileged"] else "user"
            out += [f"  {label} {cmd['fact']}:", _indent(cmd["run"])]
            if cmd["stdin"]:
                out += ["    with these lines on its standard input:", _indent(
                    "\n".join(cmd["stdin"]))]
        if item["root"]:
            out.append(f"  root facts run as: {item['root']}")
        out += [f"  probe {p} (from the auditor)" for p in item["probes"]]
        for database in dbs:
            probes = ", ".join(sorted(plan["database"][database.name]))
            out.append(f"  database {database.name} ({database.engine}, through this "
                       f"host's connection): {probes}")
    for endpoint in inventory.endpoints:
        keys = set(plan.get("endpoint", {}).get(endpoint.name, set()))
        if keys:
            out += ["", f"endpoint {endpoint.name} ({endpoint.url}): "
                        f"{', '.join(sorted(keys))}"]
    return "\n".join(out) + "\n"
