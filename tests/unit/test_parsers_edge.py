"""Parser inputs found on real hosts that once lost information."""

from __future__ import annotations

from posture.collect.facts import parsers


def test_os_release_with_a_byte_order_mark_keeps_its_first_key() -> None:
    text = "\ufeffID=ubuntu\nNAME=\"Ubuntu\"\nVERSION_ID=\"12.04\"\n"
    value = parsers.parse_env_file(text)
    assert value == {"ID": "ubuntu", "NAME": "Ubuntu", "VERSION_ID": "12.04"}


def test_a_byte_order_mark_alone_in_the_middle_is_not_stripped() -> None:
    # Only a leading mark is an encoding artefact; anywhere else the key is not a key.
    value = parsers.parse_env_file("NAME=x\n\ufeffID=ubuntu\n")
    assert value == {"NAME": "x"}
