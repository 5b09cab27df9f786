"""Orders and tie-breaks: pg_hba rules without a line number, and the longest OpenCart branch
of the support table."""

from __future__ import annotations

from typing import Any

import pytest

from checks.databases import shop
from checks.databases.pghba import plain_rules


def test_a_rule_without_a_line_number_sorts_first() -> None:
    numbered = {"line": 1, "type": "host", "database": ["all"], "user": ["all"],
                "address": "a", "method": "md5"}
    unnumbered = numbered | {"line": None, "method": "trust"}
    assert plain_rules([numbered, unnumbered], "app", "shop") == [
        "line None: host all all a trust", "line 1: host all all a md5"]


TABLE = {"as_of": "x", "branches": [
    {"branch": "3", "status": "maintenance"}, {"branch": "3.0", "status": "supported"},
    {"branch": "3.0", "status": "unsupported"}, {"branch": 4, "status": "supported"},
    {"branch": "30", "status": "unsupported"}]}


@pytest.mark.parametrize(("version", "status"), [
    ("3.0.1", "supported"), ("3.1", "maintenance"), ("3", "maintenance"),
    ("4.2", "supported"), ("30.1", "unsupported"), ("5", "unknown"),
])
def test_the_longest_matching_branch_decides(monkeypatch: pytest.MonkeyPatch, version: str,
                                             status: str) -> None:
    def table() -> dict[str, Any]:
        return TABLE

    monkeypatch.setattr(shop, "support_table", table)
    assert shop.support_status(version) == status
