"""Command-line options shared by several sub-commands."""

from __future__ import annotations

import argparse

__all__ = ["output_options"]


def output_options(p: argparse.ArgumentParser) -> None:
    """The inventory, output and report options shared by ``scan``, ``evaluate`` and ``merge``."""
    p.add_argument("-i", "--inventory", required=True, help="inventory YAML file")
    p.add_argument("-o", "--output", default="posture-report", help="output folder")
    p.add_argument("--format", default="html,json", help="html,json,sarif,junit,pdf")
    p.add_argument("--lang", default="en", metavar="en|nl",
                   help="report language; en,nl writes report.html plus report.nl.html")
    p.add_argument("--history", metavar="PATH", default=None,
                   help="scan history (SQLite) for the trend; default $POSTURE_HISTORY or "
                        "~/.local/share/posture/history.sqlite")
    p.add_argument("--no-history", action="store_true",
                   help="neither read nor record the scan history")
    p.add_argument("--fail-under", type=float, default=None, metavar="SCORE",
                   help="exit 1 when the score is below SCORE (0-100)")
    p.add_argument("--only", nargs="+", default=[], metavar="CLAIM_ID",
                   help="judge only these claims")
    p.add_argument("--no-color", action="store_true", help="plain console output")
    p.add_argument("-q", "--quiet", action="store_true", help="no console summary")
