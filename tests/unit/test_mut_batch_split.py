"""The batch script and its splitter: keep-alive lines, DATA here-documents, raw sections.

Streams are assembled byte by byte, so what each section keeps is exact.
"""

from __future__ import annotations

import pytest

from posture.collect.batch import (
    MAX_DATA_LINES,
    build_script,
    classify,
    data_stdin,
    new_marker,
    split_output,
    split_sections,
)
from posture.collect.facts.spec import FactSpec
from posture.models import FactStatus


def _spec(key: str, snippet: str = "true") -> FactSpec:
    return FactSpec(key, snippet, lambda text: text.split("\n"))


def _section(marker: str, key: str, body: bytes, rc: int | None = 0) -> bytes:
    end = b"" if rc is None else f"\n{marker} E {key} {rc}\n".encode()
    return f"\n{marker} B {key}\n".encode() + body + end


# ----------------------------------------------------------------------------- keep-alive
def test_keepalive_lines_are_dropped_inside_a_section_on_both_streams() -> None:
    marker = new_marker()
    alive = f"{marker} K\n".encode()
    out = _section(marker, "t.one", b"a\n" + alive + b"b")
    err = _section(marker, "t.one", alive + b"warning\n" + alive + alive + b"more")
    assert split_sections(out, err, marker, ["t.one"]) == {
        "t.one": (b"a\nb\n", b"warning\nmore\n", 0)}
    fact = split_output(out, err, marker, [_spec("t.one")], privileged=False)["t.one"]
    assert fact.value == ["a", "b"]


@pytest.mark.parametrize("line", [" K x", " KK", " k", "K", " B"])
def test_only_the_exact_keepalive_line_is_dropped(line: str) -> None:
    marker = new_marker()
    out = _section(marker, "t.one", f"a\n{marker}{line}\nb".encode())
    assert split_sections(out, b"", marker, ["t.one"])["t.one"][0] == (
        f"a\n{marker}{line}\nb\n".encode())


# ----------------------------------------------------------------------------- raw sections
def test_split_sections_returns_each_streams_bytes_and_the_stdout_status() -> None:
    marker = new_marker()
    out = (_section(marker, "t.one", "é\nline two".encode(), 0)
           + _section(marker, "t.two", b"", 3) + _section(marker, "t.three", b"cut", None))
    err = (_section(marker, "t.one", b"", 9) + _section(marker, "t.two", b"oops", 7))
    assert split_sections(out, err, marker, ["t.one", "t.two", "t.three", "t.four"]) == {
        "t.one": ("é\nline two\n".encode(), b"", 0),
        "t.two": (b"", b"oops\n", 3),
        "t.three": (b"cut\n", b"", None),
        "t.four": (b"", b"", None),
    }


def test_split_sections_keeps_inner_empty_lines() -> None:
    marker = new_marker()
    out = _section(marker, "t.one", b"\na\n\nb\n")
    assert split_sections(out, b"", marker, ["t.one"])["t.one"] == (b"\na\n\nb\n", b"", 0)


# ----------------------------------------------------------------------------- the script
def test_the_watchdog_writes_this_runs_keepalive_line() -> None:
    marker = new_marker()
    script = build_script([_spec("t.one")], marker, 30).decode()
    assert f"printf '%s K\\n' {marker} >&2 2>/dev/null" in script
    assert 'T="timeout -k 2 30"' in script
    assert "None" not in script


def test_data_goes_in_a_here_document_closed_by_this_runs_delimiter() -> None:
    marker = new_marker()
    script = build_script([_spec("t.one"), _spec("t.two")], marker, 5,
                          {"t.one": ["anywhere internet 203.0.113.99"]}).decode()
    assert (f"$T sh -c true <<'{marker}%DATA'\nanywhere internet 203.0.113.99\n{marker}%DATA\n"
            in script)
    assert "$T sh -c true </dev/null\n" in script
    assert script.count("%DATA") == 2


def test_an_empty_data_list_is_still_a_here_document() -> None:
    marker = new_marker()
    script = build_script([_spec("t.one")], marker, 5, {"t.one": []}).decode()
    assert f"$T sh -c true <<'{marker}%DATA'\n{marker}%DATA\n" in script


@pytest.mark.parametrize(("count", "ok"), [
    (MAX_DATA_LINES - 1, True), (MAX_DATA_LINES, True), (MAX_DATA_LINES + 1, False),
])
def test_data_line_count_boundary(count: int, ok: bool) -> None:
    lines = ["a"] * count
    if ok:
        assert data_stdin(lines, "M").count("\na") == count
    else:
        with pytest.raises(ValueError, match=rf"^{count} data lines \(at most 500\)$"):
            data_stdin(lines, "M")
    assert MAX_DATA_LINES == 500


def test_a_bad_data_line_is_named_cut_to_60_characters() -> None:
    line = "x" * 70 + ";"
    with pytest.raises(ValueError) as info:
        data_stdin(["fine", line], "M")
    assert str(info.value) == (f"data line {'x' * 60!r} has characters outside "
                               "[A-Za-z0-9_.:/ -]")


@pytest.mark.parametrize(("length", "ok"), [(200, True), (201, False)])
def test_a_data_line_holds_at_most_200_characters(length: int, ok: bool) -> None:
    if ok:
        assert data_stdin(["a" * length], "M") == f"<<'M%DATA'\n{'a' * length}\nM%DATA"
    else:
        with pytest.raises(ValueError):
            data_stdin(["a" * length], "M")


# ----------------------------------------------------------------------------- classify
def test_classify_marks_nothing_truncated_unless_told() -> None:
    fact = classify(_spec("t.one"), "line", "", 0, privileged=False)
    assert fact.status is FactStatus.OK and fact.truncated is False
    told = classify(_spec("t.one"), "line", "", 0, privileged=False, over_cap=True)
    assert told.truncated is True


def test_an_unfinished_section_keeps_its_last_empty_line() -> None:
    # The stream ended inside the section: every line it sent is kept, the last empty one too.
    marker = new_marker()
    out = f"\n{marker} B t.one\n".encode() + b"a\n\n"
    assert split_sections(out, b"", marker, ["t.one"]) == {"t.one": (b"a\n\n", b"", None)}


def test_bytes_that_are_not_utf8_are_replaced() -> None:
    marker = new_marker()
    out = _section(marker, "t.one", b"caf\xe9 \xff\xfe ok")
    assert split_sections(out, b"", marker, ["t.one"])["t.one"][0] == (
        "caf\ufffd \ufffd\ufffd ok\n".encode())
