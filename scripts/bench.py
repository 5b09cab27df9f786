"""Benchmark posture on the namespaced trixie lab, beside the floor of one bare SSH exec.

Usage: python scripts/bench.py [--runs N] [--baseline DIR] [--fleet SIZES] [--handshakes N]
(root: it starts the trixie lab of tests/labs/trixie.py; its root file system is cached)

The lab is one server in its own network namespace with a vantage point whose probes its
firewall drops, so the allowlist claim waits out a filtered-port timeout. From one run, as
medians of ``--runs`` interleaved repetitions, it prints:

- the full scan (every claim, four report formats) in a fresh process: wall, CPU, peak RSS;
- the same scan without the vantage point (its ``vantage_points`` block removed), whose
  probes no firewall drops; and once more with the lab's firewall off, so that no port
  scan or admin-port probe waits out a filtered-port timeout;
- each claim alone (``--only``), wall and CPU;
- the floor: a fresh Python process doing a bare paramiko connect + auth + exec of ``true``;
- the ratios of the scans to the floor, and the import time of the scan process (and of its
  modules imported one after the other, which no background thread's import overlaps);
- the CPU time the whole machine used during the floor and the scan without a firewall (the
  lab's servers share the machine's CPUs: that time over the number of CPUs is a lower
  bound of any scan's wall time here), and the machine's speed at the time (a fixed loop);
- with ``--baseline DIR`` (another checkout of posture, e.g. ``git worktree add``), the same
  scans run from that checkout, side by side;
- the fleet figures of scripts/bench_fleet.py (``--fleet``, default 100,1000) and the
  handshake figures of scripts/bench_handshakes.py (``--handshakes`` hosts behind one sshd
  at --concurrency 50; 0 skips them).

Each checkout's bytecode is compiled first (``compileall``), as ``pip install`` does: with
``PYTHONDONTWRITEBYTECODE`` set, a source checkout would otherwise compile every module of
posture again in every run, which an installed posture never does.
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import bench_fleet  # scripts/ is on sys.path when this file runs as a script
import bench_handshakes
import labpath  # noqa: F401  (puts the repository root on sys.path: tests.labs)

from posture.inventory import load_inventory
from tests.labs.trixie import TrixieLab, start_trixie_lab
from tests.labs.trixie_inventory import DB_PASSWORD_ENV, current_inventory

REPO = Path(__file__).resolve().parents[1]

FLOOR = """
import time, paramiko
t0 = time.monotonic()
t = paramiko.Transport(({addr!r}, 22))
t.start_client(timeout=10)
t.auth_publickey({user!r}, paramiko.Ed25519Key.from_private_key_file({key!r}))
ch = t.open_session(); ch.exec_command('true'); ch.recv_exit_status()
t.close()
print(time.monotonic() - t0)
"""


def machine_busy() -> float:
    """CPU seconds every process of this machine has used since boot (``/proc/stat``: user,
    nice, system, irq, softirq), the lab's servers included."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(v) for v in stat.readline().split()[1:8]]
    return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6]) / os.sysconf("SC_CLK_TCK")


def run_child(argv: list[str], *, cwd: Path, env: Mapping[str, str]) -> dict[str, float | str]:
    """Run ``argv`` and measure it with wait4 (before communicate could reap it); ``machine``
    is the CPU time the whole machine used meanwhile (the child, the lab, the kernel)."""
    start, busy = time.monotonic(), machine_busy()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, cwd=cwd, env=dict(env), stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - start
        machine = machine_busy() - busy
        out.seek(0)
        err.seek(0)
        return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                "rss": usage.ru_maxrss / 1024, "out": out.read().decode(errors="replace"),
                "err": err.read().decode(errors="replace"), "code": float(proc.returncode),
                "machine": machine}


