"""PAM's password rules: the shortest password a password stack accepts (NIST SP 800-63B).

Part of the password-rotation checks (:mod:`checks.system.accounts`): a rotation promise is
worth little when the passwords it rotates may be short.
"""

from __future__ import annotations

from dataclasses import dataclass

from checks.base import Check, CheckContext, CheckMeta, Outcome, int_param, missing, param_error
from posture.models import JSON, Severity, Status, msg

_REFERENCES = (
    "https://pages.nist.gov/800-63-4/sp800-63b.html",
    "CIS Distribution Independent Linux Benchmark, 5.4.1 (password expiration)",
    "https://man7.org/linux/man-pages/man5/shadow.5.html",
)


# pam_pwquality / pam_cracklib: (default minlen, default credit per character class).
# libpwquality >= 1.4 defaults to minlen 8 (older releases used 9); cracklib gives credits.
_QUALITY = {"pam_pwquality.so": (8, 0), "pam_cracklib.so": (9, 1)}
_CREDITS = ("dcredit", "ucredit", "lcredit", "ocredit")
_FLOOR = 6  # both libraries, and pam_unix by default, refuse anything shorter


@dataclass(frozen=True)
class Rule:
    """The minimum a PAM password stack enforces."""

    file: str
    min_length: int
    classes: int  # character classes that must appear
    basis: str  # which module and setting decide it


def _number(value: object) -> int | None:
    text = str(value).strip()  # None reads "None": not a number either
    # One optional sign: "--5" is not a number (int() would raise on it).
    return int(text) if text.removeprefix("-").isdecimal() else None


def _module_rule(module: dict[str, JSON], conf: dict[str, JSON]) -> tuple[int, int, str] | None:
    name = str(module.get("module")).rpartition("/")[2]
    options = dict(module.get("options") or {})
    if name == "pam_unix.so":
        minlen = _number(options.get("minlen"))
        return (minlen, 0, f"pam_unix minlen={minlen}") if minlen else (
            _FLOOR, 0, "pam_unix built-in minimum of 6")
    if name not in _QUALITY:
        return None
    # Only pam_pwquality reads pwquality.conf; module options override it.
    settings = {**conf, **options} if name == "pam_pwquality.so" else options
    if _number(settings.get("enforcing")) == 0:  # warn-only mode enforces nothing
        return None
    default_len, default_credit = _QUALITY[name]
    minlen = _number(settings.get("minlen")) or default_len
    found = [_number(settings.get(c)) for c in _CREDITS]
    credits = [default_credit if c is None else c for c in found]
    bonus = sum(max(c, 0) for c in credits)  # each credit lets the password be one shorter
    classes = max(_number(settings.get("minclass")) or 0, sum(1 for c in credits if c < 0))
    basis = f"{name.removesuffix('.so')} minlen={minlen}"
    if bonus:
        basis += f" less {bonus} character-class credits"
    return max(_FLOOR, minlen - bonus), classes, basis


def pam_rules(value: dict[str, JSON]) -> list[Rule]:
    """The enforced minimum of each PAM password stack (one per file) in the fact."""
    conf = dict(value.get("pwquality") or {})
    by_file: dict[str, list[tuple[int, int, str]]] = {}
    for module in value.get("modules") or []:
        rule = _module_rule(module, conf)
        if rule:
            by_file.setdefault(str(module.get("file")), []).append(rule)
    # Within one stack every module must accept the password: the strictest one decides.
    return [Rule(file, max(rules)[0], max(r[1] for r in rules), max(rules)[2])
            for file, rules in by_file.items()]


def _quality_params(ctx: CheckContext) -> tuple[int | None, bool] | Outcome:
    min_length = int_param(ctx, "min_length", required=False)
    if isinstance(min_length, Outcome):
        return min_length
    complexity = ctx.params.get("require_complexity", False)
    if not isinstance(complexity, bool):
        return param_error("expect.require_complexity must be true or false")
    return min_length, complexity


def _password_quality(ctx: CheckContext) -> Outcome:
    error = missing(ctx, "pam.password")
    if error:
        return error
    params = _quality_params(ctx)
    if isinstance(params, Outcome):
        return params
    min_length, complexity = params
    rules = pam_rules(ctx.fact("pam.password").value or {})
    if not rules:
        return Outcome(Status.ERROR, msg("could not determine: no pam_unix, pam_pwquality "
                                         "or pam_cracklib password module was found in the "
                                         "PAM files read."))
    weakest = min(rules, key=lambda r: (r.min_length, r.classes))
    classes = min(r.classes for r in rules)
    evidence = {"effective_min_length": weakest.min_length, "basis": weakest.basis,
                "file": weakest.file, "character_classes_required": classes,
                "claimed_min_length": min_length, "require_complexity": complexity,
                "stacks": [{"file": r.file, "min_length": r.min_length, "classes": r.classes,
                            "basis": r.basis} for r in rules]}
    shortest: dict[str, JSON] = {"length": weakest.min_length, "basis": weakest.basis}
    if min_length and weakest.min_length < min_length:
        return Outcome(Status.FAIL, msg("Passwords may be as short as {length} characters "
                                        "({basis}), below the promised {promised}.",
                                        promised=min_length, **shortest), evidence)
    if complexity and classes < 3:
        return Outcome(Status.FAIL, msg("The statement promises complex passwords, but PAM "
                                        "requires only {n} character class.", "The statement "
                                        "promises complex passwords, but PAM requires only {n} "
                                        "character classes.", n=classes), evidence)
    if weakest.min_length < 8:
        return Outcome(Status.WARN, msg("Passwords may be as short as {length} characters "
                                        "({basis}), below the NIST SP 800-63B-4 minimum of 8 "
                                        "(15 for single-factor).", **shortest), evidence)
    if weakest.min_length >= 15:
        return Outcome(Status.PASS, msg("PAM requires passwords of at least {min_length} "
                                        "characters.", min_length=weakest.min_length), evidence)
    return Outcome(Status.PASS, msg("PAM requires passwords of at least {min_length} "
                                    "characters; NIST SP 800-63B-4 asks for 15 where the "
                                    "password is the only factor.",
                                    min_length=weakest.min_length), evidence)


PASSWORD_QUALITY = Check(CheckMeta(
    id="accounts.password_quality",
    title="PAM enforces a minimum password length",
    claim_types=("password_rotation",),
    severity=Severity.MEDIUM,
    rationale="Rotating short passwords does not make them hard to guess; NIST SP 800-63B-4 "
              "requires at least 8 characters, and 15 where the password is the only factor.",
    remediation="Install pam_pwquality (libpam-pwquality) and set 'minlen = 15' in "
                "/etc/security/pwquality.conf (or minlen= on the pam_unix line).",
    references=(*_REFERENCES, "https://man7.org/linux/man-pages/man8/pam_pwquality.8.html",
                "https://man7.org/linux/man-pages/man8/pam_unix.8.html"),
    needs=("pam.password",),
), _password_quality)
