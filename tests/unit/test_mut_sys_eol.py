"""The end-of-life table at its dates: each end date is the last day of its phase.

Debian 12 (distro-info-data): security support until 2026-07-11, Debian LTS until 2028-06-30,
Freexian's paid ELTS (shown, never counted) until 2033-06-30. Every phase is asserted on its
last day and the day after, with the sentence and the evidence a finding carries.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from checks.system import eol
from checks.system.eol import EolEntry, SupportPhase

DEB12_STD = "Debian 12 left standard support on 2026-07-11 (distro-info-data: eol)"
DEB12_LTS = "Debian LTS until 2028-06-30 (distro-info-data: eol-lts)"
DEB12_ELTS = ("Freexian's paid ELTS, not counted here, runs until 2033-06-30 "
              "(distro-info-data: eol-elts)")
DEB12_EOL = ("Debian 12 has been unsupported since 2026-07-11 (distro-info-data: eol) "
             "(Debian LTS ended 2028-06-30 (distro-info-data: eol-lts))")


def _deb12() -> EolEntry:
    entry = eol.lookup("debian", "12.7")
    assert entry is not None
    return entry


@pytest.mark.parametrize(("day", "phase", "text"), [
    (date(2026, 7, 10), SupportPhase.SUPPORTED,
     "Debian 12 is supported until 2026-07-11 (distro-info-data: eol)"),
    (date(2026, 7, 11), SupportPhase.SUPPORTED,
     "Debian 12 is supported until 2026-07-11 (distro-info-data: eol)"),
    (date(2026, 7, 12), SupportPhase.EXTENDED,
     f"{DEB12_STD} and gets security fixes only through {DEB12_LTS}; {DEB12_ELTS}"),
    (date(2028, 6, 30), SupportPhase.EXTENDED,
     f"{DEB12_STD} and gets security fixes only through {DEB12_LTS}; {DEB12_ELTS}"),
    (date(2028, 7, 1), SupportPhase.EOL, f"{DEB12_EOL}; {DEB12_ELTS}"),
    (date(2033, 6, 30), SupportPhase.EOL, f"{DEB12_EOL}; {DEB12_ELTS}"),   # ELTS's last day
    (date(2033, 7, 1), SupportPhase.EOL, DEB12_EOL),                       # ELTS over too
])
def test_debian_12_phase_boundaries(day: date, phase: SupportPhase, text: str) -> None:
    entry = _deb12()
    status = eol.support_status(entry, day)
    assert status.phase is phase
    assert eol.describe(entry, status) == text


def test_support_status_carries_the_entry_dates() -> None:
    entry = _deb12()
    status = eol.support_status(entry, date(2028, 7, 1))
    assert status == eol.SupportStatus(
        SupportPhase.EOL, date(2028, 7, 1), date(2026, 7, 11), date(2028, 6, 30), "Debian LTS",
        date(2033, 6, 30), "Freexian's paid ELTS",
        (("support_end", "eol"), ("extended_end", "eol-lts"), ("legacy_end", "eol-elts")),
        "distro-info-data 0.58+deb12u6, debian.csv")
    assert status.as_evidence() == {
        "phase": "eol", "on": "2028-07-01", "support_end": "2026-07-11",
        "extended_end": "2028-06-30", "extended_support": "Debian LTS",
        "legacy_end": "2033-06-30", "legacy_support": "Freexian's paid ELTS",
        "support_end_column": "eol", "extended_end_column": "eol-lts",
        "legacy_end_column": "eol-elts",
        "dates_from": "distro-info-data 0.58+deb12u6, debian.csv"}


def test_entry_evidence_of_a_generated_row() -> None:
    assert eol.entry_evidence(_deb12()) == {
        "product": "debian", "cycle": "12", "codename": "Bookworm", "approximate": False,
        "note": None, "table_date": eol.TABLE_DATE.isoformat(),
        "sources": ["distro-info-data (debian.csv), https://salsa.debian.org/debian/"
                    "distro-info-data", "https://wiki.debian.org/DebianReleases",
                    "https://wiki.debian.org/LTS"],
        "generated_from": "distro-info-data 0.58+deb12u6, debian.csv",
        "columns": {"support_end": "eol", "extended_end": "eol-lts", "legacy_end": "eol-elts"}}


def test_entry_evidence_of_a_hand_kept_row() -> None:
    entry = eol.lookup("rhel", "6")
    assert entry is not None
    evidence = eol.entry_evidence(entry)
    assert evidence["approximate"] is True
    assert evidence["note"] == ("Red Hat has offered further ELS extensions for RHEL 6; check "
                                "the vendor page.")
    assert evidence["codename"] is None
    assert "generated_from" not in evidence and "columns" not in evidence


def test_untracked_product() -> None:
    entry = eol.lookup("openssh", "9.2p1")
    assert entry is not None and entry.tracked is False
    status = eol.support_status(entry, date(2000, 1, 1))
    assert status.phase is SupportPhase.UNTRACKED
    assert eol.describe(entry, status) == ("OpenSSH 9.2 has no published end-of-life date, so "
                                           "its distribution's support applies")
    assert status.as_evidence() == {"phase": "untracked", "on": "2000-01-01",
                                    "support_end": None, "extended_end": None,
                                    "extended_support": None}


# ------------------------------------------------------------------ synthetic table rows
def _entry(**over: Any) -> EolEntry:
    fields: dict[str, Any] = {
        "product": "demo", "label": "Demo OS", "cycle": "3", "codename": "", "release": None,
        "support_end": date(2025, 1, 31), "extended_end": None, "extended_name": "",
        "approximate": False, "tracked": True, "note": "", "sources": ("https://example.org",)}
    fields.update(over)
    return EolEntry(**fields)


@pytest.mark.parametrize(("entry", "day", "text"), [
    (_entry(support_end=None), date(2099, 1, 1), "Demo OS 3 is supported (no end date announced)"),
    (_entry(), date(2025, 1, 31), "Demo OS 3 is supported until 2025-01-31"),
    (_entry(), date(2025, 2, 1), "Demo OS 3 has been unsupported since 2025-01-31"),
    (_entry(extended_end=date(2026, 1, 31), extended_name="Demo ESM"), date(2026, 1, 31),
     "Demo OS 3 left standard support on 2025-01-31 and gets security fixes only through "
     "Demo ESM until 2026-01-31"),
    (_entry(extended_end=date(2026, 1, 31), extended_name="Demo ESM"), date(2026, 2, 1),
     "Demo OS 3 has been unsupported since 2025-01-31 (Demo ESM ended 2026-01-31)"),
    (_entry(legacy_end=date(2027, 1, 1)), date(2027, 1, 1),
     "Demo OS 3 has been unsupported since 2025-01-31; a paid add-on, not counted here, runs "
     "until 2027-01-01"),
    (_entry(legacy_end=date(2027, 1, 1)), date(2027, 1, 2),
     "Demo OS 3 has been unsupported since 2025-01-31"),
    (_entry(legacy_end=date(2027, 1, 1), legacy_name="Demo Legacy"), date(2026, 1, 1),
     "Demo OS 3 has been unsupported since 2025-01-31; Demo Legacy, not counted here, runs "
     "until 2027-01-01"),
])
def test_predicate_forms(entry: EolEntry, day: date, text: str) -> None:
    assert eol.describe(entry, eol.support_status(entry, day)) == text


def test_evidence_without_columns_or_legacy() -> None:
    status = eol.support_status(_entry(), date(2025, 2, 1))
    assert status.as_evidence() == {"phase": "eol", "on": "2025-02-01",
                                    "support_end": "2025-01-31", "extended_end": None,
                                    "extended_support": None}
    assert status.column_note("support_end") == ""


def test_evidence_with_columns_but_no_data_source() -> None:
    status = eol.support_status(_entry(columns=(("support_end", "eol"),),
                                       legacy_end=date(2030, 1, 1)), date(2025, 2, 1))
    assert status.as_evidence() == {"phase": "eol", "on": "2025-02-01",
                                    "support_end": "2025-01-31", "extended_end": None,
                                    "extended_support": None, "legacy_end": "2030-01-01",
                                    "legacy_support": None, "support_end_column": "eol",
                                    "dates_from": None}


def test_column_of_a_field() -> None:
    entry = _entry(columns=(("support_end", "eol-server"),))
    assert entry.column("support_end") == "eol-server"
    assert entry.column("extended_end") == ""
    assert entry.name == "Demo OS 3"


def test_lookup_takes_the_first_of_equal_cycles(monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = _entry(cycle="12.04"), _entry(cycle="12.4")
    broad = _entry(cycle="12")
    monkeypatch.setattr(eol, "entries", lambda product: (broad, first, second))
    assert eol.lookup("demo", "12.4.1") is first
    monkeypatch.setattr(eol, "entries", lambda product: (first, broad))
    assert eol.lookup("demo", "12.04.5") is first
    assert eol.lookup("demo", "12.5") is broad
    assert eol.lookup("demo", "") is None


# ------------------------------------------------------------------------ reading a row
def test_row_with_every_field() -> None:
    info = {"label": "Demo OS", "extended_name": "Demo ESM", "sources": ["s1", "s2"],
            "legacy_name": "Demo Legacy", "distro_info": "demo.csv",
            "distro_info_version": "1.2", "publishes_eol": True}
    row = {"cycle": 3, "codename": "Tiny", "release": "2020-01-02", "support_end": "2025-01-31",
           "extended_end": "2026-01-31", "legacy_end": "2027-01-01", "approximate": True,
           "note": "a note", "columns": {"support_end": "eol", "extended_end": "eol-esm"}}
    assert eol._entry("demo", info, row) == EolEntry(
        "demo", "Demo OS", "3", "Tiny", date(2020, 1, 2), date(2025, 1, 31), date(2026, 1, 31),
        "Demo ESM", True, True, "a note", ("s1", "s2"), date(2027, 1, 1), "Demo Legacy",
        (("support_end", "eol"), ("extended_end", "eol-esm")), "distro-info-data 1.2, demo.csv")


def test_row_defaults() -> None:
    entry = eol._entry("demo", {"label": "Demo OS"}, {"cycle": "3", "support_end": ""})
    assert entry == EolEntry("demo", "Demo OS", "3", "", None, None, None, "", False, True, "",
                             (), None, "", (), "")


def test_row_of_a_product_without_dates() -> None:
    info = {"label": "Demo", "publishes_eol": False, "distro_info": "demo.csv"}
    entry = eol._entry("demo", info, {"cycle": "1", "columns": ["not", "a", "mapping"]})
    assert entry.tracked is False
    assert entry.columns == ()
    assert entry.data_source == "distro-info-data unknown version, demo.csv"


def test_unknown_product() -> None:
    assert eol.entries("no-such-product") == ()
    assert eol.product_policy("no-such-product") == ""
    assert eol.product_policy("debian").startswith("About 3 years of security support")
    assert "debian" in eol.products() and "no-such-product" not in eol.products()
