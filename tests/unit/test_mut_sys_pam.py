"""PAM's password rules (``accounts.password_quality``) at every setting that moves them.

pam_pwquality defaults to minlen 8 and no credits and reads pwquality.conf (module options
win); pam_cracklib defaults to minlen 9 with a credit of 1 per class and never reads
pwquality.conf; nothing goes below 6. Within one stack the strictest module decides; across
stacks the weakest one is what a password can get through.
"""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import context, parsed

from checks.system.password_quality import PASSWORD_QUALITY, Rule, pam_rules
from posture.models import Fact, Status

FILE = "/etc/pam.d/common-password"


def _pam(*lines: str, conf: str = "") -> Fact:
    text = "".join(f"{FILE}\tpassword\trequisite\t{line}\n" for line in lines)
    text += "".join(f"/etc/security/pwquality.conf\t{c}\n" for c in conf.split(";") if c)
    return parsed("pam.password", text)


def _rules(*lines: str, conf: str = "") -> list[Rule]:
    return pam_rules(_pam(*lines, conf=conf).value)


def _one(*lines: str, conf: str = "") -> tuple[int, int, str]:
    rules = _rules(*lines, conf=conf)
    assert len(rules) == 1
    return rules[0].min_length, rules[0].classes, rules[0].basis


# ------------------------------------------------------------------------- one module
@pytest.mark.parametrize(("line", "conf", "expected"), [
    ("pam_unix.so sha512", "", (6, 0, "pam_unix built-in minimum of 6")),
    ("pam_unix.so minlen=12", "", (12, 0, "pam_unix minlen=12")),
    ("pam_unix.so minlen=0", "", (6, 0, "pam_unix built-in minimum of 6")),
    ("/lib/security/pam_unix.so minlen=10", "", (10, 0, "pam_unix minlen=10")),
    ("pam_pwquality.so retry=3", "", (8, 0, "pam_pwquality minlen=8")),
    ("pam_pwquality.so", "minlen = 14", (14, 0, "pam_pwquality minlen=14")),
    ("pam_pwquality.so minlen=10", "minlen = 14", (10, 0, "pam_pwquality minlen=10")),
    ("pam_pwquality.so minlen=4", "", (6, 0, "pam_pwquality minlen=4")),          # floor of 6
    ("pam_pwquality.so minlen=12 dcredit=1 ucredit=2", "",
     (9, 0, "pam_pwquality minlen=12 less 3 character-class credits")),
    ("pam_pwquality.so minlen=12 dcredit=-1 ucredit=0", "", (12, 1, "pam_pwquality minlen=12")),
    ("pam_pwquality.so minlen=12 minclass=2 dcredit=-1 ucredit=-1 lcredit=-1", "",
     (12, 3, "pam_pwquality minlen=12")),
    ("pam_pwquality.so minlen=12 minclass=4 dcredit=-1", "", (12, 4, "pam_pwquality minlen=12")),
    ("pam_pwquality.so minlen=15 ocredit=-2", "", (15, 1, "pam_pwquality minlen=15")),
    ("pam_cracklib.so", "", (6, 0, "pam_cracklib minlen=9 less 4 character-class credits")),
    ("pam_cracklib.so minlen=14", "",
     (10, 0, "pam_cracklib minlen=14 less 4 character-class credits")),
    ("pam_cracklib.so minlen=14 dcredit=0 ucredit=0 lcredit=0 ocredit=0", "",
     (14, 0, "pam_cracklib minlen=14")),
    ("pam_cracklib.so minlen=14 dcredit=-1 ucredit=-1 lcredit=1 ocredit=0", "",
     (13, 2, "pam_cracklib minlen=14 less 1 character-class credits")),
    ("pam_cracklib.so", "minlen = 20", (6, 0, "pam_cracklib minlen=9 less 4 character-class "
                                              "credits")),   # cracklib ignores pwquality.conf
])
def test_module_rules(line: str, conf: str, expected: tuple[int, int, str]) -> None:
    assert _one(line, conf=conf) == expected


