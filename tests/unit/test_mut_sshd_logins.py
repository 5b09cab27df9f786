"""SSH login checks per connection context: exact verdicts, summaries and evidence.

Hand-built ``sshd.contexts`` values (the parser's shape) pin what each branch of
:mod:`checks.sshd.ssh_logins` decides and which evidence it reports: the AuthenticationMethods
rule (a key in *every* list), the keyboard-interactive aliases, root and AllowUsers, which
Match blocks count as met, and every evidence cap (20 files, 10 findings, 10 blocks, 3 causes
in the evidence and 2 in the summary, 300 characters for :func:`password_logins`).
"""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import context, ok

from checks.base import Check, Outcome
from checks.sshd.ssh import PASSWORD_AUTHENTICATION, ROOT_LOGIN, keys_required, password_status
from checks.sshd.ssh_logins import password_logins
from posture.models import Status

MAIN = "/etc/ssh/sshd_config"
DROP = "/etc/ssh/sshd_config.d/50.conf"
INTERNET_ADMIN = "admin from 203.0.113.99 (anywhere internet)"
NOWHERE = ("no declared source, vantage point, attached network or Internet address lies in it")


def _options(**options: str) -> dict[str, str]:
    base = {"passwordauthentication": "no", "permitrootlogin": "no",
            "kbdinteractiveauthentication": "no", "usepam": "yes",
            "authenticationmethods": "any"}
    base.update(options)
    return base


def _ctx(user: str = "admin", *, kind: str = "anywhere", label: str = "internet",
         addr: str = "203.0.113.99", settings: tuple[dict[str, Any], ...] = (),
         rc: int = 0, errors: tuple[str, ...] = (), **options: str) -> dict[str, Any]:
    return {"kind": kind, "label": label, "user": user, "addr": addr, "laddr": "-",
            "lport": "-", "rc": rc, "options": _options(**options), "matched": [],
            "settings": list(settings), "errors": list(errors)}


def _set(line: int, key: str = "passwordauthentication", value: str = "yes",
         file: str = DROP) -> dict[str, Any]:
    return {"file": file, "line": line, "key": key, "value": value}


def _lines(*texts: str, file: str = DROP, first: int = 1) -> list[dict[str, Any]]:
    return [{"file": file, "line": n, "text": t} for n, t in enumerate(texts, first)]


def _value(*contexts: dict[str, Any], lines: list[dict[str, Any]] | None = None,
           by_user: bool = False, files: list[str] | None = None,
           networks: tuple[str, ...] = (), accounts: int = 2) -> dict[str, Any]:
    return {"supported": True, "unsupported": "", "base_rc": 0, "base_errors": [],
            "files": [MAIN] if files is None else files, "global_settings": [],
            "lines": lines or [], "base": {},
            "users": {"login_accounts": accounts, "invalid": 0, "by_user": by_user,
                      "capped": False, "evaluated": []},
            "networks": list(networks), "unresolved": [], "expected": len(contexts),
            "capped": False, "contexts": list(contexts)}


def _run(value: Any, check: Check = PASSWORD_AUTHENTICATION) -> Outcome:
    return check.evaluate(context([ok("sshd.contexts", value)]))


def _evidence(contexts: int = 1, reaching: int = 1, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "contexts_evaluated": contexts, "contexts_reaching": reaching,
        "accounts_with_login_shell": 2, "accounts_evaluated_one_by_one": False,
        "files": [MAIN], "unreachable_blocks": [], "not_evaluated_blocks": [],
        "findings": []}
    out.update(extra)
    return out


def _finding(option: str, verdict: str, set_by: list[str] | None = None,
             who: str = INTERNET_ADMIN,
             reaches_as: str = "anywhere on the Internet") -> dict[str, Any]:
    return {"context": who, "reaches_as": reaches_as, "option": option,
            "set_by": set_by or ["the sshd default"], "verdict": verdict}


