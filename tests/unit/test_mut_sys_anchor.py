"""An anchor without a number (os-release's VERSION_ID missing or "n/a") is beaten by any
numbered candidate, and yields no version on its own."""

from __future__ import annotations

import pytest

from checks.system.versions import most_precise


@pytest.mark.parametrize(("candidates", "anchor", "expected"), [
    (["12.1"], "n/a", "12.1"), ([], "n/a", ""), (["rolling"], "n/a", ""),
    (["9", "9.4"], "rolling", "9.4"), ([], "release 8", "8"),
])
def test_anchor_without_a_number(candidates: list[str], anchor: str, expected: str) -> None:
    assert most_precise(candidates, anchor) == expected
