"""The local scan history: one SQLite file, one row per scan, for trends and "since last time".

Every ``posture scan`` (and ``posture evaluate``) stores its judged result; the report then
shows the last scans of the same organisation as a trend line and lists what changed since the
previous scan. Every recorded scan is a row of its own (a random id, plain INSERTs, WAL mode
and a busy timeout), so concurrent scans are all kept; a replay of stored facts shows in the
trend once.

The path comes from ``--history PATH``, else ``$POSTURE_HISTORY``, else
``$XDG_DATA_HOME/posture/history.sqlite`` (``~/.local/share/...``); ``--no-history`` (or
``POSTURE_HISTORY=off``) turns it off. The file is created 0600 in a 0700 folder: it holds
the same data as ``report.json``, which may name hosts and weaknesses.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from posture.errors import PostureError
from posture.models import ScanResult
from posture.store.diff import Changes, compare
from posture.store.results import ReportFormatError, result_bytes, result_from_json

if TYPE_CHECKING:  # sqlite3 is imported when a history is opened: --no-history never loads it
    import sqlite3

DEFAULT_KEEP = 12
"""Points shown in the report's trend line."""

OFF = "off"
"""``POSTURE_HISTORY=off`` disables the history."""

# One row per recorded scan under a random id: concurrent scans that start in the same second
# (CI jobs of one organisation) are all kept. WAL lets readers and one writer work at once;
# the busy timeout makes concurrent writers wait instead of failing.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS scan_log (
    id TEXT PRIMARY KEY,
    organisation TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    recorded_at REAL NOT NULL,
    inventory_sha256 TEXT NOT NULL,
    facts_sha256 TEXT NOT NULL,
    score REAL NOT NULL,
    grade TEXT NOT NULL,
    coverage REAL NOT NULL,
    report TEXT NOT NULL
)
"""
_INDEX = "CREATE INDEX IF NOT EXISTS scan_log_org ON scan_log (organisation, started_at)"
# Histories written by earlier versions kept one row per (organisation, start) in "scans".
_MIGRATE = """
INSERT OR IGNORE INTO scan_log
SELECT lower(hex(randomblob(16))), organisation, started_at, finished_at, 0, inventory_sha256,
       '', score, grade, coverage, report FROM scans
"""
BUSY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class ReportHistory:
    """History context for the HTML report (empty when the history is off or new)."""

    trend: tuple[TrendPoint, ...] = ()  # oldest first; the last point is this scan
    changes: Changes | None = None  # against the previous scan, None when there is none
    previous_started_at: str = ""


class HistoryError(PostureError):
    """The history file cannot be opened or written."""


@dataclass(frozen=True)
class TrendPoint:
    """One past (or the current) scan as the trend line shows it."""

    started_at: str
    score: float
    grade: str
    coverage: float


def default_path() -> Path | None:
    """The history file to use when ``--history`` is not given; None when turned off."""
    configured = os.environ.get("POSTURE_HISTORY", "")
    if configured.lower() == OFF:
        return None
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "posture" / "history.sqlite"


class History:
    """A scan history in one SQLite file."""

    def __init__(self, path: Path) -> None:
        """Open (and create) the history at ``path``."""
        self.path = path

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        import sqlite3

        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not self.path.exists():
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"history {self.path}: cannot open ({exc})") from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            with contextlib.suppress(sqlite3.OperationalError):
                # Persistent once set; a writer racing another one to set it may find the
                # file busy: the busy timeout covers every statement after this one.
                conn.execute("PRAGMA journal_mode = WAL")
            with conn:
                self._ensure_schema(conn)
                yield conn
        except sqlite3.Error as exc:
            raise HistoryError(f"history {self.path}: {exc}") from None
        finally:
            conn.close()

    @staticmethod
    def _ensure_schema(conn: sqlite3.Connection) -> None:
        conn.execute(_SCHEMA)
        conn.execute(_INDEX)
        old = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'scans'"
                           ).fetchone()
        if old:
            conn.execute(_MIGRATE)
            conn.execute("DROP TABLE scans")

    def record(self, result: ScanResult) -> str:
        """Store ``result`` as a new row (never replacing one); returns the row's id."""
        scan_id = secrets.token_hex(16)
        row = (scan_id, result.organisation, result.started_at, result.finished_at,
               time.time(), result.inventory_sha256, result.facts_sha256, result.score.value,
               result.score.grade, result.score.coverage, result_bytes(result).decode("utf-8"))
        with self._db() as db:
            db.execute("INSERT INTO scan_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        return scan_id

    def count(self, organisation: str) -> int:
        """How many scans of ``organisation`` are stored."""
        with self._db() as db:
            row = db.execute("SELECT count(*) FROM scan_log WHERE organisation = ?",
                             (organisation,)).fetchone()
        return int(row[0])

    def trend(self, organisation: str, limit: int = DEFAULT_KEEP) -> list[TrendPoint]:
        """The last ``limit`` scans of ``organisation``, oldest first.

        A replay of stored facts (``posture evaluate``) has the same start and facts as the
        scan it replays: the trend shows such a pair once, as judged most recently.
        """
        with self._db() as db:
            rows = db.execute(
                "SELECT started_at, score, grade, coverage, facts_sha256 FROM scan_log "
                "WHERE organisation = ? ORDER BY started_at DESC, recorded_at DESC LIMIT ?",
                (organisation, limit * 4)).fetchall()
        seen: set[tuple[str, str]] = set()
        points: list[TrendPoint] = []
        for started, score, grade, coverage, facts in rows:
            key = (str(started), str(facts) or secrets.token_hex(8))
            if key in seen:
                continue
            seen.add(key)
            points.append(TrendPoint(str(started), float(score), str(grade), float(coverage)))
        return points[:limit][::-1]

    def previous(self, result: ScanResult) -> ScanResult | None:
        """The latest stored scan of the same organisation that started before ``result``."""
        with self._db() as db:
            row = db.execute(
                "SELECT report FROM scan_log WHERE organisation = ? AND started_at < ? "
                "ORDER BY started_at DESC, recorded_at DESC LIMIT 1",
                (result.organisation, result.started_at)).fetchone()
        if row is None:
            return None
        try:
            return result_from_json(json.loads(row[0]))
        except (ValueError, ReportFormatError):
            return None  # a row written by an incompatible version: no comparison


def trend_with(points: list[TrendPoint], result: ScanResult,
               limit: int = DEFAULT_KEEP) -> list[TrendPoint]:
    """``points`` with ``result`` as the last point (replacing a stored copy of it)."""
    current = TrendPoint(result.started_at, result.score.value, result.score.grade,
                         result.score.coverage)
    earlier = [p for p in points if p.started_at < result.started_at]
    return [*earlier, current][-limit:]


def resolve_path(option: str | None, disabled: bool) -> Path | None:
    """The history file from ``--history``/``--no-history``, else :func:`default_path`."""
    if disabled:
        return None
    if option:
        return Path(option).expanduser()
    return default_path()


def report_history(path: Path | None, result: ScanResult) -> ReportHistory:
    """Read the trend and the previous scan for the report, then store ``result``.

    Reading happens before writing, so "previous" is never the scan itself.
    """
    if path is None:
        return ReportHistory()
    store = History(path)
    previous = store.previous(result)
    points = store.trend(result.organisation)
    store.record(result)
    return ReportHistory(
        trend=tuple(trend_with(points, result)),
        changes=compare(previous, result) if previous is not None else None,
        previous_started_at=previous.started_at if previous is not None else "",
    )