# ------------------------------------------------------------ AuthenticationMethods
@pytest.mark.parametrize(("methods", "required"), [
    ("publickey", True),
    ("PublicKey", True),
    ("publickey,password", True),
    ("password,publickey publickey", True),
    ("publickey password,publickey", True),
    ("publickey,password publickey,keyboard-interactive:pam", True),
    ("any", False),
    ("", False),  # no list at all: no requirement, never "keys only"
    ("   ", False),
    ("password publickey", False),  # a password alone is one of the lists
    ("publickey password", False),
    ("publickeys", False),
    ("keyboard-interactive", False),
])
def test_keys_required_needs_a_key_in_every_list(methods: str, required: bool) -> None:
    assert keys_required(methods) is required


@pytest.mark.parametrize(("options", "status", "key"), [
    ({}, Status.PASS, "passwordauthentication"),
    ({"passwordauthentication": "no"}, Status.PASS, "passwordauthentication"),
    ({"passwordauthentication": "yes"}, Status.FAIL, "passwordauthentication"),
    ({"passwordauthentication": " YES "}, Status.FAIL, "passwordauthentication"),
    ({"authenticationmethods": "publickey", "passwordauthentication": "yes"}, Status.PASS,
     "authenticationmethods"),
    ({"authenticationmethods": "publickey,password", "passwordauthentication": "yes"},
     Status.PASS, "authenticationmethods"),
    # the case: "password publickey" lets a password alone in
    ({"authenticationmethods": "password publickey", "passwordauthentication": "yes"},
     Status.FAIL, "passwordauthentication"),
    ({"authenticationmethods": "any", "passwordauthentication": "yes"}, Status.FAIL,
     "passwordauthentication"),
    ({"authenticationmethods": "", "passwordauthentication": "yes"}, Status.FAIL,
     "passwordauthentication"),
    ({"authenticationmethods": "publickey", "kbdinteractiveauthentication": "yes",
      "usepam": "yes"}, Status.PASS, "authenticationmethods"),
    ({"kbdinteractiveauthentication": "yes", "usepam": "yes"}, Status.WARN,
     "kbdinteractiveauthentication"),
    ({"kbdinteractiveauthentication": "yes", "usepam": "1"}, Status.WARN,
     "kbdinteractiveauthentication"),
    ({"kbdinteractiveauthentication": "YES", "usepam": "Yes"}, Status.WARN,
     "kbdinteractiveauthentication"),
    ({"kbdinteractiveauthentication": "yes", "usepam": "no"}, Status.PASS,
     "passwordauthentication"),
    ({"kbdinteractiveauthentication": "yes"}, Status.PASS, "passwordauthentication"),
    ({"kbdinteractiveauthentication": "yes", "challengeresponseauthentication": "yes",
      "usepam": "yes"}, Status.WARN, "kbdinteractiveauthentication"),
    ({"kbdinteractiveauthentication": "yes", "challengeresponseauthentication": "no",
      "usepam": "yes"}, Status.PASS, "passwordauthentication"),
    ({"kbdinteractiveauthentication": "no", "challengeresponseauthentication": "yes",
      "usepam": "yes"}, Status.PASS, "passwordauthentication"),
    # before OpenSSH 8.7 only the older alias exists: it decides and is named
    ({"challengeresponseauthentication": "yes", "usepam": "yes"}, Status.WARN,
     "challengeresponseauthentication"),
    ({"challengeresponseauthentication": "yes", "usepam": "no"}, Status.PASS,
     "passwordauthentication"),
    ({"challengeresponseauthentication": "no", "usepam": "yes"}, Status.PASS,
     "passwordauthentication"),
    ({"passwordauthentication": "yes", "kbdinteractiveauthentication": "yes",
      "usepam": "yes"}, Status.FAIL, "passwordauthentication"),
])
def test_password_status_and_the_deciding_option(options: dict[str, str], status: Status,
                                                 key: str) -> None:
    assert password_status(options) == (status, key)


# ------------------------------------------------------------ unusable facts
def test_a_fact_never_gathered_is_an_error_naming_it() -> None:
    outcome = PASSWORD_AUTHENTICATION.evaluate(context([]))
    assert outcome.status is Status.ERROR
    assert outcome.evidence == {"fact": "sshd.contexts", "fact_status": "error",
                                "reason": "fact was not gathered"}


