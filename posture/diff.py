"""``posture diff OLD.json NEW.json``: claims and findings new, fixed, regressed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from posture.errors import FactsFileError
from posture.render.sanitize import safe_text

_RANK = {"pass": 0, "not_applicable": 0, "warn": 1, "error": 2, "fail": 3,
         "verified": 0, "not_verifiable": 1, "inconclusive": 2, "contradicted": 3}


def _load(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise FactsFileError(f"{path}: cannot read ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise FactsFileError(f"{path}:{exc.lineno}: not JSON ({exc.msg})") from None
    if not isinstance(data, dict) or data.get("schema") != "posture.result/1":
        raise FactsFileError(f"{path}: not a posture report.json (schema posture.result/1)")
    return data


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[str]]:
    """Lines grouped as new / fixed / regressed / changed / gone."""
    out: dict[str, list[str]] = {"new": [], "fixed": [], "regressed": [], "changed": [],
                                 "gone": []}
    for kind, field in (("claim", "verdict"), ("finding", "status")):
        before = {i["id"]: i[field] for i in old.get(kind + "s", [])}
        after = {i["id"]: i[field] for i in new.get(kind + "s", [])}
        for ident, state in after.items():
            if ident not in before:
                out["new"].append(f"{kind} {ident}: {state}")
            elif state != before[ident]:
                delta = _RANK.get(state, 0) - _RANK.get(before[ident], 0)
                group = "fixed" if delta < 0 else "regressed" if delta > 0 else "changed"
                out[group].append(f"{kind} {ident}: {before[ident]} -> {state}")
        out["gone"] += [f"{kind} {i}: was {s}" for i, s in before.items() if i not in after]
    return out


def diff_command(old_path: str, new_path: str) -> int:
    """Print the comparison; exit 1 when anything regressed, else 0."""
    old, new = _load(old_path), _load(new_path)
    groups = compare(old, new)
    o, n = old.get("score", {}), new.get("score", {})
    print(f"score: {o.get('value')} ({o.get('grade')}) -> {n.get('value')} ({n.get('grade')})")
    for name, lines in groups.items():
        for line in lines:
            print(f"{name:9} {safe_text(line, 300)}")
    return 1 if groups["regressed"] else 0
