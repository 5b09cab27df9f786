"""Run posture against the built-in demo lab and write the report.

Usage: python scripts/demo.py [-o OUTDIR] [--lang en,nl] [--fixed] [--history PATH] [--keep]
Starts the lab (root), runs ``posture scan -i inventory/demo.yml``, stops the lab.
With --keep the lab stays up until Enter (or Ctrl-C), for running posture by hand.
With --fixed the lab's sshd refuses passwords (one planted breach repaired): scan once
without and once with it to see the improvement in the report's trend and ``posture diff``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import labpath  # noqa: F401  (puts the repository root on sys.path: tests.labs)

from posture.cli import main as posture_main
from tests.labs.demo import DEMO_DB_PASSWORD_ENV, start_demo

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    """Start the lab, scan it, stop it; exit 0 when the scan ran (whatever it found)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-o", "--output", default=str(REPO / "posture-report"))
    parser.add_argument("--lang", default="en,nl", help="report.html in the first language, "
                        "report.LANG.html in the others")
    parser.add_argument("--fixed", action="store_true",
                        help="repair one planted breach (sshd password authentication)")
    parser.add_argument("--history", default=None, help="scan history file (SQLite)")
    parser.add_argument("--keep", action="store_true", help="leave the lab running")
    args = parser.parse_args()
    out = Path(args.output)
    fixed = {"PasswordAuthentication": "no", "KbdInteractiveAuthentication": "no"}
    history = ["--history", args.history] if args.history else []
    with start_demo(sshd_options=fixed if args.fixed else None) as demo:
        if demo.db_password is not None:  # the scan reads it from its environment, never argv
            os.environ[DEMO_DB_PASSWORD_ENV] = demo.db_password.reveal()
        code = posture_main(["scan", "-i", str(REPO / "inventory/demo.yml"), "-o", str(out),
                             "--format", "html,json,sarif,junit", "--lang", args.lang,
                             "--save-facts", str(out / "facts.json"), *history])
        if args.keep and sys.stdin.isatty():
            input("lab running on 127.0.0.1:22220; press Enter to stop it ")
    print(f"\ndemo: scan exit code {code} (1 = contradicted claims, planted on purpose); "
          f"open {out / 'report.html'}")
    return 0 if code in (0, 1, 2) else code


if __name__ == "__main__":
    raise SystemExit(main())
