"""Typed inventory (v1). Built by :mod:`posture.inventory.loader` from validated YAML.

No field holds a secret: secrets are named by environment variable (``*_env``) and read at
the point of use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Timeouts:
    """Seconds allowed per layer."""

    connect: float = 10.0
    command: float = 60.0
    host: float = 600.0


@dataclass(frozen=True)
class SshSettings:
    """How to reach a host over SSH (defaults merged with per-host overrides)."""

    user: str | None = None  # None: from ~/.ssh/config, else the local user
    port: int | None = None  # None: from ~/.ssh/config, else 22
    key_file: str | None = None
    agent: bool = False
    password_env: str | None = None
    key_passphrase_env: str | None = None
    known_hosts: str | None = None  # None: ~/.ssh/known_hosts
    host_key_fingerprints: tuple[str, ...] = ()  # pinned "SHA256:..." values
    sudo: bool = False
    sudo_password_env: str | None = None
    proxy_jump: str | None = None
    ssh_config: str | None = None  # None: ~/.ssh/config if it exists
    sudo_wrapper: str | None = None  # root facts via 'sudo -n WRAPPER KEY DIGEST' (least privilege)


@dataclass(frozen=True)
class Host:
    """A server audited over SSH."""

    name: str
    address: str
    ssh: SshSettings
    timeouts: Timeouts
    roles: tuple[str, ...] = ()
    line: int = 0
    connection: str = "ssh"  # ssh | local (the auditor's own machine) | ansible
    ansible_inventory: str | None = None  # connection ansible: the Ansible inventory file


@dataclass(frozen=True)
class Endpoint:
    """Something spoken to over TLS/HTTP from the auditor."""

    name: str
    url: str
    kind: str = "web"  # web | admin | integration | api
    connect_to: str | None = None
    ca_file: str | None = None
    # Port of the plain-HTTP listener expected to redirect to https (None: 80).
    http_port: int | None = None
    line: int = 0
    # Seconds for every probe of the endpoint together (None: the collector's 120 s).
    deadline_s: float | None = None
    # Seconds one TCP connect of a probe may take (timeouts.connect, else defaults, else 10).
    connect_s: float = 10.0


@dataclass(frozen=True)
class Database:
    """A database reached through an SSH tunnel from ``host``."""

    name: str
    host: str
    engine: str
    database: str
    user: str
    port: int | None = None
    password_env: str | None = None
    environment: str = "production"
    line: int = 0


@dataclass(frozen=True)
class Scope:
    """What a claim is about."""

    hosts: tuple[str, ...] = ()
    endpoints: tuple[str, ...] = ()
    databases: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """True when nothing is in scope."""
        return not (self.hosts or self.endpoints or self.databases)


@dataclass(frozen=True)
class Claim:
    """A promise of the organisation, to be verified."""

    id: str
    type: str
    says: str
    scope: Scope
    expect: Mapping[str, Any] = field(default_factory=dict)
    compare_with: str | None = None
    severity: str = "high"
    line: int = 0
    source: Mapping[str, str] = field(default_factory=dict)  # {section, sentence} of a statement


@dataclass(frozen=True)
class LedgerEntry:
    """What became of one sentence of an imported statement: claims, or why none."""

    sentence: str
    section: str = ""
    claims: tuple[str, ...] = ()
    not_verifiable: str = ""
    starts: str = ""
    text: str = ""  # the sentence itself, when the importer may keep it (not private)


@dataclass(frozen=True)
class VantagePoint:
    """An extra source address the auditor probes from."""

    name: str
    source_address: str


@dataclass(frozen=True)
class Inventory:
    """A validated inventory."""

    path: str
    sha256: str
    organisation: str
    hosts: tuple[Host, ...]
    claims: tuple[Claim, ...]
    endpoints: tuple[Endpoint, ...] = ()
    databases: tuple[Database, ...] = ()
    vantage_points: tuple[VantagePoint, ...] = ()
    statement: Mapping[str, str] = field(default_factory=dict)
    # Accepted risks: each {"id", "reason", "line"} plus optional "owner" and "expires" (a date).
    waivers: tuple[Mapping[str, Any], ...] = ()
    ledger: tuple[LedgerEntry, ...] = ()  # every sentence of an imported statement

    def host(self, name: str) -> Host:
        """Return the host called ``name`` (validated to exist)."""
        return next(h for h in self.hosts if h.name == name)
