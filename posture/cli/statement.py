"""``posture statement import FILE --lang nl|en [-o skeleton.yml] [--rules FILE]``."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from posture.cli.output import write_private
from posture.errors import UsageError
from posture.statement.language import detect_language
from posture.statement.render import render_skeleton
from posture.statement.rules import RulesError, builtin_rules, parse_rules
from posture.statement.segment import segment
from posture.statement.skeleton import Skeleton, build
from posture.statement.source import read_statement

_NAMES = {"nl": "Dutch", "en": "English"}


def import_statement(path: str | Path, lang: str, rules_file: str | None = None) -> Skeleton:
    """Read, split and match a statement; the skeleton of claims and ledger."""
    if rules_file is not None:
        try:
            rules = parse_rules(Path(rules_file).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--rules {rules_file}: cannot read ({exc})") from None
        except RulesError as exc:
            raise UsageError(f"--rules {rules_file}: {exc}") from None
    else:
        rules = builtin_rules(lang)
    text = read_statement(path)
    skeleton = build(segment(text), rules, lang)
    found = detect_language(text)
    if found is not None and found != lang:
        skeleton.warnings.append(
            f"the statement reads as {_NAMES.get(found, found)}, not {_NAMES.get(lang, lang)}: "
            f"import it with --lang {found} (with --lang {lang} most promises are missed)")
    return skeleton


def summary(skeleton: Skeleton) -> str:
    """One line of counts for the console."""
    types = Counter(c.type for c in skeleton.claims)
    mapped = sum(1 for line in skeleton.ledger if line.claims)
    explained = sum(1 for line in skeleton.ledger if not line.claims and line.rule)
    return (f"{len(skeleton.ledger)} sentences: {mapped} mapped to {len(skeleton.claims)} "
            f"claims ({', '.join(f'{t} {n}' for t, n in sorted(types.items()))}), "
            f"{explained} not verifiable with a reason, {len(skeleton.needs_review)} need review, "
            f"{len(skeleton.unmatched)} unmatched")


def import_command(args: argparse.Namespace) -> int:
    """Write the skeleton to ``-o`` (mode 0600) or stdout; counts go to stderr."""
    skeleton = import_statement(args.file, args.lang, args.rules)
    text = render_skeleton(skeleton, title=f"Privacy statement ({Path(args.file).name})")
    if args.output:
        out = Path(args.output).expanduser()
        out.parent.mkdir(parents=True, exist_ok=True)
        write_private(out, text.encode("utf-8"))
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    print(f"posture: {summary(skeleton)}", file=sys.stderr)
    for warning in skeleton.warnings:
        print(f"posture: warning: {warning}", file=sys.stderr)
    for line in skeleton.needs_review:
        print(f"posture: review {line.sentence} (section {line.section}): {line.review}",
              file=sys.stderr)
    for line in skeleton.unmatched:
        print(f"posture: review {line.sentence} (section {line.section}): no rule matched",
              file=sys.stderr)
    return 0
