"""The command line: argument parsing and sub-commands; the only room that prints and exits."""

from posture.cli.app import main

__all__ = ["main"]
