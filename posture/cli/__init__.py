"""The command line: argument parsing and sub-commands; the only room that prints and exits."""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """The ``posture`` command (see :mod:`posture.cli.app`)."""
    _import_paramiko_without_invoke()
    from posture.cli.app import main as run

    return run(argv)


def _import_paramiko_without_invoke() -> None:
    """Import paramiko without the optional ``invoke`` package it would load (and, through
    it, unittest.mock): a noticeable share of a scan's start-up. paramiko uses invoke only
    for ``Match exec``, which posture refuses or runs itself (inventory/sshinclude.py). The
    block lasts for this import only, and nothing is done if either is already loaded."""
    if "paramiko" in sys.modules or "invoke" in sys.modules:
        return
    sys.modules["invoke"] = None  # type: ignore[assignment]  # makes 'import invoke' fail
    try:
        import paramiko  # noqa: F401
    finally:
        if sys.modules.get("invoke", 0) is None:
            del sys.modules["invoke"]
