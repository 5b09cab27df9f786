"""The offline end-of-life table: which release cycles are supported on a given day.

The data is ``checks/data/eol.json`` (dated, with sources per product; refreshed by
``scripts/refresh_eol.py``, documented in ``docs/eol.md``). It is read once, on first use:
it is packaged reference data, not something a check fetches. Debian and Ubuntu rows are
generated from distro-info-data and name the column each date comes from (``eol``,
``eol-lts``, ``eol-server``, ``eol-esm``, ...); findings repeat it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from checks.system.versions import parts
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
    legacy_end: date | None = None  # paid add-on beyond extended support: shown, not counted
    legacy_name: str = ""  # "Freexian ELTS (commercial, not counted)"
    columns: tuple[tuple[str, str], ...] = ()  # (field, source column): ("support_end", "eol")
    data_source: str = ""  # "distro-info-data 0.58+deb12u6, debian.csv"

    def column(self, field: str) -> str:
        """The source column of ``field`` ("support_end" -> "eol-server"), "" if not known."""
        return dict(self.columns).get(field, "")

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
    legacy_end: date | None = None
    legacy_name: str = ""
    columns: tuple[tuple[str, str], ...] = ()
    data_source: str = ""

    def as_evidence(self) -> dict[str, str | None]:
        """JSON-friendly dates and phase for a finding, with the column each date comes from."""
        out = {
            "phase": self.phase.value,
            "on": self.on.isoformat(),
            "support_end": _iso(self.support_end),
            "extended_end": _iso(self.extended_end),
            "extended_support": self.extended_name or None,
        }
        if self.legacy_end:
            out.update(legacy_end=_iso(self.legacy_end), legacy_support=self.legacy_name or None)
        if self.columns:
            out.update({f"{field}_column": column for field, column in self.columns})
            out["dates_from"] = self.data_source or None
        return out

    def column_note(self, field: str) -> str:
        """" (distro-info-data: eol-lts)" for a date with a known column, else ""."""
        column = dict(self.columns).get(field)
        return f" (distro-info-data: {column})" if column else ""


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


@cache
def _raw_table() -> dict[str, Any]:
    text = resources.files("checks").joinpath(*_TABLE_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _columns(row: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    raw = row.get("columns") or {}
    return tuple((str(k), str(v)) for k, v in raw.items()) if isinstance(raw, dict) else ()


def _data_source(info: dict[str, Any]) -> str:
    if not info.get("distro_info"):
        return ""
    version = info.get("distro_info_version") or "unknown version"
    return f"distro-info-data {version}, {info['distro_info']}"


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
        approximate=bool(row.get("approximate")),
        tracked=bool(info.get("publishes_eol", True)),
        note=str(row.get("note") or ""),
        sources=tuple(str(s) for s in info.get("sources", ())),
        legacy_end=_date(row.get("legacy_end")),
        legacy_name=str(info.get("legacy_name") or ""),
        columns=_columns(row),
        data_source=_data_source(info),
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
    cycles = _cycles(product)
    for size in range(len(wanted), 0, -1):  # the longest leading part that names a cycle
        entry = cycles.get(wanted[:size])
        if entry is not None:
            return entry
    return None


_INDEX: dict[str, tuple[tuple[EolEntry, ...], dict[tuple[int, ...], EolEntry]]] = {}


def _cycles(product: str) -> dict[tuple[int, ...], EolEntry]:
    """The cycles of ``product`` by their numeric components, parsed once per table (a fleet
    looks the same product up thousands of times); of two cycles with the same numbers
    ("12.04" and "12.4") the first in the table is kept, as a scan of the table in order
    would. Rebuilt whenever :func:`entries` gives another table than the one indexed."""
    rows = entries(product)
    known = _INDEX.get(product)
    if known is None or known[0] is not rows:
        index: dict[tuple[int, ...], EolEntry] = {}
        for entry in rows:
            index.setdefault(parts(entry.cycle), entry)
        known = _INDEX[product] = (rows, index)
    return known[1]


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
    return SupportStatus(phase, on, entry.support_end, entry.extended_end, entry.extended_name,
                         entry.legacy_end, entry.legacy_name, entry.columns, entry.data_source)


def predicate(status: SupportStatus) -> Msg:
    """The status as a predicate: "has been unsupported since 2017-04-28 (...)"."""
    ends = _iso(status.support_end)
    std, ext = status.column_note("support_end"), status.column_note("extended_end")
    if status.phase is SupportPhase.UNTRACKED:
        return msg("has no published end-of-life date, so its distribution's support applies")
    if status.phase is SupportPhase.SUPPORTED:
        return (msg("is supported until {date}", date=f"{ends}{std}") if ends
                else msg("is supported (no end date announced)"))
    legacy = _legacy(status)
    if status.phase is SupportPhase.EXTENDED:
        main = msg("left standard support on {date} and gets security fixes only through "
                   "{programme} until {until}", date=f"{ends}{std}",
                   programme=status.extended_name, until=f"{_iso(status.extended_end)}{ext}")
    elif status.extended_end:
        main = msg("has been unsupported since {date} ({programme} ended {until})",
                   date=f"{ends}{std}", programme=status.extended_name,
                   until=f"{_iso(status.extended_end)}{ext}")
    else:
        main = msg("has been unsupported since {date}", date=f"{ends}{std}")
    return msg("{first}; {rest}", first=main, rest=legacy) if legacy is not None else main


def _legacy(status: SupportStatus) -> Msg | None:
    """The paid add-on beyond extended support, named so nobody mistakes it for support."""
    if not status.legacy_end or status.on > status.legacy_end:
        return None
    until = f"{_iso(status.legacy_end)}{status.column_note('legacy_end')}"
    if status.legacy_name:
        return msg("{programme}, not counted here, runs until {date}",
                   programme=status.legacy_name, date=until)
    return msg("a paid add-on, not counted here, runs until {date}", date=until)


def describe(entry: EolEntry, status: SupportStatus) -> str:
    """One plain-English clause: "Ubuntu 12.04 has been unsupported since 2017-04-28"."""
    return msg("{product} {predicate}", product=entry.name, predicate=predicate(status))


def entry_evidence(entry: EolEntry) -> dict[str, Any]:
    """The table row behind a judgement, for a finding's evidence."""
    out: dict[str, Any] = {
        "product": entry.product, "cycle": entry.cycle, "codename": entry.codename or None,
        "approximate": entry.approximate, "note": entry.note or None,
        "table_date": TABLE_DATE.isoformat(), "sources": list(entry.sources),
    }
    if entry.data_source:
        out["generated_from"] = entry.data_source
        out["columns"] = dict(entry.columns)
    return out


TABLE_DATE: date = date.fromisoformat(str(_raw_table()["as_of"]))
"""The day the table was last checked against its sources."""
