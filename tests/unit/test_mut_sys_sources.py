"""Which evidence ``services.plaintext_admin`` refuses to judge on, and how it says so.

A fact that did not come back ``ok`` is never read, even when it carries partial output; the
basis names the fact's status and reason (or an empty reason), and an error names the first
fact that could not be read.
"""

from __future__ import annotations

from typing import Any

from facts_samples import context, denied, ok

from checks.system.services import PLAINTEXT_ADMIN
from posture.models import Fact, FactStatus, Status

TELNET = [{"address": "0.0.0.0", "port": 23, "process": "in.telnetd"}]
PROCS = [{"user": "root", "pid": 1, "ppid": 0, "comm": "systemd"}]


def _judge(*facts: Fact) -> Any:
    return PLAINTEXT_ADMIN.evaluate(context([*facts, ok("pkg.versions", {"packages": {}})]))


def test_partial_output_of_a_timed_out_fact_is_not_judged() -> None:
    partial = Fact("net.listening", FactStatus.TIMEOUT, TELNET, reason="command exceeded 60 s")
    outcome = _judge(partial, ok("proc.list", PROCS))
    assert outcome.status is Status.PASS
    assert outcome.evidence["exposed"] == []
    assert outcome.evidence["basis"] == ("processes and packages only: listening sockets were "
                                         "not readable (timeout: command exceeded 60 s)")


def test_an_unread_fact_without_a_reason() -> None:
    outcome = _judge(Fact("net.listening", FactStatus.DENIED), ok("proc.list", PROCS))
    assert outcome.evidence["basis"] == ("processes and packages only: listening sockets were "
                                         "not readable (denied: )")


def test_an_unread_process_list_without_a_reason() -> None:
    outcome = _judge(ok("net.listening", []), Fact("proc.list", FactStatus.ERROR))
    assert outcome.evidence["basis"] == ("listening sockets and packages only: processes were "
                                         "not readable (error: )")


def test_the_error_names_the_process_list_when_sockets_were_empty() -> None:
    outcome = _judge(ok("net.listening", None), denied("proc.list"))
    assert outcome.status is Status.ERROR
    assert outcome.evidence["fact"] == "proc.list"
