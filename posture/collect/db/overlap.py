"""Count production records in a test database without taking either out.

Each database server computes ``SHA2(CONCAT(key, normalised value))`` itself, with a key drawn
at random for this run and never stored: only truncated keyed hashes cross the tunnel, and only
counts leave this module. Without the key a hash cannot be tested against a guessed value, and
the key is gone when the scan ends.
"""

from __future__ import annotations

import concurrent.futures as cf
import secrets
import time
from dataclasses import dataclass

from posture.collect.db.piicolumns import TEXT_TYPES, kind_by_name
from posture.collect.db.scan import printable, table_columns
from posture.collect.db.session import GROUP_CONCAT_MAX, DbSession, quote_ident
from posture.models import JSON

HASH_BYTES = 8  # 64 bits of SHA-256: collisions among a million values are negligible
MAX_HASHES = GROUP_CONCAT_MAX // HASH_BYTES  # per column; beyond, the overlap is a lower bound
# Values of reserved domains are fictitious on both sides and prove nothing. String functions,
# not a regular expression: this runs on every row and must stay cheap.
_RESERVED_MAIL = ("SUBSTRING_INDEX({n}, '.', -1) NOT IN ('example', 'test', 'invalid', "
                  "'localhost', 'local', 'arpa') AND SUBSTRING_INDEX(SUBSTRING_INDEX({n}, "
                  "'@', -1), '.', -2) NOT IN ('example.com', 'example.net', 'example.org')")


@dataclass(frozen=True)
class Identifier:
    """How one identifying value is normalised and filtered, in SQL, on each server."""

    kind: str
    needs: tuple[str, ...]  # column kinds, all from one table
    expression: str  # {0}, {1}...: the quoted columns, converted to utf8mb4
    condition: str  # on the normalised value ``{n}``; %s placeholders bound from ``args``
    args: tuple[str, ...] = ()


IDENTIFIERS = (
    Identifier("email", ("email",), "LOWER(TRIM({0}))",
               "{n} LIKE '%%_@_%%' AND " + _RESERVED_MAIL),
    Identifier("phone", ("phone",), "RIGHT(REGEXP_REPLACE({0}, '[^0-9]', ''), 9)",
               # A regular expression, not REPEAT(LEFT(n, 1), 9): MariaDB 10.11 compares the
               # latter wrongly on a derived REGEXP_REPLACE column (no row passes).
               "LENGTH({n}) = 9 AND {n} NOT REGEXP '^(.)\\\\1+$'"),
    Identifier("iban", ("iban",), "UPPER(REGEXP_REPLACE({0}, '[^0-9A-Za-z]', ''))",
               "LENGTH({n}) >= 12"),
    # Padded to 10 so that 8 and 9 digits start with 0 and longer values are left out.
    Identifier("bsn", ("bsn",), "LPAD(REGEXP_REPLACE({0}, '[^0-9]', ''), 10, '0')",
               "{n} LIKE '0%%' AND {n} NOT LIKE '000%%' AND {n} NOT LIKE '099999%%'"),
    Identifier("name_postcode", ("first_name", "last_name", "postcode"),
               "LOWER(CONCAT(TRIM({0}), ' ', TRIM({1}), '|', REPLACE(UPPER({2}), ' ', '')))",
               "LENGTH({n}) > 8"),
)
"""The identifiers compared, in the order a summary prefers them."""


def columns_by_kind(session: DbSession) -> dict[str, list[tuple[str, str]]]:
    """Table -> [(column, kind)] for the named personal-data columns of the database."""
    found: dict[str, list[tuple[str, str]]] = {}
    for table, columns in table_columns(session).items():
        for column, data_type in columns:
            kind = kind_by_name(column)
            if kind and (data_type in TEXT_TYPES or kind in ("bsn", "phone")):
                found.setdefault(table, []).append((column, kind))
    return found


