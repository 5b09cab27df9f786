"""Password-rotation judgements from the target-side account summary.

``accounts.password_summary`` (see :mod:`posture.collect.facts.accounts`) classifies every
account on the target and keeps complete counts plus the oldest and longest-lived rows, so a
server with 50,000 accounts is judged exactly: every password is younger than N days iff the
oldest one is, and an offender count past the kept rows is reported as "at least".
"""

from __future__ import annotations

from collections.abc import Mapping

from checks.base import CheckContext, Outcome, capped, shaped
from posture.models import JSON, Severity, Status, msg
from posture.shapes.accounts import PasswordSummary

SUMMARY = "accounts.password_summary"
"""The fact key of the target-side summary."""


def usable(ctx: CheckContext) -> PasswordSummary | None:
    """The summary when it can stand for the whole claim: gathered, well formed, and the
    claim's scope is every account (a narrower scope needs the per-account facts)."""
    if ctx.params.get("accounts", ["*"]) != ["*"]:
        return None
    return shaped(ctx, SUMMARY, PasswordSummary)


def _base_evidence(value: PasswordSummary) -> dict[str, JSON]:
    return {"judged": value["judged"], "accounts": value["accounts"],
            "accounts_without_login_shell": value["no_login_shell"],
            "not_judged_by_reason": dict(value["blocked"]),
            "source": "summary computed on the target over every account"}


def _at_least(count: int, kept: int, keep: int) -> str:
    return f"at least {count}" if kept >= keep else str(count)


def password_age(value: PasswordSummary, today: int, max_age: int,
                 context: Mapping[str, JSON]) -> Outcome:
    """``accounts.password_age`` from the summary; ``today`` is the scan day."""
    oldest = [(today - row["last_change"], row["name"]) for row in value["oldest"]]
    stale = [{"account": name, "age_days": age} for age, name in oldest if age > max_age]
    keep = int(value["keep"])
    stale_count = _at_least(len(stale), len(stale), keep)
    evidence: dict[str, JSON] = {
        "max_age_days": max_age, "stale": capped(stale), "stale_count": stale_count,
        "oldest_days": oldest[0][0] if oldest else None,
        "must_change_at_next_login": capped(value["forced"]),
        "unknown_age": capped(value["unknown"]), "empty_password": capped(value["empty"]),
        **_base_evidence(value), **context}
    judged, empty = int(value["judged"]), int(value["empty_count"])
    if empty:
        return Outcome(Status.FAIL, msg("{n} account with a login shell has an empty "
                                        "password: {items}.", "{n} accounts with a login shell "
                                        "have an empty password: {items}.", n=empty,
                                        items=", ".join(value["empty"][:5])),
                       evidence, Severity.CRITICAL)
    if stale and len(stale) < keep:
        return Outcome(Status.FAIL, msg("{n} of {total} password accounts has a password older "
                                        "than {days} days (oldest: {account}, {age} days).",
                                        "{n} of {total} password accounts have a password "
                                        "older than {days} days (oldest: {account}, {age} "
                                        "days).", n=len(stale), total=judged, days=max_age,
                                        account=stale[0]["account"],
                                        age=stale[0]["age_days"]), evidence)
    if stale:
        return Outcome(Status.FAIL, msg("At least {n} of {total} password accounts have a "
                                        "password older than {days} days (oldest: {account}, "
                                        "{age} days).", n=len(stale), total=judged, days=max_age,
                                        account=stale[0]["account"],
                                        age=stale[0]["age_days"]), evidence)
    if value["unknown_count"]:
        return Outcome(Status.ERROR, msg("could not determine: the password age of {items} "
                                         "is unknown (no last-change date).",
                                         items=", ".join(value["unknown"][:5])), evidence)
    if value["forced_count"]:
        return Outcome(Status.WARN, msg("{n} account must change its password at the next "
                                        "login; the others are within {max_age} days.",
                                        "{n} accounts must change their password at the next "
                                        "login; the others are within {max_age} days.",
                                        n=int(value["forced_count"]), max_age=max_age), evidence)
    if not judged:
        return Outcome(Status.PASS, msg("No account can log in with a password."), evidence)
    return Outcome(Status.PASS, msg("Every password account ({count}) changed its password "
                                    "within {max_age} days (oldest: {value} days).",
                                    count=judged, max_age=max_age, value=oldest[0][0]),
                   evidence)


def over_limit(value: PasswordSummary, max_age: int) -> tuple[list[dict[str, JSON]], str]:
    """Accounts whose maximum age is longer than ``max_age`` (or unset/negative), and their
    count ("at least N" when every kept row is one)."""
    rows = [{"account": r["name"], "max_days": r["max_days"]} for r in value["longest_max"]
            if r["max_days"] is None or not 0 <= r["max_days"] <= max_age]
    keep = int(value["keep"])
    return rows, _at_least(len(rows), len(rows), keep)
