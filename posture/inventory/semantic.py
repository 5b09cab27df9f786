"""Checks across the inventory: unique names and ids, and references that resolve."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from posture.inventory.problems import Problems
from posture.inventory.statement_fields import check_ledger
from posture.inventory.structure import Ctx, Rec, Ref
from posture.inventory.validators import nearest

# section -> the word used in messages
_KINDS = {"hosts": "host", "endpoints": "endpoint", "databases": "database",
          "vantage_points": "vantage point"}


def _items(doc: Rec, section: str) -> list[Rec]:
    found = doc.get(section, [])
    return [item for item in found if isinstance(item, Rec)]


def _unique(items: list[Rec], key: str, what: str, ctx: Ctx) -> dict[str, int]:
    """Map each value of ``key`` to its line, reporting repeats."""
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        found: Any = item.get(key)
        if found is None:
            continue
        line = item.line_of(key)
        if found in seen:
            ctx.at(i).bad(line, f"duplicate {what} '{found}' (first on line {seen[found]})")
        else:
            seen[found] = line
    return seen


def _resolve(target: Ref, known: Mapping[str, int], kind: str, ctx: Ctx) -> None:
    if target.name in known:
        return
    close = nearest(target.name, known)
    if close:
        hint = f": did you mean '{close}'?"
    elif known:
        hint = f" (known: {', '.join(sorted(known))})"
    else:
        hint = f" (no {kind}s are defined)"
    ctx.bad(target.line, f"no {kind} named '{target.name}'{hint}")


def _check_claims(doc: Rec, names: Mapping[str, Mapping[str, int]], ctx: Ctx) -> None:
    claims = _items(doc, "claims")
    _unique(claims, "id", "claim id", ctx.at("claims"))
    for i, claim in enumerate(claims):
        where = ctx.at("claims").at(i)
        scope = claim.get("scope")
        if isinstance(scope, Rec):
            for section, refs in scope.items():
                for j, target in enumerate(refs):
                    _resolve(target, names[section], _KINDS[section],
                             where.at("scope").at(section).at(j))
        if isinstance(claim.get("compare_with"), Ref):
            _resolve(claim["compare_with"], names["databases"], "database",
                     where.at("compare_with"))


def check(doc: Rec, problems: Problems) -> None:
    """Report duplicate names and ids, and references to objects that do not exist."""
    ctx = Ctx(problems)
    names = {
        section: _unique(_items(doc, section), "name", f"{kind} name", ctx.at(section))
        for section, kind in _KINDS.items()
    }
    for i, database in enumerate(_items(doc, "databases")):
        if isinstance(database.get("host"), Ref):
            _resolve(database["host"], names["hosts"], "host",
                     ctx.at("databases").at(i).at("host"))
    _check_claims(doc, names, ctx)
    check_ledger(doc, ctx)
