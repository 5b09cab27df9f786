"""SSH logins judged per connection context: password logins and root logins.

Authentication is judged per connection context (``sshd -T -C``, fact ``sshd.contexts``):
every context that can reach the server is judged on the options sshd would apply to it, and
a Match block that turns passwords (or root logins) on for any client that can reach the
server fails the check, naming the block's file:line. A weakening block no evaluated context
met is proved unreachable from its criteria or reported as ``error``, never assumed harmless;
see :mod:`checks.sshd.sshd_contexts`. The checks on plain ``sshd -T`` (algorithms, SFTP) are in
:mod:`checks.sshd.ssh`, which re-exports these names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from checks.base import Check, CheckContext, CheckMeta, Outcome, missing
from checks.sshd.sshd_contexts import (
    Block,
    block_of,
    blocks,
    causes,
    describe,
    effective,
    may_log_in,
    reaches,
    static_reach,
    usable,
)
from posture.models import JSON, Severity, Status, msg

PerContext = Callable[[Mapping[str, Any], bool], "tuple[Status, str, str] | None"]
"""Judges one reaching context (and whether accounts were evaluated one by one): None when it
passes, else (verdict, the option that decides it, summary)."""

REFERENCES = (
    "https://infosec.mozilla.org/guidelines/openssh",
    "https://man.openbsd.org/sshd_config",
    "CIS Distribution Independent Linux Benchmark, 5.2 (SSH server configuration)",
)
"""References shared by the SSH checks."""
_AUTH_NEEDS = ("sshd.contexts",)


def keys_required(methods: str) -> bool:
    """True when the AuthenticationMethods value puts a public key in every list.

    ``any`` (the default) names no list with a key; an empty value is no requirement at all
    (sshd -T never prints one: a truncated or edited fact), never "keys only".
    """
    lists = methods.lower().split()
    return bool(lists) and all("publickey" in item.split(",") for item in lists)


def _contexts(ctx: CheckContext) -> dict[str, Any] | Outcome:
    """The usable ``sshd.contexts`` value, or the error saying why it is not usable."""
    error = missing(ctx, "sshd.contexts")
    if error:
        return error
    raw = ctx.fact("sshd.contexts").value
    if not isinstance(raw, dict):
        return Outcome(Status.ERROR, "could not determine: sshd.contexts has an unexpected "
                       "shape")
    value = effective(raw)
    problem = usable(value)
    if problem:
        return Outcome(Status.ERROR, f"could not determine: {problem}",
                       {"files": value.get("files", []), "reason": problem[:500]})
    return value


_PASSWORD_OPTIONS = ("authenticationmethods", "passwordauthentication",
                     "kbdinteractiveauthentication", "challengeresponseauthentication", "usepam")


def password_status(options: Mapping[str, str]) -> tuple[Status, str]:
    """The verdict for one context's effective options, and the option that decides it."""
    # Only the options read below, normalised: sshd -T prints about a hundred.
    get = {k: str(options[k]).strip().lower() for k in _PASSWORD_OPTIONS if k in options}
    if "authenticationmethods" in get and keys_required(get["authenticationmethods"]):
        return Status.PASS, "authenticationmethods"
    if get.get("passwordauthentication") == "yes":
        return Status.FAIL, "passwordauthentication"
    # Keyboard-interactive has its own key since OpenSSH 8.7; before, only the older alias
    # ChallengeResponseAuthentication, whose "no" still turns it off (a 8.7+ sshd -T prints both).
    kbd = ("kbdinteractiveauthentication" if "kbdinteractiveauthentication" in get
           else "challengeresponseauthentication")
    if get.get(kbd) == "yes" and get.get("challengeresponseauthentication") != "no" \
            and get.get("usepam") in ("yes", "1"):  # OpenSSH before 6.x printed 1
        return Status.WARN, kbd
    return Status.PASS, "passwordauthentication"


def _weakens_passwords(block: Block) -> bool:
    methods = block.value("authenticationmethods")
    return (any(block.value(k) == "yes" for k in (
        "passwordauthentication", "kbdinteractiveauthentication",
        "challengeresponseauthentication", "permitemptypasswords"))
        or (methods is not None and not keys_required(methods)))