def test_a_value_of_the_wrong_shape_is_an_error() -> None:
    outcome = _run(["passwordauthentication", "no"])
    assert outcome.status is Status.ERROR
    assert outcome.summary == "could not determine: sshd.contexts has an unexpected shape"
    assert outcome.evidence == {}


def test_a_failed_context_is_an_error_with_files_and_the_reason_capped() -> None:
    files = [f"/etc/ssh/sshd_config.d/{n:02d}.conf" for n in range(25)]
    failed = _ctx(rc=255, errors=("e" * 400, "f" * 400, "g"))
    outcome = _run(_value(failed, files=files))
    problem = f"sshd -T -C failed for {INTERNET_ADMIN}: {'e' * 400}; {'f' * 400}"
    assert outcome.status is Status.ERROR
    assert outcome.summary == f"could not determine: {problem}"
    assert outcome.evidence == {"files": files, "reason": problem[:500]}
    assert len(problem) > 500


# ------------------------------------------------------------ passes
def test_one_reaching_context_passes_with_full_evidence() -> None:
    outcome = _run(_value(_ctx()))
    assert outcome.status is Status.PASS
    assert outcome.summary == ("SSH accepts no password logins in the one connection context "
                               "that can reach the server.")
    assert outcome.evidence == _evidence()


def test_contexts_that_reach_no_client_are_counted_but_not_judged() -> None:
    lost = _ctx("admin", kind="match", label="10.0.0.0/8", addr="10.0.0.1",
                passwordauthentication="yes")
    outcome = _run(_value(_ctx(), _ctx("root"), lost, accounts=7))
    assert outcome.status is Status.PASS
    assert outcome.summary == ("SSH accepts no password logins in all 2 connection contexts "
                               "that can reach the server.")
    assert outcome.evidence == _evidence(3, 2, accounts_with_login_shell=7)


# ------------------------------------------------------------ fails and warnings
def _block_fail(*extra: dict[str, Any], **options: str) -> dict[str, Any]:
    lines = _lines("Match Address 203.0.113.0/24", "PasswordAuthentication yes")
    return _value(_ctx(settings=(_set(2),), passwordauthentication="yes", **options), *extra,
                  lines=lines)


def test_a_password_block_fails_naming_the_block_and_its_file() -> None:
    outcome = _run(_block_fail())
    where = f"{DROP}:1 (Match Address 203.0.113.0/24)"
    assert outcome.status is Status.FAIL
    assert outcome.summary == (
        "SSH accepts password logins, which can be guessed; allow keys only. For "
        f"{INTERNET_ADMIN}: passwordauthentication yes (set at {where}).")
    assert outcome.evidence == _evidence(
        findings=[_finding("passwordauthentication yes", "fail", [where])])


def test_empty_passwords_are_named_when_passwords_are_on() -> None:
    outcome = _run(_value(_ctx(passwordauthentication="yes", permitemptypasswords="YES")))
    assert outcome.status is Status.FAIL
    assert outcome.summary == (
        "SSH accepts password logins, even with an empty password. For "
        f"{INTERNET_ADMIN}: permitemptypasswords YES (set at the sshd default).")
    assert outcome.evidence["findings"] == [_finding("permitemptypasswords YES", "fail")]


@pytest.mark.parametrize("empty", ["yes", "no"])
def test_keyboard_interactive_warns_whatever_empty_passwords_say(empty: str) -> None:
    outcome = _run(_value(_ctx(kbdinteractiveauthentication="yes",
                               permitemptypasswords=empty)))
    assert outcome.status is Status.WARN
    assert outcome.summary == (
        "SSH password authentication is off, but keyboard-interactive login through PAM can "
        f"still ask for a password. For {INTERNET_ADMIN}: kbdinteractiveauthentication yes "
        "(set at the sshd default).")
    assert outcome.evidence == _evidence(
        findings=[_finding("kbdinteractiveauthentication yes", "warn")])


