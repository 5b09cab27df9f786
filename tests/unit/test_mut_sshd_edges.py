"""sshd per connection context at the edges of its data: missing entries and empty values.

A hand-edited or truncated ``sshd.contexts`` value may lack a key or hold an empty value;
these tests pin what the reach rules and the parser make of that (never a crash, never a
looser verdict).
"""

from __future__ import annotations

from typing import Any

import pytest

from checks.sshd.sshd_contexts import (
    Block,
    blocks,
    causes,
    effective,
    may_log_in,
    static_reach,
    usable,
)
from posture.collect.facts.sshd_contexts import parse_sshd_contexts

F2 = "/etc/ssh/sshd_config.d/50.conf"
ATTACHED = "a network the server is attached to (192.168.1.0/24)"
APPLIED_TO_NONE = ("sshd applied it to no account that can log in, from 192.168.1.7 inside it "
                   "as from anywhere")


def _block(criteria: str) -> Block:
    return Block(F2, 1, criteria, ((2, "passwordauthentication", "yes"),))


@pytest.mark.parametrize(("criteria", "known", "why"), [
    ("Address 192.168.1.0/24 LocalAddress 192.168.1.10", False, APPLIED_TO_NONE),
    ("Address 192.168.1.0/24 LocalPort 22 LocalAddress 192.168.1.10", False, APPLIED_TO_NONE),
    ("Address 192.168.1.0/24 LocalAddress 192.168.1.10 RDomain x", True, ATTACHED),
])
def test_local_address_is_a_criterion_sshd_was_asked_about(criteria: str, known: bool,
                                                            why: str) -> None:
    value = {"contexts": [{"kind": "match", "addr": "192.168.1.7"}],
             "networks": ["192.168.1.10/24"], "users": {"by_user": True}}
    assert static_reach(_block(criteria), value) == (known, why)


def test_without_contexts_nothing_is_inside_the_block() -> None:
    value = {"networks": ["192.168.1.10/24"], "users": {"by_user": True}}
    assert static_reach(_block("Address 192.168.1.0/24 User alice"), value) == (True, ATTACHED)


def test_a_setting_without_a_line_is_not_put_in_a_block_at_line_zero() -> None:
    found = [Block(F2, 0, "User a", ((0, "passwordauthentication", "yes"),))]
    context = {"settings": [{"key": "passwordauthentication", "file": F2}]}
    assert causes(context, "passwordauthentication", found, {}) == [f"{F2}:None"]


@pytest.mark.parametrize(("context", "where"), [
    ({}, [f"{F2}:1 (Match User a)"]),  # no options, no settings: empty value, as the block
    ({"options": {}}, [f"{F2}:1 (Match User a)"]),
    ({"options": {"usepam": "no"}}, ["the sshd default"]),
])
def test_an_absent_option_is_matched_as_an_empty_value(context: dict[str, Any],
                                                       where: list[str]) -> None:
    found = [Block(F2, 1, "User a", ((2, "usepam", ""),))]
    assert causes(context, "usepam", found, {}) == where


def test_the_smallest_answer_parses_to_the_empty_shape() -> None:
    assert parse_sshd_contexts("base_rc\t0\n") == {
        "supported": True, "unsupported": "", "base_rc": 0, "base_errors": [], "files": [],
        "global_settings": [], "lines": [], "base": {}, "users": {}, "networks": [],
        "unresolved": [], "expected": None, "capped": False, "contexts": []}


def test_context_fields_are_split_on_tabs_only_and_an_unfinished_one_has_no_status() -> None:
    value = parse_sshd_contexts("base_rc\t0\nC\tvantage\tmy office\troot\t198.18.0.5\t-\t-\n"
                                "T\tpasswordauthentication no\n")
    assert isinstance(value, dict)
    assert value["contexts"] == [
        {"kind": "vantage", "label": "my office", "user": "root", "addr": "198.18.0.5",
         "laddr": "-", "lport": "-", "rc": None,
         "options": {"passwordauthentication": "no"}, "matched": [], "settings": [],
         "errors": []}]


def test_blocks_read_only_the_first_equals_sign_and_keep_lines_without_text() -> None:
    lines = [{"file": F2, "line": 1, "text": "Match Address=10.0.0.0/8 User=alice"},
             {"file": F2, "line": 2}]
    assert blocks({"lines": lines}) == [
        Block(F2, 1, "Address 10.0.0.0/8 User=alice", ((2, "", ""),))]


@pytest.mark.parametrize(("context", "allowed"), [
    ({"user": "None"}, True),  # no options at all: nobody shut out
    ({"user": "XXXX", "options": {}}, True),
    ({"user": "a@b", "options": {"denyusers": "a@b"}}, True),  # user@host: a host rule
    ({"user": "alice", "options": {"allowusers": "alice@x@y"}}, True),  # user before the first @
    ({"user": "alice", "options": {"allowusers": "alice@x bob"}}, True),
])
def test_may_log_in_edges(context: dict[str, Any], allowed: bool) -> None:
    assert may_log_in(context) is allowed


def _complete() -> dict[str, Any]:
    return {"supported": True, "unsupported": "", "base_rc": 0, "base_errors": [],
            "lines": [], "capped": False, "expected": 1,
            "users": {"login_accounts": 1, "invalid": 0, "by_user": False, "capped": False},
            "contexts": [{"kind": "anywhere", "label": "internet", "user": "root",
                          "addr": "203.0.113.99", "laddr": "-", "rc": 0, "errors": [],
                          "options": {"passwordauthentication": "no",
                                      "permitrootlogin": "no"}}]}


ROOT = "root from 203.0.113.99 (anywhere internet)"


@pytest.mark.parametrize(("drop", "changes", "problem"), [
    ("supported", {}, ""),  # an older fact without the flag: -C worked
    ("unsupported", {"supported": False},
     "this sshd cannot evaluate Match blocks per connection (sshd -T -C failed: ) and its "
     "configuration has Match blocks (plain sshd -T unreadable); update OpenSSH or check them "
     "by hand"),
    ("base_errors", {"base_rc": 1}, "sshd -T failed ()"),
    ("users", {}, "the accounts with a login shell were not listed"),
    ("contexts", {}, "0 of 1 connection contexts came back"),
])
def test_usable_with_a_key_missing(drop: str, changes: dict[str, Any], problem: str) -> None:
    value = _complete()
    del value[drop]
    value.update(changes)
    assert usable(value) == problem


def test_a_context_without_options_is_a_failed_context() -> None:
    value = _complete()
    del value["contexts"][0]["options"]
    assert usable(value) == f"sshd -T -C failed for {ROOT}: exit 0"


def test_without_a_base_there_is_no_fallback() -> None:
    value = {"supported": False, "base_rc": 0, "lines": [], "contexts": []}
    assert effective(value) == value
