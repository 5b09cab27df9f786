"""Recall and precision of ``posture statement import`` on the statement corpus.

Every statement in ``tests/data/statements/index.yml`` has an answer key beside it (same name,
``.yml``): the verifiable promises it makes, with claim type and values. A promise counts as
found only when a claim of the right type carries the right values. Lists are compared item by
item (each declared party, each party said not to be used); cookie categories as a set.

    python scripts/statement_bench.py [--verbose] [--part tuning|heldout|all]

Prints one line per file, then the tuning part, each batch of the held-out part (batch 2 was
written after the rules were done), the held-out part and the whole corpus.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from posture.cli.statement import import_statement  # noqa: E402
from posture.statement.parties import slug  # noqa: E402
from posture.statement.skeleton import Skeleton  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "statements"
Atom = tuple[Any, ...]
_LISTS = ("declared", "not_used")
_IGNORED = frozenset({"ssh", "admin", "review"})  # placeholders the owner fills in


def _value(value: Any) -> str:
    return str(value).strip().lower()


def atoms_of(kind: str, topic: str, values: dict[str, Any]) -> set[Atom]:
    """The comparable pieces of one promise or claim."""
    if kind == "cookies_functional_only":
        allowed = set(values.get("allowed", [])) - {"strictly_necessary", "functional"}
        return {(kind, "allowed", tuple(sorted(allowed)))}
    lists = {k: v for k, v in values.items() if k in _LISTS}
    if lists:
        return {(kind, key, slug(str(item))) for key, items in lists.items() for item in items}
    scalars = tuple(sorted((k, _value(v)) for k, v in values.items()
                           if k not in _IGNORED and not isinstance(v, list)))
    return {(kind, topic, scalars)}


def key_atoms(path: Path) -> set[Atom]:
    """The answer key's promises as atoms."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: set[Atom] = set()
    for promise in data.get("promises", []):
        values = {k: v for k, v in promise.items() if k not in ("type", "topic")}
        out |= atoms_of(promise["type"], str(promise.get("topic", "")), values)
    return out


def skeleton_atoms(skeleton: Skeleton) -> set[Atom]:
    """The importer's claims as atoms (an attestation's topic is its claim id)."""
    out: set[Atom] = set()
    for claim in skeleton.claims:
        topic = re.sub(r"-\d+$", "", claim.id) if claim.type == "attestation" else ""
        out |= atoms_of(claim.type, topic, claim.values)
    return out


@dataclass
class Score:
    """Counts for one file or one part of the corpus."""

    found: int = 0
    expected: int = 0
    produced: int = 0
    missed: list[Atom] = field(default_factory=list)
    wrong: list[Atom] = field(default_factory=list)

    def add(self, other: Score) -> None:
        """Fold another score into this one."""
        self.found += other.found
        self.expected += other.expected
        self.produced += other.produced

    @property
    def recall(self) -> float:
        """Share of the key's promises found."""
        return self.found / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        """Share of the importer's claims that are in the key."""
        return self.found / self.produced if self.produced else 1.0


def score_file(entry: dict[str, Any]) -> Score:
    """Import one statement and compare it with its key."""
    path = CORPUS / entry["file"]
    expected = key_atoms(path.with_suffix(".yml"))
    got = skeleton_atoms(import_statement(path, entry["lang"]))
    hits = expected & got
    return Score(len(hits), len(expected), len(got), sorted(expected - got, key=str),
                 sorted(got - expected, key=str))


def entries(part: str = "all") -> list[dict[str, Any]]:
    """The corpus index, filtered by part (tuning, heldout or all)."""
    index = yaml.safe_load((CORPUS / "index.yml").read_text(encoding="utf-8"))["statements"]
    if part == "all":
        return list(index)
    return [e for e in index if bool(e.get("heldout")) == (part == "heldout")]


def total(scores: Iterable[Score]) -> Score:
    """The sum of several scores."""
    out = Score()
    for score in scores:
        out.add(score)
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the per-file and per-part figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", "-v", action="store_true", help="list misses and extras")
    parser.add_argument("--part", choices=("tuning", "heldout", "all"), default="all")
    args = parser.parse_args(argv)
    results: dict[str, tuple[bool, Score]] = {}
    batches: dict[int, list[Score]] = {}
    for entry in entries(args.part):
        score = score_file(entry)
        results[entry["file"]] = (bool(entry.get("heldout")), score)
        if entry.get("heldout"):
            batches.setdefault(int(entry.get("batch", 1)), []).append(score)
        mark = " (held out)" if entry.get("heldout") else ""
        print(f"{entry['file']:<36} recall {score.recall:.2f} ({score.found}/{score.expected})"
              f"  precision {score.precision:.2f} ({score.found}/{score.produced}){mark}")
        if args.verbose:
            for atom in score.missed:
                print(f"    missed {atom}")
            for atom in score.wrong:
                print(f"    extra  {atom}")
    parts = [("tuning", [s for h, s in results.values() if not h]),
             *((f"held-out batch {n}", batches[n]) for n in sorted(batches) if len(batches) > 1),
             ("held-out", [s for h, s in results.values() if h]),
             ("overall", [s for _, s in results.values()])]
    for name, members in parts:
        if members:
            part = total(members)
            print(f"{name:<18} recall {part.recall:.3f} ({part.found}/{part.expected})"
                  f"  precision {part.precision:.3f} ({part.found}/{part.produced})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
