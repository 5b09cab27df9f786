"""The command line: argument parsing and sub-commands; the only room that prints and exits."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import NoReturn

__all__ = ["main", "run"]


def main(argv: Sequence[str] | None = None) -> int:
    """The ``posture`` command (see :mod:`posture.cli.app`)."""
    _import_paramiko_without_invoke()
    from posture.cli.app import main as run

    return run(argv)


def run() -> NoReturn:
    """The ``posture`` program (``python -m posture``, the console script): :func:`main`,
    then leave without tearing the interpreter down.

    Freeing every object and module of a finished run costs about a fifth of a small scan's
    CPU and changes nothing: the reports are written and closed, every thread pool has been
    joined, and no atexit handler of ours remains. Standard output and error are flushed
    first; if that fails, the ordinary exit reports it as Python would.
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        raise SystemExit(code) from None
    os._exit(code)


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
