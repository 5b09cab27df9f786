"""A server with many accounts: passwd and shadow files of N generated accounts.

The files are written into a folder the caller owns; :func:`scan_with_accounts` runs posture
against the local machine inside a private mount namespace whose /etc is an overlay (the
machine's /etc below, a tmpfs above) holding those files as /etc/passwd and /etc/shadow, so
the scan's target really has N accounts while the machine's own files stay untouched (the
mounts vanish with the namespace). An overlay of the folder, not a bind mount of the files:
a user added or removed on the machine meanwhile renames /etc/passwd, which would silently
detach a bind mount on it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

DAY = 86400


@dataclass(frozen=True)
class Accounts:
    """Generated account files and the account planted with a stale password."""

    passwd: Path
    shadow: Path
    count: int
    stale: str
    stale_age_days: int


def write_accounts(folder: Path, count: int, *, stale_index: int | None = None,
                   stale_age_days: int = 400, comment_len: int = 0) -> Accounts:
    """The machine's own accounts plus ``count`` generated password accounts (changed 10
    days ago), one of which changed its password ``stale_age_days`` ago."""
    today = int(time.time()) // DAY
    stale_index = count // 2 if stale_index is None else stale_index
    names = [f"pbig{i:06d}" for i in range(count)]
    gecos = "x" * comment_len
    passwd_lines = [f"{n}:x:{200000 + i}:{200000 + i}:{gecos}:/nonexistent:/bin/sh"
                    for i, n in enumerate(names)]
    shadow_lines = [f"{n}:$6$posturelab$notarealhash:"
                    f"{today - (stale_age_days if i == stale_index else 10)}:0:99999:7:::"
                    for i, n in enumerate(names)]
    passwd = folder / "passwd"
    shadow = folder / "shadow"
    passwd.write_text(Path("/etc/passwd").read_text() + "\n".join(passwd_lines) + "\n")
    shadow.write_text(Path("/etc/shadow").read_text() + "\n".join(shadow_lines) + "\n")
    shadow.chmod(0o600)
    return Accounts(passwd, shadow, count, names[stale_index], stale_age_days)


def scan_with_accounts(accounts: Accounts, inventory: Path, outdir: Path,
                       *extra: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``posture scan`` of the local machine, with ``accounts`` as its passwd and shadow."""
    upper = accounts.passwd.parent / "overlay"
    upper.mkdir(exist_ok=True)
    script = ('mount -t tmpfs -o mode=0700 posturebig "$3" && mkdir "$3/u" "$3/w" && '
              'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$3/u,workdir=$3/w" /etc && '
              'cp "$1" /etc/passwd && cp "$2" /etc/shadow && chmod 0640 /etc/shadow && '
              'shift 3 && exec "$@"')
    env = {**os.environ, "POSTURE_HISTORY": "off"}
    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
         str(accounts.passwd), str(accounts.shadow), str(upper), sys.executable, "-m", "posture",
         "scan", "-i", str(inventory), "-o", str(outdir), "--format", "json", "-q", *extra],
        capture_output=True, text=True, timeout=timeout, env=env, check=False)


LOCAL_INVENTORY = """\
version: 1
organisation: Big server lab
hosts:
  - {name: big, address: localhost, connection: local, ssh: {sudo: true}}
claims:
  - id: rotation
    type: password_rotation
    says: Passwords change every 90 days
    scope: {hosts: [big]}
    expect: {max_age_days: 90}
"""
