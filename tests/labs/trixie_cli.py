"""Start the trixie lab by hand and keep it up until Ctrl-C, for developing checks against it.

    sudo .venv/bin/python -m tests.labs.trixie_cli /tmp/lab2

writes ``inventory-current.yml`` and ``inventory-future.yml`` into the folder, prints the
address, timings and the scan command line, and tears everything down on Ctrl-C or SIGTERM.
The throwaway database password goes to ``db-password`` (mode 0600) in the folder.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from tests.labs.trixie import TrixieLabError, start_trixie_lab
from tests.labs.trixie_inventory import DB_PASSWORD_ENV, current_inventory, future_inventory


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the lab until interrupted; 1 when it cannot start."""
    parser = argparse.ArgumentParser(prog="python -m tests.labs.trixie_cli")
    parser.add_argument("folder", type=Path, help="a folder for keys and inventories")
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    try:
        lab = start_trixie_lab(args.folder / f"run-{int(time.time())}")
    except TrixieLabError as exc:
        print(f"trixie lab: {exc}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _stop)
    try:
        current = current_inventory(args.folder / "inventory-current.yml", lab)
        future = future_inventory(args.folder / "inventory-future.yml", lab)
        print(f"trixie lab up at {lab.address} (netns {lab.net.name}, init PID "
              f"{lab.chroot.init_pid}); root file system {lab.timings['rootfs']:.1f} s, "
              f"start {lab.timings['start']:.1f} s")
        secret = args.folder / "db-password"  # a file, not the terminal or argv
        secret.touch(mode=0o600)
        secret.write_text(lab.db_password)
        print(f'  {DB_PASSWORD_ENV}="$(cat {secret})" .venv/bin/posture scan -i {current}')
        print(f"  inventory with the claims of issues 13/14: {future}")
        print(f"  a shell in the lab: nsenter -t {lab.chroot.init_pid} -m -p -n -i -u -r -w "
              "bash  (Ctrl-C here stops the lab)", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        lab.stop()
        (args.folder / "db-password").unlink(missing_ok=True)
        print("trixie lab stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
