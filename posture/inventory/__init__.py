"""Inventory: YAML in, validated typed model out."""

from posture.inventory.loader import load_inventory
from posture.inventory.model import Claim, Host, Inventory, Scope, SshSettings, Timeouts

__all__ = ["Claim", "Host", "Inventory", "Scope", "SshSettings", "Timeouts", "load_inventory"]
