"""Which connection contexts reach sshd and which Match blocks apply: each rule by example.

Direct tests of :mod:`checks.sshd.sshd_contexts` on hand-built values: Match blocks from the
grep lines, the reach of a context or an address set (declared source, vantage point,
attached network, the Internet, in that order), the static proof for blocks no context met,
the plain ``sshd -T`` fallback, what makes a value unusable, AllowUsers/DenyUsers and where a
setting came from.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks.network.ipranges import IpSet
from checks.sshd.sshd_contexts import (
    Block,
    block_of,
    blocks,
    causes,
    describe,
    effective,
    may_log_in,
    networks_of,
    reach_of,
    reaches,
    static_reach,
    usable,
)

F1 = "/etc/ssh/sshd_config"
F2 = "/etc/ssh/sshd_config.d/50.conf"
NOWHERE = "no declared source, vantage point, attached network or Internet address lies in it"


def _line(file: str, line: int | None, text: str) -> dict[str, Any]:
    out: dict[str, Any] = {"file": file, "text": text}
    if line is not None:
        out["line"] = line
    return out


# ----------------------------------------------------------------------------- blocks
def test_blocks_from_grep_lines() -> None:
    lines = [
        _line(F1, 3, "PasswordAuthentication no"),  # main configuration: no block
        _line(F1, 40, "  Match User alice,bob "),
        _line(F1, 41, "PasswordAuthentication=YES"),
        _line(F1, 42, "PermitRootLogin  yes "),
        "not a dict",
        _line(F2, 1, "PermitRootLogin no"),  # a new file: outside every block
        _line(F2, 5, "match=Address 10.0.0.0/8"),
        _line(F2, 6, "KbdInteractiveAuthentication yes"),
        _line(F2, None, "Match LocalPort 2222"),
    ]
    assert blocks({"lines": lines}) == [
        Block(F1, 40, "User alice,bob", ((41, "passwordauthentication", "YES"),
                                         (42, "permitrootlogin", "yes"))),
        Block(F2, 5, "Address 10.0.0.0/8", ((6, "kbdinteractiveauthentication", "yes"),)),
        Block(F2, 0, "LocalPort 2222", ()),
    ]
    assert blocks({}) == []


def test_a_block_gives_the_first_value_of_a_key_lower_cased() -> None:
    block = Block(F1, 1, "User a", ((2, "passwordauthentication", "YES"),
                                    (3, "passwordauthentication", "no")))
    assert block.value("passwordauthentication") == "yes"
    assert block.value("permitrootlogin") is None
    assert block.where == f"{F1}:1"


@pytest.mark.parametrize(("file", "line", "where"), [
    (F1, 41, f"{F1}:40"), (F1, 50, f"{F1}:40"), (F1, 40, None), (F1, 39, None),
    (F1, 51, f"{F1}:50"), (F2, 45, None),
])
def test_block_of_is_the_nearest_match_line_above(file: str, line: int,
                                                  where: str | None) -> None:
    found = [Block(F1, 40, "User a", ()), Block(F1, 50, "User b", ())]
    block = block_of(found, file, line)
    assert (block.where if block else None) == where


# ----------------------------------------------------------------------------- reach
def _value(*contexts: dict[str, Any], networks: tuple[str, ...] = (),
           by_user: bool = True) -> dict[str, Any]:
    return {"contexts": list(contexts), "networks": list(networks),
            "users": {"by_user": by_user}}


def _c(kind: str, label: str, addr: str, user: str = "root", **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "label": label, "addr": addr, "user": user, **extra}


SOURCES = _value(_c("declared", "bad", "10.0.0.2"),  # unreadable entries come first
                 _c("declared", "10.0.0.0/8", "10.0.0.1"),
                 _c("vantage", "vp1", "198.18.0.5"), _c("auditor", "ssh-client", "198.18.0.9"),
                 _c("match", "172.16.0.0/12", "172.16.0.1"),
                 networks=("garbage", "192.168.1.10/24"))


def test_networks_of_reads_declared_vantage_and_attached_sets() -> None:
    declared, vantage, attached = networks_of(SOURCES)
    assert declared.networks() == ["10.0.0.0/8"]
    assert vantage.networks() == ["198.18.0.5/32", "198.18.0.9/32"]
    assert attached.networks() == ["192.168.1.0/24"]
    assert [s.empty for s in networks_of({})] == [True, True, True]


@pytest.mark.parametrize(("context", "why"), [
    (_c("declared", "10.0.0.0/8", "10.0.0.1"), "the declared SSH source 10.0.0.0/8"),
    (_c("vantage", "vp1", "198.18.0.5"), "vantage point vp1"),
    (_c("anywhere", "internet", "203.0.113.99"), "anywhere on the Internet"),
    (_c("auditor", "ssh-client", "10.9.9.9"), "the address this audit connected from"),
    (_c("match", "10.5.0.0/16", "10.5.0.1"), "a declared SSH source (10.5.0.1/32)"),
    (_c("match", "198.18.0.0/15", "198.18.0.5"), "a vantage point (198.18.0.5/32)"),
    (_c("match", "192.168.1.0/24", "192.168.1.7"),
     "a network the server is attached to (192.168.1.7/32)"),
    (_c("match", "8.8.8.0/24", "8.8.8.8"), "the Internet (8.8.8.8/32)"),
    (_c("match", "172.16.0.0/12", "172.16.0.1"), None),
    (_c("match", "x", "not-an-address"), None),
])
def test_reaches(context: dict[str, Any], why: str | None) -> None:
    assert reaches(context, SOURCES) == why


def test_reach_of_names_at_most_three_networks() -> None:
    addresses = IpSet.of(["10.0.0.1", "10.0.0.3", "10.0.0.5", "10.0.0.7"])
    assert reach_of(addresses, SOURCES) == (
        "a declared SSH source (10.0.0.1/32, 10.0.0.3/32, 10.0.0.5/32, …)")


# ----------------------------------------------------------------------------- static proof
def _block(criteria: str) -> Block:
    return Block(F2, 1, criteria, ((2, "passwordauthentication", "yes"),))


@pytest.mark.parametrize(("criteria", "by_user", "known", "why"), [
    ("All", True, None, "its criteria (All or Host names) cannot be enumerated"),
    ("User alice Host *.example", True, None,
     "its criteria (All or Host names) cannot be enumerated"),
    ("user=alice all", True, None, "its criteria (All or Host names) cannot be enumerated"),
    ("User alice", False, None, "accounts were not evaluated one by one"),
    ("Group admins", False, None, "accounts were not evaluated one by one"),
    ("User alice", True, False, "no evaluated account or local address meets its criteria"),
    ("LocalPort 2222", False, False, "no evaluated account or local address meets its criteria"),
    ("Address 10.0.0.*", True, None, "its address pattern '10.0.0.*' is not a literal network"),
    ("Address 10.1.0.0/16,host.example", True, None,
     "its address pattern 'host.example' is not a literal network"),
    ("Address 999.1.1.1", True, None, "its address list could not be read"),
    ("Address 172.16.0.0/12", True, False, NOWHERE),
    ("ADDRESS 10.0.0.0/8,!10.0.0.0/16", True, True, "a declared SSH source (10.1.0.0/16, "
                                                    "10.2.0.0/15, 10.4.0.0/14, …)"),
    ("Address 10.0.0.0/8,!10.0.0.0/8", True, False, NOWHERE),
    ("Address=8.8.8.0/24", True, True, "the Internet (8.8.8.0/24)"),
    # other criteria beside the address: sshd was asked from inside it and applied it to none
    ("Address 192.168.1.0/24 User alice", True, False,
     "sshd applied it to no account that can log in, from 192.168.1.7 inside it as from "
     "anywhere"),
    ("Address 192.168.1.0/24 LocalPort 2222", False, False,
     "sshd applied it to no account that can log in, from 192.168.1.7 inside it as from "
     "anywhere"),
    # ... unless accounts were not evaluated one by one, or a criterion is not covered
    ("Address 192.168.1.0/24 User alice", False, True,
     "a network the server is attached to (192.168.1.0/24)"),
    ("Address 192.168.1.0/24 RDomain x", True, True,
     "a network the server is attached to (192.168.1.0/24)"),
    ("Address 192.168.1.0/24", True, True, "a network the server is attached to (192.168.1.0/24)"),
    ("Address 192.168.1.0/24 Group admins", False, True,
     "a network the server is attached to (192.168.1.0/24)"),
    ("Address 192.168.1.0/24 Group admins", True, False,
     "sshd applied it to no account that can log in, from 192.168.1.7 inside it as from "
     "anywhere"),
    ("Address 192.168.1.0/24 User a Group g LocalAddress 192.168.1.10 LocalPort 22", True,
     False, "sshd applied it to no account that can log in, from 192.168.1.7 inside it as "
     "from anywhere"),
    ("Address X192.168.1.0/24", True, None,
     "its address pattern 'X192.168.1.0/24' is not a literal network"),
    ("Address !!192.168.1.0/24", True, False, NOWHERE),  # nothing but a negation
    ("User", True, False, "no evaluated account or local address meets its criteria"),
])
def test_static_reach(criteria: str, by_user: bool, known: bool | None, why: str) -> None:
    value = _value(_c("declared", "10.0.0.0/8", "10.0.0.1"),
                   _c("match", "192.168.1.0/24", "192.168.1.7"), _c("match", "x", "bad"),
                   networks=("192.168.1.10/24",), by_user=by_user)
    assert static_reach(_block(criteria), value) == (known, why)


def test_a_block_applied_somewhere_is_not_proved_unreachable() -> None:
    value = _value(_c("match", "192.168.1.0/24", "192.168.1.7"), networks=("192.168.1.10/24",))
    block = _block("Address 192.168.1.0/24 User alice")
    assert static_reach(block, value, met_any=True) == (
        True, "a network the server is attached to (192.168.1.0/24)")
    assert static_reach(block, value, met_any=False)[0] is False


def test_without_a_context_inside_the_block_it_may_reach() -> None:
    value = _value(_c("match", "x", "not-an-address"), _c("match", "10.0.0.0/8", "10.0.0.1"),
                   networks=("192.168.1.10/24",))
    assert static_reach(_block("Address 192.168.1.0/24 User alice"), value) == (
        True, "a network the server is attached to (192.168.1.0/24)")


@pytest.mark.parametrize(("criteria", "known"), [
    ("User alice", None),  # accounts not known to be evaluated one by one
    ("Address 192.168.1.0/24 LocalPort 2222", False),
    ("Address 192.168.1.0/24 User alice", True),
])
def test_without_a_users_entry_accounts_count_as_not_evaluated(criteria: str,
                                                               known: bool | None) -> None:
    value = {"contexts": [_c("match", "192.168.1.0/24", "192.168.1.7")],
             "networks": ["192.168.1.10/24"]}
    assert static_reach(_block(criteria), value)[0] is known


# ----------------------------------------------------------------------------- plain sshd -T
BASE = {"passwordauthentication": ["no"], "permitrootlogin": ["yes", "no"],
        "listenaddress": ["0.0.0.0:22"], "port": ["22"], "usepam": [], "usedns": ["no"]}


def _no_c(**changes: Any) -> dict[str, Any]:
    value = {"supported": False, "base_rc": 0, "base": BASE,
             "lines": [_line(F1, 3, "PasswordAuthentication no")], "contexts": []}
    value.update(changes)
    return value


def test_without_dash_c_and_without_match_lines_plain_sshd_t_stands_for_every_client() -> None:
    every = {"kind": "anywhere", "label": "every-client", "addr": "any", "laddr": "-",
             "lport": "-", "rc": 0,
             "options": {"passwordauthentication": "no", "permitrootlogin": "yes",
                         "usedns": "no"},
             "matched": [], "settings": [], "errors": []}
    out = effective(_no_c())
    assert out == {**_no_c(), "contexts": [{**every, "user": "root"},
                                           {**every, "user": "any-account"}],
                   "expected": 2, "no_match_blocks": True,
                   "users": {"login_accounts": None, "invalid": 0, "by_user": False,
                             "capped": False}}
    assert usable(out) == ""


@pytest.mark.parametrize("changes", [
    {"supported": True},
    {"lines": [_line(F1, 9, " match User x")]},
    {"base_rc": 1},
    {"base_rc": None},
    {"base": {k: v for k, v in BASE.items() if k != "passwordauthentication"}},
    {"base": {k: v for k, v in BASE.items() if k != "permitrootlogin"}},
])
def test_the_fallback_only_when_every_condition_holds(changes: dict[str, Any]) -> None:
    assert effective(_no_c(**changes)) == _no_c(**changes)


def test_supported_is_assumed_when_not_said() -> None:
    value = {"base_rc": 0, "base": BASE, "lines": [], "contexts": []}
    assert effective(value) == value


def test_no_grep_lines_at_all_is_no_match_block() -> None:
    value = _no_c()
    del value["lines"]
    out = effective(value)
    assert out["no_match_blocks"] is True and len(out["contexts"]) == 2


# ----------------------------------------------------------------------------- usable
def _ok_ctx(**changes: Any) -> dict[str, Any]:
    ctx = {"kind": "anywhere", "label": "internet", "user": "root", "addr": "203.0.113.99",
           "laddr": "-", "lport": "-", "rc": 0,
           "options": {"passwordauthentication": "no", "permitrootlogin": "no"},
           "errors": []}
    ctx.update(changes)
    return ctx


def _usable_value(**changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "supported": True, "unsupported": "", "base_rc": 0, "base_errors": [],
        "lines": [], "capped": False, "expected": 1,
        "users": {"login_accounts": 3, "invalid": 0, "by_user": False, "capped": False},
        "contexts": [_ok_ctx()]}
    value.update(changes)
    return value


ROOT_CTX = "root from 203.0.113.99 (anywhere internet)"


@pytest.mark.parametrize(("changes", "problem"), [
    ({}, ""),
    ({"supported": False, "unsupported": "sshd: illegal option -- C",
      "lines": [_line(F1, 9, "Match User a"), _line(F1, 10, "PasswordAuthentication yes"),
                _line(F2, 1, "match Address 10.0.0.0/8"), _line(F2, 7, "Match all"),
                _line(F2, 9, "Match LocalPort 1")]},
     "this sshd cannot evaluate Match blocks per connection (sshd -T -C is not supported: "
     f"sshd: illegal option -- C) and its configuration has Match blocks ({F1}:9, {F2}:1, "
     f"{F2}:7); update OpenSSH or check them by hand"),
    ({"supported": False, "unsupported": "Usage: sshd [-46DdeGiqTtV]"},
     "this sshd cannot evaluate Match blocks per connection (sshd -T -C is not supported: "
     "Usage: sshd [-46DdeGiqTtV]) and its configuration has Match blocks (plain sshd -T "
     "unreadable); update OpenSSH or check them by hand"),
    ({"supported": False, "unsupported": "x" * 200},
     "this sshd cannot evaluate Match blocks per connection (sshd -T -C failed: "
     f"{'x' * 160}) and its configuration has Match blocks (plain sshd -T unreadable); "
     "update OpenSSH or check them by hand"),
    ({"supported": False, "no_match_blocks": True}, ""),
    ({"base_rc": 255, "base_errors": ["bad option", "line 3", "third"]},
     "sshd -T failed (bad option; line 3)"),
    ({"base_rc": None}, "sshd -T failed ()"),
    ({"capped": True, "expected": 900}, "900 connection contexts exceed the cap; none evaluated"),
    ({"users": {}}, "the accounts with a login shell were not listed"),
    ({"users": {"login_accounts": 250, "capped": True}},
     "250 accounts with a login shell exceed the cap"),
    ({"users": {"login_accounts": 3, "invalid": 2}},
     "2 account name(s) with a login shell are not names posture passes to sshd"),
    ({"expected": 2}, "1 of 2 connection contexts came back"),
    ({"expected": 0, "contexts": []}, "0 of 0 connection contexts came back"),
    ({"contexts": [_ok_ctx(rc=1, errors=["e1", "e2", "e3"])]},
     f"sshd -T -C failed for {ROOT_CTX}: e1; e2"),
    ({"contexts": [_ok_ctx(rc=None)]}, f"sshd -T -C failed for {ROOT_CTX}: exit None"),
    ({"contexts": [_ok_ctx(options={"passwordauthentication": "no"})]},
     f"sshd -T -C failed for {ROOT_CTX}: exit 0"),
    ({"contexts": [_ok_ctx(options={"permitrootlogin": "no"})]},
     f"sshd -T -C failed for {ROOT_CTX}: exit 0"),
])
def test_usable(changes: dict[str, Any], problem: str) -> None:
    assert usable(_usable_value(**changes)) == problem


# ----------------------------------------------------------------------------- describe
@pytest.mark.parametrize(("laddr", "text"), [
    ("-", "alice from 10.0.0.1 (declared 10.0.0.0/8)"),
    ("", "alice from 10.0.0.1 (declared 10.0.0.0/8)"),
    (None, "alice from 10.0.0.1 (declared 10.0.0.0/8)"),
    ("192.168.1.10", "alice from 10.0.0.1 to 192.168.1.10 port 2222 (declared 10.0.0.0/8)"),
])
def test_describe(laddr: str | None, text: str) -> None:
    ctx = {"user": "alice", "addr": "10.0.0.1", "kind": "declared", "label": "10.0.0.0/8",
           "laddr": laddr, "lport": "2222"}
    assert describe(ctx) == text


# ----------------------------------------------------------------------------- AllowUsers
@pytest.mark.parametrize(("user", "options", "by_user", "allowed"), [
    ("alice", {}, True, True),
    ("alice", {"allowusers": "bob carol"}, True, False),
    ("alice", {"allowusers": "bob al*"}, True, True),
    ("alice", {"allowusers": "alice@10.0.0.0/8"}, True, True),  # host part: counted allowed
    ("alice", {"allowusers": "bob@alice"}, True, False),
    ("alice", {"denyusers": "alice"}, True, False),
    ("alice", {"denyusers": "a?ice"}, True, False),
    ("alice", {"denyusers": "alice@10.0.0.1"}, True, True),  # only from one host: allowed
    ("alice", {"denyusers": "bob"}, True, True),
    ("alice", {"denyusers": "alice", "allowusers": "alice"}, True, False),
    ("alice", {"allowusers": "bob"}, False, True),  # stands for every account
    ("alice", {"denyusers": "alice"}, False, True),
    ("root", {"allowusers": "bob"}, False, False),  # root is always itself
    ("root", {"denyusers": "root"}, False, False),
    ("root", {"allowusers": "root bob"}, False, True),
])
def test_may_log_in(user: str, options: dict[str, str], by_user: bool, allowed: bool) -> None:
    assert may_log_in({"user": user, "options": options}, by_user) is allowed


def test_may_log_in_evaluates_one_by_one_unless_told() -> None:
    assert may_log_in({"user": "alice", "options": {"allowusers": "bob"}}) is False


# ----------------------------------------------------------------------------- causes
FOUND = [Block(F2, 1, "Address 10.0.0.0/8", ((2, "passwordauthentication", "yes"),)),
         Block(F2, 5, "User alice", ((6, "passwordauthentication", "YES"),
                                     (7, "permitrootlogin", "yes")))]
GLOBAL = {"global_settings": [{"file": F1, "line": 12, "key": "passwordauthentication"},
                              {"file": F1, "line": 14, "key": "passwordauthentication"},
                              {"file": F1, "line": 20, "key": "permitrootlogin"}]}


@pytest.mark.parametrize(("context", "key", "value", "where"), [
    # sshd's log names the lines: their blocks (or the line itself outside any block)
    ({"settings": [{"key": "passwordauthentication", "file": F2, "line": 2},
                   {"key": "permitrootlogin", "file": F2, "line": 7},
                   {"key": "passwordauthentication", "file": F1, "line": 30}]},
     "passwordauthentication", GLOBAL,
     [f"{F2}:1 (Match Address 10.0.0.0/8)", f"{F1}:30"]),
    ({"settings": [{"key": "passwordauthentication", "file": F2}]}, "passwordauthentication",
     {}, [f"{F2}:None"]),
    # no log of settings (older sshd): blocks that set the same value
    ({"options": {"passwordauthentication": "YES"}}, "passwordauthentication", GLOBAL,
     [f"{F2}:1 (Match Address 10.0.0.0/8)", f"{F2}:5 (Match User alice)"]),
    ({"options": {"permitrootlogin": "yes"}}, "permitrootlogin", GLOBAL,
     [f"{F2}:5 (Match User alice)"]),
    # nothing in a block: the first main-configuration line, else the default
    ({"options": {"passwordauthentication": "no"}}, "passwordauthentication", GLOBAL,
     [f"{F1}:12 (main configuration)"]),
    ({"options": {"passwordauthentication": "no"}}, "passwordauthentication", {},
     ["the sshd default"]),
    # a log that names other keys: no guessing from values
    ({"options": {"passwordauthentication": "yes"},
      "settings": [{"key": "permitrootlogin", "file": F2, "line": 7}]},
     "passwordauthentication", GLOBAL, [f"{F1}:12 (main configuration)"]),
    ({"options": {"usepam": "yes"}}, "usepam", GLOBAL, ["the sshd default"]),
])
def test_causes(context: dict[str, Any], key: str, value: dict[str, Any],
                where: list[str]) -> None:
    assert causes(context, key, FOUND, value) == where
