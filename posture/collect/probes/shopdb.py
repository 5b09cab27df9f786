"""Probe family 'shopdb': shop data promises judged inside the database, counts only.

``db.retention`` ages of the oldest customer and order rows (days, on the database clock) and
how many rows are older than each period the retention claims promise; ``db.card_numbers``
Luhn-valid card numbers per text column, found and counted by the server (no value is ever
fetched); ``db.newsletter`` the default of the subscription field and subscriber counts.
Tables follow OpenCart's names (``expect.table_prefix``, default ``oc_``). PostgreSQL
databases are read by :mod:`posture.collect.probes.pgshopdb`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from posture.collect.db.session import DbSession, db_session, quote_ident
from posture.collect.types import Probe, ProbeContext, ProbeError
from posture.models import JSON, FactStatus

DEFAULT_PREFIX = "oc_"
MAX_COLUMNS = 300
CARD_ROW_CAP = 100_000  # candidate rows examined per column
_PREFIX = re.compile(r"^[A-Za-z0-9_]{0,32}$")
_DIGITS = "SELECT 1 i" + "".join(f" UNION ALL SELECT {n}" for n in range(2, 20))
# Luhn, computed by the server: digit i from the right, doubled when i is even. Only
# constants and quoted identifiers are formatted in.
_LUHN = f"""
SELECT COUNT(*), COUNT(DISTINCT v) FROM (
  SELECT c.v, c.k FROM (
    SELECT REGEXP_SUBSTR(REGEXP_REPLACE({{col}}, '[ -]', ''), '[2-6][0-9]{{{{12,18}}}}') v,
           ROW_NUMBER() OVER () k
    FROM {{table}} WHERE {{col}} REGEXP '[0-9][0-9 -]{{{{11,}}}}[0-9]' LIMIT {CARD_ROW_CAP}) c
  JOIN ({_DIGITS}) n ON n.i <= CHAR_LENGTH(c.v)
  GROUP BY c.k, c.v
  HAVING SUM(CASE WHEN n.i % 2 = 0
      THEN (2 * SUBSTRING(c.v, CHAR_LENGTH(c.v) - n.i + 1, 1)) DIV 10
         + (2 * SUBSTRING(c.v, CHAR_LENGTH(c.v) - n.i + 1, 1)) % 10
      ELSE SUBSTRING(c.v, CHAR_LENGTH(c.v) - n.i + 1, 1) END) % 10 = 0) hits
"""  # noqa: S608


def _claims(ctx: ProbeContext, claim_type: str) -> list[dict[str, object]]:
    return [dict(c.expect) for c in ctx.inventory.claims
            if c.type == claim_type and ctx.name in c.scope.databases]


def table_prefix(ctx: ProbeContext, claim_type: str) -> str:
    """The table prefix the claims name (all must agree), default ``oc_``."""
    prefixes = {str(e.get("table_prefix", DEFAULT_PREFIX)) for e in _claims(ctx, claim_type)}
    prefix = prefixes.pop() if len(prefixes) == 1 else DEFAULT_PREFIX
    if not _PREFIX.match(prefix):
        raise ProbeError(FactStatus.ERROR, "expect.table_prefix: letters, digits and _ only")
    return prefix


def _tables(session: DbSession) -> set[str]:
    rows = session.query("SELECT TABLE_NAME FROM information_schema.TABLES "
                         "WHERE TABLE_SCHEMA = DATABASE()", max_rows=5000)
    return {str(r[0]) for r in rows}


def _age(session: DbSession, table: str, periods: Sequence[int]) -> dict[str, JSON]:
    older = "".join(f", SUM(date_added < NOW() - INTERVAL {int(p)} DAY)" for p in periods)
    row = session.query(f"SELECT COUNT(*), DATEDIFF(NOW(), MIN(date_added)){older} "  # noqa: S608 - identifiers quoted, periods ints
                        f"FROM {quote_ident(table)}")[0]
    return {"rows": _int(row[0]), "oldest_age_days": None if row[1] is None else _int(row[1]),
            "older_than": {str(p): _int(v) for p, v in zip(periods, row[2:], strict=True)}}


def _int(value: object) -> int:
    """A count or day number from the driver (int, Decimal or None)."""
    return int(str(value)) if value is not None else 0


def retention(ctx: ProbeContext) -> JSON:
    """Row counts and the oldest row's age (days) of the customer and order tables."""
    session = db_session(ctx)
    prefix = table_prefix(ctx, "retention")
    periods = sorted({int(str(e["max_age_days"])) for e in _claims(ctx, "retention")
                      if "max_age_days" in e})
    if session.dialect == "postgresql":
        from posture.collect.probes import pgshopdb

        return pgshopdb.retention(session, prefix, periods)
    present = _tables(session)
    found = {name: _age(session, prefix + name, periods) for name in ("customer", "order")
             if prefix + name in present}
    if not found:
        raise ProbeError(FactStatus.MISSING, f"no {prefix}customer or {prefix}order table")
    return {"table_prefix": prefix, "tables": found}


