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

# The same normalisation in PostgreSQL, so that MariaDB and PostgreSQL sides compare equal:
# octet_length as MySQL's LENGTH, || (NULL when a part is NULL) as MySQL's CONCAT, the last
# label by split_part as SUBSTRING_INDEX(n, '.', -1). String functions rather than regular
# expressions where they say the same: they run on every row (twice as fast here).
_PG_RESERVED = ("reverse(split_part(reverse({n}), '.', 1)) NOT IN ('example', 'test', "
                "'invalid', 'localhost', 'local', 'arpa') AND right({n}, 12) NOT IN ("
                "'@example.com', '.example.com', '@example.net', '.example.net', "
                "'@example.org', '.example.org')")
PG_IDENTIFIERS = {
    # an @ with a character before and after it, as MySQL's LIKE '%_@_%'
    "email": ("LOWER(TRIM({0}))",
              "strpos(substr({n}, 2, length({n}) - 2), '@') > 0 AND " + _PG_RESERVED),
    # not one digit repeated: stripping the first digit from the left leaves something
    "phone": ("RIGHT(REGEXP_REPLACE({0}, '[^0-9]', '', 'g'), 9)",
              "octet_length({n}) = 9 AND ltrim({n}, left({n}, 1)) <> ''"),
    "iban": ("UPPER(REGEXP_REPLACE({0}, '[^0-9A-Za-z]', '', 'g'))", "octet_length({n}) >= 12"),
    "bsn": ("LPAD(REGEXP_REPLACE({0}, '[^0-9]', '', 'g'), 10, '0')",
            "left({n}, 1) = '0' AND left({n}, 3) <> '000' AND left({n}, 6) <> '099999'"),
    "name_postcode": ("LOWER(TRIM({0}) || ' ' || TRIM({1}) || '|' || "
                      "REPLACE(UPPER({2}), ' ', ''))", "octet_length({n}) > 8"),
}
"""kind -> (expression, condition) for PostgreSQL; no ``%`` anywhere (the driver's
placeholders)."""

METHODS = ("hmac-sha256", "sha256", "md5")
"""Keyed-hash constructions, strongest first (see docs/test-data.md)."""


