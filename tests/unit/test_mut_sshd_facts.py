"""The ``sshd.contexts`` parser and its DATA lines, line by line and at every cap.

Each tag of the snippet's output is fed here by hand, so the exact parsed value is visible:
what is kept, what is dropped (foreign keys, malformed lines, lines outside a context) and
where each field is cut (64, 300, 400 characters; 600 contexts; 101 accounts; 200,000 lines).
"""

from __future__ import annotations

import pytest

from posture.collect.facts.parsers import ParseError
from posture.collect.facts.sshd_contexts import (
    ANYWHERE,
    MAX_CONTEXTS,
    MAX_USERS,
    context_sources,
    parse_sshd_contexts,
)
from posture.inventory.model import (
    Claim,
    Host,
    Inventory,
    Scope,
    SshSettings,
    Timeouts,
    VantagePoint,
)

DROP = "/etc/ssh/sshd_config.d/50.conf"
FULL = "\n".join([
    "X\tsshd: a warning before any context",
    "base_rc\t0",
    "F\t/etc/ssh/sshd_config",
    f"F\t{DROP}",
    "G\t/etc/ssh/sshd_config:12 setting PasswordAuthentication no",
    "G\t/etc/ssh/sshd_config:13 setting Port 22",
    "G\tno setting here",
    "B\tpasswordauthentication no",
    "B\tport 22",
    "B\tport  2222 ",
    f"L\t{DROP}:1:  Match Address 10.0.0.0/8 ",
    "L\tnot a grep line",
    "users\t3\t1\tyes\tno\troot alice bob",
    "N\t 10.1.2.3/16 ",
    "W\t host*.example ",
    "contexts\t2",
    "C\tdeclared\t10.0.0.0/8\troot\t10.0.0.1\t-\t-",
    "T\tPasswordAuthentication  yes ",
    "T\tpasswordauthentication no",
    "T\tport 22",
    "M\t10.0.0.1 matched 'Address 10.0.0.0/8' at line 1",
    "M\tsomething else",
    "S\treprocess config:2 setting PasswordAuthentication yes",
    f"S\t{DROP}:3 setting PermitRootLogin yes",
    "S\tnonsense",
    "X\tsshd: an error for this context",
    "R 0",
    "T\tpermitrootlogin yes",
    "C\tanywhere\tinternet\talice\t203.0.113.99\t198.18.0.1\t2222",
    "R 255",
    "",
])


def test_every_tag_is_read_into_its_field() -> None:
    assert parse_sshd_contexts(FULL) == {
        "supported": True, "unsupported": "", "base_rc": 0,
        "base_errors": ["sshd: a warning before any context"],
        "files": ["/etc/ssh/sshd_config", DROP],
        "global_settings": [{"file": "/etc/ssh/sshd_config", "line": 12,
                             "key": "passwordauthentication", "value": "no"}],
        "lines": [{"file": DROP, "line": 1, "text": "Match Address 10.0.0.0/8"}],
        "base": {"passwordauthentication": ["no"], "port": ["22", "2222"]},
        "users": {"login_accounts": 3, "invalid": 1, "by_user": True, "capped": False,
                  "evaluated": ["root", "alice", "bob"]},
        "networks": ["10.1.2.3/16"], "unresolved": ["host*.example"],
        "expected": 2, "capped": False,
        "contexts": [
            {"kind": "declared", "label": "10.0.0.0/8", "user": "root", "addr": "10.0.0.1",
             "laddr": "-", "lport": "-", "rc": 0,
             "options": {"passwordauthentication": "yes"},
             "matched": [{"criteria": "Address 10.0.0.0/8", "line": 1}],
             "settings": [
                 {"file": "/etc/ssh/sshd_config", "line": 2,
                  "key": "passwordauthentication", "value": "yes"},
                 {"file": DROP, "line": 3, "key": "permitrootlogin", "value": "yes"}],
             "errors": ["sshd: an error for this context"]},
            {"kind": "anywhere", "label": "internet", "user": "alice", "addr": "203.0.113.99",
             "laddr": "198.18.0.1", "lport": "2222", "rc": 255, "options": {}, "matched": [],
             "settings": [], "errors": []},
        ],
    }


