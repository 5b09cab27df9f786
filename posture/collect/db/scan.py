"""Scan a database for personal data: candidate columns, a bounded sample, counts per label.

Sampled values exist only inside :func:`_sample_table` while they are being labelled; what
leaves is a count per label and per reason code for each column. Names of tables and columns
come from the target, so they are bounded and made printable before they enter a fact.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from posture.collect.db.piicolumns import SAMPLED_TYPES, TEXT_TYPES, kind_by_content, kind_by_name
from posture.collect.db.piirules import DECISIVE, Label, classify
from posture.collect.db.session import DbSession, quote_ident
from posture.collect.types import ProbeError
from posture.models import JSON, FactStatus

SAMPLE_ROWS = 2000  # rows sampled per table
MAX_TABLES = 300  # tables looked at per database
MAX_COLUMNS = 48  # columns sampled per table (named candidates first)
VALUE_CHARS = 256  # longest part of a value fetched for labelling
MAX_NAME = 64  # the longest identifier MySQL and MariaDB accept (data types are shorter)


def printable(name: str, limit: int = 64) -> str:
    """A table or column name safe to show: printable characters only, bounded."""
    return "".join(c if c.isprintable() else "?" for c in str(name))[:limit]


@dataclass
class Column:
    """One sampled column and what its values looked like."""

    table: str
    name: str
    data_type: str
    kind: str | None
    found_by: str  # name | content
    labels: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)

    def as_fact(self) -> dict[str, JSON]:
        """Counts only: what a report may show."""
        sampled = sum(self.labels.values())
        present = sampled - self.labels[Label.EMPTY]
        real = self.labels[Label.REAL_LOOKING]
        return {
            "table": printable(self.table), "column": printable(self.name),
            "kind": self.kind, "found_by": self.found_by, "decisive": self.kind in DECISIVE,
            "sampled": sampled, "non_empty": present,
            **{label.value: self.labels[label] for label in Label},
            "real_share": round(real / present, 4) if present else 0.0,
            "reasons": dict(sorted(self.reasons.items())),
        }


# PostgreSQL type names (pg_type.typname) as the MySQL names the column rules use.
PG_TYPES = {"varchar": "varchar", "bpchar": "char", "text": "text", "citext": "text",
            "name": "varchar", "inet": "varchar", "cidr": "varchar", "int2": "int",
            "int4": "int", "int8": "bigint", "numeric": "decimal", "date": "date",
            "timestamp": "timestamp", "timestamptz": "timestamp"}


def pg_table_columns(session: DbSession) -> dict[str, list[tuple[str, str]]]:
    """PostgreSQL: ordinary and partitioned tables of every schema but the system ones.

    A table of ``public`` is shown by its name, others as ``schema.table``; the session
    keeps the quoted reference of each (``table_ref``).
    """
    from posture.collect.db.pgsession import PgSession, quote_pg  # registered engine module

    rows = session.query(
        "SELECT n.nspname, c.relname, a.attname, t.typname FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 "
        "AND NOT a.attisdropped JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
        "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
        "AND n.nspname NOT IN ('pg_catalog', "
        "'information_schema') AND n.nspname !~ '^pg_' "
        "ORDER BY n.nspname, c.relname, a.attnum",
        max_rows=50000)
    tables: dict[str, list[tuple[str, str]]] = {}
    refs: dict[str, str] = {}
    for schema, table, column, type_name in rows:
        if max(len(str(schema)), len(str(table)), len(str(column))) > MAX_NAME:
            raise ProbeError(FactStatus.ERROR, f"{session.name}: the server listed a name "
                                               f"longer than {MAX_NAME} characters")
        shown = str(table) if schema == "public" else f"{schema}.{table}"
        refs[shown] = f"{quote_pg(str(schema))}.{quote_pg(str(table))}"
        tables.setdefault(shown, []).append(
            (str(column), PG_TYPES.get(str(type_name), str(type_name)[:MAX_NAME])))
    if isinstance(session, PgSession):
        session.refs.update(refs)
    return tables


def table_columns(session: DbSession) -> dict[str, list[tuple[str, str]]]:
    """Table -> [(column, data type)] of the base tables of the session's database."""
    if session.dialect == "postgresql":
        return pg_table_columns(session)
    rows = session.query(
        "SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE FROM information_schema.COLUMNS c "
        "JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA "
        "AND t.TABLE_NAME = c.TABLE_NAME WHERE c.TABLE_SCHEMA = DATABASE() "
        "AND t.TABLE_TYPE = 'BASE TABLE' ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION",
        max_rows=50000)
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        if max(len(str(table)), len(str(column)), len(str(data_type))) > MAX_NAME:
            # Longer than MySQL/MariaDB allow: a hostile peer, whose names would be sent
            # back inside every sampling query.
            raise ProbeError(FactStatus.ERROR, f"{session.name}: the server listed a name "
                                               f"longer than {MAX_NAME} characters")
        tables.setdefault(str(table), []).append((str(column), str(data_type).lower()))
    return tables


def candidates(columns: Sequence[tuple[str, str]]) -> list[tuple[str, str, str | None]]:
    """(column, type, kind by name) to sample: named candidates, then unnamed text columns."""
    named = [(c, t, kind_by_name(c)) for c, t in columns
             if t in SAMPLED_TYPES and kind_by_name(c)]
    unnamed = [(c, t, None) for c, t in columns if t in TEXT_TYPES and not kind_by_name(c)]
    return (named + unnamed)[:MAX_COLUMNS]


def _sample_table(session: DbSession, table: str,
                  picked: list[tuple[str, str, str | None]]) -> list[Column]:
    if session.dialect == "postgresql":
        from posture.collect.db.pgsession import quote_pg

        fields = ", ".join(f"LEFT({quote_pg(c)}::text, {VALUE_CHARS})" for c, _t, _k in picked)
    else:
        fields = ", ".join(f"LEFT({quote_ident(c)}, {VALUE_CHARS})" for c, _t, _k in picked)
    sql = f"SELECT {fields} FROM {session.table_ref(table)} LIMIT {SAMPLE_ROWS}"  # noqa: S608
    rows = session.query(sql, max_rows=SAMPLE_ROWS)  # identifiers went through quote_ident
    found: list[Column] = []
    for index, (name, data_type, kind) in enumerate(picked):
        values = [row[index] for row in rows]
        by = "name"
        if kind is None:
            kind, by = kind_by_content(values), "content"
            if kind is None:
                continue
        column = Column(table, name, data_type, kind, by)
        for value in values:
            label, reason = classify(kind, value)
            column.labels[label] += 1
            column.reasons[reason] += 1
        found.append(column)
    return found


def scan(session: DbSession, deadline: float) -> dict[str, JSON]:
    """Scan every base table of the session's database within ``deadline`` (monotonic)."""
    started = time.monotonic()
    tables = table_columns(session)
    columns: list[Column] = []
    scanned = 0
    truncated = len(tables) > MAX_TABLES
    for table, columns_of_table in list(tables.items())[:MAX_TABLES]:
        if time.monotonic() > deadline:
            truncated = True
            break
        picked = candidates(columns_of_table)
        if picked:
            columns.extend(_sample_table(session, table, picked))
        scanned += 1
    facts = [c.as_fact() for c in columns]
    return {
        "engine": session.engine, "server": printable(session.server_version, 80),
        "sample_rows_per_table": SAMPLE_ROWS, "tables_total": len(tables),
        "tables_scanned": scanned, "truncated": truncated,
        "columns": facts, "seconds": round(time.monotonic() - started, 3),
    }