# What a full scan imports, for an import time that no thread's import overlaps.
# What a scan of a host imports (the SSH transport, paramiko with it: collector.load_transport),
# with invoke kept out as the command keeps it out.
SCAN_MODULES = ("import posture.cli; block = posture.cli.without_invoke(); block.__enter__(); "
                "import posture.cli.app, posture.cli.commands, "
                "posture.collect.collector, posture.collect.transport.ssh, "
                "posture.judge.evaluate, posture.render.html, "
                "posture.render.json_report, posture.render.sarif, posture.render.junit; "
                "import sys; assert sys.modules.get('invoke') is None  # blocked, never loaded")


def import_seconds(stderr: str) -> float:
    """Total import time of a ``-X importtime`` run: the top-level imports' cumulative sums."""
    total = 0
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if match and not match.group(2).startswith(" "):
            total += int(match.group(1))
    return total / 1e6


def without_vantage(inventory: str) -> str:
    """The inventory text without its top-level ``vantage_points`` block."""
    return re.sub(r"^vantage_points:\n(?:[ -].*\n)+", "", inventory, flags=re.MULTILINE)


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
    parser.add_argument("--fleet", default="100,1000")
    parser.add_argument("--handshakes", type=int, default=200)
    args = parser.parse_args()
    trees = {"now": REPO, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    for tree in trees.values():  # as an installed package has it (see the docstring)
        for package in ("posture", "checks", "reports"):
            compileall.compile_dir(tree / package, quiet=1)
    with tempfile.TemporaryDirectory(prefix="posture-bench-") as tmp:
        lab = start_trixie_lab(Path(tmp) / "lab")
        try:
            figures = _lab_figures(lab, Path(tmp), trees, args.runs)
        finally:
            lab.stop()
    _print_lab(figures, trees)
    if args.fleet.strip() not in ("", "0"):
        print("\nfleet: judge + render of generated recorded facts (scripts/bench_fleet.py)")
        for varied in (False, True):
            bench_fleet.print_rows([int(s) for s in args.fleet.split(",")], varied=varied)
    if args.handshakes:
        wall, failed, first = bench_handshakes.run(args.handshakes, 50, paced=True)
        print(f"\n{args.handshakes} hosts behind one sshd (default MaxStartups), "
              f"--concurrency 50: {wall:.2f} s, {failed} errors")
        for line in first:
            print(f"  {line[:200]}")
    return 0


Figures = dict[str, dict[str, list[float]]]  # tree -> measure -> one value per run


def _lab_figures(lab: TrixieLab, tmp: Path, trees: Mapping[str, Path], runs: int) -> Figures:
    inv = current_inventory(tmp / "inventory.yml", lab)
    claims = [c.id for c in load_inventory(inv).claims]
    no_vantage = tmp / "inventory-no-vantage.yml"
    no_vantage.write_text(without_vantage(inv.read_text(encoding="utf-8")), encoding="utf-8")
    env = {**os.environ, DB_PASSWORD_ENV: lab.db_password, "POSTURE_HISTORY": "off"}
    floor = FLOOR.format(addr=lab.address, user=lab.auditor, key=str(lab.key))
    figures: Figures = {name: {} for name in trees}
    figures["floor"] = {}

    def scan(tree: str, only: list[str], tag: str, extra: tuple[str, ...] = (),
             inventory: Path = inv) -> None:
        argv = [sys.executable, *extra, "-m", "posture", "scan", "-i", str(inventory), "-o",
                str(tmp / f"out-{tree}-{tag}"), "--format", "html,json,sarif,junit", "-q",
                *(["--only", *only] if only else [])]
        got = run_child(argv, cwd=trees[tree], env=env)
        if got["code"] not in (0.0, 1.0, 2.0):
            raise SystemExit(f"{tree} scan {tag} failed: {str(got['err'])[-1500:]}")
        row = figures[tree]
        for key in ("wall", "cpu", "rss", "machine"):
            row.setdefault(f"{tag}.{key}", []).append(float(got[key]))
        if extra:
            row.setdefault("import", []).append(import_seconds(str(got["err"])))

    for _ in range(runs):  # interleaved: each repetition runs everything once
        got = run_child([sys.executable, "-c", floor], cwd=REPO, env=env)
        figures["floor"].setdefault("wall", []).append(float(got["wall"]))
        figures["floor"].setdefault("cpu", []).append(float(got["cpu"]))
        figures["floor"].setdefault("machine", []).append(float(got["machine"]))
        for tree in trees:
            scan(tree, [], "full")
            scan(tree, [], "full-no-vantage", inventory=no_vantage)
            for claim in claims:
                scan(tree, [claim], claim)
    # The same scan once nothing waits out a filtered port: with the lab's firewall off, a
    # closed port answers at once with a reset (ufw's reject rules answer a second late), so
    # what remains is posture's own cost beside the floor.
    lab.chroot.run("ufw", "disable")
    for _ in range(runs):
        for tree in trees:
            scan(tree, [], "full-unfiltered", inventory=no_vantage)
    for tree in trees:
        scan(tree, [], "importtime", ("-X", "importtime"))
        for _ in range(runs):  # the same modules imported one after the other, nothing else
            got = run_child([sys.executable, "-X", "importtime", "-c", SCAN_MODULES],
                            cwd=trees[tree], env=env)
            figures[tree].setdefault("import_seq", []).append(import_seconds(str(got["err"])))
    return figures


def _print_lab(figures: Figures, trees: Mapping[str, Path]) -> None:
    med = {tree: {k: statistics.median(v) for k, v in rows.items()}
           for tree, rows in figures.items()}
    floor = med["floor"]["wall"]
    print(f"trixie lab (1 server, vantage point behind a dropping firewall), medians of "
          f"{len(figures['floor']['wall'])} interleaved runs")
    print(f"  floor (fresh python, paramiko connect + auth + exec): {floor:.3f} s wall, "
          f"{med['floor']['cpu']:.3f} s CPU, {med['floor']['machine']:.3f} s machine CPU")
    speed = bench_fleet.reference_seconds()
    print(f"  machine speed: a 10-million-step Python loop takes {speed:.2f} s CPU now "
          f"({os.cpu_count()} CPUs; the lab's servers share them)")
    for tree in trees:
        row = med[tree]
        print(f"\n  [{tree}] {trees[tree]}")
        print(f"    full scan:       {row['full.wall']:.3f} s wall, {row['full.cpu']:.3f} s CPU, "
              f"peak {row['full.rss']:.0f} MiB  ({row['full.wall'] / floor:.2f}x floor)")
        nv = "full-no-vantage"
        print(f"    full, no vantage {row[nv + '.wall']:.3f} s wall, {row[nv + '.cpu']:.3f} s CPU "
              f" ({row[nv + '.wall'] / floor:.2f}x floor)")
        nf = "full-unfiltered"
        print(f"    full, no vantage, firewall off {row[nf + '.wall']:.3f} s "
              f"wall, {row[nf + '.cpu']:.3f} s CPU ({row[nf + '.wall'] / floor:.2f}x floor)")
        cpus = os.cpu_count() or 1
        print(f"      the machine's CPU meanwhile (posture, the lab's servers, the kernel): "
              f"{row[nf + '.machine']:.3f} s, so at least {row[nf + '.machine'] / cpus:.3f} s "
              f"of wall on {cpus} CPUs ({row[nf + '.machine'] / cpus / floor:.2f}x floor)")
        print(f"    import time:     {row['import']:.3f} s in the scan (imports in background "
              f"threads overlap the main thread's and count in full), "
              f"{row['import_seq']:.3f} s for its modules one after the other")
        for key in sorted(k for k in row if k.endswith(".wall")):
            name = key.removesuffix(".wall")
            if name in ("importtime", "full", nv, nf):
                continue
            print(f"    only {name:<12} {row[key]:.3f} s wall, {row[name + '.cpu']:.3f} s CPU  "
                  f"({row[key] / floor:.2f}x floor)")


if __name__ == "__main__":
    raise SystemExit(main())
