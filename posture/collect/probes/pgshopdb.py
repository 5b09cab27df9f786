"""The shop data probes (``db.retention``, ``db.card_numbers``, ``db.newsletter``) on PostgreSQL.

Same facts as :mod:`posture.collect.probes.shopdb`, computed by the server: counts, ages in
days and column defaults, never a row's value. Tables are found by the application's names
(``expect.table_prefix`` + ``customer``/``order``) in any non-system schema, creation dates
by common column names; where a schema has none of them the value says
``not_applicable`` with the reason, which the checks report as such.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from posture.collect.db.pgsession import quote_pg
from posture.collect.db.piicolumns import TEXT_TYPES
from posture.collect.db.scan import table_columns
from posture.collect.db.session import DbSession
from posture.models import JSON

CARD_ROW_CAP = 100_000
MAX_COLUMNS = 300
DATE_COLUMNS = ("date_added", "created_at", "created", "date_joined", "inserted_at",
                "created_on", "creation_date", "date_created")
DATE_TYPES = ("date", "timestamp")
# Luhn, computed by the server: digit i from the right, doubled when i is even. Only quoted
# identifiers and integer constants are put in; no % (the driver's placeholder sign).
_DIGIT = "substr(v, length(v) - i + 1, 1)::int"
_LUHN = f"""
SELECT COUNT(*), COUNT(DISTINCT v) FROM (
  SELECT v FROM (
    SELECT substring(regexp_replace(@col::text, '[ -]', '', 'g') from '[2-6][0-9]{{12,18}}') v
    FROM @table WHERE @col::text ~ '[0-9][0-9 -]{{11,}}[0-9]' LIMIT {CARD_ROW_CAP}) c
  WHERE v IS NOT NULL AND mod((SELECT SUM(CASE WHEN mod(i, 2) = 0
      THEN (2 * {_DIGIT}) / 10 + mod(2 * {_DIGIT}, 10) ELSE {_DIGIT} END)
    FROM generate_series(1, length(v)) i), 10) = 0) hits
"""  # noqa: S608


def _int(value: object) -> int:
    return int(str(value)) if value is not None else 0


def _find(tables: dict[str, list[tuple[str, str]]], name: str) -> str | None:
    """The table called ``name`` (``public`` first, then any schema)."""
    if name in tables:
        return name
    return next((t for t in tables if t.split(".", 1)[-1] == name), None)


def retention(session: DbSession, prefix: str, periods: Sequence[int]) -> JSON:
    """Row counts, oldest age in days and rows older than each period."""
    tables = table_columns(session)
    found: dict[str, JSON] = {}
    for name in ("customer", "order"):
        table = _find(tables, prefix + name)
        if table is None:
            continue
        types = dict(tables[table])
        column = next((c for c in DATE_COLUMNS if types.get(c) in DATE_TYPES), None)
        if column is None:
            continue
        col = quote_pg(column)
        older = "".join(f", COUNT(*) FILTER (WHERE {col} < now() - make_interval(days => "
                        f"{int(p)}))" for p in periods)
        row = session.query(f"SELECT COUNT(*), CURRENT_DATE - MIN({col})::date{older} "  # noqa: S608 - quoted, ints
                            f"FROM {session.table_ref(table)}")[0]
        found[name] = {"rows": _int(row[0]), "date_column": column,
                       "oldest_age_days": None if row[1] is None else _int(row[1]),
                       "older_than": {str(p): _int(v) for p, v in zip(periods, row[2:],
                                                                       strict=True)}}
    if not found:
        return {"table_prefix": prefix, "tables": {}, "not_applicable":
                f"no {prefix}customer or {prefix}order table with a creation-date column "
                f"({', '.join(DATE_COLUMNS[:4])}, ...) in this PostgreSQL schema"}
    return {"table_prefix": prefix, "tables": found}


def _luhn_sql(column: str, table: str) -> str:
    """The Luhn query for one column; one pass, so a quoted name holding ``@table`` is not
    substituted again."""
    names = {"col": column, "table": table}
    return re.sub(r"@(col|table)", lambda m: names[m[1]], _LUHN)


def card_numbers(session: DbSession, deadline_share: float, remaining: float) -> JSON:
    """Per text column: values holding a Luhn-valid card number, counted by the server."""
    columns = [(t, c) for t, cols in table_columns(session).items() for c, kind in cols
               if kind in TEXT_TYPES]
    deadline = time.monotonic() + remaining * deadline_share
    hits: list[JSON] = []
    scanned = 0
    for table, column in columns[:MAX_COLUMNS]:
        if time.monotonic() > deadline:
            break
        sql = _luhn_sql(quote_pg(column), session.table_ref(table))
        rows, distinct = session.query(sql)[0]
        scanned += 1
        if rows:
            hits.append({"table": table[:64], "column": column[:64], "rows": _int(rows),
                         "distinct": _int(distinct)})
    return {"columns": len(columns), "columns_scanned": scanned,
            "complete": scanned == len(columns), "hits": hits[:100]}


def _default(expression: object) -> str | None:
    """A column default as MySQL shows it: ``'0'::smallint`` -> 0, false -> 0, true -> 1."""
    if expression is None:
        return None
    text = re.sub(r"::[a-z ]+$", "", str(expression)[:80]).strip("'")
    return {"false": "0", "true": "1"}.get(text.lower(), text)[:40]


def newsletter(session: DbSession, prefix: str) -> JSON:
    """The subscription field's default, subscriber counts, any opt-in record column."""
    tables = table_columns(session)
    table = _find(tables, prefix + "customer")
    if table is None or "newsletter" not in dict(tables[table]):
        return {"table": prefix + "customer", "not_applicable":
                f"no {prefix}customer table with a newsletter column in this PostgreSQL "
                "schema"}
    rows = session.query(
        "SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped",
        (session.table_ref(table),), max_rows=500)
    defaults = {str(n): _default(d) for n, d in rows}
    record = next((n for n in defaults if re.fullmatch(
        r"newsletter_(date|optin\w*|opt_in\w*|confirmed\w*|consent\w*)", n)), None)
    subscribed = "newsletter::text IN ('1', 'true', 't', 'yes', 'y')"
    extra = f", COUNT(*) FILTER (WHERE {subscribed} AND {quote_pg(record)} IS NULL)" \
        if record else ""
    row = session.query(f"SELECT COUNT(*), COUNT(*) FILTER (WHERE {subscribed}){extra} "  # noqa: S608 - quoted
                        f"FROM {session.table_ref(table)}")[0]
    return {"table": table, "default": defaults.get("newsletter"), "customers": _int(row[0]),
            "subscribers": _int(row[1]), "opt_in_column": record,
            "subscribers_without_record": _int(row[2]) if record else None}
