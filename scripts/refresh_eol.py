"""Refresh checks/data/eol.json: Debian and Ubuntu from distro-info-data, the rest from
the endoflife.date API.

    python scripts/refresh_eol.py --dry-run      # show what would change
    python scripts/refresh_eol.py                # rewrite the table, dated today
    python scripts/refresh_eol.py --no-api       # only the distro-info-data products (offline)

Products with a ``distro_info`` file name (debian.csv, ubuntu.csv) are generated from
Debian's distro-info-data package (``--distro-info DIR``, default /usr/share/distro-info):
every released cycle, each date with the CSV column it comes from (see ``DISTRO_COLUMNS``).

For every product with an ``endoflife_api`` name, each cycle is fetched from
https://endoflife.date/api/<name>.json and mapped: ``releaseDate`` -> release, ``eol`` ->
support_end, ``extendedSupport`` -> extended_end, ``latest`` -> latest. Codenames and notes
already in the table are kept, as are rows the API no longer lists; cycles older than the
table's oldest are not added. Products without an API name (OpenSSH) are left as they are.
Review the diff before committing: the table is evidence in reports.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import requests

API = "https://endoflife.date/api/{name}.json"
DISTRO_INFO = Path("/usr/share/distro-info")
# Table field -> the distro-info-data columns it is read from, first non-empty wins. Ubuntu's
# eol-server (older LTS releases: five years for servers, three for desktops) comes before eol
# because posture audits servers. The legacy columns (Freexian ELTS, Canonical Legacy) are
# paid add-ons: recorded and named in findings, never counted as support.
DISTRO_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "debian.csv": {"support_end": ("eol",), "extended_end": ("eol-lts",),
                   "legacy_end": ("eol-elts",)},
    "ubuntu.csv": {"support_end": ("eol-server", "eol"), "extended_end": ("eol-esm",),
                   "legacy_end": ("eol-legacy",)},
}
TABLE = Path(__file__).resolve().parents[1] / "checks" / "data" / "eol.json"
TIMEOUT_S = 30
Row = dict[str, Any]
Fetch = Callable[[str], list[Row]]


def fetch_with(session: requests.Session) -> Fetch:
    """A fetcher that reads one product's cycles from the API."""

    def fetch(name: str) -> list[Row]:
        response = session.get(API.format(name=name), timeout=TIMEOUT_S)
        response.raise_for_status()
        data = response.json()
        if not isinstance(data, list):
            raise ValueError(f"{name}: expected a JSON list, got {type(data).__name__}")
        return [row for row in data if isinstance(row, dict) and row.get("cycle")]

    return fetch


def _is_date(value: Any) -> bool:
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _when(value: Any, previous: Any, as_of: str) -> tuple[str | None, bool]:
    """Map an API date field to (date or None, approximate).

    The API gives a date, ``false`` (no end yet / no such phase) or ``true`` (ended, date
    unknown); for ``true`` the known date is kept, else "by the refresh date" is recorded as
    approximate.
    """
    if isinstance(value, str) and _is_date(value):
        return value, False
    if value is True:
        return (str(previous), False) if previous else (as_of, True)
    return None, False


def merge_cycle(api: Row, old: Row | None, as_of: str) -> Row:
    """One table row from an API row, keeping what only the table knows (codename, note)."""
    old = old or {}
    support_end, approx_support = _when(api.get("eol"), old.get("support_end"), as_of)
    extended_end, approx_ext = _when(api.get("extendedSupport"), old.get("extended_end"), as_of)
    row: Row = {"cycle": str(api["cycle"])}
    codename = api.get("codename") or old.get("codename")
    if codename:
        row["codename"] = str(codename)
    release = api.get("releaseDate") if _is_date(api.get("releaseDate")) else old.get("release")
    row.update({"release": release, "support_end": support_end, "extended_end": extended_end})
    if api.get("latest"):
        row["latest"] = str(api["latest"])
    if approx_support or approx_ext:
        row["approximate"] = True
    if old.get("note"):
        row["note"] = old["note"]
    return row


def refresh_product(info: Row, rows: list[Row], as_of: str) -> Row:
    """The product entry with its cycles replaced by the API's (known and newer ones)."""
    old = {str(c["cycle"]): c for c in info["cycles"]}
    oldest = min((str(c["release"]) for c in info["cycles"] if c.get("release")), default="")
    cycles = [merge_cycle(row, old.get(str(row["cycle"])), as_of) for row in rows
              if str(row["cycle"]) in old or str(row.get("releaseDate") or "") >= oldest]
    fetched = {c["cycle"] for c in cycles}
    cycles += [row for cycle, row in old.items() if cycle not in fetched]  # never lose a row
    cycles.sort(key=lambda c: [int(p) if p.isdigit() else 0 for p in c["cycle"].split(".")])
    return {**info, "cycles": cycles}


