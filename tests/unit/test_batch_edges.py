"""The batch splitter at its edges: the section cap, end markers, exit statuses, empty output.

Streams are assembled here byte by byte (no shell), so each boundary is exact.
"""

from __future__ import annotations

import pytest

from posture.collect.batch import SECTION_CAP, classify, new_marker, split_output
from posture.collect.facts.spec import FactSpec
from posture.models import Fact, FactStatus


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _spec(key: str) -> FactSpec:
    return FactSpec(key, "true", _lines)


def _section(marker: str, key: str, body: bytes, rc: int = 0) -> bytes:
    # As the script prints it: begin line, output, a newline of the end marker, end line.
    return f"{marker} B {key}\n".encode() + body + f"\n{marker} E {key} {rc}\n".encode()


def _split(sections: list[tuple[str, bytes, int]], err: bytes = b"") -> dict[str, Fact]:
    marker = new_marker()
    specs = [_spec(key) for key, _, _ in sections]
    out = b"".join(_section(marker, key, body, rc) for key, body, rc in sections)
    errs = b"".join(_section(marker, key, err, rc) for key, _, rc in sections)
    return split_output(out, errs, marker, specs, privileged=False)


# A one-line body of n bytes counts n + 1 (its newline) against the cap. Over the cap, the
# part kept is marked truncated: the engine never passes on it (judge.evaluate.guard_truncated).
@pytest.mark.parametrize(("length", "truncated"), [
    (SECTION_CAP - 2, False),     # one below the cap
    (SECTION_CAP - 1, False),     # exactly at the cap
    (SECTION_CAP, True),          # one byte over: only a part was kept
])
def test_section_cap_boundary(length: int, truncated: bool) -> None:
    fact = _split([("t.big", b"x" * length, 0)])["t.big"]
    assert fact.truncated is truncated
    if not truncated:
        assert fact.status is FactStatus.OK and fact.value == ["x" * length]


def test_the_cap_is_one_mebibyte() -> None:
    assert SECTION_CAP == 1024 * 1024


def test_a_section_after_an_over_cap_section_is_read_whole() -> None:
    facts = _split([("t.big", b"y\n" * (SECTION_CAP // 2 + 10), 0), ("t.next", b"a\nb", 0)])
    assert facts["t.big"].truncated
    nxt = facts["t.next"]
    assert not nxt.truncated
    assert nxt.status is FactStatus.OK
    assert nxt.value == ["a", "b"]


def test_a_big_stderr_alone_does_not_make_an_error() -> None:
    facts = _split([("t.one", b"ok", 0)], err=b"w" * (SECTION_CAP + 10))
    assert facts["t.one"].status is FactStatus.OK
    assert facts["t.one"].value == ["ok"]


def test_an_end_marker_of_another_key_does_not_end_the_section() -> None:
    marker = new_marker()
    body = f"first\n{marker} E t.two 0\nsecond".encode()
    specs = [_spec("t.one"), _spec("t.two")]
    out = _section(marker, "t.one", body) + _section(marker, "t.two", b"other")
    facts = split_output(out, b"", marker, specs, privileged=False)
    assert facts["t.one"].value == ["first", "second"]
    assert facts["t.one"].exit_status == 0
    assert facts["t.two"].value == ["other"]


def test_a_begin_marker_of_an_unknown_key_is_not_a_section() -> None:
    marker = new_marker()
    out = (_section(marker, "t.one", b"a") + f"{marker} B t.zzz\nstray\n".encode())
    facts = split_output(out, b"", marker, [_spec("t.one")], privileged=False)
    assert facts["t.one"].value == ["a"]


def test_the_end_status_comes_from_stdout_only() -> None:
    marker = new_marker()
    out = _section(marker, "t.one", b"a", rc=0)
    err = _section(marker, "t.one", b"", rc=3)
    fact = split_output(out, err, marker, [_spec("t.one")], privileged=False)["t.one"]
    assert fact.exit_status == 0 and fact.status is FactStatus.OK


@pytest.mark.parametrize(("rc", "status"), [
    (0, FactStatus.OK),
    (1, FactStatus.ERROR),
    (123, FactStatus.ERROR),
    (124, FactStatus.TIMEOUT),   # timeout(1): the command ran out of time
    (125, FactStatus.ERROR),
    (126, FactStatus.ERROR),
    (127, FactStatus.MISSING),   # the shell found no such command
    (128, FactStatus.ERROR),
    (136, FactStatus.ERROR),
    (137, FactStatus.TIMEOUT),   # timeout -k: killed after the grace period
    (138, FactStatus.ERROR),
])
def test_exit_status_table(rc: int, status: FactStatus) -> None:
    fact = classify(_spec("t.one"), "line", "", rc, privileged=False)
    assert fact.status is status
    assert fact.exit_status == rc
    assert (fact.value == ["line"]) is (status is FactStatus.OK)


@pytest.mark.parametrize(("out", "err", "status"), [
    ("", "", FactStatus.OK),  # an empty answer that is a real answer: parsed
    ("", "sh: 1: ss: not found", FactStatus.MISSING),
    ("", "cat: /etc/x: No such file or directory", FactStatus.MISSING),
    ("", "cat: /etc/shadow: Permission denied", FactStatus.DENIED),
    ("  \n", "Operation not permitted", FactStatus.DENIED),
    ("data", "cat: /etc/x: No such file or directory", FactStatus.OK),  # output wins
])
def test_empty_output_with_exit_zero_is_judged_by_stderr(out: str, err: str,
                                                           status: FactStatus) -> None:
    fact = classify(_spec("t.one"), out, err, 0, privileged=False)
    assert fact.status is status
    if status is not FactStatus.OK:
        assert fact.value is None
        assert fact.reason == err.strip().splitlines()[0]


def test_no_exit_status_is_an_error() -> None:
    fact = classify(_spec("t.one"), "line", "", None, privileged=False)
    assert fact.status is FactStatus.ERROR and fact.value is None


def test_a_denied_exit_beyond_the_ok_exits_is_denied_even_with_output() -> None:
    fact = classify(_spec("t.one"), "partial", "Permission denied", 2, privileged=False)
    assert fact.status is FactStatus.DENIED
