"""sudo command construction and failure classification (recorded sudo 1.9 messages)."""

from __future__ import annotations

import shlex

import pytest

from posture.collect.transport.sudo import classify, plan


def test_plan_without_password() -> None:
    sudo = plan(with_password=False)
    argv = shlex.split(sudo.command)
    assert argv[:4] == ["sudo", "-n", "--", "sh"]
    assert argv[5] == f"echo {sudo.ok_marker.decode()}; exec sh -s"
    assert sudo.prompt == b""


def test_plan_with_password_uses_stdin_and_a_random_prompt() -> None:
    first, second = plan(with_password=True), plan(with_password=True)
    argv = shlex.split(first.command)
    assert argv[:5] == ["sudo", "-S", "-k", "-p", first.prompt.decode()]
    assert first.prompt != second.prompt and first.ok_marker != second.ok_marker
    assert b"%" not in first.prompt  # sudo expands % escapes in prompts


@pytest.mark.parametrize(("stderr", "kind"), [
    (b"sudo: a password is required\n", "needs_password"),
    (b"PROMPT\nsudo: no password was provided\nsudo: a password is required\n",
     "needs_password"),
    (b"PROMPTSorry, try again.\nPROMPT\nsudo: no password was provided\n"
     b"sudo: 1 incorrect password attempt\n", "wrong_password"),
    (b"PROMPTpstno is not in the sudoers file.\n", "not_allowed"),
    (b"Sorry, user bob is not allowed to execute '/usr/bin/sh -c x' as root on web.\n",
     "not_allowed"),
    (b"sudo: sorry, you must have a tty to run sudo\n", "requiretty"),
    (b"sh: 1: sudo: not found\n", "error"),
    (b"\nWe trust you have received the usual lecture from the local System\n"
     b"Administrator. It usually boils down to these three things:\n"
     b"    #1) Respect the privacy of others.\n    #2) Think before you type.\n"
     b"    #3) With great power comes great responsibility.\n\n", "error"),
])
def test_classify(stderr: bytes, kind: str) -> None:
    assert classify(stderr) == kind