def test_empty_passwords_alone_do_not_fail_when_passwords_are_off() -> None:
    outcome = _run(_value(_ctx(permitemptypasswords="yes")))
    assert outcome.status is Status.PASS
    assert outcome.evidence == _evidence()


def test_the_older_alias_is_the_option_shown_for_an_old_sshd() -> None:
    old = _ctx(challengeresponseauthentication="yes")
    del old["options"]["kbdinteractiveauthentication"]
    outcome = _run(_value(old))
    assert outcome.status is Status.WARN
    assert outcome.evidence["findings"] == [
        _finding("challengeresponseauthentication yes", "warn")]


@pytest.mark.parametrize(("failing", "tail"), [
    (1, ""),
    (2, " and 1 more connection context"),
    (3, " and 2 more connection contexts"),
])
def test_the_summary_names_the_first_context_and_counts_the_others(failing: int,
                                                                   tail: str) -> None:
    users = [f"user{n}" for n in range(failing)]
    contexts = [_ctx(u, passwordauthentication="yes") for u in users]
    outcome = _run(_value(*contexts, _ctx("fine")))
    assert outcome.status is Status.FAIL
    assert outcome.summary == (
        "SSH accepts password logins, which can be guessed; allow keys only. For user0 from "
        f"203.0.113.99 (anywhere internet){tail}: passwordauthentication yes (set at the sshd "
        "default).")
    assert outcome.evidence["contexts_reaching"] == failing + 1
    assert [f["context"] for f in outcome.evidence["findings"]] == [
        f"{u} from 203.0.113.99 (anywhere internet)" for u in users]


def test_evidence_caps_findings_at_ten_and_files_at_twenty() -> None:
    contexts = [_ctx(f"user{n}", passwordauthentication="yes") for n in range(11)]
    files = [f"/etc/ssh/f{n}" for n in range(21)]
    outcome = _run(_value(*contexts, files=files))
    assert outcome.status is Status.FAIL
    assert "and 10 more connection contexts" in outcome.summary
    assert outcome.evidence == _evidence(
        11, 11, files=files[:20],
        findings=[_finding("passwordauthentication yes", "fail",
                           who=f"user{n} from 203.0.113.99 (anywhere internet)")
                  for n in range(10)])


def test_causes_are_capped_at_three_in_evidence_and_two_in_the_summary() -> None:
    lines = _lines(*[t for n in range(4) for t in (f"Match LocalPort {2200 + n}",
                                                   "PasswordAuthentication yes")])
    settings = tuple(_set(line) for line in (2, 4, 6, 8))
    outcome = _run(_value(_ctx(settings=settings, passwordauthentication="yes"), lines=lines))
    blocks = [f"{DROP}:{line} (Match LocalPort {2200 + n})"
              for n, line in enumerate((1, 3, 5, 7))]
    assert outcome.status is Status.FAIL
    assert outcome.summary.endswith(f"(set at {blocks[0]}, {blocks[1]}).")
    assert outcome.evidence == _evidence(
        findings=[_finding("passwordauthentication yes", "fail", blocks[:3])])


# ------------------------------------------------------------ AllowUsers and root
@pytest.mark.parametrize(("by_user", "status"), [(True, Status.PASS), (False, Status.FAIL)])
def test_allowusers_shuts_an_account_out_only_when_accounts_were_evaluated(
        by_user: bool, status: Status) -> None:
    outcome = _run(_value(_ctx(passwordauthentication="yes", allowusers="bob"),
                          by_user=by_user))
    assert outcome.status is status
    assert len(outcome.evidence["findings"]) == (0 if by_user else 1)


@pytest.mark.parametrize(("root_login", "status"), [
    ("no", Status.PASS),
    ("without-password", Status.PASS),
    ("prohibit-password", Status.PASS),
    ("yes", Status.FAIL),
    ("Yes", Status.FAIL),
])
def test_root_gets_a_password_only_when_root_logins_are_on(root_login: str,
                                                           status: Status) -> None:
    outcome = _run(_value(_ctx("root", passwordauthentication="yes",
                               permitrootlogin=root_login)))
    assert outcome.status is status
    expected = [] if status is Status.PASS else [_finding(
        "passwordauthentication yes", "fail",
        who="root from 203.0.113.99 (anywhere internet)")]
    assert outcome.evidence["findings"] == expected


