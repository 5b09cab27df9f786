"""Version strings: extract, normalise and compare them with the precision they carry.

Claims are often less precise than what a host reports ("Ubuntu 12.04" vs 12.04.5) and
sometimes more precise ("Apache 2.2.22" when the host only says 2.2). Comparisons therefore
answer *how* two versions relate, not just whether they are equal.
"""

from __future__ import annotations

import re
from enum import StrEnum

_DOTTED = re.compile(r"\d+(?:\.\d+)*")
_EPOCH = re.compile(r"^\d+:")


class Relation(StrEnum):
    """How an actual version relates to a claimed one."""

    EQUAL = "equal"  # same components
    CLAIM_BROADER = "claim_broader"  # claim is a prefix of actual: "12.04" vs "12.04.5"
    ACTUAL_BROADER = "actual_broader"  # actual is a prefix of claim: cannot confirm the rest
    DIFFERENT = "different"
    UNPARSABLE = "unparsable"  # one side has no numeric version at all


def first_version(text: str) -> str:
    """Return the first dotted number in ``text`` ("Ubuntu 12.04.5 LTS" -> "12.04.5"), or ""."""
    match = _DOTTED.search(text or "")
    return match.group(0) if match else ""


# parts() of the texts met so far: a fleet repeats the same few version strings on every
# host, tens of thousands of times. A pure function of an immutable text, so sharing its
# (immutable) result between hosts is safe; bounded, so hostile facts cannot grow it without end.
_PARTS: dict[str, tuple[int, ...]] = {}
PARTS_MEMO_CAP = 4096


def parts(version: str) -> tuple[int, ...]:
    """Numeric components of the first dotted number: "1.1.1w" -> (1, 1, 1); "" -> ()."""
    known = _PARTS.get(version)
    if known is None:
        found = first_version(version)
        known = tuple(map(int, found.split("."))) if found else ()
        if len(_PARTS) < PARTS_MEMO_CAP:
            _PARTS[version] = known
    return known


def upstream_version(package_version: str) -> str:
    """Strip a package epoch and revision.

    "1:9.2p1-2+deb12u3" -> "9.2p1"; "2.4.6-99.el7_9.1" -> "2.4.6".
    """
    text = _EPOCH.sub("", package_version.strip())
    # The revision is everything after the LAST hyphen (Debian policy; RPM release likewise);
    # without a hyphen the whole text is the upstream version.
    return text.rsplit("-", 1)[0]


def is_prefix(short: tuple[int, ...], long: tuple[int, ...]) -> bool:
    """True when ``short`` is a (non-empty) leading part of ``long``."""
    return bool(short) and len(short) <= len(long) and long[: len(short)] == short


def relate(claimed: str, actual: str) -> Relation:
    """Say how ``actual`` relates to ``claimed``, comparing numbers (so "12.04" == "12.4")."""
    want, have = parts(claimed), parts(actual)
    if not want or not have:
        return Relation.UNPARSABLE
    if want == have:
        return Relation.EQUAL
    if is_prefix(want, have):
        return Relation.CLAIM_BROADER
    if is_prefix(have, want):
        return Relation.ACTUAL_BROADER
    return Relation.DIFFERENT


def most_precise(candidates: list[str], anchor: str) -> str:
    """Pick the candidate with the most components that agrees with ``anchor`` (if it has a
    version at all; "" when no source names one).

    The anchor is the authoritative but coarse version (os-release VERSION_ID); free-text
    sources that disagree with it (Ubuntu's /etc/debian_version says "bookworm/sid") lose.
    An anchor without a number has no components, so any numbered candidate beats it.
    """
    base = parts(anchor)
    best = anchor
    for candidate in candidates:
        have = parts(candidate)
        if not have or (base and not is_prefix(base, have)):
            continue
        if len(have) > len(parts(best)):
            best = first_version(candidate)
    return first_version(best)


def branch(version: str, depth: int = 2) -> str:
    """The release branch of a version: ("2.4.62", 2) -> "2.4"."""
    return ".".join(str(p) for p in parts(version)[:depth])
