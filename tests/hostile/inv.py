"""Build inventories for hostile scans (values JSON-quoted, which YAML reads verbatim)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ENV = {"password": "POSTURE_T_SSH_PASSWORD", "passphrase": "POSTURE_T_KEY_PASSPHRASE",
       "sudo": "POSTURE_T_SUDO_PASSWORD", "db": "POSTURE_T_DB_PASSWORD"}
"""The environment variables that carry the canary secrets."""


def secret_env(canaries: Mapping[str, str]) -> dict[str, str]:
    """The environment handing the canary secrets to posture."""
    return {ENV["password"]: canaries["ssh_password"],
            ENV["passphrase"]: canaries["key_passphrase"],
            ENV["sudo"]: canaries["sudo_password"], ENV["db"]: canaries["db_password"]}


def _yaml(value: Any) -> str:
    return json.dumps(value)


def claims_for(hosts: Sequence[str], *, distribution: str = "debian",
               version: str = "12", says_prefix: str = "") -> str:
    """Per host: os_version, password_rotation and encrypted_admin_channels claims."""
    out = []
    for name in hosts:
        out.append(f"""\
  - id: os-{name}
    says: {_yaml(says_prefix + "The shop runs on the claimed system.")}
    type: os_version
    expect: {{distribution: {_yaml(distribution)}, version: {_yaml(version)}}}
    scope: {{hosts: [{name}]}}
  - id: rotation-{name}
    says: Passwords change every three months.
    type: password_rotation
    expect: {{max_age_days: 90}}
    scope: {{hosts: [{name}]}}
  - id: channels-{name}
    says: Administration only over SFTP or HTTPS.
    type: encrypted_admin_channels
    scope: {{hosts: [{name}]}}
""")
    return "".join(out)


def write(path: Path, hosts: Sequence[tuple[str, int, Mapping[str, Any]]], *,
          known_hosts: Path, claims: str, organisation: str = "Hostile lab",
          timeouts: Mapping[str, float] | None = None, database_on: str = "",
          defaults: Mapping[str, Any] | None = None) -> Path:
    """Write an inventory of ``(name, port, ssh overrides)`` hosts on 127.0.0.1."""
    ssh = {"user": "auditor", "known_hosts": str(known_hosts), "ssh_config": "/dev/null",
           **(defaults or {})}
    lines = ["version: 1", f"organisation: {_yaml(organisation)}", "defaults:",
             f"  ssh: {_yaml(ssh)}",
             f"  timeouts: {_yaml(dict(timeouts or {'connect': 2, 'command': 4, 'host': 8}))}",
             "hosts:"]
    for name, port, extra in hosts:
        lines += [f"  - name: {name}", "    address: 127.0.0.1",
                  f"    ssh: {_yaml({'port': port, **extra})}"]
    if database_on:
        lines += ["databases:", "  - name: shopdb", f"    host: {database_on}",
                  "    engine: mariadb", "    database: shop", "    user: posture_ro",
                  f"    password_env: {ENV['db']}", "    environment: production"]
    lines += ["claims:", claims.rstrip("\n") or "  []"]
    path.write_text("\n".join(lines) + "\n")
    return path


def raw_inventory(host: Mapping[str, Any], known_hosts: Path) -> str:
    """A one-host inventory with ``host`` written out verbatim (JSON-quoted values)."""
    return (f"version: 1\norganisation: x\ndefaults:\n  ssh: "
            f"{_yaml({'user': 'auditor', 'known_hosts': str(known_hosts)})}\n"
            f"hosts:\n  - {_yaml(dict(host))}\nclaims: []\n")