# ------------------------------------------------------------ Match blocks no context met
@pytest.mark.parametrize(("setting", "listed"), [
    ("PasswordAuthentication yes", True),
    ("KbdInteractiveAuthentication yes", True),
    ("ChallengeResponseAuthentication yes", True),
    ("PermitEmptyPasswords yes", True),
    ("PasswordAuthentication Yes", True),
    ("AuthenticationMethods password", True),
    ("AuthenticationMethods any", True),
    ("AuthenticationMethods publickey", False),
    ("AuthenticationMethods publickey,password", False),
    ("PasswordAuthentication no", False),
    ("PermitRootLogin yes", False),
])
def test_which_blocks_weaken_passwords(setting: str, listed: bool) -> None:
    lines = _lines("Match Address 10.9.0.0/16", setting)
    outcome = _run(_value(_ctx(), lines=lines))
    assert outcome.status is Status.PASS
    text = f"{DROP}:1 (Match Address 10.9.0.0/16): {NOWHERE}"
    assert outcome.evidence["unreachable_blocks"] == ([text] if listed else [])


@pytest.mark.parametrize(("setting", "listed"), [
    ("PermitRootLogin yes", True),
    ("PermitRootLogin prohibit-password", True),
    ("PermitRootLogin no", False),
    ("PermitRootLogin NO", False),
    ("PasswordAuthentication yes", False),
])
def test_which_blocks_weaken_root_logins(setting: str, listed: bool) -> None:
    lines = _lines("Match Address 10.9.0.0/16", setting)
    outcome = _run(_value(_ctx("root"), lines=lines), ROOT_LOGIN)
    assert outcome.status is Status.PASS
    text = f"{DROP}:1 (Match Address 10.9.0.0/16): {NOWHERE}"
    assert outcome.evidence["unreachable_blocks"] == ([text] if listed else [])


def test_unreachable_blocks_pass_and_are_capped_at_ten() -> None:
    texts = [t for n in range(11) for t in (f"Match Address 10.{n}.0.0/16",
                                            "PasswordAuthentication yes")]
    outcome = _run(_value(_ctx(), _ctx("root"), lines=_lines(*texts)))
    assert outcome.status is Status.PASS
    assert outcome.summary == (
        "SSH accepts no password logins in all 2 connection contexts that can reach the "
        "server (11 weakening Match blocks reach no client).")
    assert outcome.evidence == _evidence(2, 2, unreachable_blocks=[
        f"{DROP}:{2 * n + 1} (Match Address 10.{n}.0.0/16): {NOWHERE}" for n in range(10)])


def test_blocks_that_cannot_be_judged_are_an_error_capped_at_ten() -> None:
    texts = [t for n in range(11) for t in (f"Match User u{n}", "PasswordAuthentication yes")]
    outcome = _run(_value(_ctx(), lines=_lines(*texts)))
    unproved = [f"{DROP}:{2 * n + 1} (Match User u{n}) cannot be judged: accounts were not "
                "evaluated one by one, but no evaluated connection context met it"
                for n in range(11)]
    assert outcome.status is Status.ERROR
    assert outcome.summary == f"could not determine: {unproved[0]}."
    assert outcome.evidence == _evidence(not_evaluated_blocks=unproved[:10])


def test_a_block_that_reaches_but_was_never_met_is_an_error() -> None:
    outcome = _run(_value(_ctx(), lines=_lines("Match Address 8.8.8.0/24",
                                               "PasswordAuthentication yes")))
    assert outcome.status is Status.ERROR
    assert outcome.summary == (
        f"could not determine: {DROP}:1 (Match Address 8.8.8.0/24) reaches the Internet "
        "(8.8.8.0/24), but no evaluated connection context met it.")