def _weakens_root(block: Block) -> bool:
    return block.value("permitrootlogin") not in (None, "no")


def _met(contexts: list[dict[str, Any]], found: list[Block]) -> set[str]:
    """The Match blocks (file:line) sshd applied for these contexts, from its log."""
    met = set()
    for context in contexts:
        for setting in context.get("settings", []):
            block = block_of(found, str(setting.get("file")), int(setting.get("line", 0)))
            if block:
                met.add(block.where)
    return met


def _unmet_blocks(value: dict[str, Any], found: list[Block], reaching: list[dict[str, Any]],
                  weakens: Callable[[Block], bool]) -> tuple[list[str], list[str]]:
    """Weakening blocks no reaching context met: (proved unreachable, not proved);
    ``found`` is ``blocks(value)``."""
    met = _met(reaching, found)
    met_any = _met(value["contexts"], found)
    unreachable, unproved = [], []
    for block in found:
        if not weakens(block) or block.where in met:
            continue
        known, why = static_reach(block, value, block.where in met_any)
        text = f"{block.where} (Match {block.criteria}): {why}"
        if known is False:
            unreachable.append(text)
        else:
            verb = "reaches" if known else "cannot be judged:"
            unproved.append(f"{block.where} (Match {block.criteria}) {verb} {why}, but no "
                            "evaluated connection context met it")
    return unreachable, unproved


def _judge_contexts(ctx: CheckContext, subject: str, per_context: PerContext,
                    weakens: Callable[[Block], bool], users: str = "") -> Outcome:
    """Judge every reaching context with ``per_context``; worst verdict wins (fail first)."""
    value = _contexts(ctx)
    if isinstance(value, Outcome):
        return value
    found = blocks(value)
    contexts = [c for c in value["contexts"] if not users or c.get("user") == users]
    reaching = [c for c in contexts if reaches(c, value)]
    verdicts = []
    by_user = bool(value["users"].get("by_user"))
    for context in reaching:
        verdict = per_context(context, by_user)
        if verdict:
            status, key, summary = verdict
            # usable() made sure every context holds the options a verdict can name
            setting = f"{key} {context['options'][key]}".strip()
            verdicts.append((status, context, key, setting, summary))
    unreachable, unproved = _unmet_blocks(value, found, reaching, weakens)
    evidence: dict[str, JSON] = {
        "contexts_evaluated": len(contexts), "contexts_reaching": len(reaching),
        "accounts_with_login_shell": value["users"].get("login_accounts"),
        "accounts_evaluated_one_by_one": bool(value["users"].get("by_user")),
        "files": value.get("files", [])[:20],
        "unreachable_blocks": unreachable[:10], "not_evaluated_blocks": unproved[:10],
        "findings": [{"context": describe(c), "reaches_as": reaches(c, value),
                      "option": setting, "set_by": causes(c, key, found, value)[:3],
                      "verdict": st.value}
                     for st, c, key, setting, _ in verdicts[:10]],
    }
    for wanted in (Status.FAIL, Status.ERROR, Status.WARN):
        if wanted is Status.ERROR and unproved:
            return Outcome(Status.ERROR, f"could not determine: {unproved[0]}.", evidence)
        hits = [v for v in verdicts if v[0] is wanted]
        if hits:
            _, context, key, setting, summary = hits[0]
            where = ", ".join(causes(context, key, found, value)[:2])
            if len(hits) > 1:
                return Outcome(wanted, msg(
                    "{summary} For {context} and {n} more connection context: {setting} (set "
                    "at {where}).", "{summary} For {context} and {n} more connection "
                    "contexts: {setting} (set at {where}).", n=len(hits) - 1, summary=summary,
                    context=describe(context), setting=setting, where=where), evidence)
            return Outcome(wanted, msg("{summary} For {context}: {setting} (set at {where}).",
                                       summary=summary, context=describe(context),
                                       setting=setting, where=where), evidence)
    if unreachable:
        return Outcome(Status.PASS, msg(
            "{subject} in all {n} connection contexts that can reach the server ({blocks} "
            "weakening Match blocks reach no client).", n=len(reaching), subject=subject,
            blocks=len(unreachable)), evidence)
    return Outcome(Status.PASS, msg(
        "{subject} in the one connection context that can reach the server.",
        "{subject} in all {n} connection contexts that can reach the server.",
        n=len(reaching), subject=subject), evidence)


