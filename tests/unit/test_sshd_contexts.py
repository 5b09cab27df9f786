"""sshd per connection context: parser, reach and verdicts on recorded ``sshd.contexts`` output.

The two ``openssh92_*`` recordings are the snippet's real output on OpenSSH 9.2 (paths and
account names rewritten) for a main config with ``PasswordAuthentication no`` and drop-ins:
``50.conf`` ``Match Address 10.0.0.0/8`` -> passwords on (only in ``_10net``), ``60.conf``
``Match User nobody2`` -> root login on and ``Match Address 172.16.0.0/12`` -> passwords on.
The DATA sent: 10.0.0.0/8 declared, vantage point 198.18.0.5, anywhere.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from facts_samples import (
    OLD_SSHD_NO_C,
    U1204_SSHD_T,
    context,
    host,
    parsed,
    sshd_contexts_raw,
)

from checks.base import Check, Outcome
from checks.sshd.ssh import PASSWORD_AUTHENTICATION, ROOT_LOGIN
from checks.system.accounts import PASSWORD_AGE
from posture.collect.batch import build_script, data_stdin, new_marker, split_output
from posture.collect.facts.parsers import ParseError
from posture.collect.facts.spec import FactSpec
from posture.collect.facts.sshd_contexts import (
    MAX_CONTEXTS,
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
from posture.models import Fact, Status

DATA = Path(__file__).parent / "data" / "sshd_contexts"
TEN_NET = (DATA / "openssh92_match_10net.txt").read_text()
UNREACHABLE = (DATA / "openssh92_match_unreachable.txt").read_text()
# Main config: Port 22 and 2222, "Match LocalPort 2222" turning passwords on (no Include).
LOCALPORT = (DATA / "openssh92_match_localport.txt").read_text()


def _fact(raw: str) -> Fact:
    return parsed("sshd.contexts", raw)


def _check(raw: str, check: Check = PASSWORD_AUTHENTICATION) -> Outcome:
    return check.evaluate(context([_fact(raw)]))


# ----------------------------------------------------------------------------- parser
def test_parser_reads_every_context_with_what_sshd_applied() -> None:
    value = parse_sshd_contexts(TEN_NET)
    assert isinstance(value, dict)
    assert value["supported"] and value["base_rc"] == 0 and not value["capped"]
    assert value["files"] == ["/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d/50.conf",
                              "/etc/ssh/sshd_config.d/60.conf"]
    assert value["users"]["by_user"] is True  # a Match User line: every account evaluated
    assert value["users"]["evaluated"] == ["root", "alice", "bob"]
    assert value["expected"] == len(value["contexts"]) == 21
    first = value["contexts"][0]
    assert (first["kind"], first["label"], first["user"], first["addr"]) == (
        "declared", "10.0.0.0/8", "root", "10.0.0.1")
    assert first["options"]["passwordauthentication"] == "yes"
    assert first["settings"][0] == {"file": "/etc/ssh/sshd_config.d/50.conf", "line": 2,
                                    "key": "passwordauthentication", "value": "yes"}
    assert first["matched"][0] == {"criteria": "Address 10.0.0.0/8", "line": 1}
    kinds = {c["kind"] for c in value["contexts"]}
    assert kinds == {"declared", "vantage", "anywhere", "match"}  # match: from the config


def test_parser_refuses_other_output() -> None:
    with pytest.raises(ParseError):
        parse_sshd_contexts("port 22\npasswordauthentication no\n")


# ----------------------------------------------------------------------------- verdicts
def test_match_block_for_a_declared_network_fails_with_file_and_line() -> None:
    outcome = _check(TEN_NET)
    assert outcome.status is Status.FAIL
    summary = outcome.summary
    assert "/etc/ssh/sshd_config.d/50.conf:1 (Match Address 10.0.0.0/8)" in summary
    assert "from 10.0.0.1" in summary and "declared 10.0.0.0/8" in summary
    finding = outcome.evidence["findings"][0]
    assert finding["option"] == "passwordauthentication yes"


def test_match_block_nobody_reaches_passes_and_says_why() -> None:
    outcome = _check(UNREACHABLE)
    assert outcome.status is Status.PASS
    unreachable = outcome.evidence["unreachable_blocks"]
    assert unreachable and unreachable[0].startswith(
        "/etc/ssh/sshd_config.d/60.conf:3 (Match Address 172.16.0.0/12)")
    assert outcome.evidence["contexts_reaching"] == 15


def test_an_attached_network_makes_the_block_reachable() -> None:
    # The server has an interface in 172.16.0.0/16: its neighbours reach it.
    raw = UNREACHABLE.replace("N\t198.51.100.10/24\n", "N\t198.51.100.10/24\nN\t172.16.5.1/16\n")
    outcome = _check(raw)
    assert outcome.status is Status.FAIL
    assert "60.conf:3" in outcome.summary


def test_root_login_per_context() -> None:
    # Match User nobody2 turns root login on for an account that is not root: root's
    # contexts keep without-password (warn); the block is proved to reach no root login.
    outcome = _check(TEN_NET, ROOT_LOGIN)
    assert outcome.status is Status.WARN
    assert outcome.evidence["unreachable_blocks"][0].startswith(
        "/etc/ssh/sshd_config.d/60.conf:1 (Match User nobody2)")


def test_match_local_port_is_evaluated_per_listen_port() -> None:
    value = parse_sshd_contexts(LOCALPORT)
    assert isinstance(value, dict)
    assert {(c["laddr"], c["lport"]) for c in value["contexts"]} == {("127.0.0.1", "22"),
                                                                    ("127.0.0.1", "2222")}
    outcome = _check(LOCALPORT)
    assert outcome.status is Status.FAIL
    # sshd logs the main file as "reprocess config": the report names the real file.
    assert "/etc/ssh/sshd_config:6 (Match LocalPort 2222)" in outcome.summary
    assert "to 127.0.0.1 port 2222" in outcome.summary


def test_wildcard_block_that_no_context_met_is_an_error() -> None:
    raw = UNREACHABLE.replace(
        "L\t/etc/ssh/sshd_config.d/60.conf:4:  PasswordAuthentication yes\n",
        "L\t/etc/ssh/sshd_config.d/60.conf:4:  PasswordAuthentication yes\n"
        "L\t/etc/ssh/sshd_config.d/70.conf:1:Match Address 192.168.*\n"
        "L\t/etc/ssh/sshd_config.d/70.conf:2:PasswordAuthentication yes\n")
    outcome = _check(raw)
    assert outcome.status is Status.ERROR
    assert "70.conf:1" in outcome.summary
    assert "192.168.*" in outcome.summary


@pytest.mark.parametrize("damage", [
    ("R 0\n", ""),  # a context without its exit status (cut short)
    ("R 0\n", "R 255\n"),  # sshd -T -C failed for some context
    ("contexts\t18\n", "contexts\t19\n"),  # announced more than came back
    ("contexts\t18\n", f"contexts\t{MAX_CONTEXTS + 1}\n"),  # over the cap: none evaluated
    ("users\t3\t0\tyes\tno\t", "users\t3\t1\tyes\tno\t"),  # a name not passed to sshd
    ("users\t3\t0\tyes\tno\t", "users\t300\t0\tyes\tyes\t"),  # more accounts than the cap
    ("base_rc\t0\n", "base_rc\t255\n"),
])
def test_any_context_not_evaluated_is_an_error(damage: tuple[str, str]) -> None:
    assert damage[0] in UNREACHABLE
    raw = UNREACHABLE.replace(damage[0], damage[1], 1)
    for check in (PASSWORD_AUTHENTICATION, ROOT_LOGIN):
        assert _check(raw, check).status is Status.ERROR, (damage, check)


# ----------------------------------------------------------------------------- old sshd
def test_old_sshd_without_c_and_a_match_block_is_an_error() -> None:
    raw = sshd_contexts_raw(U1204_SSHD_T, no_c=OLD_SSHD_NO_C,
                            match_lines=("Match Address 10.0.0.0/8", "PasswordAuthentication no"))
    for check in (PASSWORD_AUTHENTICATION, ROOT_LOGIN):
        outcome = check.evaluate(context([_fact(raw)]))
        assert outcome.status is Status.ERROR
        assert "sshd -T -C is not supported: sshd: illegal option -- C" in outcome.summary
        assert "/etc/ssh/sshd_config:90" in outcome.summary


def test_old_sshd_without_match_blocks_is_judged_from_plain_sshd_t() -> None:
    # No Match block: every client meets plain sshd -T, which is exact, not a guess.
    raw = sshd_contexts_raw(U1204_SSHD_T, no_c=OLD_SSHD_NO_C)
    assert _check(raw).status is Status.FAIL
    assert _check(raw, ROOT_LOGIN).status is Status.FAIL
    fixed = raw.replace("B\tpasswordauthentication yes", "B\tpasswordauthentication no") \
        .replace("B\tkbdinteractiveauthentication yes", "B\tkbdinteractiveauthentication no")
    assert _check(fixed).status is Status.PASS


def test_password_age_evidence_follows_the_match_block() -> None:
    # u2204 takes no passwords in plain sshd -T; with the Match block, it does for 10.0.0.0/8.
    outcome = PASSWORD_AGE.evaluate(host("u2204", {"max_age_days": 90}, _fact(TEN_NET)))
    assert str(outcome.evidence["ssh_password_logins"]).startswith("yes: ")
    assert "50.conf:1" in str(outcome.evidence["ssh_password_logins"])


# ----------------------------------------------------------------------------- data path
def _inventory(name: str = "vp-1") -> tuple[Inventory, Host]:
    host = Host("web1", "198.18.0.10", SshSettings(), Timeouts())
    claim = Claim("c1", "ip_allowlist", "SSH only from the office", Scope(hosts=("web1",)),
                  {"ssh": ["10.0.0.0/8", "198.18.7.9/32", "2001:db8:7::/48"]})
    inv = Inventory("inv.yml", "0" * 64, "Org", (host,), (claim,),
                    vantage_points=(VantagePoint(name, "198.18.0.5"),))
    return inv, host


def test_context_sources_from_the_inventory() -> None:
    inv, host = _inventory()
    assert context_sources(inv, host) == [
        "declared 10.0.0.0/8 10.0.0.1", "declared 10.0.0.0/8 10.255.255.254",
        "declared 198.18.7.9/32 198.18.7.9",
        "declared 2001:db8:7::/48 2001:db8:7::1",
        "declared 2001:db8:7::/48 2001:db8:7:ffff:ffff:ffff:ffff:fffe",
        "vantage vp-1 198.18.0.5", "anywhere internet 203.0.113.99",
        "anywhere internet 2001:db8::99"]


def test_hostile_vantage_name_never_reaches_the_script() -> None:
    inv, host = _inventory("a'; rm -rf / #")
    lines = context_sources(inv, host)
    assert "vantage vantage-1 198.18.0.5" in lines
    assert not any("rm" in line for line in lines)
    with pytest.raises(ValueError):
        data_stdin(["anywhere x 1.2.3.4; reboot"], new_marker())


def test_data_reaches_the_snippet_on_stdin_and_nothing_else_does() -> None:
    spec = FactSpec("t.echo", "cat; echo done", lambda text: text)
    other = FactSpec("t.none", "cat; echo none", lambda text: text)
    marker = new_marker()
    script = build_script([spec, other], marker, 10, {"t.echo": ["vantage vp 198.18.0.5", ""]})
    run = subprocess.run(["sh", "-s"], input=script, capture_output=True, check=True, timeout=20)
    facts = split_output(run.stdout, run.stderr, marker, [spec, other], privileged=False)
    assert facts["t.echo"].value == "vantage vp 198.18.0.5\n\ndone"
    assert facts["t.none"].value == "none"  # /dev/null: it cannot eat the rest of the script


@pytest.mark.parametrize("noise", [
    "T\tpasswordauthentication no\nR 0\n",  # options before any context
    "C\tanywhere\tinternet\n",  # a context line with missing fields
    "C\t" + "x\t" * 40 + "\n",  # too many fields
    "\x00\xff" * 5000 + "\n",  # binary junk
    "users\tmany\tno\n",  # a malformed users line
])
def test_hostile_lines_never_make_a_pass(noise: str) -> None:
    # Whatever the target adds, the parser stays up and ignores it: every context is still
    # there, so the verdict is the one of the clean output; a verdict needs every context.
    raw = UNREACHABLE.replace("contexts\t18\n", "contexts\t18\n" + noise)
    outcome = _check(raw)
    assert outcome.status is Status.PASS, outcome
    assert outcome.summary == _check(UNREACHABLE).summary
    truncated = "\n".join(UNREACHABLE.splitlines()[:40]) + "\n" + noise
    assert _check(truncated).status is Status.ERROR


_PW = "port 22\npasswordauthentication yes\nkbdinteractiveauthentication no\n" \
      "permitrootlogin no\nusepam yes\nauthenticationmethods any\n"


def test_the_one_account_standing_for_all_is_never_shut_out() -> None:
    # Accounts not evaluated one by one: a DenyUsers naming the stand-in says nothing of the
    # other accounts, which get passwords.
    raw = sshd_contexts_raw(_PW + "denyusers alice\n", users=("root", "alice"))
    assert _check(raw).status is Status.FAIL


def test_allow_and_deny_users_judged_per_account() -> None:
    one_by_one = ("users\t3\t0\tno\tno\t", "users\t3\t0\tyes\tno\t")
    only_bob = sshd_contexts_raw(_PW + "allowusers bob\n", users=("root", "alice", "bob"))
    assert _check(only_bob.replace(*one_by_one)).status is Status.FAIL  # bob gets passwords
    nobody = sshd_contexts_raw(_PW + "allowusers carol\n", users=("root", "alice", "bob"))
    outcome = _check(nobody.replace(*one_by_one))
    assert outcome.status is Status.PASS  # no account that exists may log in at all
    assert outcome.evidence["accounts_evaluated_one_by_one"] is True


def test_block_for_a_declared_network_but_no_login_account_passes() -> None:
    # Every account was evaluated from 10.0.0.1 (declared); sshd applied the block to none.
    raw = UNREACHABLE.replace(
        "L\t/etc/ssh/sshd_config.d/60.conf:4:  PasswordAuthentication yes\n",
        "L\t/etc/ssh/sshd_config.d/60.conf:4:  PasswordAuthentication yes\n"
        "L\t/etc/ssh/sshd_config.d/70.conf:1:Match User backup Address 10.0.0.0/8\n"
        "L\t/etc/ssh/sshd_config.d/70.conf:2:PasswordAuthentication yes\n")
    outcome = _check(raw)
    assert outcome.status is Status.PASS
    assert any(b.startswith("/etc/ssh/sshd_config.d/70.conf:1") and "no account" in b
               for b in outcome.evidence["unreachable_blocks"])
    # Accounts not evaluated one by one: the same block cannot be proved harmless.
    reduced = raw.replace("users\t3\t0\tyes\tno\t", "users\t3\t0\tno\tno\t")
    assert _check(reduced).status is Status.ERROR
