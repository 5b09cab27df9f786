"""Run the hostile suite (tests/hostile) and print its figures.

    python scripts/hostile_figures.py        # as root: the sudo matrix needs the real lab

The suite records its counts in a JSON file (``$POSTURE_HOSTILE_FIGURES``); this script runs
it, reads the file and prints one summary. A failing test means a figure is not 0: the script
then says so and exits 1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SECRETS = 4  # SSH password, key passphrase, sudo password, database password
PERSONAL = 1  # canary personal data


def run_suite(figures: Path) -> tuple[int, str]:
    """Run pytest on tests/hostile; return its exit code and its last summary line."""
    env = {**os.environ, "POSTURE_HOSTILE_FIGURES": str(figures)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/hostile"], cwd=REPO, env=env, capture_output=True,
                          text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, lines[-1] if lines else done.stderr.strip()[-300:]


def summary(data: dict[str, Any], ok: bool) -> list[str]:
    """The printed lines."""
    bad = "0" if ok else "SOME (see the failing tests)"
    return [
        f"{data.get('payloads', 0)} hostile payloads x {data.get('outputs', 0)} outputs "
        f"(html, json, sarif, junit, facts, console, log): {bad} unescaped, no template "
        f"evaluated; {int(data.get('payload_output_pairs', 0))} payload/output pairs "
        f"reached an output as text",
        f"{SECRETS} canary secrets + {PERSONAL} canary personal data x 4 encodings (raw, "
        f"base64, hex, URL): {bad} found ({int(data.get('canary_searches', 0))} canary x "
        f"encoding searches over every artefact of each scan, plus "
        f"{int(data.get('proc_samples', 0))} samples of other processes' command lines and "
        f"environments)",
        f"{int(data.get('faults_injected', 0))} faults injected: {bad} false passes, "
        f"slowest host {data.get('slowest_host_s', 0):.2f} s against the "
        f"{data.get('host_deadline_s', 0):g} s deadline; peak memory "
        f"{data.get('peak_rss_mib', 0):.0f} MiB with 2 x 3 MiB floods, endless output and "
        f"a 10 MB line",
        f"{int(data.get('tls_endpoints', 0))} TLS/HTTP endpoints (hostile certificate subject "
        f"and SANs, Server header, cookies, a 1 MB header, hostile pages): {bad} unescaped; "
        f"{int(data.get('redirects_not_followed', 0))} hostile redirects (metadata address, "
        f"loopback, javascript:, file:, an endless chain) recorded, {bad} followed",
        f"{int(data.get('endpoint_faults', 0))} endpoint faults (TLS handshake stall, drip, "
        f"close at once, black hole): {bad} false passes, slowest endpoint "
        f"{data.get('slowest_endpoint_s', 0):.2f} s against the "
        f"{data.get('endpoint_deadline_s', 0):g} s deadline; unreachable endpoints (black "
        f"hole, refused) end in {data.get('slowest_unreachable_endpoint_s', 0):.2f} s with a "
        f"{data.get('endpoint_connect_timeout_s', 0):g} s connect timeout",
        f"{int(data.get('database_faults', 0))} hostile database peers through the SSH tunnel "
        f"(echoed personal data / markup / ANSI, stall, drip, too many rows, a huge row, a "
        f"close mid-result): {bad} false passes, slowest "
        f"{data.get('slowest_database_s', 0):.2f} s, peak memory "
        f"{data.get('db_peak_rss_mib', 0):.0f} MiB",
        f"{int(data.get('refusals', 0))} injection / escape attempts refused with exit 3 "
        f"before any contact; SIGTERM to written incomplete report in "
        f"{data.get('sigterm_stop_s', 0):.2f} s",
        f"fuzzing: {int(data.get('fuzz_examples', 0))} hypothesis examples over "
        f"{int(data.get('fuzzed_parsers', 0))} parsers and the section splitter: "
        f"{bad} unexpected exceptions",
    ]


def main() -> int:
    """Run and print; exit 1 when a hostile test failed."""
    with tempfile.TemporaryDirectory() as tmp:
        figures = Path(tmp) / "figures.json"
        code, last = run_suite(figures)
        data = json.loads(figures.read_text()) if figures.exists() else {}
    for line in summary(data, code == 0):
        print(line)
    print(f"pytest: {last}")
    return 0 if code == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
