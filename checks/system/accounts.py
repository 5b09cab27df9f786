"""Password-rotation checks: password age, the ageing policy, and PAM's password rules.

Only accounts that can log in with a password are judged: a shadow password that is set, a
login shell, and an account that has not expired. Locked and key-only accounts are listed as
evidence but cannot break a rotation promise. Hashes never leave the target (the shadow fact
holds only set/locked/none/empty).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fnmatch import fnmatchcase

from checks.base import (
    Check,
    CheckContext,
    CheckMeta,
    Outcome,
    capped,
    int_param,
    missing,
    param_error,
    scan_date,
)
from checks.sshd.ssh import password_logins
from checks.system import account_census
from checks.system.password_quality import PASSWORD_QUALITY as PASSWORD_QUALITY
from checks.system.password_quality import pam_rules as pam_rules
from posture.models import JSON, Severity, Status, msg

_EPOCH = date(1970, 1, 1)
_NO_LOGIN = ("nologin", "false", "sync", "halt", "shutdown")
_REFERENCES = (
    "https://pages.nist.gov/800-63-4/sp800-63b.html",
    "CIS Distribution Independent Linux Benchmark, 5.4.1 (password expiration)",
    "https://man7.org/linux/man-pages/man5/shadow.5.html",
)


@dataclass(frozen=True)
class Account:
    """One local account, joined from passwd, shadow and authorized_keys (no secrets)."""

    name: str
    shell: str
    state: str  # password state: set | locked | none | empty
    last_change: int | None  # days since the epoch; 0 = must change at next login
    max_days: int | None
    inactive: int | None
    expire: int | None
    keys: int = 0

    def blocked(self, today: int) -> str | None:
        """Why this account cannot log in with a password at all, or None if it can."""
        if not self.shell or self.shell.rpartition("/")[2] in _NO_LOGIN:
            return "no login shell"
        if self.expire is not None and 0 < self.expire <= today:
            return "account expired"
        if self.state in ("locked", "none"):
            return "key-only" if self.keys else f"password {self.state}"
        if (self.last_change and self.max_days is not None and self.inactive is not None
                and 0 <= self.max_days < 99999  # 99999 is the conventional "never"
                and self.last_change + self.max_days + self.inactive < today):
            return "password expired and inactivity period over"
        return None


@dataclass(frozen=True)
class Census:
    """The accounts of one host, sorted by whether a password can log them in."""

    today: int
    judged: list[Account] = field(default_factory=list)  # can log in with a password
    empty: list[str] = field(default_factory=list)  # login shell + empty password
    not_judged: list[dict[str, JSON]] = field(default_factory=list)
    no_login_shell: int = 0
    out_of_scope: int = 0

    def evidence(self) -> dict[str, JSON]:
        """What was judged and what was not, for a finding."""
        return {"judged": len(self.judged), "not_judged": capped(self.not_judged),
                "accounts_without_login_shell": self.no_login_shell,
                "out_of_scope": self.out_of_scope}


def _accounts(ctx: CheckContext) -> list[Account]:
    shells = {str(u["name"]): str(u.get("shell") or "") for u in ctx.fact("accounts.passwd").value}
    keys_fact = ctx.fact("ssh.authorized_keys")  # optional: only tells key-only from locked
    keys = keys_fact.value if keys_fact.ok and isinstance(keys_fact.value, dict) else {}
    return [Account(str(s["name"]), shells[str(s["name"])], str(s["password"]),
                    s.get("last_change"), s.get("max"), s.get("inactive"), s.get("expire"),
                    int(keys.get(str(s["name"]), 0)))
            for s in ctx.fact("accounts.shadow").value if str(s["name"]) in shells]


def _scope(ctx: CheckContext) -> list[str] | Outcome:
    patterns = ctx.params.get("accounts", ["*"])
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        return param_error("expect.accounts must be a list of account-name patterns")
    return patterns


def census(ctx: CheckContext) -> Census | Outcome:
    """Classify the host's accounts, or return an ``error`` outcome when facts are missing.

    The per-account facts must be complete: a list cut at a cap could hide any account.
    """
    error = missing(ctx, "accounts.passwd", "accounts.shadow")
    if error:
        return error
    cut = [k for k in ("accounts.passwd", "accounts.shadow") if ctx.fact(k).truncated]
    if cut:
        return Outcome(Status.ERROR, f"could not determine: {', '.join(cut)} went past "
                       "posture's output cap on this server, so some accounts were not read "
                       "(the target-side summary covers every account only for a claim on "
                       "all accounts)", {"truncated_facts": list(cut)})
    patterns = _scope(ctx)
    if isinstance(patterns, Outcome):
        return patterns
    today = (scan_date(ctx) - _EPOCH).days
    judged: list[Account] = []
    empty: list[str] = []
    skipped: list[dict[str, JSON]] = []
    no_shell = out_of_scope = 0
    for account in _accounts(ctx):
        why = account.blocked(today)
        if not any(fnmatchcase(account.name, p) for p in patterns):
            out_of_scope += 1
        elif why == "no login shell":
            no_shell += 1
        elif why:
            skipped.append({"account": account.name, "reason": why})
        elif account.state == "empty":
            empty.append(account.name)
        else:
            judged.append(account)
    return Census(today, judged, empty, skipped, no_shell, out_of_scope)


def _context(ctx: CheckContext, today: int) -> dict[str, JSON]:
    """Optional evidence: does SSH take passwords, and how far off is the target's clock?

    Whether SSH takes passwords is judged per connection context (a Match block can turn
    them on for some clients), as ssh.password_authentication judges it: "yes: ...",
    "no: ..." or "unknown: ..." with the reason.
    """
    clock = ctx.fact("host.time")
    ssh_passwords = password_logins(ctx)
    offset = clock.value // 86400 - today if clock.ok and isinstance(clock.value, int) else None
    return {"ssh_password_logins": ssh_passwords, "target_clock_offset_days": offset}


def _max_age(ctx: CheckContext) -> int | Outcome:
    value = int_param(ctx, "max_age_days", required=False)
    return param_error("expect.max_age_days is required (the promised period in days)") \
        if value is None else value


def _password_age(ctx: CheckContext) -> Outcome:
    summary, max_age = account_census.usable(ctx), _max_age(ctx)
    if summary is not None and not isinstance(max_age, Outcome):
        today = (scan_date(ctx) - _EPOCH).days
        return account_census.password_age(summary, today, max_age, _context(ctx, today))
    found = census(ctx)
    if isinstance(found, Outcome):
        return found
    if isinstance(max_age, Outcome):
        return max_age
    ages = sorted(((found.today - a.last_change, a.name) for a in found.judged
                   if a.last_change), reverse=True)
    stale = [{"account": name, "age_days": age} for age, name in ages if age > max_age]
    forced = [a.name for a in found.judged if a.last_change == 0]
    unknown = [a.name for a in found.judged if a.last_change is None]
    evidence = {"max_age_days": max_age, "stale": capped(stale), "stale_count": len(stale),
                "oldest_days": ages[0][0] if ages else None,
                "must_change_at_next_login": capped(forced), "unknown_age": capped(unknown),
                "empty_password": capped(found.empty), **found.evidence(),
                **_context(ctx, found.today)}
    if found.empty:
        return Outcome(Status.FAIL, msg("{n} account with a login shell has an empty "
                                        "password: {items}.", "{n} accounts with a login shell "
                                        "have an empty password: {items}.",
                                        n=len(found.empty), items=", ".join(found.empty[:5])),
                       evidence,
                       Severity.CRITICAL)
    if stale:
        return Outcome(Status.FAIL, msg("{n} of {total} password accounts has a password older "
                                        "than {days} days (oldest: {account}, {age} days).",
                                        "{n} of {total} password accounts have a password "
                                        "older than {days} days (oldest: {account}, {age} "
                                        "days).", n=len(stale), total=len(found.judged),
                                        days=max_age, account=stale[0]["account"],
                                        age=stale[0]["age_days"]), evidence)
    if unknown:
        return Outcome(Status.ERROR, msg("could not determine: the password age of {items} "
                                         "is unknown (no last-change date).",
                                         items=', '.join(unknown[:5])), evidence)
    if forced:
        return Outcome(Status.WARN, msg("{n} account must change its password at the next "
                                        "login; the others are within {max_age} days.",
                                        "{n} accounts must change their password at the next "
                                        "login; the others are within {max_age} days.",
                                        n=len(forced), max_age=max_age), evidence)
    if not found.judged:
        return Outcome(Status.PASS, msg("No account can log in with a password."), evidence)
    return Outcome(Status.PASS, msg("Every password account ({count}) changed its password "
                                    "within {max_age} days (oldest: {value} days).",
                                    count=len(found.judged), max_age=max_age, value=ages[0][0]),
                   evidence)


def _policy_days(ctx: CheckContext) -> tuple[str | None, int | None]:
    raw = ctx.fact("login.defs").value.get("PASS_MAX_DAYS")
    text = str(raw).split()[0] if raw else None
    # A negative or malformed value enforces nothing: None fails the policy like -1 would
    # ("--5" must not reach int()).
    return text, int(text) if text and text.isdecimal() else None


def _offenders(ctx: CheckContext, max_age: int
               ) -> tuple[list[dict[str, JSON]], JSON, dict[str, JSON]] | Outcome:
    summary = account_census.usable(ctx)
    if summary is not None:
        rows, count = account_census.over_limit(summary, max_age)
        return rows, count, {"judged": summary["judged"], "accounts": summary["accounts"],
                             "source": "summary computed on the target over every account"}
    found = census(ctx)
    if isinstance(found, Outcome):
        return found
    offenders: list[dict[str, JSON]] = [
        {"account": a.name, "max_days": a.max_days} for a in found.judged
        if a.max_days is None or not 0 <= a.max_days <= max_age]
    return offenders, len(offenders), found.evidence()


def _max_days_policy(ctx: CheckContext) -> Outcome:
    max_age = _max_age(ctx)
    if isinstance(max_age, Outcome):
        return max_age
    found = _offenders(ctx, max_age)
    if isinstance(found, Outcome):
        return found
    error = missing(ctx, "login.defs")
    if error:
        return error
    raw, policy = _policy_days(ctx)
    offenders, count, census_evidence = found
    evidence = {"max_age_days": max_age, "PASS_MAX_DAYS": raw,
                "accounts_over_limit": capped(offenders), "accounts_over_limit_count":
                count, **census_evidence}
    problems = []
    if policy is None or not 0 < policy <= max_age:
        problems.append(msg("PASS_MAX_DAYS is {value}, so new accounts are not forced to "
                            "change within {days} days", value=raw or "unset", days=max_age))
    if offenders:
        first = offenders[0]
        # The summary gives an exact count as text ("2") and a lower bound as "at least 200".
        text = str(count)
        problems.append(
            msg("{n} password account has a longer or no maximum age (e.g. {account}: "
                "{max_days})", "{n} password accounts have a longer or no maximum age (e.g. "
                "{account}: {max_days})", n=int(text), account=first["account"],
                max_days=first["max_days"]) if text.isdecimal() else
            msg("at least {count} password accounts have a longer or no maximum age (e.g. "
                "{account}: {max_days})", count=text.removeprefix("at least "),
                account=first["account"], max_days=first["max_days"]))
    if problems:
        if len(problems) == 2:
            return Outcome(Status.FAIL, msg("The ageing policy does not enforce the {days}-day "
                                            "promise: {first}; {second}.", days=max_age,
                                            first=problems[0], second=problems[1]), evidence)
        return Outcome(Status.FAIL, msg("The ageing policy does not enforce the {days}-day "
                                        "promise: {problem}.", days=max_age,
                                        problem=problems[0]), evidence)
    return Outcome(Status.PASS, msg("PASS_MAX_DAYS ({policy}) and every password account's "
                                    "maximum age are within {max_age} days.", policy=policy,
                                    max_age=max_age), evidence)


PASSWORD_AGE = Check(CheckMeta(
    id="accounts.password_age",
    title="Passwords that can log in are younger than the promised maximum age",
    claim_types=("password_rotation",),
    severity=Severity.HIGH,
    rationale="A rotation promise is only kept if every account that can log in with a password "
              "changed it within the period; empty passwords let anyone in.",
    remediation="Change the listed passwords (or lock them and use SSH keys), set an empty "
                "password's account to locked, and enforce the period with chage -M.",
    references=_REFERENCES,
    needs=("accounts.password_summary", "accounts.passwd", "accounts.shadow",
           "ssh.authorized_keys", "host.time"),
    partial_ok=("accounts.passwd", "accounts.shadow"),  # census() refuses a cut list
    # Whether SSH takes passwords is context for the reader, not part of the verdict: its
    # sshd -T run per connection context is left to the claims that judge SSH.
    optional=("sshd.contexts",),
), _password_age)

MAX_DAYS_POLICY = Check(CheckMeta(
    id="accounts.max_days_policy",
    title="The password ageing policy enforces the promised maximum age",
    claim_types=("password_rotation",),
    severity=Severity.MEDIUM,
    rationale="Without PASS_MAX_DAYS and per-account maximum ages, rotation depends on people "
              "remembering; the system will not force it.",
    remediation="Set PASS_MAX_DAYS in /etc/login.defs to the promised period and apply it to "
                "existing accounts with 'chage -M DAYS ACCOUNT'.",
    references=(*_REFERENCES, "https://man7.org/linux/man-pages/man5/login.defs.5.html"),
    needs=("login.defs", "accounts.password_summary", "accounts.passwd", "accounts.shadow"),
    partial_ok=("accounts.passwd", "accounts.shadow"),  # census() refuses a cut list
), _max_days_policy)

CHECKS = (PASSWORD_AGE, MAX_DAYS_POLICY, PASSWORD_QUALITY)
"""The password-rotation checks, in catalogue order."""
