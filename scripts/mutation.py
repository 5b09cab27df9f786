"""Mutation testing of the judging core, as a gate with a checked-in record.

Runs mutmut (3.x) on the given modules against the fast unit tests only (tests/unit), prints
killed/total per module and overall, and exits non-zero when a module or the whole falls below
the floor (90 % by default).

Incremental: ``tests/data/mutation/record.json`` keeps, per module, a key (hash of the module's
source, of the unit-test files that exercise it and of the shared test helpers) and the result
of its last run. A module whose key still matches is not run again; a stale one is re-run (the
record is rewritten, commit it). ``--check`` never runs mutmut: a stale record is a failure.

What counts:
* killed: a test failed, timed out or the mutant did not type-check;
* survived: no test failed, or no test exercises the mutated function at all;
* equivalent: a survivor listed in ``tests/data/mutation/equivalent.txt`` with its mutated
  line and a one-line reason; an entry that matches no recorded survivor (killed, renumbered
  or gone) is stale and fails the gate, so the list cannot silently go out of date;
* prose: a mutant that changes nothing but the text of a string holding whitespace (a sentence
  of a summary or message, never a key, a value compared against or an option name). Left out
  of the score, killed or not; ``--count-prose`` counts them, as survivors.

The score is killed / (total - equivalent - prose). ``--ratchet`` lets a module that is still
below the floor pass as long as it does not fall below its recorded score.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mutation_lines import functions, mutated_line, shape  # scripts/ is on sys.path

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "tests" / "data" / "mutation" / "record.json"
EQUIVALENT = ROOT / "tests" / "data" / "mutation" / "equivalent.txt"
DEFAULT_MODULES = ("checks/*.py", "checks/*/*.py", "posture/judge/score.py",
                   "posture/collect/batch.py", "posture/collect/facts/sshd_contexts.py",
                   "posture/collect/facts/nginx.py", "posture/collect/facts/nginx_config.py",
                   "posture/collect/probes/pgtls.py")
COPIED = ("posture", "checks", "reports", "tests", "scripts", "inventory", "docs",
          "pyproject.toml")
KILLED = {1, 3, 36, 37, -24, 24, 152, 255}  # failed, internal error, timeout, type check
FLOOR = 90.0


@dataclass
class Result:
    """The outcome of one module's mutants."""

    module: str
    key: str
    total: int = 0
    killed: int = 0
    prose: list[str] = field(default_factory=list)
    survivors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_json(self) -> dict[str, object]:
        """The record entry."""
        return {"key": self.key, "total": self.total, "killed": self.killed,
                "prose": len(self.prose), "survivors": sorted(self.survivors),
                "seconds": round(self.seconds, 1)}


