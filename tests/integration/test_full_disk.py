"""A full disk never clobbers the last good report, and says what happened (exit 5).

The output folder is an 8 MiB tmpfs mounted in a private mount namespace (it vanishes with
the namespace; nothing of the machine is touched), filled up after a first good run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_lab_part

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
FACTS = REPO / "tests" / "data" / "demo-facts-before.json"
INVENTORY = REPO / "inventory" / "demo.yml"

LOCAL = """\
version: 1
organisation: Full disk lab
hosts:
  - {name: me, address: localhost, connection: local, ssh: {sudo: true}}
claims:
  - {id: os, type: os_version, says: We run Debian 12, scope: {hosts: [me]},
     expect: {distribution: debian, version: "12"}}
"""

SCRIPT = r"""
set -u
out="$1"; facts="$2"; inv="$3"; py="$4"; local="$5"
mount -t tmpfs -o size=8m,mode=0700 posturetest "$out" || exit 90
run() { "$py" -m posture evaluate --facts "$facts" -i "$inv" -o "$out" -q --no-history "$@"; }
run --format json,html; echo "first=$?"
cp "$out/report.json" "$out/../good.json"
dd if=/dev/zero of="$out/filler" bs=4k 2>/dev/null
"$py" -m posture scan -i "$local" -o "$out" -q --no-history --format html,json,sarif \
  --save-facts "$out/facts.json"; echo "second=$?"
cmp -s "$out/report.json" "$out/../good.json" && echo "json=kept"
"$py" -c 'import json,sys; json.load(open(sys.argv[1]))' "$out/report.json" && echo "json=valid"
ls -a "$out" | grep -c '\.tmp$' | sed 's/^/tmpfiles=/'
[ -e "$out/facts.json" ] && echo "facts=present"
umount "$out"
"""


def test_full_disk_keeps_the_previous_report(tmp_path: Path) -> None:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        require_lab_part("needs root and unshare (CI runs as root)")
    out = tmp_path / "out"
    out.mkdir(mode=0o700)
    local = tmp_path / "local.yml"  # a real scan of this machine, then the disk is full
    local.write_text(LOCAL)
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", SCRIPT, "sh", str(out),
         str(FACTS), str(INVENTORY), sys.executable, str(local)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "CI": "1"}, check=False)
    lines = done.stdout.split()
    assert "first=1" in lines, done.stdout + done.stderr  # the demo facts contradict claims
    assert "second=5" in lines, done.stdout + done.stderr
    assert "json=kept" in lines and "json=valid" in lines
    assert "tmpfiles=0" in lines  # no half-written temporary left behind
    assert "facts=present" not in lines
    errors = [line for line in done.stderr.splitlines() if line.startswith("posture: ")]
    assert any("report.json" in e and "No space left on device" in e for e in errors), errors
    assert any("facts.json" in e for e in errors), errors
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
