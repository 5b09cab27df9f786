"""Every field of the facts the batch splitter makes, and the limits on their text."""

from __future__ import annotations

import re

import pytest

from posture.collect.batch import SECTION_CAP, build_script, classify, new_marker, split_output
from posture.collect.facts.parsers import ParseError
from posture.collect.facts.spec import FactSpec
from posture.models import FactStatus


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _strict(text: str) -> list[str]:
    if "bad" in text:
        raise ParseError("a bad line")
    return text.split("\n")


SPEC = FactSpec("t.one", "  printf x  \n", _lines)


def test_marker_shape() -> None:
    marker = new_marker()
    assert re.fullmatch(r"__POSTURE_[0-9a-f]{24}__", marker)
    assert new_marker() != marker


@pytest.mark.parametrize(("timeout", "text"), [(0.2, "timeout -k 2 1"), (1, "timeout -k 2 1"),
                                                (2.9, "timeout -k 2 2"), (30, "timeout -k 2 30")])
def test_command_timeout_is_at_least_one_second(timeout: float, text: str) -> None:
    assert f'T="{text}"' in build_script([SPEC], new_marker(), timeout).decode()


@pytest.mark.parametrize("privileged", [True, False])
def test_every_field_of_an_ok_fact(privileged: bool) -> None:
    fact = classify(SPEC, "a\nb", "", 0, privileged=privileged)
    assert (fact.key, fact.status, fact.value, fact.reason) == ("t.one", FactStatus.OK,
                                                                ["a", "b"], "")
    assert fact.command == "printf x"
    assert fact.exit_status == 0
    assert fact.privileged is privileged


def test_text_limits() -> None:
    long = FactSpec("t.long", "x" * 3000, _lines)
    fact = classify(long, "", "E" * 400 + "\nsecond line", 3, privileged=False)
    assert fact.command == "x" * 2000
    assert fact.reason == "exit status 3: " + "E" * 300
    fact = classify(long, "", "", 3, privileged=False)
    assert fact.reason == "exit status 3"


def test_a_parse_error_is_an_error_with_its_reason() -> None:
    fact = classify(FactSpec("t.p", "true", _strict), "bad", "", 0, privileged=True)
    assert fact.status is FactStatus.ERROR and fact.value is None
    assert fact.reason == "unexpected output: a bad line"


def test_fixed_reasons() -> None:
    assert classify(SPEC, "x", "", None, privileged=False).reason == (
        "no answer: the connection or the script ended early")
    assert classify(SPEC, "x", "", 124, privileged=False).reason == (
        "the command ran out of time on the target")
    assert classify(SPEC, "", "", 2, privileged=False).reason == "exit status 2"


@pytest.mark.parametrize(("failure", "status"), [
    ("the host deadline passed (time limit)", FactStatus.TIMEOUT),
    ("the connection ended before the batch finished", FactStatus.ERROR),
])
def test_unfinished_sections_carry_the_failure(failure: str, status: FactStatus) -> None:
    marker = new_marker()
    facts = split_output(b"", b"", marker, [SPEC], privileged=True, failure=failure + "!" * 600)
    fact = facts["t.one"]
    assert (fact.key, fact.status, fact.value, fact.exit_status) == ("t.one", status, None, None)
    assert fact.reason == (failure + "!" * 600)[:500]
    assert fact.command == "printf x"
    assert fact.privileged is True


def test_without_a_failure_text_an_unfinished_section_is_the_plain_error() -> None:
    fact = split_output(b"", b"", new_marker(), [SPEC], privileged=False)["t.one"]
    assert fact.status is FactStatus.ERROR and fact.privileged is False
    assert fact.reason == "no answer: the connection or the script ended early"


