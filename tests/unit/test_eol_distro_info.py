"""Debian and Ubuntu end-of-life dates come from distro-info-data, each with its column.

The comparison with the installed package parses the CSVs here, independently of the
refresh script, so a mapping mistake in the script cannot hide behind itself.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import os
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from checks.system import eol

INSTALLED = Path("/usr/share/distro-info")
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "refresh_eol.py"
# Which columns stand for which table field, written out again on purpose (see above).
FIELDS = {
    "debian": {"support_end": ("eol",), "extended_end": ("eol-lts",), "legacy_end": ("eol-elts",)},
    "ubuntu": {"support_end": ("eol-server", "eol"), "extended_end": ("eol-esm",),
               "legacy_end": ("eol-legacy",)},
}


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_eol", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _released(product: str) -> list[dict[str, str]]:
    text = (INSTALLED / f"{product}.csv").read_text(encoding="utf-8")
    return [r for r in csv.DictReader(io.StringIO(text)) if r["version"] and r.get("release")]


def _require_installed(product: str) -> None:
    """Skip where distro-info-data is absent, except in CI, where the comparison must run."""
    if (INSTALLED / f"{product}.csv").is_file():
        return
    reason = f"distro-info-data is not installed ({INSTALLED}/{product}.csv)"
    if os.environ.get("CI") or os.environ.get("POSTURE_REQUIRE_LAB"):
        pytest.fail(f"{reason}; scripts/setup.sh installs it")
    pytest.skip(reason)


@pytest.mark.parametrize("product", ["debian", "ubuntu"])
def test_every_cycle_agrees_with_the_installed_distro_info_data(product: str) -> None:
    _require_installed(product)
    rows = _released(product)
    table = {e.cycle: e for e in eol.entries(product)}
    wrong: list[str] = []
    for row in rows:
        cycle = row["version"].removesuffix(" LTS")
        entry = table.get(cycle)
        if entry is None:
            wrong.append(f"{cycle}: missing from the table")
            continue
        if entry.release != _day(row["release"]):
            wrong.append(f"{cycle}: release {entry.release} != {row['release']}")
        for field, columns in FIELDS[product].items():
            column = next((c for c in columns if row.get(c)), "")
            got = getattr(entry, field)
            if got != _day(row.get(column) if column else None):
                wrong.append(f"{cycle}: {field} {got} != {column} {row.get(column)}")
            if entry.column(field) != column:
                wrong.append(f"{cycle}: {field} column {entry.column(field)!r} != {column!r}")
    extra = set(table) - {r["version"].removesuffix(" LTS") for r in rows}
    wrong += [f"{cycle}: in the table, not in distro-info-data" for cycle in sorted(extra)]
    assert not wrong, f"{len(wrong)} disagreement(s); run scripts/refresh_eol.py: {wrong[:10]}"


def test_the_dates_the_hand_written_table_had_wrong() -> None:
    def entry(product: str, cycle: str) -> eol.EolEntry:
        found = eol.lookup(product, cycle)
        assert found is not None
        return found

    assert entry("debian", "12").support_end == date(2026, 7, 11)
    assert entry("ubuntu", "22.04").support_end == date(2027, 6, 1)
    noble = entry("ubuntu", "24.04")
    assert noble.extended_end == date(2034, 4, 25)  # ESM, not the Legacy add-on's date
    assert noble.legacy_end == date(2036, 4, 29) and noble.column("legacy_end") == "eol-legacy"
    status = eol.support_status(entry("ubuntu", "16.04"), date(2026, 11, 25))
    assert status.phase is eol.SupportPhase.EOL  # the paid Legacy add-on is not support
    assert "not counted here" in eol.predicate(status)


def test_findings_name_the_column_and_the_data_version() -> None:
    entry = eol.lookup("ubuntu", "20.04.6")
    assert entry is not None
    status = eol.support_status(entry, date(2026, 11, 25))
    evidence = status.as_evidence()
    assert evidence["support_end_column"] == "eol-server"
    assert evidence["extended_end_column"] == "eol-esm"
    assert str(evidence["dates_from"]).startswith("distro-info-data ")
    assert "(distro-info-data: eol-esm)" in eol.predicate(status)
    assert eol.entry_evidence(entry)["columns"]["support_end"] == "eol-server"
    rhel = eol.lookup("rhel", "9")
    assert rhel is not None and "columns" not in eol.entry_evidence(rhel)


SAMPLE = """\
version,codename,series,created,release,eol,eol-server,eol-esm,eol-legacy
10.04 LTS,Lucid Lynx,lucid,2009-10-29,2010-04-29,2013-05-09,2015-04-30
14.04 LTS,Trusty Tahr,trusty,2013-10-17,2014-04-17,2019-04-25,2019-04-25,2024-04-25,2026-04-28
14.10,Utopic Unicorn,utopic,2014-04-17,2014-10-23,2015-07-23
99.04,Future Fox,future,2098-10-10
"""


def test_the_refresh_script_maps_each_column() -> None:
    rows = _script().distro_info_cycles("ubuntu.csv", SAMPLE, [{"cycle": "14.04",
                                                                "latest": "14.04.6"}])
    assert [r["cycle"] for r in rows] == ["10.04", "14.04", "14.10"]  # unreleased left out
    lucid, trusty, utopic = rows
    assert (lucid["support_end"], lucid["columns"]) == ("2015-04-30",
                                                        {"support_end": "eol-server"})
    assert trusty["extended_end"] == "2024-04-25" and trusty["legacy_end"] == "2026-04-28"
    assert trusty["columns"] == {"support_end": "eol-server", "extended_end": "eol-esm",
                                 "legacy_end": "eol-legacy"}
    assert trusty["latest"] == "14.04.6"
    assert (utopic["support_end"], utopic["extended_end"]) == ("2015-07-23", None)


def test_the_refresh_script_reproduces_the_shipped_rows(tmp_path: Path) -> None:
    _require_installed("debian")
    script = _script()
    table = script.json.loads(script.TABLE.read_text(encoding="utf-8"))
    refreshed, failed = script.refresh(table, None, table["as_of"], distro_info=INSTALLED,
                                       distro_info_version=table["products"]["debian"]
                                       ["distro_info_version"])
    assert not failed
    assert script.render(refreshed) == script.TABLE.read_text(encoding="utf-8")