def test_without_a_base_rc_line_it_is_not_this_snippets_output() -> None:
    with pytest.raises(ParseError, match="no base_rc line"):
        parse_sshd_contexts("F\t/etc/ssh/sshd_config\nnocontext\tx\n")


@pytest.mark.parametrize(("line", "supported", "why"), [
    ("nocontext\tsshd: illegal option -- C", False, "sshd: illegal option -- C"),
    ("nocontext\t  ", False, "sshd -C failed"),
    ("nocontext", False, "sshd -C failed"),
    ("nocontext\t" + "u" * 400, False, "u" * 300),
])
def test_an_sshd_without_dash_c(line: str, supported: bool, why: str) -> None:
    value = parse_sshd_contexts(f"base_rc\t0\n{line}\n")
    assert isinstance(value, dict)
    assert (value["supported"], value["unsupported"]) == (supported, why)


@pytest.mark.parametrize(("text", "rc"), [("0", 0), ("255", 255), ("", None), ("x1", None),
                                          ("-1", None)])
def test_exit_statuses_are_decimal_or_unknown(text: str, rc: int | None) -> None:
    value = parse_sshd_contexts(f"base_rc\t{text}\nC\tanywhere\ti\troot\t1.2.3.4\t-\t-\n"
                                f"R {text}\n")
    assert isinstance(value, dict)
    assert value["base_rc"] == rc
    assert value["contexts"][0]["rc"] == rc


def test_lines_after_a_context_ended_belong_to_none() -> None:
    value = parse_sshd_contexts("base_rc\t0\nC\tanywhere\ti\troot\t1.2.3.4\t-\t-\nR 0\n"
                                "R 1\nT\tpasswordauthentication yes\nM\t1.2.3.4 matched 'x' at "
                                "line 1\nS\t/f:1 setting PermitRootLogin yes\nX\tlate error\n")
    assert isinstance(value, dict)
    (only,) = value["contexts"]
    assert (only["rc"], only["options"], only["matched"], only["settings"]) == (0, {}, [], [])
    assert only["errors"] == [] and value["base_errors"] == ["late error"]


def test_a_reprocessed_main_file_stays_so_named_when_no_file_was_listed() -> None:
    value = parse_sshd_contexts("base_rc\t0\nC\tanywhere\ti\troot\t1.2.3.4\t-\t-\n"
                                "S\treprocess config:7 setting PasswordAuthentication yes\n")
    assert isinstance(value, dict)
    assert value["contexts"][0]["settings"] == [
        {"file": "reprocess config", "line": 7, "key": "passwordauthentication",
         "value": "yes"}]


@pytest.mark.parametrize("line", [
    "users\t3\t0\tno\tno",  # four fields
    "users\t3\t0\tno\tno\troot\textra",  # six fields
])
def test_a_users_line_needs_five_fields(line: str) -> None:
    value = parse_sshd_contexts(f"base_rc\t0\n{line}\n")
    assert isinstance(value, dict)
    assert value["users"] == {}


@pytest.mark.parametrize(("fields", "by_user", "capped"), [
    ("yes\tyes", True, True), ("no\tno", False, False), ("YES\tYes", False, False),
])
def test_users_flags_are_yes_or_not(fields: str, by_user: bool, capped: bool) -> None:
    value = parse_sshd_contexts(f"base_rc\t0\nusers\tx\t2\t{fields}\troot\n")
    assert isinstance(value, dict)
    assert value["users"] == {"login_accounts": None, "invalid": 2, "by_user": by_user,
                              "capped": capped, "evaluated": ["root"]}


def test_evaluated_accounts_are_cut_one_past_the_cap() -> None:
    names = [f"u{n}" for n in range(MAX_USERS + 5)]
    value = parse_sshd_contexts(f"base_rc\t0\nusers\t105\t0\tyes\tyes\t{' '.join(names)}\n")
    assert isinstance(value, dict)
    assert value["users"]["evaluated"] == names[:MAX_USERS + 1]
    assert MAX_USERS == 100


