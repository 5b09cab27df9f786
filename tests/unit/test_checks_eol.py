"""The end-of-life table: lookups, phases, and the data file's integrity."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

import pytest

from checks.system import eol

SCAN_DAY = date(2026, 11, 25)


def test_table_is_dated() -> None:
    # A refresh moves the date forward; it must never be older than the checked-in table.
    assert date(2026, 11, 25) <= eol.TABLE_DATE


@pytest.mark.parametrize(("product", "version", "cycle"), [
    ("ubuntu", "12.04.4", "12.04"), ("ubuntu", "22.04", "22.04"), ("debian", "12.7", "12"),
    ("debian", "7.11", "7"), ("rhel", "7.9", "7"), ("apache", "2.4.62", "2.4"),
    ("apache", "2.2.22", "2.2"), ("mariadb", "10.11.6", "10.11"), ("mariadb", "10.1.48", "10.1"),
    ("openssl", "1.1.1w", "1.1.1"), ("openssl", "3.0.13", "3.0"), ("php", "8.2.24", "8.2"),
    ("mysql", "8.0.40", "8.0"), ("centos-stream", "9", "9"), ("openssh", "9.2p1", "9.2"),
])
def test_lookup_longest_matching_cycle(product: str, version: str, cycle: str) -> None:
    entry = eol.lookup(product, version)
    assert entry is not None and entry.cycle == cycle


@pytest.mark.parametrize(("product", "version"), [
    ("ubuntu", "12"), ("ubuntu", "11.05"), ("debian", "99"), ("nosuchos", "1.0"), ("rhel", ""),
])
def test_lookup_unknown(product: str, version: str) -> None:
    assert eol.lookup(product, version) is None


@pytest.mark.parametrize(("product", "version", "phase"), [
    ("ubuntu", "12.04", eol.SupportPhase.EOL),
    ("ubuntu", "20.04", eol.SupportPhase.EXTENDED),
    ("ubuntu", "22.04", eol.SupportPhase.SUPPORTED),
    ("debian", "12", eol.SupportPhase.EXTENDED),
    ("debian", "11", eol.SupportPhase.EOL),
    ("debian", "13", eol.SupportPhase.SUPPORTED),
    ("rhel", "7", eol.SupportPhase.EXTENDED),
    ("rhel", "9", eol.SupportPhase.SUPPORTED),
    ("centos", "7", eol.SupportPhase.EOL),
    ("apache", "2.2", eol.SupportPhase.EOL),
    ("apache", "2.4", eol.SupportPhase.SUPPORTED),
    ("openssl", "3.0", eol.SupportPhase.EOL),
    ("openssl", "3.5", eol.SupportPhase.SUPPORTED),
    ("mysql", "8.0", eol.SupportPhase.EOL),
    ("mysql", "8.4", eol.SupportPhase.SUPPORTED),
    ("openssh", "9.2", eol.SupportPhase.UNTRACKED),
])
def test_support_phase_on_scan_day(product: str, version: str, phase: eol.SupportPhase) -> None:
    entry = eol.lookup(product, version)
    assert entry is not None
    assert eol.support_status(entry, SCAN_DAY).phase is phase


def test_end_date_is_the_last_supported_day() -> None:
    entry = eol.lookup("debian", "12")
    assert entry is not None
    assert eol.support_status(entry, date(2026, 7, 11)).phase is eol.SupportPhase.SUPPORTED
    assert eol.support_status(entry, date(2026, 7, 12)).phase is eol.SupportPhase.EXTENDED
    assert eol.support_status(entry, date(2028, 7, 1)).phase is eol.SupportPhase.EOL


def test_debian_12_dates() -> None:
    entry = eol.lookup("debian", "12.7")
    assert entry is not None
    assert entry.support_end == date(2026, 7, 11)  # distro-info-data, column eol
    assert entry.extended_end == date(2028, 6, 30)
    assert entry.extended_name == "Debian LTS"
    assert entry.column("support_end") == "eol" and entry.column("extended_end") == "eol-lts"
    assert entry.legacy_end == date(2033, 6, 30) and entry.column("legacy_end") == "eol-elts"


def test_describe_mentions_dates() -> None:
    entry = eol.lookup("ubuntu", "12.04")
    assert entry is not None
    text = eol.describe(entry, eol.support_status(entry, SCAN_DAY))
    assert text.startswith("Ubuntu 12.04 has been unsupported since 2017-04-28")
    assert "2019-04-26" in text


def test_evidence_is_json() -> None:
    entry = eol.lookup("rhel", "7")
    assert entry is not None
    status = eol.support_status(entry, SCAN_DAY)
    json.dumps({**status.as_evidence(), **eol.entry_evidence(entry)})
    assert eol.entry_evidence(entry)["table_date"] == eol.TABLE_DATE.isoformat()


def test_data_file_integrity() -> None:
    raw = json.loads(resources.files("checks").joinpath("data", "eol.json").read_text("utf-8"))
    assert date.fromisoformat(raw["as_of"]) == eol.TABLE_DATE
    expected = {"ubuntu", "debian", "rhel", "centos", "centos-stream", "rocky", "almalinux",
                "apache", "openssh", "openssl", "mariadb", "mysql", "php"}
    assert expected <= set(raw["products"])
    for name, info in raw["products"].items():
        assert info["sources"] and info["label"], name
        cycles = [c["cycle"] for c in info["cycles"]]
        assert len(cycles) == len(set(cycles)), name
        for row in info["cycles"]:
            ends = [date.fromisoformat(row[k]) for k in ("support_end", "extended_end") if row[k]]
            assert ends == sorted(ends), (name, row["cycle"])


def test_every_product_has_entries() -> None:
    for product in eol.products():
        assert eol.entries(product)
        assert eol.product_policy(product)