def distro_info_cycles(file_name: str, text: str, old: list[Row] | None = None) -> list[Row]:
    """The released cycles of one distro-info-data CSV as table rows, newest last.

    Each row keeps its dates' column names under ``columns``; ``latest`` (the last point
    release, which the CSV does not give) is kept from the old table.
    """
    mapping = DISTRO_COLUMNS[file_name]
    kept = {str(r["cycle"]): r for r in old or ()}
    rows: list[Row] = []
    for record in csv.DictReader(io.StringIO(text)):
        cycle = (record.get("version") or "").removesuffix(" LTS").strip()
        if not cycle or not _is_date(record.get("release")):
            continue  # sid/experimental, or not released yet
        row: Row = {"cycle": cycle, "codename": record.get("codename") or "",
                    "release": record["release"]}
        columns: dict[str, str] = {}
        for field, candidates in mapping.items():
            column = next((c for c in candidates if _is_date(record.get(c))), None)
            row[field] = record[column] if column else None
            if column:
                columns[field] = column
        row["columns"] = columns
        if kept.get(cycle, {}).get("latest"):
            row["latest"] = kept[cycle]["latest"]
        rows.append(row)
    if not rows:
        raise ValueError(f"{file_name}: no released cycle found")
    return rows


def refresh_distro_info(info: Row, directory: Path, version: str) -> Row:
    """The product entry regenerated from ``directory/<distro_info>``."""
    name = str(info["distro_info"])
    text = (directory / name).read_text(encoding="utf-8")
    cycles = distro_info_cycles(name, text, info.get("cycles"))
    return {**info, "distro_info_version": version, "cycles": cycles}


def installed_distro_info_version() -> str:
    """The installed distro-info-data package version ("" when dpkg cannot tell)."""
    try:
        done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "distro-info-data"],
                              capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def refresh(table: Row, fetch: Fetch | None, as_of: str, *, distro_info: Path = DISTRO_INFO,
            distro_info_version: str = "") -> tuple[Row, list[str]]:
    """The refreshed table and the products that could not be refreshed (kept unchanged).

    ``fetch`` None leaves the endoflife.date products as they are (offline refresh).
    """
    products: Row = {}
    failed: list[str] = []
    for key, info in table["products"].items():
        if info.get("distro_info"):
            try:
                products[key] = refresh_distro_info(info, distro_info, distro_info_version)
            except (OSError, ValueError, KeyError) as exc:
                print(f"{key}: kept unchanged ({exc})", file=sys.stderr)
                products[key], failed = info, [*failed, key]
            continue
        name = info.get("endoflife_api")
        if not name or fetch is None:
            products[key] = info
            continue
        try:
            products[key] = refresh_product(info, fetch(str(name)), as_of)
        except (requests.RequestException, ValueError, KeyError) as exc:
            print(f"{key}: kept unchanged ({exc})", file=sys.stderr)
            products[key], failed = info, [*failed, key]
    return {**table, "as_of": as_of, "products": products}, failed


def render(table: Row) -> str:
    """The table as JSON with one cycle per line, as the checked-in file is laid out."""
    lines = ["{"]
    head = [(k, v) for k, v in table.items() if k != "products"]
    lines += [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head]
    lines.append('  "products": {')
    for p_index, (key, info) in enumerate(table["products"].items()):
        lines.append(f"    {json.dumps(key)}: {{")
        lines += [f"      {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},"
                  for k, v in info.items() if k != "cycles"]
        lines.append('      "cycles": [')
        rows = [f"        {json.dumps(c, ensure_ascii=False)}" for c in info["cycles"]]
        lines.append(",\n".join(rows))
        lines.append("      ]")
        lines.append("    }" + ("," if p_index < len(table["products"]) - 1 else ""))
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    # Write beside the target and rename, so a failed run never leaves half a table.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".eol-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    """Fetch, merge, and write (or with --dry-run, print the diff). Exit 1 if a fetch failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dry-run", action="store_true", help="print a diff, write nothing")
    parser.add_argument("--as-of", default=date.today().isoformat(), help="table date")
    parser.add_argument("--table", type=Path, default=TABLE, help="the JSON file to refresh")
    parser.add_argument("--distro-info", type=Path, default=DISTRO_INFO,
                        help="folder with distro-info-data's debian.csv and ubuntu.csv")
    parser.add_argument("--distro-info-version", default="",
                        help="version of that data (default: the installed package's)")
    parser.add_argument("--no-api", action="store_true",
                        help="refresh only the distro-info-data products (no network)")
    args = parser.parse_args(argv)
    before = args.table.read_text(encoding="utf-8")
    version = args.distro_info_version or installed_distro_info_version() or "unknown"
    with requests.Session() as session:
        session.headers["User-Agent"] = "posture-refresh-eol (+https://endoflife.date/docs/api)"
        table, failed = refresh(json.loads(before), None if args.no_api else fetch_with(session),
                                args.as_of, distro_info=args.distro_info,
                                distro_info_version=version)
    after = render(table)
    if args.dry_run:
        sys.stdout.writelines(difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True),
            fromfile=str(args.table), tofile=f"{args.table} (refreshed)"))
    else:
        _write(args.table, after)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
