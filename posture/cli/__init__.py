"""The command line: argument parsing and sub-commands; the only room that prints and exits."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import NoReturn

__all__ = ["main", "run"]


def main(argv: Sequence[str] | None = None) -> int:
    """The ``posture`` command (see :mod:`posture.cli.app`)."""
    with without_invoke():
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


@contextlib.contextmanager
def without_invoke() -> Iterator[None]:
    """For the command's duration, paramiko loads without the optional ``invoke`` package it
    would import (and, through it, unittest.mock): a noticeable share of a scan's start-up.

    paramiko is imported when a scan first needs it (a scan of endpoints only never does).
    It uses invoke only for ``Match exec``, which posture refuses or runs itself
    (inventory/sshinclude.py). ``import invoke`` fails while the block lasts; nothing is done
    if invoke is already loaded, and it is importable again afterwards.
    """
    if "invoke" in sys.modules:
        yield
        return
    sys.modules["invoke"] = None  # type: ignore[assignment]  # makes 'import invoke' fail
    try:
        yield
    finally:
        if sys.modules.get("invoke", 0) is None:
            del sys.modules["invoke"]