@pytest.mark.parametrize(("line", "conf", "counted"), [
    ("pam_pwquality.so minlen=20 enforcing=0", "", False),    # warn-only
    ("pam_pwquality.so minlen=20 enforcing=1", "", True),
    ("pam_pwquality.so minlen=20", "enforcing = 0", False),
    ("pam_pwquality.so minlen=20 enforcing=1", "enforcing = 0", True),   # the option wins
    ("pam_cracklib.so minlen=20 enforcing=0", "", False),
    ("pam_cracklib.so minlen=20", "enforcing = 0", True),
])
def test_warn_only_mode_enforces_nothing(line: str, conf: str, counted: bool) -> None:
    rules = _rules(line, conf=conf)
    assert [r.min_length for r in rules] == ([20 if "cracklib" not in line else 16]
                                             if counted else [])


def test_unknown_modules_are_ignored() -> None:
    assert _rules("pam_deny.so", "pam_permit.so") == []
    assert pam_rules({}) == []


# ------------------------------------------------------------------------ stacks
def test_strictest_module_of_a_stack_decides() -> None:
    assert _rules("pam_pwquality.so minlen=10 dcredit=-1 ucredit=-1",
                  "pam_unix.so minlen=12") == [Rule(FILE, 12, 2, "pam_unix minlen=12")]


def test_one_rule_per_file() -> None:
    fact = parsed("pam.password", "/etc/pam.d/a\tpassword\trequired\tpam_unix.so minlen=9\n"
                                  "/etc/pam.d/b\tpassword\trequired\tpam_unix.so minlen=11\n"
                                  "/etc/pam.d/a\tpassword\trequired\tpam_unix.so minlen=7\n")
    assert pam_rules(fact.value) == [Rule("/etc/pam.d/a", 9, 0, "pam_unix minlen=9"),
                                     Rule("/etc/pam.d/b", 11, 0, "pam_unix minlen=11")]


def _judge(fact: Fact, params: dict[str, Any] | None = None) -> Any:
    return PASSWORD_QUALITY.evaluate(context([fact], params or {}))


def test_weakest_stack_is_judged_with_exact_evidence() -> None:
    fact = parsed("pam.password",
                  "/etc/pam.d/a\tpassword\trequired\tpam_unix.so minlen=16\n"
                  "/etc/pam.d/b\tpassword\trequisite\tpam_pwquality.so minlen=12 dcredit=-1 "
                  "ucredit=-1 lcredit=-1\n"
                  "/etc/pam.d/c\tpassword\trequired\tpam_unix.so minlen=12\n")
    outcome = _judge(fact, {"min_length": 10, "require_complexity": False})
    assert outcome.status is Status.PASS
    assert dict(outcome.evidence) == {
        "effective_min_length": 12, "basis": "pam_unix minlen=12", "file": "/etc/pam.d/c",
        "character_classes_required": 0, "claimed_min_length": 10, "require_complexity": False,
        "stacks": [
            {"file": "/etc/pam.d/a", "min_length": 16, "classes": 0,
             "basis": "pam_unix minlen=16"},
            {"file": "/etc/pam.d/b", "min_length": 12, "classes": 3,
             "basis": "pam_pwquality minlen=12"},
            {"file": "/etc/pam.d/c", "min_length": 12, "classes": 0,
             "basis": "pam_unix minlen=12"}]}
    assert outcome.summary == ("PAM requires passwords of at least 12 characters; NIST SP "
                               "800-63B-4 asks for 15 where the password is the only factor.")


def test_complexity_is_judged_on_the_weakest_stack() -> None:
    fact = parsed("pam.password",
                  "/etc/pam.d/a\tpassword\trequisite\tpam_pwquality.so minlen=15 dcredit=-1 "
                  "ucredit=-1 lcredit=-1\n"
                  "/etc/pam.d/b\tpassword\trequisite\tpam_pwquality.so minlen=16 dcredit=-1\n")
    outcome = _judge(fact, {"require_complexity": True})
    assert outcome.status is Status.FAIL
    assert outcome.evidence["character_classes_required"] == 1
    assert outcome.evidence["file"] == "/etc/pam.d/a"
    assert outcome.summary == ("The statement promises complex passwords, but PAM requires "
                               "only 1 character class.")