@pytest.mark.parametrize(("first", "status"), [
    ({"passwordauthentication": "yes"}, Status.FAIL),  # a fail outranks an unjudged block
    ({"kbdinteractiveauthentication": "yes"}, Status.ERROR),  # an unjudged block: no warn
])
def test_an_unjudged_block_ranks_between_fail_and_warn(first: dict[str, str],
                                                       status: Status) -> None:
    outcome = _run(_value(_ctx(**first), lines=_lines("Match User bob",
                                                      "PasswordAuthentication yes")))
    assert outcome.status is status
    assert len(outcome.evidence["not_evaluated_blocks"]) == 1


def test_a_block_met_by_a_reaching_context_is_judged_through_that_context() -> None:
    # The block turns passwords on, but AuthenticationMethods keeps keys mandatory: the
    # context passes, and the block is neither unreachable nor unjudged.
    met = _ctx(settings=(_set(2),), passwordauthentication="yes",
               authenticationmethods="publickey")
    outcome = _run(_value(met, lines=_lines("Match User admin", "PasswordAuthentication yes")))
    assert outcome.status is Status.PASS
    assert outcome.evidence == _evidence()


@pytest.mark.parametrize("setting", [
    {"file": MAIN, "line": 2, "key": "passwordauthentication", "value": "yes"},  # other file
    {"file": DROP, "key": "passwordauthentication", "value": "yes"},  # no line: no block
])
def test_a_setting_that_points_at_no_block_meets_none(setting: dict[str, Any]) -> None:
    met = _ctx(settings=(setting,), passwordauthentication="yes",
               authenticationmethods="publickey")
    lines = [{"file": DROP, "text": "Match User admin"},
             {"file": DROP, "text": "PasswordAuthentication yes"}]
    if "line" in setting:
        lines = _lines("Match User admin", "PasswordAuthentication yes")
    outcome = _run(_value(met, lines=lines))
    assert outcome.status is Status.ERROR
    assert len(outcome.evidence["not_evaluated_blocks"]) == 1


@pytest.mark.parametrize(("applied", "status"), [(False, Status.PASS), (True, Status.ERROR)])
def test_a_block_sshd_applied_from_inside_it_is_not_proved_unreachable(
        applied: bool, status: Status) -> None:
    # Match Address 10.0.0.0/8 User alice: the server is attached to 10.1.0.0/16, so the
    # block can reach; sshd was asked for alice from 10.0.0.1 (inside it). Not applied there:
    # it applies to no account (proved). Applied there: reachable and never met: an error.
    inside = _ctx("alice", kind="match", label="10.0.0.0/8", addr="10.0.0.1",
                  settings=(_set(2),) if applied else (), passwordauthentication="yes")
    lines = _lines("Match Address 10.0.0.0/8 User alice", "PasswordAuthentication yes")
    outcome = _run(_value(_ctx(), inside, lines=lines, by_user=True,
                          networks=("10.1.0.0/16",)))
    block = f"{DROP}:1 (Match Address 10.0.0.0/8 User alice)"
    assert outcome.status is status
    if applied:
        assert outcome.evidence["not_evaluated_blocks"] == [
            f"{block} reaches a network the server is attached to (10.1.0.0/16), but no "
            "evaluated connection context met it"]
        assert outcome.evidence["unreachable_blocks"] == []
    else:
        assert outcome.evidence["unreachable_blocks"] == [
            f"{block}: sshd applied it to no account that can log in, from 10.0.0.1 inside it "
            "as from anywhere"]
        assert outcome.evidence["not_evaluated_blocks"] == []


# ------------------------------------------------------------ root logins
ROOT_FROM = "root from 203.0.113.99 (anywhere internet)"