def _password_context(context: Mapping[str, Any],
                      by_user: bool) -> tuple[Status, str, str] | None:
    options = context["options"]
    if not may_log_in(context, by_user):
        return None
    if context.get("user") == "root" and str(options.get("permitrootlogin")).lower() != "yes":
        return None  # root gets no password login whatever PasswordAuthentication says
    status, key = password_status(options)
    if status is Status.PASS:
        return None
    if status is Status.FAIL and str(options.get("permitemptypasswords")).lower() == "yes":
        return status, "permitemptypasswords", msg("SSH accepts password logins, even with "
                                                   "an empty password.")
    if status is Status.FAIL:
        return status, key, msg("SSH accepts password logins, which can be guessed; allow "
                                "keys only.")
    return status, key, msg("SSH password authentication is off, but keyboard-interactive "
                            "login through PAM can still ask for a password.")


def _password_authentication(ctx: CheckContext) -> Outcome:
    return _judge_contexts(ctx, msg("SSH accepts no password logins"), _password_context,
                           _weakens_passwords)


_ROOT = {
    "no": (Status.PASS, msg("SSH refuses logins as root.")),
    "prohibit-password": (Status.WARN, msg("SSH allows root to log in with a key; log in as a "
                                           "named user and escalate instead.")),
    "without-password": (Status.WARN, msg("SSH allows root to log in with a key; log in as a "
                                          "named user and escalate instead.")),
    "forced-commands-only": (Status.WARN, msg("SSH allows root to log in with keys restricted "
                                              "to forced commands.")),
    "yes": (Status.FAIL, msg("SSH allows root to log in directly, with a password if "
                             "passwords are accepted.")),
}


def _root_context(context: Mapping[str, Any],
                  _by_user: bool) -> tuple[Status, str, str] | None:
    # Only root's contexts come here: the by_user shortcut never shuts root out.
    if not may_log_in(context):
        return None
    value = str(context["options"]["permitrootlogin"]).lower()
    if value not in _ROOT:
        return Status.ERROR, "permitrootlogin", "could not determine: unrecognised " \
            f"PermitRootLogin value {value[:40]!r}."
    status, summary = _ROOT[value]
    return None if status is Status.PASS else (status, "permitrootlogin", summary)


def _root_login(ctx: CheckContext) -> Outcome:
    return _judge_contexts(ctx, msg("SSH refuses logins as root"), _root_context, _weakens_root,
                           users="root")


def password_logins(ctx: CheckContext) -> str:
    """Evidence for other checks: do reaching clients get password logins? yes/no/unknown."""
    outcome = _password_authentication(ctx)
    if outcome.status is Status.FAIL:
        return f"yes: {outcome.summary}"[:300]
    if outcome.status in (Status.PASS, Status.WARN):
        return f"no: {outcome.summary}"[:300]
    return f"unknown: {outcome.summary}"[:300]


PASSWORD_AUTHENTICATION = Check(CheckMeta(
    id="ssh.password_authentication",
    title="SSH does not accept password logins",
    claim_types=("encrypted_admin_channels",),
    severity=Severity.MEDIUM,
    rationale="Internet-facing SSH is brute-forced constantly; keys cannot be guessed, "
              "passwords can.",
    remediation="Set 'PasswordAuthentication no' and 'KbdInteractiveAuthentication no' in "
                "sshd_config and in every Match block that can apply to a client (after "
                "installing keys for every administrator) and reload sshd.",
    references=REFERENCES,
    needs=_AUTH_NEEDS,
), _password_authentication)

ROOT_LOGIN = Check(CheckMeta(
    id="ssh.root_login",
    title="SSH does not allow direct root logins",
    claim_types=("encrypted_admin_channels",),
    severity=Severity.HIGH,
    rationale="Direct root logins skip individual accountability and give an attacker who "
              "guesses or steals one credential full control.",
    remediation="Set 'PermitRootLogin no' in sshd_config (and in no Match block turn it back "
                "on) and use named accounts with sudo.",
    references=REFERENCES,
    needs=_AUTH_NEEDS,
), _root_login)