def has_functions(path: Path) -> bool:
    """Whether the module defines a function or method: mutmut mutates nothing else, so a
    module without one (an empty package ``__init__``) has no mutants to record."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return any(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
               for node in ast.walk(tree))


def expand(patterns: Iterable[str]) -> list[str]:
    """Module paths (relative to the repository) matching ``patterns`` that hold code mutmut
    can mutate (see :func:`has_functions`)."""
    found: list[str] = []
    for pattern in patterns:
        paths = sorted(ROOT.glob(pattern))
        if not paths:
            raise SystemExit(f"mutation: no module matches {pattern!r}")
        found += [p.relative_to(ROOT).as_posix() for p in paths
                  if p.suffix == ".py" and has_functions(p)]
    return sorted(set(found))


def _digest(paths: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for path in sorted(set(paths)):
        h.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        h.update(path.read_bytes() if path.exists() else b"<missing>")
    return h.hexdigest()[:16]


def helpers() -> list[Path]:
    """Shared test code whose change can change any verdict: conftests and sample modules."""
    unit = ROOT / "tests" / "unit"
    return ([ROOT / "tests" / "conftest.py"]
            + [p for p in unit.glob("*.py") if not p.name.startswith("test_")])


def module_key(module: str, tests: Iterable[str] = ()) -> str:
    """Hash of the module and the shared test helpers.

    The test files that exercised the module are recorded beside the key but not hashed into
    it: new and changed tests only add kills in practice, and hashing them made every test
    edit anywhere re-run most modules. A recorded test file that is gone is a stale record
    (removing tests is how kills are lost); ``--force`` re-runs a module after a test rewrite.
    """
    del tests
    return _digest([ROOT / module, *helpers()])


def _dotted(module: str) -> str:
    return module.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


# ----------------------------------------------------------------------------- mutmut runs
def _scratch(modules: Sequence[str]) -> Path:
    """A copy of the repository whose mutmut configuration mutates only ``modules``."""
    work = Path(tempfile.mkdtemp(prefix="posture-mutation-"))
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, work / name, ignore=shutil.ignore_patterns(
                "__pycache__", "*.pyc", ".mypy_cache", "mutants"))
        elif src.exists():
            shutil.copy2(src, work / name)
    text = (work / "pyproject.toml").read_text()
    start = text.index("[tool.mutmut]")
    lines = text[start:].splitlines()
    kept = [ln for ln in lines if not ln.startswith("only_mutate")]
    kept.insert(1, "only_mutate = " + json.dumps(list(modules)))
    (work / "pyproject.toml").write_text(text[:start] + "\n".join(kept) + "\n")
    return work


def run_mutmut(modules: Sequence[str], budget: float) -> Path:
    """Run mutmut on ``modules`` in a scratch copy; return the copy (its mutants/ holds results)."""
    work = _scratch(modules)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", CI="")  # unit tests only, no labs
    try:
        proc = subprocess.run([sys.executable, "-m", "mutmut", "run"], cwd=work, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=budget, check=False)
    except subprocess.TimeoutExpired as exc:
        raise SystemExit(f"mutation: the run did not finish within {budget:.0f} s; the record "
                         "stays stale") from exc
    if proc.returncode != 0:
        tail = proc.stdout.decode("utf-8", "replace")[-3000:]
        raise SystemExit(f"mutation: mutmut failed (exit {proc.returncode}):\n{tail}")
    return work


def collect(work: Path, module: str, problems: list[str]) -> tuple[Result, list[str]]:
    """Read one module's results from a finished run."""
    meta = json.loads((work / "mutants" / (module + ".meta")).read_text())
    stats = json.loads((work / "mutants" / "mutmut-stats.json").read_text())
    prefix = _dotted(module) + "."
    tests = sorted({t.split("::", 1)[0] for name, ids in
                    stats["tests_by_mangled_function_name"].items()
                    if name.startswith(prefix) and "." not in name[len(prefix):] for t in ids})
    source = (work / "mutants" / module).read_text()
    fns, lines = functions(source), source.splitlines()
    shapes: dict[str, str] = {}
    result = Result(module, module_key(module, tests))
    for name, code in sorted(meta["exit_code_by_key"].items()):
        result.total += 1
        if code is None:
            problems.append(f"{name}: not checked by mutmut")
        local = name[len(prefix):]
        orig = local.rsplit("__mutmut_", 1)[0]
        if shape(fns[local]) == shapes.setdefault(orig, shape(fns[orig + "__mutmut_orig"])):
            result.prose.append(name)  # left out of the score whether killed or not
        elif code in KILLED:
            result.killed += 1
        else:
            result.survivors.append(f"{name}: {mutated_line(lines, fns, local)}")
    return result, tests


