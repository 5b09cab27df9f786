"""Benchmark a full scan of the demo lab against the floor of one bare SSH exec.

Usage: python scripts/bench.py [--runs N]   (root: it starts the demo lab)

Prints, per run and as medians: wall seconds of a full ``posture scan`` in a fresh process,
the SSH part of it (connect to last byte, from the facts file), SSH connections and execs per
host, peak memory (max RSS) of the scan process; beside the floor measured in the same run:
a fresh Python process doing a bare paramiko connect + exec of ``true``. Then the endpoint
benchmark of ``scripts/bench_tls.py`` (seconds per endpoint and for all endpoints together,
beside testssl.sh and sslyze where installed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_tls  # scripts/ is on sys.path when this file runs as a script
import labpath  # noqa: F401  (puts the repository root on sys.path: tests.labs)

from tests.labs.demo import DEMO_ADDRESS, DEMO_DIR, DEMO_SSH_PORT, start_demo

REPO = Path(__file__).resolve().parents[1]

FLOOR = """
import time, paramiko
t0 = time.monotonic()
sock_t = paramiko.Transport(({addr!r}, {port}))
sock_t.start_client(timeout=10)
sock_t.auth_publickey('pstauditor', paramiko.Ed25519Key.from_private_key_file({key!r}))
ch = sock_t.open_session(); ch.exec_command('true'); ch.recv_exit_status()
sock_t.close()
print(time.monotonic() - t0)
"""


def _timed(argv: list[str]) -> tuple[float, int, str]:
    """Run ``argv``; return wall seconds, peak RSS in KiB and stdout."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.monotonic() - start, int(usage.ru_maxrss), out


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rows: list[dict[str, float]] = []
    with start_demo(), tempfile.TemporaryDirectory() as tmp:
        key = str(DEMO_DIR / "client_ed25519")
        floor_code = FLOOR.format(addr=DEMO_ADDRESS, port=DEMO_SSH_PORT, key=key)
        for run in range(args.runs):
            floor_wall, floor_rss, inner = _timed([sys.executable, "-c", floor_code])
            facts = Path(tmp) / f"facts{run}.json"
            scan_wall, scan_rss, _ = _timed(
                [sys.executable, "-m", "posture", "scan", "-i", str(REPO / "inventory/demo.yml"),
                 "-o", str(Path(tmp) / f"out{run}"), "--format", "html,json,sarif,junit",
                 "--save-facts", str(facts), "-q"])
            host = json.loads(facts.read_text())["hosts"]["lab"]
            rows.append({"floor_wall": floor_wall, "floor_ssh": float(inner or 0),
                         "scan_wall": scan_wall, "scan_ssh": host["duration_s"],
                         "execs": host["round_trips"], "connections": host["connections"],
                         "facts": len(host["facts"]), "scan_rss_mib": scan_rss / 1024,
                         "floor_rss_mib": floor_rss / 1024})
            r = rows[-1]
            print(f"run {run + 1}: scan {r['scan_wall']:.3f} s (ssh part {r['scan_ssh']:.3f} s, "
                  f"{r['connections']:.0f} connection, {r['execs']:.0f} execs, "
                  f"{r['facts']:.0f} facts, peak {r['scan_rss_mib']:.1f} MiB) | floor "
                  f"{r['floor_wall']:.3f} s (ssh part {r['floor_ssh']:.3f} s, "
                  f"peak {r['floor_rss_mib']:.1f} MiB)")
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    print(f"\nmedian of {len(rows)} runs on the demo lab (1 host):")
    print(f"  full scan, fresh process:     {med['scan_wall']:.3f} s wall, "
          f"peak RSS {med['scan_rss_mib']:.1f} MiB")
    print(f"  SSH part of the scan:         {med['scan_ssh']:.3f} s "
          f"({med['connections']:.0f} connection, {med['execs']:.0f} execs, "
          f"{med['facts']:.0f} facts)")
    print(f"  floor, fresh process:         {med['floor_wall']:.3f} s wall "
          f"(connect+auth+exec true: {med['floor_ssh']:.3f} s)")
    print(f"  ratio scan/floor (process):   {med['scan_wall'] / med['floor_wall']:.2f}x")
    print(f"  ratio SSH part/floor SSH:     {med['scan_ssh'] / med['floor_ssh']:.2f}x")
    # Endpoints: posture's TLS/HTTP probes beside testssl.sh (and sslyze where installed).
    bench_tls.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
