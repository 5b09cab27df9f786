"""The shape of an Ansible inventory as written: groups with hosts, variables and children."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Group"]


@dataclass
class Group:
    """One Ansible group as written."""

    name: str
    hosts: dict[str, dict[str, Any]] = field(default_factory=dict)  # host -> inline vars
    vars: dict[str, Any] = field(default_factory=dict)
    children: list[str] = field(default_factory=list)