@pytest.mark.parametrize("line", [
    "C\tanywhere\ti\troot\t1.2.3.4\t-",  # five fields
    "C\tanywhere\ti\troot\t1.2.3.4\t-\t-\textra",  # seven fields
])
def test_a_context_line_needs_six_fields(line: str) -> None:
    value = parse_sshd_contexts(f"base_rc\t0\n{line}\nT\tpasswordauthentication yes\nR 0\n")
    assert isinstance(value, dict)
    assert value["contexts"] == []


@pytest.mark.parametrize(("announced", "capped"), [
    (MAX_CONTEXTS - 1, False), (MAX_CONTEXTS, False), (MAX_CONTEXTS + 1, True),
    (None, False),
])
def test_the_context_cap_boundary(announced: int | None, capped: bool) -> None:
    value = parse_sshd_contexts(f"base_rc\t0\ncontexts\t{announced or 'many'}\n")
    assert isinstance(value, dict)
    assert (value["expected"], value["capped"]) == (announced, capped)
    assert MAX_CONTEXTS == 600


def test_at_most_600_contexts_are_kept_but_the_last_one_still_takes_its_lines() -> None:
    lines = ["base_rc\t0"]
    for n in range(MAX_CONTEXTS + 1):
        lines += [f"C\tanywhere\ti\tu{n}\t1.2.3.4\t-\t-", "T\tpasswordauthentication no",
                  "R 0"]
    value = parse_sshd_contexts("\n".join(lines))
    assert isinstance(value, dict)
    assert len(value["contexts"]) == MAX_CONTEXTS
    assert value["contexts"][-1]["user"] == f"u{MAX_CONTEXTS - 1}"


def test_only_the_first_200000_lines_are_read() -> None:
    filler = ["N\t10.0.0.0/8"] * (200_000 - 2)
    text = "\n".join(["base_rc\t0", *filler, "W\tlast-read", "W\tnever-read"])
    value = parse_sshd_contexts(text)
    assert isinstance(value, dict)
    assert value["unresolved"] == ["last-read"]


def test_every_field_is_cut_at_its_cap() -> None:
    long = "a" * 1000
    text = "\n".join([
        "base_rc\t0",
        f"X\t{long}",
        f"F\t/{long}",
        f"G\t/{long}:1 setting PermitRootLogin {long}",
        f"B\tport {long}",
        f"L\t/{long}:3:{long}",
        f"N\t{long}",
        f"W\t{long}",
        f"C\t{long}\t{long}\t{long}\t{long}\t{long}\t{long}",
        f"T\tpasswordauthentication {long}",
        f"M\t1.2.3.4 matched '{long}' at line 5",
        f"S\t/{long}:2 setting PermitRootLogin {long}",
        f"X\t{long}",
        "R 0",
    ])
    value = parse_sshd_contexts(text)
    assert isinstance(value, dict)
    assert value["base_errors"] == ["a" * 300]
    assert value["files"] == ["/" + "a" * 299]
    assert value["global_settings"] == [{"file": "/" + "a" * 299, "line": 1,
                                         "key": "permitrootlogin", "value": "a" * 300}]
    assert value["base"] == {"port": ["a" * 300]}
    assert value["lines"] == [{"file": "/" + "a" * 299, "line": 3, "text": "a" * 300}]
    assert value["networks"] == ["a" * 64]
    assert value["unresolved"] == ["a" * 200]
    (ctx,) = value["contexts"]
    assert {k: ctx[k] for k in ("kind", "label", "user", "addr", "laddr", "lport")} == {
        "kind": long, "label": "a" * 64, "user": "a" * 64, "addr": "a" * 64,
        "laddr": "a" * 64, "lport": "a" * 8}
    assert ctx["options"] == {"passwordauthentication": "a" * 400}
    assert ctx["matched"] == [{"criteria": "a" * 300, "line": 5}]
    assert ctx["settings"] == [{"file": "/" + "a" * 299, "line": 2, "key": "permitrootlogin",
                                "value": "a" * 300}]
    assert ctx["errors"] == ["a" * 300]