# ------------------------------------------------------------------------------ the record
def read_equivalents() -> dict[str, tuple[str, str]]:
    """``name -> (mutated line, reason)`` from the checked-in list (tab-separated)."""
    out: dict[str, tuple[str, str]] = {}
    if not EQUIVALENT.exists():
        return out
    for number, raw in enumerate(EQUIVALENT.read_text().splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = raw.split("\t")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise SystemExit(f"{EQUIVALENT}:{number}: expected 'mutant<TAB>mutated line<TAB>"
                             "reason'")
        out[parts[0].strip()] = (parts[1].strip(), parts[2].strip())
    return out


def read_record() -> dict[str, dict[str, object]]:
    """The modules of the checked-in record (empty when there is none yet)."""
    if not RECORD.exists():
        return {}
    data = json.loads(RECORD.read_text())
    modules = data.get("modules", {})
    return modules if isinstance(modules, dict) else {}


def _int(entry: dict[str, object], key: str) -> int:
    value = entry.get(key)
    return value if isinstance(value, int) else 0


def _list(entry: dict[str, object], key: str) -> list[str]:
    value = entry.get(key)
    return [str(v) for v in value] if isinstance(value, list) else []


@dataclass
class Score:
    """One module's (or the whole's) figures once equivalents are applied."""

    killed: int
    counted: int
    prose: int
    equivalent: int

    @property
    def percent(self) -> float:
        """Killed share of the counted mutants (100 when nothing counts)."""
        return 100.0 * self.killed / self.counted if self.counted else 100.0


def score_of(module: str, entry: dict[str, object], equivalents: dict[str, tuple[str, str]],
             problems: list[str], count_prose: bool = False) -> Score:
    """Apply the equivalent list to a recorded module; stale entries become problems."""
    survivors = set(_list(entry, "survivors"))
    prefix = _dotted(module) + "."
    matched = 0
    for name, (line, _reason) in equivalents.items():
        if not name.startswith(prefix) or "." in name[len(prefix):]:
            continue
        if f"{name}: {line}" in survivors:
            matched += 1
        else:
            problems.append(f"{name}: listed as equivalent, but no surviving mutant of that name "
                            f"reads {line!r} (killed, renumbered or gone): update the list")
    prose = _int(entry, "prose")
    counted = _int(entry, "total") - matched - (0 if count_prose else prose)
    return Score(_int(entry, "killed"), counted, prose, matched)


def write_record(modules: dict[str, dict[str, object]], floor: float) -> None:
    """Rewrite the record, modules sorted."""
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    RECORD.write_text(json.dumps({
        "tool": "mutmut " + _mutmut_version(), "floor": floor, "tests": "tests/unit",
        "modules": dict(sorted(modules.items())),
    }, indent=1) + "\n")


def _mutmut_version() -> str:
    try:
        from importlib.metadata import version
        return version("mutmut")
    except Exception:  # noqa: BLE001 (absent or broken install: only the label suffers)
        return "?"


def stale(modules: Sequence[str], record: dict[str, dict[str, object]]) -> list[str]:
    """Modules whose recorded key no longer matches (or which were never run)."""
    out = []
    for module in modules:
        entry = record.get(module)
        if entry is None or entry.get("key") != module_key(module):
            out.append(module)
        elif any(not (ROOT / t).exists() for t in _list(entry, "tests")):
            out.append(module)  # a test file that killed its mutants is gone
    return out


def report(scores: dict[str, Score], floors: dict[str, float], overall_floor: float) -> bool:
    """Print the table; True when every module and the whole reach their floors."""
    ok = True
    print(f"{'module':<36} {'killed':>6} {'counted':>7} {'prose':>5} {'equiv':>5} {'score':>6}")
    for module, sc in scores.items():
        low = sc.percent < floors[module]
        ok = ok and not low
        flag = f"  < floor {floors[module]:.1f}" if low else ""
        print(f"{module:<36} {sc.killed:>6} {sc.counted:>7} {sc.prose:>5} {sc.equivalent:>5} "
              f"{sc.percent:>5.1f}%{flag}")
    total = Score(sum(s.killed for s in scores.values()), sum(s.counted for s in scores.values()),
                  sum(s.prose for s in scores.values()), sum(s.equivalent for s in scores.values()))
    flag = f"  < floor {overall_floor:.1f}" if total.percent < overall_floor else ""
    print(f"{'overall':<36} {total.killed:>6} {total.counted:>7} {total.prose:>5} "
          f"{total.equivalent:>5} {total.percent:>5.1f}%{flag}")
    return ok and total.percent >= overall_floor


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("modules", nargs="*", help=f"globs (default: {' '.join(DEFAULT_MODULES)})")
    ap.add_argument("--floor", type=float, default=FLOOR, help="lowest score in percent")
    ap.add_argument("--ratchet", action="store_true",
                    help="a module below the floor passes if it did not fall below its score "
                         "in the checked-in record (for modules still climbing to the floor)")
    ap.add_argument("--check", action="store_true", help="never run: a stale record fails")
    ap.add_argument("--force", action="store_true", help="re-run even modules up to date")
    ap.add_argument("--budget", type=float, default=75 * 60, help="seconds for the run")
    ap.add_argument("--count-prose", action="store_true", help="gate prose mutants too")
    ap.add_argument("--survivors", action="store_true", help="list the surviving mutants")
    args = ap.parse_args(argv)
    modules = expand(args.modules or DEFAULT_MODULES)
    record = read_record()
    equivalents = read_equivalents()
    problems: list[str] = []
    before = {m: score_of(m, record[m], equivalents, [], args.count_prose)
              for m in modules if m in record}
    todo = modules if args.force else stale(modules, record)
    if todo and args.check:
        print("mutation: the record is stale for: " + ", ".join(todo), file=sys.stderr)
        print("run scripts/mutation.py and commit tests/data/mutation/record.json",
              file=sys.stderr)
        return 2
    if todo:
        print(f"mutation: running mutmut on {len(todo)} module(s): {', '.join(todo)}", flush=True)
        start = time.monotonic()
        work = run_mutmut(todo, args.budget)
        elapsed = time.monotonic() - start
        try:
            results = [collect(work, module, problems) for module in todo]
        finally:
            shutil.rmtree(work, ignore_errors=True)
        mutants = max(1, sum(r.total for r, _ in results))
        for result, tests in results:
            result.seconds = elapsed * result.total / mutants
            record[result.module] = {**result.as_json(), "tests": tests}
        write_record(record, args.floor)
        print(f"mutation: run took {elapsed:.0f} s for {mutants} mutants", flush=True)
    scores = {m: score_of(m, record[m], equivalents, problems, args.count_prose)
              for m in modules}
    floors = {m: min(args.floor, before[m].percent) if args.ratchet and m in before
              else args.floor for m in modules}
    overall = args.floor
    if args.ratchet and before:
        done = [before[m] for m in modules if m in before]
        killed, counted = sum(s.killed for s in done), sum(s.counted for s in done)
        overall = min(args.floor, 100.0 * killed / counted if counted else 100.0)
    ok = report(scores, floors, overall)
    if args.survivors:
        for module in modules:
            for line in _list(record[module], "survivors"):
                print("survived: " + line)
    for problem in sorted(set(problems)):
        print("mutation: " + problem, file=sys.stderr)
    if problems:
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