@pytest.mark.parametrize(("classes", "status"), [(2, Status.FAIL), (3, Status.PASS),
                                                 (4, Status.PASS)])
def test_complexity_boundary_exact(classes: int, status: Status) -> None:
    credits = " ".join(f"{c}=-1" for c in ("dcredit", "ucredit", "lcredit", "ocredit")[:classes])
    outcome = _judge(_pam(f"pam_pwquality.so minlen=15 {credits}"), {"require_complexity": True})
    assert outcome.status is status
    assert outcome.evidence["character_classes_required"] == classes
    if status is Status.FAIL:
        assert outcome.summary == ("The statement promises complex passwords, but PAM "
                                   "requires only 2 character classes.")
    else:
        assert outcome.summary == "PAM requires passwords of at least 15 characters."


def test_complexity_is_not_judged_unless_promised() -> None:
    outcome = _judge(_pam("pam_pwquality.so minlen=15"))
    assert outcome.status is Status.PASS
    assert outcome.evidence["require_complexity"] is False
    assert outcome.evidence["claimed_min_length"] is None


@pytest.mark.parametrize(("minlen", "claimed", "status"), [
    (11, 12, Status.FAIL), (12, 12, Status.PASS), (13, 12, Status.PASS)])
def test_claimed_length_boundary_exact(minlen: int, claimed: int, status: Status) -> None:
    outcome = _judge(_pam(f"pam_unix.so minlen={minlen}"), {"min_length": claimed})
    assert outcome.status is status
    assert outcome.evidence["effective_min_length"] == minlen
    if status is Status.FAIL:
        assert outcome.summary == (f"Passwords may be as short as {minlen} characters "
                                   f"(pam_unix minlen={minlen}), below the promised {claimed}.")


@pytest.mark.parametrize(("minlen", "status", "summary"), [
    (7, Status.WARN, "Passwords may be as short as 7 characters (pam_unix minlen=7), below "
                     "the NIST SP 800-63B-4 minimum of 8 (15 for single-factor)."),
    (8, Status.PASS, "PAM requires passwords of at least 8 characters; NIST SP 800-63B-4 asks "
                     "for 15 where the password is the only factor."),
    (14, Status.PASS, "PAM requires passwords of at least 14 characters; NIST SP 800-63B-4 "
                      "asks for 15 where the password is the only factor."),
    (15, Status.PASS, "PAM requires passwords of at least 15 characters."),
])
def test_nist_boundaries_exact(minlen: int, status: Status, summary: str) -> None:
    outcome = _judge(_pam(f"pam_unix.so minlen={minlen}"))
    assert outcome.status is status
    assert outcome.summary == summary


def test_no_password_module_is_an_error() -> None:
    outcome = _judge(_pam("pam_deny.so"))
    assert outcome.status is Status.ERROR
    assert outcome.summary == ("could not determine: no pam_unix, pam_pwquality or "
                               "pam_cracklib password module was found in the PAM files read.")


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_require_complexity_must_be_a_boolean(bad: object) -> None:
    params: dict[str, Any] = {"require_complexity": bad}
    outcome = _judge(_pam("pam_unix.so minlen=15"), params)
    assert outcome.status is Status.ERROR   # even YAML null: never taken for "not promised"
    assert outcome.evidence == {
        "parameter_error": "expect.require_complexity must be true or false"}


@pytest.mark.parametrize("bad", [0, -3, "12", True])
def test_min_length_must_be_a_positive_number(bad: object) -> None:
    outcome = _judge(_pam("pam_unix.so minlen=15"), {"min_length": bad})
    assert outcome.status is Status.ERROR
    assert "min_length" in str(outcome.evidence["parameter_error"])


@pytest.mark.parametrize(("options", "expected"), [
    ("minlen=--12", 8),               # not a number: the default applies, no crash
    ("minlen=-12", 6),                # negative: nothing shorter than 6 is accepted anyway
    ("minlen=12 dcredit=--1", 12),    # not a number: the default credit (0) applies
    ("minlen=12 dcredit=-1", 12),
])
def test_malformed_numbers_are_not_numbers(options: str, expected: int) -> None:
    assert _one(f"pam_pwquality.so {options}")[0] == expected