# ----------------------------------------------------------------------------- DATA lines
def _inventory(*claims: Claim, vantage: tuple[VantagePoint, ...] = ()) -> tuple[Inventory,
                                                                               Host]:
    host = Host("web1", "198.18.0.10", SshSettings(), Timeouts())
    return Inventory("inv.yml", "0" * 64, "Org", (host,), claims, vantage_points=vantage), host


def _allow(networks: object, hosts: tuple[str, ...] = ("web1",),
           kind: str = "ip_allowlist") -> Claim:
    return Claim("c1", kind, "SSH only from the office", Scope(hosts=hosts),
                 {"ssh": networks})


ANY_LINES = [f"anywhere internet {a}" for a in ANYWHERE]


@pytest.mark.parametrize(("network", "lines"), [
    ("198.18.7.9/32", ["declared 198.18.7.9/32 198.18.7.9"]),
    ("198.18.7.8/31", ["declared 198.18.7.8/31 198.18.7.8"]),
    ("198.18.7.8/30", ["declared 198.18.7.8/30 198.18.7.9", "declared 198.18.7.8/30 198.18.7.10"]),
    ("198.18.7.9/24", ["declared 198.18.7.0/24 198.18.7.1", "declared 198.18.7.0/24 198.18.7.254"]),
    ("2001:db8::1/128", ["declared 2001:db8::1/128 2001:db8::1"]),
    ("2001:db8::/127", ["declared 2001:db8::/127 2001:db8::"]),
    ("2001:db8::/126", ["declared 2001:db8::/126 2001:db8::1", "declared 2001:db8::/126 2001:db8::2"]),
    ("not-a-network", []),
])
def test_a_declared_network_is_stood_for_by_its_first_and_last_host(network: str,
                                                                     lines: list[str]) -> None:
    inv, host = _inventory(_allow([network]))
    assert context_sources(inv, host) == [*lines, *ANY_LINES]


@pytest.mark.parametrize("claim", [
    _allow(["10.0.0.0/8"], hosts=("other",)),  # another host's claim
    _allow(["10.0.0.0/8"], kind="encryption_at_rest"),  # another claim type
    _allow("10.0.0.0/8"),  # not a list
    _allow(("10.0.0.0/8",)),  # not a list either
])
def test_only_this_hosts_allowlists_declare_sources(claim: Claim) -> None:
    inv, host = _inventory(claim)
    assert context_sources(inv, host) == ANY_LINES


def test_every_claim_and_network_is_read_past_one_that_does_not_count() -> None:
    inv, host = _inventory(_allow(["10.0.0.0/8"], hosts=("other",)),
                           _allow(["bad", "198.18.7.9/32"]))
    assert context_sources(inv, host) == ["declared 198.18.7.9/32 198.18.7.9", *ANY_LINES]


def test_vantage_points_keep_a_fitting_name_and_skip_a_bad_address() -> None:
    inv, host = _inventory(vantage=(VantagePoint("office", "198.18.0.5"),
                                    VantagePoint("bad address", "nowhere"),
                                    VantagePoint("bad name!", "198.18.0.6"),
                                    VantagePoint("v6", "2001:DB8::5"),
                                    VantagePoint("x" * 65, "198.18.0.7")))
    assert context_sources(inv, host) == [
        "vantage office 198.18.0.5", "vantage vantage-3 198.18.0.6", "vantage v6 2001:db8::5",
        "vantage vantage-5 198.18.0.7", *ANY_LINES]


def test_repeated_sources_are_sent_once_and_at_most_200() -> None:
    networks = [f"10.{n // 256}.{n % 256}.0/24" for n in range(150)]
    inv, host = _inventory(_allow(["10.0.0.0/24", *networks]))
    lines = context_sources(inv, host)
    assert len(lines) == 200
    assert lines[:3] == ["declared 10.0.0.0/24 10.0.0.1", "declared 10.0.0.0/24 10.0.0.254",
                         "declared 10.0.1.0/24 10.0.1.1"]
    assert len(set(lines)) == 200
