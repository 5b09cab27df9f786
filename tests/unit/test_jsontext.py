"""The fast JSON path writes exactly the standard library's bytes, or steps aside."""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posture import jsontext
from posture.jsontext import fast_indented, indented_text
from posture.models import Msg
from posture.sanitize import escape_json_invisible, json_document

pytestmark = pytest.mark.skipif(not jsontext.available(), reason="orjson is not installed")


def reference_document(value: Any) -> bytes:
    """What ``json_document`` wrote before the fast path: the standard library's text."""
    text = json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    return escape_json_invisible(text).encode("utf-8")


HOSTILE = [
    "".join(chr(c) for c in range(0x20)),  # every C0 control
    "del \x7f c1 \x80\x85\x9f nbsp \xa0",
    "bidi \u202e\u2066 zero width \u200b\ufeff line sep \u2028\u2029",
    'quote " backslash \\ slash / tab \t',
    "accents é ü ñ, CJK 漢字, emoji 😀 flag 🇳🇱, tag \U000e0041",
    "unassigned \U0010ffff \ufffe",
    "",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings_take_the_fast_path_with_identical_bytes(text: str) -> None:
    value = {"k": text, text or "empty": [text, {"nested": text}]}
    assert fast_indented(value) is not None
    assert json_document(value) == reference_document(value)


def test_a_lone_surrogate_falls_back_and_is_escaped() -> None:
    value = {"s": "a\ud800b", "t": ["\udfff"]}
    assert fast_indented(value) is None
    out = json_document(value)
    assert out == reference_document(value)
    assert b"\\ud800" in out and json.loads(out) == value


@pytest.mark.parametrize("number", [2**63 - 1, -(2**63), 2**64, -(2**64) - 1, 10**40])
def test_integers_of_any_size(number: int) -> None:
    value = {"n": number, "l": [number]}
    assert json_document(value) == reference_document(value)


@pytest.mark.parametrize("number", [0.0, -0.0, 0.1, 1.5, 17.9, 1e16, 1e22, 1e300, 5e-324,
                                    1e-4, 1e-5, 1.5e-7, 9.999e-9, 1e-10, 2.5e-300,
                                    123456789.123, 1 / 3])
def test_floats_read_as_python_writes_them(number: float) -> None:
    for x in (number, -number):
        value = {"f": x, "l": [x, {"g": x}]}
        assert json_document(value) == reference_document(value)


def test_floats_orjson_writes_differently_are_left_to_the_standard_library() -> None:
    assert fast_indented([1e-5]) is None  # orjson: 0.00001, Python: 1e-05
    assert fast_indented([1e-9]) is None  # orjson: 1e-9, Python: 1e-09
    assert fast_indented([0.5, 1e16]) is not None


@settings(max_examples=3000, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_any_finite_float(number: float) -> None:
    assert json_document([number]) == reference_document([number])


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_raise_as_before_or_print_as_before(bad: float) -> None:
    with pytest.raises(ValueError):
        json_document({"x": bad})
    assert indented_text({"x": bad}) == json.dumps({"x": bad}, indent=2, ensure_ascii=False)


class Colour(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


def test_string_and_int_subclasses_are_written_by_value() -> None:
    value = {"summary": Msg("{n} hosts", "", None, {"n": 3}), "colour": Colour.RED,
             "level": Level.HIGH}
    assert fast_indented(value) is not None
    assert json_document(value) == reference_document(value)
    keyed = {Colour.RED: True}  # orjson refuses a key of a str subclass: the library writes it
    assert fast_indented(keyed) is None
    assert json_document(keyed) == reference_document(keyed)


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize("odd", [Point(1), uuid.UUID(int=5), enum.Enum("E", "A").A, {1, 2}])
def test_values_json_refuses_are_still_refused(odd: Any) -> None:
    assert fast_indented({"v": odd}) is None
    with pytest.raises(TypeError):
        json_document({"v": odd})


def test_non_string_keys_are_converted_as_json_does() -> None:
    value = {3: "a", 2.5: "b", True: "c", None: "d"}
    assert fast_indented(value) is None
    assert json_document(value) == reference_document(value)


def test_deep_nesting_and_cycles_behave_as_before() -> None:
    deep: Any = "leaf"
    for _ in range(400):
        deep = [deep]
    assert json_document(deep) == reference_document(deep)
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(ValueError, match="Circular"):
        json_document(cycle)


def test_empty_containers_and_tuples() -> None:
    value = {"a": {}, "b": [], "c": ({}, [], ()), "d": [[[]]], "e": None, "f": False}
    assert fast_indented(value) is not None
    assert json_document(value) == reference_document(value)
    assert indented_text(value) == json.dumps(value, indent=2, ensure_ascii=False)


json_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(st.characters(codec=None, exclude_categories=())),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(st.characters(codec=None, exclude_categories=()), max_size=5),
                      inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(json_data)
def test_any_json_data(value: Any) -> None:
    try:
        expected = reference_document(value)
    except ValueError:  # an infinity: both refuse it
        with pytest.raises(ValueError):
            json_document(value)
        return
    assert json_document(value) == expected
