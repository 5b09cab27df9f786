"""Whether a web server's workers run as root: exact verdicts and the evidence that decides
them (who is a parent, who a worker, which masters count), for any product."""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import context, denied, ok

from checks.websites.workers import workers_verdict
from posture.models import Status


def _proc(pid: int, ppid: int, user: str, comm: str = "srv") -> dict[str, Any]:
    return {"pid": pid, "ppid": ppid, "user": user, "comm": comm}


def _is_srv(comm: object) -> bool:
    return comm == "srv"


def _verdict(procs: list[dict[str, Any]], masters: set[int] | None = None,
             extra: dict[str, Any] | None = None) -> Any:
    return workers_verdict(context([ok("proc.list", procs)]), "Srv", _is_srv, masters, extra)


def test_unprivileged_workers_pass_with_their_users_sorted_and_counted() -> None:
    out = _verdict([_proc(10, 1, "root"), _proc(11, 10, "www"), _proc(12, 10, "apache"),
                    _proc(13, 10, "www"), _proc(99, 1, "root", comm="other")])
    assert out.status is Status.PASS
    assert out.summary == "Srv worker processes (3) run as apache, www, not root."
    assert out.evidence == {"parents": [{"pid": 10, "user": "root"}], "workers": 3,
                            "worker_users": ["apache", "www"], "root_workers": []}


@pytest.mark.parametrize("user", ["root", "0"])
def test_a_root_worker_fails_by_name_or_by_uid(user: str) -> None:
    out = _verdict([_proc(10, 1, "root"), _proc(11, 10, user), _proc(12, 10, "www")])
    assert out.status is Status.FAIL
    assert out.summary == ("1 of 2 Srv worker processes run as root, so any request-handling "
                           "flaw gives full control.")
    assert out.evidence["root_workers"] == [11]
    assert out.evidence["worker_users"] == sorted([user, "www"])
    assert out.evidence["workers"] == 2


@pytest.mark.parametrize(("user", "status"), [
    ("root", Status.FAIL), ("0", Status.FAIL), ("www", Status.PASS), ("rooted", Status.PASS),
])
def test_a_single_process_without_workers_is_judged_by_its_own_user(user: str,
                                                                     status: Status) -> None:
    out = _verdict([_proc(10, 1, user)])
    assert out.status is status
    if status is Status.FAIL:
        assert out.summary == "Srv runs as root with no worker processes, so root handles " \
                              "requests itself."
    else:
        assert out.summary == "Srv runs entirely without root privileges."
    assert out.evidence == {"parents": [{"pid": 10, "user": user}], "workers": 0,
                            "worker_users": [], "root_workers": []}


def test_only_the_children_of_the_given_masters_count() -> None:
    procs = [_proc(10, 1, "root"), _proc(11, 10, "www"),
             _proc(40, 1, "root"), _proc(41, 40, "root")]  # another namespace's server
    mine = _verdict(procs, masters={10})
    assert mine.status is Status.PASS
    assert mine.evidence["parents"] == [{"pid": 10, "user": "root"}]
    assert mine.evidence["workers"] == 1
    theirs = _verdict(procs, masters={40})
    assert theirs.status is Status.FAIL and theirs.evidence["root_workers"] == [41]
    everyone = _verdict(procs)
    assert everyone.status is Status.FAIL
    assert everyone.evidence["parents"] == [{"pid": 10, "user": "root"},
                                            {"pid": 40, "user": "root"}]


def test_a_worker_whose_master_is_given_counts_even_when_its_parent_is_elsewhere() -> None:
    # The master is known by pid; its worker by ppid: each alone suffices to be counted.
    out = _verdict([_proc(10, 1, "root"), _proc(11, 10, "root")], masters={10})
    assert out.status is Status.FAIL and out.evidence["root_workers"] == [11]
    only_worker = _verdict([_proc(11, 10, "www")], masters={10})
    assert only_worker.status is Status.PASS
    assert only_worker.evidence["parents"] == [{"pid": 11, "user": "www"}]


def test_no_process_of_the_masters_is_not_applicable() -> None:
    out = _verdict([_proc(40, 1, "root"), _proc(41, 40, "root")], masters=set())
    assert out.status is Status.NOT_APPLICABLE
    assert out.summary == "No Srv process is running on this host."


def test_no_server_process_at_all_is_not_applicable() -> None:
    out = _verdict([_proc(99, 1, "root", comm="other")])
    assert out.status is Status.NOT_APPLICABLE
    empty = workers_verdict(context([ok("proc.list", None)]), "Srv", _is_srv)
    assert empty.status is Status.NOT_APPLICABLE


def test_extra_evidence_is_kept() -> None:
    out = _verdict([_proc(10, 1, "root"), _proc(11, 10, "www")],
                   extra={"configured_user": [{"pid": 10, "user": "www"}]})
    assert out.evidence["configured_user"] == [{"pid": 10, "user": "www"}]
    assert out.evidence["workers"] == 1


def test_an_unreadable_process_list_is_an_error() -> None:
    out = workers_verdict(context([denied("proc.list")]), "Srv", _is_srv)
    assert out.status is Status.ERROR
    assert out.evidence["fact"] == "proc.list"