@pytest.mark.parametrize("privileged", [True, False])
def test_an_over_cap_fact_keeps_its_fields(privileged: bool) -> None:
    marker = new_marker()
    out = (f"{marker} B t.one\n".encode() + b"z" * SECTION_CAP + f"\n{marker} E t.one 0\n"
           .encode())
    fact = split_output(out, b"", marker, [SPEC], privileged=privileged)["t.one"]
    assert (fact.key, fact.exit_status, fact.truncated) == ("t.one", 0, True)
    assert fact.command == "printf x" and fact.privileged is privileged


@pytest.mark.parametrize(("body", "value"), [
    (b"\nfirst line empty", ["", "first line empty"]),
    (b"one", ["one"]),
    (b"", [""]),
    (b"a\n\nb", ["a", "", "b"]),
])
def test_line_splitting(body: bytes, value: list[str]) -> None:
    marker = new_marker()
    out = f"{marker} B t.one\n".encode() + body + f"\n{marker} E t.one 0".encode()
    fact = split_output(out, b"", marker, [SPEC], privileged=False)["t.one"]
    assert fact.value == value


def test_a_marker_line_with_trailing_text_is_output() -> None:
    marker = new_marker()
    out = (f"{marker} B t.one\n{marker} E t.one 0 and more\nkept\n{marker} E t.one 0\n"
           .encode())
    fact = split_output(out, b"", marker, [SPEC], privileged=False)["t.one"]
    assert fact.value == [f"{marker} E t.one 0 and more", "kept"]


def test_a_marker_not_at_the_start_of_a_line_is_output() -> None:
    marker = new_marker()
    out = f"{marker} B t.one\nx {marker} E t.one 0\n{marker} E t.one 0\n".encode()
    assert split_output(out, b"", marker, [SPEC], privileged=False)["t.one"].value == [
        f"x {marker} E t.one 0"]


def test_utf8_output_is_decoded() -> None:
    marker = new_marker()
    out = f"{marker} B t.one\nré\n{marker} E t.one 0\n".encode()
    assert split_output(out, b"", marker, [SPEC], privileged=False)["t.one"].value == ["ré"]


def _section(marker: str, key: str, body: bytes) -> bytes:
    return f"{marker} B {key}\n".encode() + body + f"\n{marker} E {key} 0\n".encode()


@pytest.mark.parametrize("before", [b"sh: 1: warning before the first section\n", b"\n", b"\n\n"])
def test_output_before_the_first_section_is_ignored(before: bytes) -> None:
    marker = new_marker()
    out = before + _section(marker, "t.one", b"a") + _section(marker, "t.two", b"b")
    facts = split_output(out, before + _section(marker, "t.one", b""), marker,
                         [SPEC, FactSpec("t.two", "true", _lines)], privileged=False)
    assert facts["t.one"].value == ["a"] and facts["t.two"].value == ["b"]


def test_the_newline_before_the_end_marker_is_not_output() -> None:
    marker = new_marker()
    fact = split_output(_section(marker, "t.one", b"a\n"), b"", marker, [SPEC],
                        privileged=False)["t.one"]
    assert fact.value == ["a"]


@pytest.mark.parametrize(("key_length", "found"), [(113, True), (114, True), (115, False)])
def test_marker_lines_are_recognised_up_to_a_length(key_length: int, found: bool) -> None:
    # the end line is the marker, " E ", the key, " 0": recognised while shorter than
    # the marker + 120, so a key of 114 characters is the longest that can end a section
    key = "k" * key_length
    marker = new_marker()
    fact = split_output(_section(marker, key, b"v"), b"", marker,
                        [FactSpec(key, "true", _lines)], privileged=False)[key]
    assert (fact.status is FactStatus.OK) is found


def test_a_long_parse_error_is_cut_to_500_characters() -> None:
    def fail(_text: str) -> list[str]:
        raise ParseError("p" * 800)
    fact = classify(FactSpec("t.p", "true", fail), "x", "", 0, privileged=False)
    assert fact.reason == ("unexpected output: " + "p" * 800)[:500]
