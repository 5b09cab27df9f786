# ruff: noqa: E501 - shell snippets are data: a pipeline reads better on one line
r"""Fact family ``dbserver``: which database server software the host has, and its version.

The server binaries answer ``--version`` without a connection or a password: MariaDB's
``mariadbd`` (``mysqld`` on older releases), MySQL's ``mysqld`` and PostgreSQL's ``postgres``
of every installed major version. The product is read from the banner (MariaDB prints its
name in the version string; MySQL does not).
"""

from __future__ import annotations

import re
from typing import TypedDict

from posture.collect.facts.parsers import ParseError
from posture.collect.facts.spec import FactSpec
from posture.models import JSON

_SNIPPET = r"""
found=0
for b in mariadbd mysqld; do
  for c in $(command -v "$b" 2>/dev/null) "/usr/sbin/$b" "/usr/libexec/$b" "/usr/local/mysql/bin/$b"; do
    [ -x "$c" ] || continue
    echo "binary $c"; "$c" --version 2>&1 | head -n 2; found=1; break 2
  done
done
for c in /usr/lib/postgresql/*/bin/postgres /usr/pgsql-*/bin/postgres; do
  [ -x "$c" ] || continue
  echo "binary $c"; "$c" --version 2>&1 | head -n 1; found=1
done
[ "$found" = 1 ] || exit 127
"""

_MYSQL = re.compile(r"\bVer\s+(?P<v>\d+(?:\.\d+){1,3})(?P<rest>\S*)")
_POSTGRES = re.compile(r"\(PostgreSQL\)\s+(?P<v>\d+(?:\.\d+){0,2})")


class DbServer(TypedDict):
    """One server binary: ``{"binary", "product": "MariaDB"|"MySQL"|"PostgreSQL",
    "version": "10.11.6", "banner": first line of --version}``."""

    binary: str
    product: str
    version: str
    banner: str


def _clip(text: str, limit: int = 200) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:limit]


def parse_servers(text: str) -> JSON:
    """``{"servers": [DbServer]}``; a binary whose banner has no version is kept with
    ``version: ""`` (the check says it could not tell)."""
    servers: list[DbServer] = []
    for line in text.splitlines()[:200]:
        if line.startswith("binary ") and len(servers) < 10:
            servers.append({"binary": _clip(line[7:].strip(), 300), "product": "",
                            "version": "", "banner": ""})
        elif servers and not servers[-1]["banner"] and line.strip():
            entry = servers[-1]
            entry["banner"] = _clip(line.strip())
            postgres = _POSTGRES.search(line)
            mysql = _MYSQL.search(line)
            if postgres:
                entry["product"], entry["version"] = "PostgreSQL", postgres["v"]
            elif mysql:
                entry["version"] = mysql["v"]
                entry["product"] = "MariaDB" if "mariadb" in line.lower() else "MySQL"
    if not servers:
        raise ParseError("no database server binary reported")
    return {"servers": servers}


FACTS: tuple[FactSpec, ...] = (
    FactSpec("db.server_version", _SNIPPET, parse_servers,
             doc='dict: {"servers": [{"binary", "product": "MariaDB"|"MySQL"|"PostgreSQL", '
                 '"version", "banner"}]} from the server binaries\' --version.'),
)
