"""The offline end-of-life table: which release cycles are supported on a given day.

The data is ``checks/data/eol.json`` (dated, with sources per product; refreshed by
``scripts/refresh_eol.py``, documented in ``docs/eol.md``). It is read once, on first use:
it is packaged reference data, not something a check fetches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from checks.versions import is_prefix, parts
from posture.models import Msg, msg

_TABLE_FILE = ("data", "eol.json")


class SupportPhase(StrEnum):
    """Where a release cycle stands on a given day."""

    SUPPORTED = "supported"  # standard vendor security support
    EXTENDED = "extended"  # only extended support: Debian LTS, Ubuntu ESM, RHEL ELS
    EOL = "eol"  # no security fixes from anyone the table counts
    UNTRACKED = "untracked"  # the vendor publishes no dates (OpenSSH): judge the distribution


@dataclass(frozen=True)
class EolEntry:
    """One release cycle of one product, as the table records it."""

    product: str
    label: str  # "Ubuntu"
    cycle: str  # "12.04"
    codename: str
    release: date | None
    support_end: date | None  # None: no end announced
    extended_end: date | None  # None: no extended phase
    extended_name: str  # "Debian LTS"
    approximate: bool
    tracked: bool  # False when the vendor publishes no end-of-life dates at all
    note: str
    sources: tuple[str, ...]

    @property
    def name(self) -> str:
        """Human name of the cycle: "Ubuntu 12.04"."""
        return f"{self.label} {self.cycle}"


@dataclass(frozen=True)
class SupportStatus:
    """The phase of an entry on a day, with the dates that decide it."""

    phase: SupportPhase
    on: date
    support_end: date | None
    extended_end: date | None
    extended_name: str

    def as_evidence(self) -> dict[str, str | None]:
        """JSON-friendly dates and phase for a finding."""
        return {
            "phase": self.phase.value,
            "on": self.on.isoformat(),
            "support_end": _iso(self.support_end),
            "extended_end": _iso(self.extended_end),
            "extended_support": self.extended_name or None,
        }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


@cache
def _raw_table() -> dict[str, Any]:
    text = resources.files("checks").joinpath(*_TABLE_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _entry(product: str, info: dict[str, Any], row: dict[str, Any]) -> EolEntry:
    return EolEntry(
        product=product,
        label=str(info["label"]),
        cycle=str(row["cycle"]),
        codename=str(row.get("codename") or ""),
        release=_date(row.get("release")),
        support_end=_date(row.get("support_end")),
        extended_end=_date(row.get("extended_end")),
        extended_name=str(info.get("extended_name") or ""),
        approximate=bool(row.get("approximate", False)),
        tracked=bool(info.get("publishes_eol", True)),
        note=str(row.get("note") or ""),
        sources=tuple(str(s) for s in info.get("sources", ())),
    )


@cache
def entries(product: str) -> tuple[EolEntry, ...]:
    """All cycles of ``product`` (empty when the table does not know the product)."""
    info = _raw_table()["products"].get(product)
    if info is None:
        return ()
    return tuple(_entry(product, info, row) for row in info["cycles"])


def products() -> tuple[str, ...]:
    """Product keys the table covers."""
    return tuple(_raw_table()["products"])


def product_policy(product: str) -> str:
    """The table's one-line support policy note for ``product`` ("" if unknown)."""
    info = _raw_table()["products"].get(product) or {}
    return str(info.get("policy") or "")


def lookup(product: str, version: str) -> EolEntry | None:
    """The cycle of ``product`` that ``version`` belongs to: the longest matching cycle.

    "12.04.4" -> ubuntu "12.04"; "2.4.62" -> apache "2.4"; "12.7" -> debian "12";
    "10.11.6" -> mariadb "10.11" (numeric components, so "10.1" does not match).
    """
    wanted = parts(version)
    best: EolEntry | None = None
    for entry in entries(product):
        cycle = parts(entry.cycle)
        if is_prefix(cycle, wanted) and (best is None or len(cycle) > len(parts(best.cycle))):
            best = entry
    return best


def support_status(entry: EolEntry, on: date) -> SupportStatus:
    """The phase of ``entry`` on day ``on``; an end date is the last supported day."""
    if not entry.tracked:
        phase = SupportPhase.UNTRACKED
    elif entry.support_end is None or on <= entry.support_end:
        phase = SupportPhase.SUPPORTED
    elif entry.extended_end is not None and on <= entry.extended_end:
        phase = SupportPhase.EXTENDED
    else:
        phase = SupportPhase.EOL
    return SupportStatus(phase, on, entry.support_end, entry.extended_end, entry.extended_name)


def predicate(status: SupportStatus) -> Msg:
    """The status as a predicate: "has been unsupported since 2017-04-28 (...)"."""
    ends = _iso(status.support_end)
    if status.phase is SupportPhase.UNTRACKED:
        return msg("has no published end-of-life date, so its distribution's support applies")
    if status.phase is SupportPhase.SUPPORTED:
        return (msg("is supported until {date}", date=ends) if ends
                else msg("is supported (no end date announced)"))
    if status.phase is SupportPhase.EXTENDED:
        return msg("left standard support on {date} and gets security fixes only through "
                   "{programme} until {until}", date=ends, programme=status.extended_name,
                   until=_iso(status.extended_end))
    if status.extended_end:
        return msg("has been unsupported since {date} ({programme} ended {until})", date=ends,
                   programme=status.extended_name, until=_iso(status.extended_end))
    return msg("has been unsupported since {date}", date=ends)


def describe(entry: EolEntry, status: SupportStatus) -> str:
    """One plain-English clause: "Ubuntu 12.04 has been unsupported since 2017-04-28"."""
    return msg("{product} {predicate}", product=entry.name, predicate=predicate(status))


def entry_evidence(entry: EolEntry) -> dict[str, Any]:
    """The table row behind a judgement, for a finding's evidence."""
    return {
        "product": entry.product, "cycle": entry.cycle, "codename": entry.codename or None,
        "approximate": entry.approximate, "note": entry.note or None,
        "table_date": TABLE_DATE.isoformat(), "sources": list(entry.sources),
    }


TABLE_DATE: date = date.fromisoformat(str(_raw_table()["as_of"]))
"""The day the table was last checked against its sources."""