@pytest.mark.parametrize(("value", "status", "summary"), [
    ("yes", Status.FAIL, "SSH allows root to log in directly, with a password if passwords "
                         "are accepted."),
    ("YES", Status.FAIL, "SSH allows root to log in directly, with a password if passwords "
                         "are accepted."),
    ("prohibit-password", Status.WARN, "SSH allows root to log in with a key; log in as a "
                                       "named user and escalate instead."),
    ("without-password", Status.WARN, "SSH allows root to log in with a key; log in as a "
                                      "named user and escalate instead."),
    ("forced-commands-only", Status.WARN, "SSH allows root to log in with keys restricted to "
                                          "forced commands."),
    ("maybe", Status.ERROR, "could not determine: unrecognised PermitRootLogin value 'maybe'."),
])
def test_root_login_values(value: str, status: Status, summary: str) -> None:
    outcome = _run(_value(_ctx("root", permitrootlogin=value), _ctx("admin")), ROOT_LOGIN)
    assert outcome.status is status
    assert outcome.summary == (f"{summary} For {ROOT_FROM}: permitrootlogin {value} (set at "
                               "the sshd default).")
    assert outcome.evidence == _evidence(1, 1, findings=[_finding(
        f"permitrootlogin {value}", status.value, who=ROOT_FROM)])


def test_root_login_passes_judging_only_roots_contexts() -> None:
    # admin's PermitRootLogin yes is no root login: only root's context is judged
    outcome = _run(_value(_ctx("root"), _ctx("admin", permitrootlogin="yes")), ROOT_LOGIN)
    assert outcome.status is Status.PASS
    assert outcome.summary == ("SSH refuses logins as root in the one connection context that "
                               "can reach the server.")
    assert outcome.evidence == _evidence(1, 1)


def test_an_unrecognised_root_value_is_cut_in_the_summary_not_in_the_evidence() -> None:
    long = "x" * 50
    outcome = _run(_value(_ctx("root", permitrootlogin=long)), ROOT_LOGIN)
    assert outcome.status is Status.ERROR
    assert outcome.summary == (
        f"could not determine: unrecognised PermitRootLogin value {'x' * 40!r}. For "
        f"{ROOT_FROM}: permitrootlogin {long} (set at the sshd default).")
    assert outcome.evidence["findings"][0]["option"] == f"permitrootlogin {long}"


def test_an_empty_root_value_is_unrecognised() -> None:
    outcome = _run(_value(_ctx("root", permitrootlogin="")), ROOT_LOGIN)
    assert outcome.status is Status.ERROR
    assert outcome.summary == (
        "could not determine: unrecognised PermitRootLogin value ''. For "
        f"{ROOT_FROM}: permitrootlogin (set at the sshd default).")


def test_denyusers_root_shuts_root_out() -> None:
    outcome = _run(_value(_ctx("root", permitrootlogin="yes", denyusers="root")), ROOT_LOGIN)
    assert outcome.status is Status.PASS
    assert outcome.evidence == _evidence()


# ------------------------------------------------------------ password_logins
LONG_LABEL = "l" * 64


def _long(**options: str) -> dict[str, Any]:
    (key,) = options
    return _value(_ctx(label=LONG_LABEL, settings=(_set(2, key, file="/etc/" + "d" * 250),),
                       **options),
                  lines=_lines("Match User admin", "PasswordAuthentication yes",
                               file="/etc/" + "d" * 250))


@pytest.mark.parametrize(("value", "word", "start"), [
    (_long(passwordauthentication="yes"), "yes", "SSH accepts password logins"),
    (_long(kbdinteractiveauthentication="yes"), "no", "SSH password authentication is off"),
    (_value(_ctx(rc=1, errors=("z" * 400,))), "unknown",
     "could not determine: sshd -T -C failed"),
])
def test_password_logins_is_cut_at_300_characters(value: dict[str, Any], word: str,
                                                  start: str) -> None:
    answer = password_logins(context([ok("sshd.contexts", value)]))
    assert answer.startswith(f"{word}: {start}")
    assert len(answer) == 300


def test_password_logins_says_no_on_a_pass() -> None:
    answer = password_logins(context([ok("sshd.contexts", _value(_ctx()))]))
    assert answer == ("no: SSH accepts no password logins in the one connection context that "
                      "can reach the server.")
