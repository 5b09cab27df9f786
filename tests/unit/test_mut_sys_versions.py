"""Version helpers and the installed-server record at their edges.

Prefixes of equal length, candidates of equal precision (the first one wins), package versions
with several hyphens, and the exact evidence an :class:`Installed` gives a finding.
"""

from __future__ import annotations

import pytest

from checks.system.installed import Installed
from checks.system.versions import (
    Relation,
    branch,
    first_version,
    is_prefix,
    most_precise,
    parts,
    relate,
    upstream_version,
)


@pytest.mark.parametrize(("short", "long", "expected"), [
    ((1, 2), (1, 2), True),        # equal length: a prefix of itself
    ((1, 2), (1, 2, 3), True),     # one shorter
    ((1, 2, 3), (1, 2), False),    # one longer: never a prefix
    ((1, 3), (1, 2, 3), False),
    ((2,), (1, 2), False),
    ((), (1,), False),             # the empty version is nobody's prefix
    ((), (), False),
])
def test_is_prefix(short: tuple[int, ...], long: tuple[int, ...], expected: bool) -> None:
    assert is_prefix(short, long) is expected


@pytest.mark.parametrize(("claimed", "actual", "relation"), [
    ("12.04", "", Relation.UNPARSABLE),
    ("", "12.04", Relation.UNPARSABLE),
    ("", "", Relation.UNPARSABLE),
    ("12", "12.04", Relation.CLAIM_BROADER),
    ("12.04", "12", Relation.ACTUAL_BROADER),
    ("12.05", "12.04", Relation.DIFFERENT),
    ("11", "12.04", Relation.DIFFERENT),
])
def test_relate_edges(claimed: str, actual: str, relation: Relation) -> None:
    assert relate(claimed, actual) is relation


@pytest.mark.parametrize(("text", "expected"), [
    ("1.2.3", (1, 2, 3)), ("v10", (10,)), ("x 7.9 y 8.1", (7, 9)), ("", ()), ("a.b", ()),
])
def test_parts(text: str, expected: tuple[int, ...]) -> None:
    assert parts(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("nginx/1.22.1", "1.22.1"), ("release 7", "7"), ("abc", ""),
])
def test_first_version_edges(text: str, expected: str) -> None:
    assert first_version(text) == expected


@pytest.mark.parametrize(("package", "expected"), [
    (" 3.0.2 ", "3.0.2"),                      # surrounding whitespace goes
    ("2:1.2.3-4-5", "1.2.3-4"),                 # only the LAST hyphen starts the revision
    ("10:2.4", "2.4"),                          # a multi-digit epoch
    ("1.0:beta", "1.0:beta"),                   # not an epoch: the colon is not after digits only
    ("1:2:3", "2:3"),                           # only one epoch is stripped
])
def test_upstream_version_edges(package: str, expected: str) -> None:
    assert upstream_version(package) == expected


@pytest.mark.parametrize(("candidates", "anchor", "expected"), [
    (["12.7", "12.8"], "12", "12.7"),           # equal precision: the first candidate wins
    (["12.7.1", "12.8"], "12", "12.7.1"),
    (["12.8", "12.7.1"], "12", "12.7.1"),       # more components win
    (["13.1"], "12", "12"),                      # disagrees with the anchor: ignored
    (["bookworm/sid"], "12", "12"),
    ([], "Ubuntu 22.04 LTS", "22.04"),           # the anchor alone, reduced to its number
    (["none"], "", ""),
    ([], "", ""),
    (["Release 7.9.2009 (Core)", "7.9"], "", "7.9.2009"),
    (["7.9", "7.9.2009"], "", "7.9.2009"),
])
def test_most_precise(candidates: list[str], anchor: str, expected: str) -> None:
    assert most_precise(candidates, anchor) == expected


@pytest.mark.parametrize(("version", "depth", "expected"), [
    ("2.4.62", 2, "2.4"), ("2.4.62", 3, "2.4.62"), ("2.4.62", 1, "2"), ("2", 2, "2"),
    ("", 2, ""),
])
def test_branch_depth(version: str, depth: int, expected: str) -> None:
    assert branch(version, depth) == expected


def test_branch_default_depth_is_two() -> None:
    assert branch("10.11.6") == "10.11"


def test_installed_evidence_is_exact() -> None:
    packages = {"apache2": "2.4.62-1~deb12u2"}
    found = Installed("2.4.62", "package apache2", "Apache/2.4.62 (Debian)", packages)
    evidence = found.as_evidence()
    assert evidence == {"version": "2.4.62", "source": "package apache2",
                        "server_version": "Apache/2.4.62 (Debian)",
                        "packages": {"apache2": "2.4.62-1~deb12u2"}}
    assert evidence["packages"] is not packages  # a copy: the evidence cannot alias the record


def test_installed_without_a_server_line_says_none() -> None:
    assert Installed("1.22.1", "nginx -v").as_evidence() == {
        "version": "1.22.1", "source": "nginx -v", "server_version": None, "packages": {}}
