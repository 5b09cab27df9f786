"""Inventory values for how a host is reached: the connection kind and the sudo wrapper path."""

from __future__ import annotations

import re

from posture.inventory.problems import Bad
from posture.inventory.validators import text
from posture.inventory.yamlpos import YNode

CONNECTIONS = ("ssh", "local", "ansible")

# The wrapper path is written into the remote script: absolute, and only characters that no
# shell reads specially, so it needs no quoting and cannot smuggle a second command.
_REMOTE_PATH = re.compile(r"/[A-Za-z0-9._/+-]{1,200}")


def remote_command_path(node: YNode) -> str:
    """An absolute path of a command on the target, e.g. ``/usr/local/libexec/posture-facts``."""
    value = text(node)
    if not _REMOTE_PATH.fullmatch(value) or "/../" in value or value.endswith("/"):
        raise Bad(f"{value!r} is not an absolute command path (letters, digits, '.', '_', "
                  "'+', '-' and '/')")
    return value
