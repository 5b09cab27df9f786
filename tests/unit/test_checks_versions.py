"""Version helpers: extraction, package versions, precision-aware comparison."""

from __future__ import annotations

import pytest

from checks.system.versions import (
    Relation,
    branch,
    first_version,
    most_precise,
    parts,
    relate,
    upstream_version,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("Ubuntu 12.04.5 LTS", "12.04.5"), ("12 (bookworm)", "12"), ("wheezy/sid", ""),
    ("Red Hat Enterprise Linux Server release 7.9 (Maipo)", "7.9"), ("", ""),
])
def test_first_version(text: str, expected: str) -> None:
    assert first_version(text) == expected


def test_parts_ignores_letters() -> None:
    assert parts("1.1.1w") == (1, 1, 1)
    assert parts("9.2p1") == (9, 2)
    assert parts("none") == ()


@pytest.mark.parametrize(("package", "expected"), [
    ("1:9.2p1-2+deb12u3", "9.2p1"), ("2.4.62-1~deb12u2", "2.4.62"),
    ("2.4.6-99.el7_9.1", "2.4.6"), ("2.2.22-1ubuntu1.15", "2.2.22"), ("3.0.2", "3.0.2"),
])
def test_upstream_version(package: str, expected: str) -> None:
    assert upstream_version(package) == expected


@pytest.mark.parametrize(("claimed", "actual", "relation"), [
    ("12.04.4", "12.04.4", Relation.EQUAL),
    ("12.04", "12.04.4", Relation.CLAIM_BROADER),
    ("12", "12.7", Relation.CLAIM_BROADER),
    ("12.04.4", "12.04.5", Relation.DIFFERENT),
    ("12.04.4", "12.04", Relation.ACTUAL_BROADER),
    ("2.2.22", "2.4.62", Relation.DIFFERENT),
    ("12.4", "12.04", Relation.EQUAL),
    ("latest", "12.04", Relation.UNPARSABLE),
])
def test_relate(claimed: str, actual: str, relation: Relation) -> None:
    assert relate(claimed, actual) is relation


def test_most_precise_agrees_with_anchor() -> None:
    found = most_precise(["12.04.5 LTS, Precise Pangolin", "Ubuntu 12.04.5 LTS"], "12.04")
    assert found == "12.04.5"
    # Ubuntu's /etc/debian_version style noise never wins over the anchor.
    assert most_precise(["11.8", "12.7"], "12") == "12.7"
    assert most_precise([], "22.04") == "22.04"
    assert most_precise(["7.9.2009"], "") == "7.9.2009"


def test_branch() -> None:
    assert branch("2.4.62") == "2.4"
    assert branch("10.11.6", 1) == "10"
