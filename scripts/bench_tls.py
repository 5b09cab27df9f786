"""Endpoint benchmark: posture's TLS/HTTP probes beside testssl.sh (and sslyze if present).

Usage: python scripts/bench_tls.py   (root: it starts the demo endpoints on free ports).

For every endpoint of inventory/demo.yml: seconds for posture's full endpoint probe
(protocols, ciphers, certificate, HTTP), each endpoint alone and all together (concurrently,
as a scan does), and the same endpoints with ``testssl.sh -p -S -h`` and ``sslyze`` where
installed, as ratios. testssl.sh runs in a private mount namespace whose resolv.conf points
at 127.0.0.1, so it sends nothing beyond loopback.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import labpath  # noqa: F401  (puts the repository root on sys.path: tests.labs)

from posture.collect.collector import run_probes
from posture.collect.probes.registry import ProbeContext
from posture.collect.probes.tls.probe import PROBES
from posture.inventory.model import Endpoint, Inventory
from tests.labs.demotls import start_demo_tls

TESTSSL = shutil.which("testssl") or shutil.which("testssl.sh")
# sslyze is AGPL and never a dependency: point POSTURE_BENCH_SSLYZE at a throwaway venv's.
SSLYZE = os.environ.get("POSTURE_BENCH_SSLYZE") or shutil.which("sslyze")
_SSLYZE_SCANS = ("--certinfo", "--sslv2", "--sslv3", "--tlsv1", "--tlsv1_1", "--tlsv1_2",
                 "--tlsv1_3", "--http_headers")  # the same ground as posture's probes


def posture_endpoint(inventory: Inventory, endpoint: Endpoint) -> tuple[float, list[str]]:
    """Seconds for all endpoint probes of one endpoint, and the versions it accepts."""
    started = time.monotonic()
    ctx = ProbeContext(inventory, endpoint.name, started + 60, {}, endpoint=endpoint)
    facts = run_probes([p.key for p in PROBES], ctx)
    protocols = facts["tls.protocols"]
    return time.monotonic() - started, list(protocols.value["accepted"]) if protocols.ok else []


def _target(endpoint: Endpoint) -> tuple[str, str]:
    """(ip, url with the connect_to port) for the peers."""
    host, _, port = (endpoint.connect_to or "").rpartition(":")
    name = endpoint.url.split("/")[2].split(":")[0]
    return host, f"https://{name}:{port}/"


def testssl_endpoint(endpoint: Endpoint, tmp: Path) -> tuple[float, list[str]]:
    """Seconds for ``testssl.sh -p -S -h`` on one endpoint, and the versions it offers."""
    ip, url = _target(endpoint)
    resolv, report = tmp / "resolv.conf", tmp / f"{endpoint.name}.json"
    resolv.write_text("nameserver 127.0.0.1\n")
    report.unlink(missing_ok=True)
    inner = (f"mount --bind {resolv} /etc/resolv.conf && exec {TESTSSL} -p -S -h --ip {ip} "
             f"--nodns none --quiet --color 0 --warnings off --jsonfile {report} {url}")
    started = time.monotonic()
    subprocess.run(["unshare", "-m", "sh", "-c", inner], capture_output=True, timeout=900,
                   check=False)
    took = time.monotonic() - started
    found = json.loads(report.read_text()) if report.exists() else []
    names = {"SSLv2": "SSLv2", "SSLv3": "SSLv3", "TLS1": "TLSv1", "TLS1_1": "TLSv1.1",
             "TLS1_2": "TLSv1.2", "TLS1_3": "TLSv1.3"}
    offered = [names[f["id"]] for f in found if f.get("id") in names
               and str(f.get("finding", "")).startswith("offered")]
    return took, offered


def sslyze_endpoints(endpoints: list[Endpoint]) -> float:
    """Seconds for one sslyze run over ``endpoints`` (it scans them concurrently)."""
    targets = []
    for endpoint in endpoints:
        ip, url = _target(endpoint)
        targets.append(f"{url.split('/')[2]}{{{ip}}}")
    started = time.monotonic()
    subprocess.run([str(SSLYZE), *_SSLYZE_SCANS, *targets], capture_output=True,
                   timeout=900, check=False)
    return time.monotonic() - started


def bench(inventory: Inventory) -> None:
    """Print per-endpoint and all-endpoint seconds with the peers' ratios."""
    endpoints = list(inventory.endpoints)
    print(f"\nendpoints ({len(endpoints)}): posture probes vs peers")
    ours = {e.name: posture_endpoint(inventory, e) for e in endpoints}
    started = time.monotonic()
    with cf.ThreadPoolExecutor(max_workers=len(endpoints)) as pool:
        list(pool.map(lambda e: posture_endpoint(inventory, e), endpoints))
    together = time.monotonic() - started
    peers: dict[str, dict[str, tuple[float, list[str]]]] = {}
    sslyze_all = 0.0
    if TESTSSL and shutil.which("unshare"):
        with tempfile.TemporaryDirectory() as tmp:
            peers["testssl.sh"] = {e.name: testssl_endpoint(e, Path(tmp)) for e in endpoints}
    else:
        print("  testssl.sh not installed (apt-get install testssl.sh): skipped")
    if SSLYZE:
        peers["sslyze"] = {e.name: (sslyze_endpoints([e]), []) for e in endpoints}
        sslyze_all = sslyze_endpoints(endpoints)
    else:
        print("  sslyze not installed (never a dependency; a throwaway venv): skipped")
    for e in endpoints:
        line = f"  {e.name:12} posture {ours[e.name][0]:7.3f} s  accepts {ours[e.name][1]}"
        for peer, rows in peers.items():
            secs, offered = rows[e.name]
            line += f" | {peer} {secs:7.2f} s ({secs / ours[e.name][0]:.0f}x)"
            line += f" offers {offered}" if offered else ""
        print(line)
    line = f"  {'all':12} posture {together:7.3f} s (concurrent)"
    for peer, rows in peers.items():
        if peer == "sslyze":
            line += f" | sslyze {sslyze_all:7.2f} s (one run) ({sslyze_all / together:.0f}x)"
            continue
        total = sum(secs for secs, _ in rows.values())
        line += f" | {peer} {total:7.2f} s sequential ({total / together:.0f}x)"
    print(line)


def main() -> int:
    """Start the demo's endpoints (on free ports) and benchmark them."""
    with tempfile.TemporaryDirectory() as tmp:
        demo = start_demo_tls(Path(tmp), "127.0.0.1", fixed_ports=False)
        try:
            endpoints = tuple(demo.endpoints())
            bench(Inventory(path="bench", sha256="", organisation="bench", hosts=(),
                            claims=(), endpoints=endpoints))
        finally:
            demo.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
