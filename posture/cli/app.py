"""The command line. Only this module turns errors into exit codes (see the README)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from posture import __version__
from posture.cli import admin as commands_admin
from posture.cli import signals
from posture.cli.options import output_options
from posture.errors import FactsFileError, InventoryError, OutputError, PostureError

EXIT_OK, EXIT_CONTRADICTED, EXIT_UNDETERMINED, EXIT_INVALID, EXIT_CRASH = 0, 1, 2, 3, 4
EXIT_OUTPUT = 5  # an output file could not be written; the previous one is intact


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage; the contract says 3."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"posture: error: {message}\n")
        raise SystemExit(EXIT_INVALID)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for docs and tests)."""
    parser = _Parser(prog="posture", description="Verify hosting promises with evidence.")
    parser.add_argument("--version", action="version", version=f"posture {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    scan = sub.add_parser("scan", help="collect facts over SSH and judge the claims")
    output_options(scan)
    scan.add_argument("--save-facts", metavar="FILE", help="also write the gathered facts")
    scan.add_argument("--trust-on-first-use", action="store_true",
                      help="accept and record unknown host keys (changed keys still fail)")
    scan.add_argument("--concurrency", type=int, default=8, help="hosts scanned at once")
    scan.add_argument("--handshakes-per-address", type=int, default=8, metavar="N",
                      help="SSH connections being opened at once to one address (default 8, "
                           "below sshd's MaxStartups 10)")
    commands_admin.add_scan_options(scan)

    ev = sub.add_parser("evaluate", help="judge a saved facts file again, offline")
    output_options(ev)
    ev.add_argument("--facts", required=True, metavar="FILE", help="facts file from --save-facts")
    commands_admin.add_ansible_option(ev)

    inv = sub.add_parser("inventory", help="inventory tools")
    inv_sub = inv.add_subparsers(dest="inventory_command", required=True, parser_class=_Parser)
    val = inv_sub.add_parser("validate", help="check an inventory; exit 3 when invalid")
    val.add_argument("path")
    commands_admin.add_inventory_parsers(inv_sub)

    chk = sub.add_parser("checks", help="the check catalogue")
    chk_sub = chk.add_subparsers(dest="checks_command", required=True, parser_class=_Parser)
    chk_sub.add_parser("list", help="every check id, title and claim types")
    show = chk_sub.add_parser("show", help="one check in full")
    show.add_argument("check_id")

    stm = sub.add_parser("statement", help="privacy statement tools")
    stm_sub = stm.add_subparsers(dest="statement_command", required=True, parser_class=_Parser)
    imp = stm_sub.add_parser("import", help="turn a statement (text or HTML) into an "
                                            "inventory skeleton with a sentence ledger")
    imp.add_argument("file", help="the statement: plain text or HTML")
    imp.add_argument("--lang", required=True, choices=["nl", "en"], help="statement language")
    imp.add_argument("-o", "--output", default=None, help="skeleton file (default: stdout)")
    imp.add_argument("--rules", default=None, metavar="FILE", help="own rule file (YAML)")

    commands_admin.add_parsers(sub)  # init, sudoers, merge
    diff = sub.add_parser("diff", help="what changed between two report.json files")
    diff.add_argument("old")
    diff.add_argument("new")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: returns the exit code of the contract."""
    with signals.installed():  # SIGINT and SIGTERM behave the same from here to the exit
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
        from posture.cli import commands  # deferred: keeps --help and --version fast

        return commands.dispatch(args)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_INVALID
    except InventoryError as exc:
        print(f"posture: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except FactsFileError as exc:
        print(f"posture: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except OutputError as exc:
        for line in exc.failures:
            print(f"posture: {line}", file=sys.stderr)
        return EXIT_OUTPUT
    except PostureError as exc:
        print(f"posture: {exc}", file=sys.stderr)
        return EXIT_UNDETERMINED
    except KeyboardInterrupt:
        print("posture: interrupted", file=sys.stderr)
        return EXIT_UNDETERMINED
    except Exception as exc:  # noqa: BLE001 - the contract's exit 4: posture itself failed
        print(f"posture: internal error ({type(exc).__name__}); this is a bug, please report "
              "it with POSTURE_DEBUG=1 output", file=sys.stderr)
        if os.environ.get("POSTURE_DEBUG"):
            import traceback

            traceback.print_exc()
        return EXIT_CRASH


def resolve_output(path: str) -> Path:
    """Expand ``~`` in an output path."""
    return Path(path).expanduser()
