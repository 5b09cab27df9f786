"""Reference data for the web checks: known third parties and cookie classification rules.

Both are readable YAML files in ``checks/data`` (``thirdparties.yml``, ``cookies.yml``),
read once on first use. The statement importer uses the same table to recognise the
processors a statement names, so a name in the statement and a domain in a page meet here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

CATEGORIES = ("strictly_necessary", "functional", "analytics", "marketing")
"""Cookie categories, from least to most intrusive."""


@dataclass(frozen=True)
class Processor:
    """A third party: how statements name it and the domains it serves from."""

    id: str
    names: tuple[str, ...]
    category: str
    domains: tuple[str, ...]

    def serves(self, host: str) -> bool:
        """True when ``host`` is one of this party's domains or below one."""
        host = host.lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.domains)


def _load(name: str) -> dict[str, Any]:
    text = resources.files("checks").joinpath("data", name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"checks/data/{name}: expected a mapping")
    return data


@cache
def processors() -> tuple[Processor, ...]:
    """Every known third party, in file order."""
    out = []
    for item in _load("thirdparties.yml")["processors"]:
        out.append(Processor(str(item["id"]), tuple(str(n) for n in item["names"]),
                             str(item["category"]),
                             tuple(str(d).lower() for d in item["domains"])))
    return tuple(out)


def processor(ident: str) -> Processor | None:
    """The processor with this id, or None."""
    return next((p for p in processors() if p.id == ident), None)


def processor_for_host(host: str) -> Processor | None:
    """The known party serving ``host`` (the most specific domain wins), or None."""
    best: tuple[int, Processor] | None = None
    for proc in processors():
        for domain in proc.domains:
            h = host.lower().rstrip(".")
            if (h == domain or h.endswith("." + domain)) and (best is None
                                                              or len(domain) > best[0]):
                best = (len(domain), proc)
    return best[1] if best else None


@cache
def _cookie_rules() -> tuple[tuple[tuple[re.Pattern[str], str], ...], tuple[tuple[str, str], ...]]:
    data = _load("cookies.yml")
    names = tuple((re.compile(str(r["pattern"])), str(r["category"])) for r in data["names"])
    domains = tuple((str(r["suffix"]).lower(), str(r["category"])) for r in data["domains"])
    for _, category in (*names, *domains):
        if category not in CATEGORIES:
            raise ValueError(f"checks/data/cookies.yml: unknown category {category!r}")
    return names, domains


def classify_cookie(name: str, domain: str = "") -> str:
    """The category of a cookie by its domain, then its name; ``unclassified`` if none."""
    names, domains = _cookie_rules()
    host = domain.lower().lstrip(".")
    for suffix, category in domains:
        if host == suffix or host.endswith("." + suffix):
            return category
    for pattern, category in names:
        if pattern.fullmatch(name):
            return category
    return "unclassified"