def _text_columns(session: DbSession) -> list[tuple[str, str]]:
    rows = session.query(
        "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() AND DATA_TYPE IN "
        "('char','varchar','tinytext','text','mediumtext','longtext') "
        "AND (CHARACTER_MAXIMUM_LENGTH IS NULL OR CHARACTER_MAXIMUM_LENGTH >= 13) "
        "ORDER BY TABLE_NAME, ORDINAL_POSITION", max_rows=20000)
    return [(str(t), str(c)) for t, c in rows]


def card_numbers(ctx: ProbeContext) -> JSON:
    """Per text column: how many values hold a Luhn-valid card number (counts only)."""
    session = db_session(ctx)
    if session.dialect == "postgresql":
        from posture.collect.probes import pgshopdb

        return pgshopdb.card_numbers(session, 0.8, ctx.remaining())
    columns = _text_columns(session)
    deadline = time.monotonic() + ctx.remaining() * 0.8
    hits: list[JSON] = []
    scanned = 0
    for table, column in columns[:MAX_COLUMNS]:
        if time.monotonic() > deadline:
            break
        sql = _LUHN.format(col=quote_ident(column), table=quote_ident(table))
        rows, distinct = session.query(sql)[0]
        scanned += 1
        if rows:
            hits.append({"table": table[:64], "column": column[:64], "rows": _int(rows),
                         "distinct": _int(distinct)})
    return {"columns": len(columns), "columns_scanned": scanned,
            "complete": scanned == len(columns), "hits": hits[:100]}


def newsletter(ctx: ProbeContext) -> JSON:
    """The subscription field's default, subscriber counts, and any opt-in record column."""
    session = db_session(ctx)
    if session.dialect == "postgresql":
        from posture.collect.probes import pgshopdb

        return pgshopdb.newsletter(session, table_prefix(ctx, "newsletter_opt_in"))
    table = table_prefix(ctx, "newsletter_opt_in") + "customer"
    cols = session.query("SELECT COLUMN_NAME, COLUMN_DEFAULT FROM information_schema.COLUMNS "
                         "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s", (table,),
                         max_rows=500)
    defaults = {str(n): (None if d is None else str(d)[:40]) for n, d in cols}
    if "newsletter" not in defaults:
        raise ProbeError(FactStatus.MISSING, f"no newsletter column in {table}")
    record = next((n for n in defaults if re.fullmatch(
        r"newsletter_(date|optin\w*|opt_in\w*|confirmed\w*|consent\w*)", n)), None)
    extra = f", SUM(newsletter = 1 AND {quote_ident(record)} IS NULL)" if record else ""
    row = session.query(f"SELECT COUNT(*), SUM(newsletter = 1){extra} "  # noqa: S608 - quoted
                        f"FROM {quote_ident(table)}")[0]
    return {"table": table, "default": defaults["newsletter"], "customers": _int(row[0]),
            "subscribers": _int(row[1]), "opt_in_column": record,
            "subscribers_without_record": _int(row[2]) if record else None}


PROBES: tuple[Probe, ...] = (
    Probe("db.retention", "database", retention,
          "customer/order row counts and oldest row age in days (counts only)"),
    Probe("db.card_numbers", "database", card_numbers,
          "Luhn-valid card numbers per text column, counted on the server"),
    Probe("db.newsletter", "database", newsletter,
          "newsletter field default and subscriber counts"),
)