def hash_methods(session: DbSession) -> tuple[str, ...]:
    """The constructions the session's server can compute.

    MariaDB/MySQL: ``SHA2(CONCAT(key, value))`` and ``MD5``. PostgreSQL: pgcrypto's
    ``hmac(value, key, 'sha256')`` when the extension is installed in the database and
    usable, the built-in ``sha256(key || value)`` from version 11, ``md5`` always.
    """
    if session.dialect != "postgresql":
        return ("sha256", "md5")
    found: list[str] = []
    rows = session.query(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pgcrypto' AND has_schema_privilege(n.oid, 'USAGE')", max_rows=5)
    if rows:
        session.pgcrypto_schema = str(rows[0][0])  # type: ignore[attr-defined]
        found.append("hmac-sha256")
    number = session.query("SHOW server_version_num")
    if number and str(number[0][0]).isdecimal() and int(str(number[0][0])) >= 110000:
        found.append("sha256")
    return (*found, "md5")


def common_method(test: DbSession, prod: DbSession) -> str:
    """The strongest construction both servers compute (the hashes must be comparable)."""
    both = set(hash_methods(test)) & set(hash_methods(prod))
    return next(m for m in METHODS if m in both)  # md5 is always in both


def columns_by_kind(session: DbSession) -> dict[str, list[tuple[str, str]]]:
    """Table -> [(column, kind)] for the named personal-data columns of the database."""
    found: dict[str, list[tuple[str, str]]] = {}
    for table, columns in table_columns(session).items():
        for column, data_type in columns:
            kind = kind_by_name(column)
            if kind and (data_type in TEXT_TYPES or kind in ("bsn", "phone")):
                found.setdefault(table, []).append((column, kind))
    return found


def _expressions(ident: Identifier, cols: list[tuple[str, str]],
                 dialect: str = "mysql") -> list[str]:
    """SQL expressions producing ``ident`` from the columns of one table."""
    out: list[str] = []
    for kind_cols in _combinations(ident.needs, cols):
        if dialect == "postgresql":
            from posture.collect.db.pgsession import quote_pg

            quoted = [f"{quote_pg(c)}::text" for c in kind_cols]
            out.append(PG_IDENTIFIERS[ident.kind][0].format(*quoted))
            continue
        quoted = [f"CONVERT({quote_ident(c)} USING utf8mb4)" for c in kind_cols]
        out.append(ident.expression.format(*quoted))
    return out


def _combinations(needs: tuple[str, ...], cols: list[tuple[str, str]]) -> list[list[str]]:
    if len(needs) == 1:
        return [[c] for c, k in cols if k == needs[0]]
    picked = [next((c for c, k in cols if k == need), None) for need in needs]
    return [[c for c in picked if c is not None]] if all(picked) else []


def _table_query(table: str, sources: list[tuple[Identifier, str]],
                 key: str, method: str = "sha256") -> tuple[str, tuple[str, ...]]:
    """One scan of ``table`` giving, per source, the concatenated binary keyed hashes."""
    inner = ", ".join(f"{expr} AS n{i}" for i, (_ident, expr) in enumerate(sources))
    parts: list[str] = []
    args: list[str] = []
    digest = "SHA2(CONCAT(%s, {n}), 256)" if method == "sha256" else "MD5(CONCAT(%s, {n}))"
    for i, (ident, _expr) in enumerate(sources):
        condition = ident.condition.format(n=f"n{i}")
        hashed = digest.format(n=f"n{i}")
        parts.append(f"GROUP_CONCAT(IF(n{i} IS NOT NULL AND {condition}, UNHEX(LEFT("
                     f"{hashed}, {2 * HASH_BYTES})), NULL) SEPARATOR '')")
        args += [*ident.args, key]
    # Identifiers went through quote_ident; the key and patterns are bound parameters.
    sql = (f"SELECT {', '.join(parts)} FROM (SELECT {inner} "  # noqa: S608
           f"FROM {table}) s")
    return sql, tuple(args)


def _pg_table_query(table: str, sources: list[tuple[Identifier, str]], key: str,
                    method: str, pgcrypto: str) -> tuple[str, tuple[str, ...]]:
    """PostgreSQL: the same hashes, aggregated with string_agg and cut at the same cap."""
    from posture.collect.db.pgsession import quote_pg

    inner = ", ".join(f"{expr} AS n{i}" for i, (_ident, expr) in enumerate(sources))
    digest = {"hmac-sha256": f"{quote_pg(pgcrypto)}.hmac({{n}}, %s, 'sha256')",
              "sha256": "sha256(convert_to(%s || {n}, 'UTF8'))",
              "md5": "decode(md5(convert_to(%s || {n}, 'UTF8')), 'hex')"}[method]
    parts = []
    for i, (ident, _expr) in enumerate(sources):
        condition = PG_IDENTIFIERS[ident.kind][1].format(n=f"n{i}")
        hashed = digest.format(n=f"n{i}")
        parts.append(f"substring(string_agg(CASE WHEN n{i} IS NOT NULL AND {condition} "
                     f"THEN substring({hashed} from 1 for {HASH_BYTES}) END, ''::bytea) "
                     f"from 1 for {GROUP_CONCAT_MAX})")
    sql = (f"SELECT {', '.join(parts)} FROM (SELECT {inner} "  # noqa: S608
           f"FROM {table}) s")
    return sql, tuple(key for _ in sources)


Digests = dict[str, tuple[set[bytes], list[str], bool]]
"""Identifier kind -> (distinct keyed hashes, source tables, capped)."""


def digests(session: DbSession, key: str, method: str = "sha256") -> Digests:
    """Keyed hashes of every identifier in the session's database: one scan per table."""
    found: Digests = {}
    for table, cols in columns_by_kind(session).items():
        sources = [(i, e) for i in IDENTIFIERS
                   for e in _expressions(i, cols, session.dialect)]
        if not sources:
            continue
        if session.dialect == "postgresql":
            sql, args = _pg_table_query(session.table_ref(table), sources, key, method,
                                        getattr(session, "pgcrypto_schema", "public"))
        else:
            sql, args = _table_query(session.table_ref(table), sources, key, method)
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
    method = common_method(test, prod)
    key = secrets.token_hex(32)  # per comparison; lives only in this frame and the sessions
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        test_job = pool.submit(digests, test, key, method)
        prod_job = pool.submit(digests, prod, key, method)
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
    return {"with": prod.name, "kinds": kinds, "hash": method,
            "engines": [test.engine, prod.engine],
            "seconds": round(time.monotonic() - started, 3)}
