"""Run posture against the built-in demo lab and write the report.

Usage: python scripts/demo.py [-o OUTDIR] [--lang en|nl] [--keep]
Starts the lab (root), runs ``posture scan -i inventory/demo.yml``, stops the lab.
With --keep the lab stays up until Enter (or Ctrl-C), for running posture by hand.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from posture.cli import main as posture_main
from posture.demo import start_demo

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    """Start the lab, scan it, stop it; exit 0 when the scan ran (whatever it found)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-o", "--output", default=str(REPO / "posture-report"))
    parser.add_argument("--lang", default="en", choices=["en", "nl"])
    parser.add_argument("--keep", action="store_true", help="leave the lab running")
    args = parser.parse_args()
    out = Path(args.output)
    with start_demo():
        code = posture_main(["scan", "-i", str(REPO / "inventory/demo.yml"), "-o", str(out),
                             "--format", "html,json,sarif,junit", "--lang", args.lang,
                             "--save-facts", str(out / "facts.json")])
        if args.keep and sys.stdin.isatty():
            input("lab running on 127.0.0.1:22220; press Enter to stop it ")
    print(f"\ndemo: scan exit code {code} (1 = contradicted claims, planted on purpose); "
          f"open {out / 'report.html'}")
    return 0 if code in (0, 1, 2) else code


if __name__ == "__main__":
    raise SystemExit(main())