def _expressions(ident: Identifier, cols: list[tuple[str, str]]) -> list[str]:
    """SQL expressions producing ``ident`` from the columns of one table."""
    out: list[str] = []
    for kind_cols in _combinations(ident.needs, cols):
        quoted = [f"CONVERT({quote_ident(c)} USING utf8mb4)" for c in kind_cols]
        out.append(ident.expression.format(*quoted))
    return out


def _combinations(needs: tuple[str, ...], cols: list[tuple[str, str]]) -> list[list[str]]:
    if len(needs) == 1:
        return [[c] for c, k in cols if k == needs[0]]
    picked = [next((c for c, k in cols if k == need), None) for need in needs]
    return [[c for c in picked if c is not None]] if all(picked) else []


def _table_query(table: str, sources: list[tuple[Identifier, str]],
                 key: str) -> tuple[str, tuple[str, ...]]:
    """One scan of ``table`` giving, per source, the concatenated binary keyed hashes."""
    inner = ", ".join(f"{expr} AS n{i}" for i, (_ident, expr) in enumerate(sources))
    parts: list[str] = []
    args: list[str] = []
    for i, (ident, _expr) in enumerate(sources):
        condition = ident.condition.format(n=f"n{i}")
        parts.append(f"GROUP_CONCAT(IF(n{i} IS NOT NULL AND {condition}, UNHEX(LEFT(SHA2("
                     f"CONCAT(%s, n{i}), 256), {2 * HASH_BYTES})), NULL) SEPARATOR '')")
        args += [*ident.args, key]
    # Identifiers went through quote_ident; the key and patterns are bound parameters.
    sql = (f"SELECT {', '.join(parts)} FROM (SELECT {inner} "  # noqa: S608
           f"FROM {quote_ident(table)}) s")
    return sql, tuple(args)


Digests = dict[str, tuple[set[bytes], list[str], bool]]
"""Identifier kind -> (distinct keyed hashes, source tables, capped)."""


def digests(session: DbSession, key: str) -> Digests:
    """Keyed hashes of every identifier in the session's database: one scan per table."""
    found: Digests = {}
    for table, cols in columns_by_kind(session).items():
        sources = [(i, e) for i in IDENTIFIERS for e in _expressions(i, cols)]
        if not sources:
            continue
        sql, args = _table_query(table, sources, key)
        row = session.query(sql, args, max_rows=1)[0]
        for (ident, _expr), blob in zip(sources, row, strict=True):
            data = bytes(blob) if isinstance(blob, bytes | bytearray) else b""
            hashes, tables, capped = found.setdefault(ident.kind, (set(), [], False))
            hashes.update(data[i:i + HASH_BYTES]
                          for i in range(0, len(data) - HASH_BYTES + 1, HASH_BYTES))
            tables.append(printable(table))
            found[ident.kind] = (hashes, tables, capped or len(data) >= GROUP_CONCAT_MAX)
    return found


def compare(test: DbSession, prod: DbSession) -> dict[str, JSON]:
    """Per identifier kind: distinct values in each database and how many are in both.

    Both servers hash at the same time, each in its own session.
    """
    started = time.monotonic()
    key = secrets.token_hex(32)  # per comparison; lives only in this frame and the sessions
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        test_job, prod_job = pool.submit(digests, test, key), pool.submit(digests, prod, key)
        in_test, in_prod = test_job.result(), prod_job.result()
    del key
    kinds: dict[str, JSON] = {}
    for ident in IDENTIFIERS:
        if ident.kind not in in_test or ident.kind not in in_prod:
            continue
        (test_set, test_from, capped_t), (prod_set, prod_from, capped_p) = (
            in_test[ident.kind], in_prod[ident.kind])
        kinds[ident.kind] = {
            "test_values": len(test_set), "production_values": len(prod_set),
            "overlap": len(test_set & prod_set), "capped": capped_t or capped_p,
            "test_tables": sorted(set(test_from))[:20],
            "production_tables": sorted(set(prod_from))[:20],
        }
    return {"with": prod.name, "kinds": kinds, "seconds": round(time.monotonic() - started, 3)}
