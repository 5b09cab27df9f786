"""Shapes of the ``accounts`` fact family (see :mod:`posture.collect.facts.accounts`)."""

from __future__ import annotations

from typing import TypedDict

__all__ = ["AgeRow", "MaxRow", "PasswordSummary"]


class AgeRow(TypedDict):
    """One of the accounts with the oldest password change."""

    name: str
    last_change: int  # days since the epoch (> 0)


class MaxRow(TypedDict):
    """One of the accounts with the longest maximum password age."""

    name: str
    max_days: int | None  # None: no maximum set (never has to change)


class PasswordSummary(TypedDict):
    """Value of ``accounts.password_summary``: every count complete, every list bounded."""

    today: int  # the target's day (days since the epoch)
    accounts: int  # distinct accounts in the passwd database
    with_shadow_entry: int
    no_login_shell: int
    judged: int  # can log in with a set password (the rotation promise applies)
    blocked: dict[str, int]  # reason -> count (expired, locked, ...)
    empty: list[str]  # login shell and an empty password (first KEEP names)
    empty_count: int
    unknown: list[str]  # no last-change date
    unknown_count: int
    forced: list[str]  # must change at next login (last change 0)
    forced_count: int
    oldest: list[AgeRow]  # oldest first, at most KEEP
    longest_max: list[MaxRow]  # longest/no maximum first, at most KEEP
    keep: int
