"""Admin paths over plain HTTP: every answer class at its boundary, and the exact verdict and
evidence of the check."""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import context, ok, timed_out

from checks.websites.adminplain import ADMIN_PLAIN_HTTP, _describe, _verdict
from posture.models import Status

PATH = {"name": "x", "source": "application", "port": 443, "path": "/beheer/", "plain_port": 80}


def _row(**kw: Any) -> dict[str, Any]:
    return {"name": "x", "source": "application", "port": 80, "path": "/beheer/",
            "state": "open", "answer": "http", **kw}


def _check(rows: list[Any], paths: list[dict[str, Any]] | None = None,
           problem: str | None = None, folders: list[str] | None = None) -> Any:
    value = {"folders": folders, "folders_problem": problem, "plain": rows,
             "paths": [PATH] if paths is None else paths}
    return ADMIN_PLAIN_HTTP.evaluate(context([ok("web.admin_paths", value)]))


@pytest.mark.parametrize(("row", "verdict"), [
    ({"state": "closed", "http_status": 200, "answer": "http"}, "safe"),
    ({"state": "filtered", "http_status": 200, "answer": "http"}, "safe"),
    (_row(state="open", http_status=200), "clear"),
    (_row(answer="tls", http_status=200), "unknown"),
    (_row(http_status="200"), "unknown"),                      # not a number
    (_row(http_status=None), "unknown"),
    # a redirect to http:// keeps the admin path in clear; to https:// it is safe
    (_row(http_status=308, location="http://shop.test/beheer/"), "clear"),
    (_row(http_status=308, location="https://shop.test/beheer/"), "safe"),
    (_row(http_status=301), "safe"),                           # no Location at all
    (_row(http_status=400, location="http://shop.test/"), "safe"),   # not a redirect
    (_row(http_status=410, location="http://shop.test/"), "safe"),
    # an answer outside the safe list: a page or a prompt below 500, unknown from 500 on
    (_row(http_status=399), "clear"),
    (_row(http_status=499), "clear"),
    (_row(http_status=500), "unknown"),
    (_row(http_status=501), "unknown"),
    (_row(http_status=100), "clear"),
])
def test_each_plain_answer(row: dict[str, Any], verdict: str) -> None:
    assert _verdict(row) == verdict


@pytest.mark.parametrize(("row", "text"), [
    ({"path": "/a/", "port": 80, "source": "inventory", "state": "closed"},
     "/a/ on port 80 (inventory): closed"),
    ({"path": "/a/", "port": 80, "source": "inventory", "state": "open", "http_status": 200},
     "/a/ on port 80 (inventory): HTTP 200"),
    ({"path": "/a/", "port": 8080, "source": "application", "state": "open",
      "http_status": 302, "location": "http://x/a/"},
     "/a/ on port 8080 (application): HTTP 302 to http://x/a/"),
])
def test_described_answers(row: dict[str, Any], text: str) -> None:
    assert _describe(row) == text


def test_a_page_in_clear_fails_naming_the_first() -> None:
    rows = [_row(http_status=301, location="https://s/"), _row(http_status=200, path="/adm/"),
            _row(http_status=401, path="/login/")]
    out = _check(rows, folders=["beheer"])
    assert out.status is Status.FAIL
    assert out.summary == ("2 admin path(s) answer over plain HTTP: /adm/ on port 80 "
                           "(application): HTTP 200.")
    assert out.evidence == {
        "paths": [PATH],
        "asked": ["/beheer/ on port 80 (application): HTTP 301 to https://s/",
                  "/adm/ on port 80 (application): HTTP 200",
                  "/login/ on port 80 (application): HTTP 401"],
        "not_asked": [], "application_folders": ["beheer"], "unread": None}


def test_paths_without_a_plain_port_are_listed_as_not_asked() -> None:
    unpaired = {**PATH, "path": "/x/", "port": 8443, "plain_port": None}
    out = _check([_row(http_status=403)], paths=[PATH, unpaired])
    assert out.status is Status.PASS
    assert out.summary == "No admin path (1 asked) answers over plain HTTP."
    assert out.evidence["not_asked"] == [
        "/x/ on port 8443: no plain-HTTP port is paired with its endpoint (set http_port)"]


def test_an_unknown_answer_is_an_error_naming_it() -> None:
    out = _check([_row(http_status=403), _row(http_status=502, path="/b/")])
    assert out.status is Status.ERROR
    assert out.summary == "could not determine: /b/ on port 80 (application): HTTP 502"


def test_unread_admin_folders_are_an_error_even_when_every_answer_is_safe() -> None:
    out = _check([_row(http_status=403)], problem="app.opencart_install is denied")
    assert out.status is Status.ERROR
    assert out.summary == ("could not determine: admin folders not read "
                           "(app.opencart_install is denied)")
    assert out.evidence["unread"] == "app.opencart_install is denied"


def test_clear_wins_over_unknown_and_unread() -> None:
    out = _check([_row(http_status=502), _row(http_status=200)], problem="denied")
    assert out.status is Status.FAIL


def test_no_admin_path_is_not_applicable() -> None:
    out = _check([], paths=[])
    assert out.status is Status.NOT_APPLICABLE
    assert out.summary.startswith("No admin path is known at this host")


def test_admin_paths_none_asked_is_not_applicable() -> None:
    out = _check([], paths=[{**PATH, "plain_port": None}])
    assert out.status is Status.NOT_APPLICABLE
    assert out.summary == ("No admin path has a plain-HTTP port paired with its endpoint "
                           "(http_port).")


def test_rows_that_are_not_mappings_are_ignored() -> None:
    out = _check(["junk", _row(http_status=404)])
    assert out.status is Status.PASS
    assert out.evidence["asked"] == ["/beheer/ on port 80 (application): HTTP 404"]


def test_an_unreadable_fact_is_an_error() -> None:
    out = ADMIN_PLAIN_HTTP.evaluate(context([timed_out("web.admin_paths")]))
    assert out.status is Status.ERROR and out.evidence["fact"] == "web.admin_paths"


def test_a_fact_without_rows_or_paths_is_not_applicable() -> None:
    out = ADMIN_PLAIN_HTTP.evaluate(context([ok("web.admin_paths", {"folders": None})]))
    assert out.status is Status.NOT_APPLICABLE
    assert out.evidence == {"paths": [], "asked": [], "not_asked": [],
                            "application_folders": None, "unread": None}
