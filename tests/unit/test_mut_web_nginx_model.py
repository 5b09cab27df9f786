"""nginx as the facts describe it: which version runs and where it was read, which masters
count, when a configuration can be judged, and nginx's inheritance of directives."""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import context, denied, ok, timed_out

from checks.base import Outcome
from checks.system.installed import Installed
from checks.websites.nginx_model import (
    _older,
    config_of,
    inherited_list,
    installed,
    listens,
    masters,
    setting,
    walk,
)
from posture.models import Fact, FactStatus, Status

NO_NGINX = Fact("nginx.config", FactStatus.MISSING)
NO_VERSION = Fact("nginx.version", FactStatus.MISSING)


def _pkgs(**packages: str) -> Fact:
    return ok("pkg.versions", {"manager": "dpkg", "packages": {k.replace("_", "-"): v
                                                                for k, v in packages.items()}})


def _running(*found: Any) -> Fact:
    return ok("nginx.config", {"masters": list(found)})


def _d(*args: str, at: str = "f:1") -> dict[str, Any]:
    return {"args": list(args), "at": at}


# ------------------------------------------------------------------------------- masters
def test_masters_of_a_host_without_nginx_are_none() -> None:
    assert masters(context([NO_NGINX])) == []


def test_masters_keep_only_mappings() -> None:
    ctx = context([_running({"pid": 1}, "junk", None, {"pid": 2})])
    assert masters(ctx) == [{"pid": 1}, {"pid": 2}]
    assert masters(context([ok("nginx.config", {})])) == []
    assert masters(context([ok("nginx.config", ["not", "a", "mapping"])])) == []


@pytest.mark.parametrize("bad", [denied("nginx.config"), timed_out("nginx.config")])
def test_masters_of_an_unreadable_fact_are_an_error(bad: Fact) -> None:
    out = masters(context([bad]))
    assert isinstance(out, Outcome) and out.status is Status.ERROR
    assert out.evidence["fact"] == "nginx.config"


# ----------------------------------------------------------------------------- installed
def test_the_running_binary_wins_and_the_lowest_version_is_taken() -> None:
    ctx = context([_running({"pid": 1, "binary": "/opt/b", "version": None},
                            {"pid": 2, "binary": "/usr/sbin/nginx", "version": "1.24.0",
                             "server_version": "nginx/1.24.0"},
                            {"pid": 3, "binary": "/opt/old", "version": "1.18.0"}),
                   ok("nginx.version", {"version": "1.26.0", "binary": "/usr/sbin/nginx"}),
                   _pkgs(nginx="1.22.1-9", nginx_core="1.22.1-9", apache2="2.4.62-1")])
    assert installed(ctx) == Installed(
        "1.18.0", "running master /usr/sbin/nginx -v", "nginx/1.24.0",
        {"nginx": "1.22.1-9", "nginx-core": "1.22.1-9"})


def test_a_running_master_without_server_version() -> None:
    ctx = context([_running({"pid": 2, "binary": "/b", "version": "1.24.0"}), NO_VERSION])
    assert installed(ctx) == Installed("1.24.0", "running master /b -v", "", {})


def test_nginx_v_on_the_path_when_no_master_runs() -> None:
    ctx = context([NO_NGINX, ok("nginx.version", {"version": "1.22.1", "binary": "/usr/sbin/x",
                                                  "server_version": "nginx/1.22.1"})])
    assert installed(ctx) == Installed("1.22.1", "/usr/sbin/x -v", "nginx/1.22.1", {})
    bare = context([NO_NGINX, ok("nginx.version", {"version": "1.22.1"})])
    assert installed(bare) == Installed("1.22.1", "nginx -v", "", {})


def test_the_package_when_no_binary_answers() -> None:
    ctx = context([_running(), ok("nginx.version", {"version": ""}),
                   _pkgs(nginx_light="1.18.0-6ubuntu14.4", nginx_full="1.18.0-6")])
    assert installed(ctx) == Installed("1.18.0", "package nginx-full", "",
                                       {"nginx-full": "1.18.0-6",
                                        "nginx-light": "1.18.0-6ubuntu14.4"})


@pytest.mark.parametrize("packages", [
    denied("pkg.versions"), ok("pkg.versions", "manager dpkg"), ok("pkg.versions", {}),
    _pkgs(apache2="2.4.62-1"),
])
def test_no_nginx_anywhere_is_none(packages: Fact) -> None:
    assert installed(context([NO_NGINX, NO_VERSION, packages])) is None


def test_an_unreadable_configuration_decides_when_nothing_else_does() -> None:
    out = installed(context([denied("nginx.config"), NO_VERSION]))
    assert isinstance(out, Outcome) and out.evidence["fact"] == "nginx.config"
    # ... but a version read elsewhere still answers
    found = installed(context([denied("nginx.config"), ok("nginx.version", {"version": "1.2"})]))
    assert isinstance(found, Installed) and found.version == "1.2"


def test_an_unreadable_nginx_v_is_an_error() -> None:
    out = installed(context([NO_NGINX, timed_out("nginx.version")]))
    assert isinstance(out, Outcome) and out.evidence["fact"] == "nginx.version"
    assert installed(context([NO_NGINX, ok("nginx.version", {"version": None})])) is None
    assert installed(context([NO_NGINX, ok("nginx.version", "1.2")])) is None


# ----------------------------------------------------------------------------- config_of
def test_a_skipped_master_cannot_be_judged() -> None:
    out = config_of({"pid": 42, "args": "nginx: master", "skipped": "binary not root-owned"})
    assert isinstance(out, Outcome) and out.status is Status.ERROR
    assert out.summary == ("could not determine: the process 42 that calls itself an nginx "
                           "master was not examined (its binary is not run as root by posture: "
                           "binary not root-owned)")
    assert out.evidence == {"pid": 42, "args": "nginx: master", "skipped": "binary not root-owned"}


@pytest.mark.parametrize(("version", "note"), [
    ("1.9.1", " nginx 1.9.1 predates -T (added in 1.9.2)."),
    ("1.9.2", ""), ("1.9.3", ""), ("1.1.19", " nginx 1.1.19 predates -T (added in 1.9.2)."),
    ("", ""), (None, ""),
])
def test_no_dump_names_a_binary_older_than_t(version: str | None, note: str) -> None:
    out = config_of({"pid": 7, "binary": "/b", "version": version, "dump_rc": 1,
                     "config": {"files": [], "messages": ["m1", "m2", "m3", "m4"]}})
    assert isinstance(out, Outcome) and out.status is Status.ERROR
    assert out.summary == f"could not determine: nginx -T of master 7 printed no configuration.{note}"
    assert out.evidence == {"pid": 7, "binary": "/b", "dump_rc": 1, "messages": "m1; m2; m3"}


def test_no_dump_messages_are_capped_and_absent_ones_are_none() -> None:
    long = config_of({"pid": 7, "config": {"messages": ["x" * 600]}})
    assert isinstance(long, Outcome) and long.evidence["messages"] == "x" * 500
    none = config_of({"pid": 7, "config": None})
    assert isinstance(none, Outcome) and none.evidence["messages"] is None
    text = config_of({"pid": 7, "config": "garbage"})
    assert isinstance(text, Outcome) and text.evidence["messages"] is None


@pytest.mark.parametrize(("rc", "errors", "judged"), [
    (0, [], True), (None, [], True), (1, [], False), (0, [{"error": "x"}], False),
])
def test_a_dump_that_does_not_parse_cleanly(rc: int | None, errors: list[Any],
                                            judged: bool) -> None:
    config = {"files": ["/etc/nginx/nginx.conf"], "errors": errors, "messages": ["warn"]}
    out = config_of({"pid": 9, "dump_rc": rc, "config": config})
    if judged:
        assert out is config
    else:
        assert isinstance(out, Outcome) and out.status is Status.ERROR
        assert out.summary == ("could not determine: the configuration of nginx master 9 does "
                               "not parse cleanly")
        assert out.evidence == {"dump_rc": rc, "errors": errors, "messages": ["warn"]}


def test_parse_errors_in_the_evidence_are_capped_at_ten() -> None:
    config = {"files": ["f"], "errors": list(range(12)), "messages": list(range(11))}
    out = config_of({"pid": 9, "dump_rc": 0, "config": config})
    assert isinstance(out, Outcome)
    assert out.evidence["errors"] == list(range(10))
    assert out.evidence["messages"] == list(range(10))


@pytest.mark.parametrize(("version", "than", "older"), [
    ("1.9.1", "1.9.2", True), ("1.9.2", "1.9.2", False), ("1.9.3", "1.9.2", False),
    ("1.10.0", "1.9.2", False), ("1.9", "1.9.2", True), ("1.9.2rc1", "1.9.2", True),
])
def test_older_than(version: str, than: str, older: bool) -> None:
    assert _older(version, than) is older


# ------------------------------------------------------------------------------ settings
def test_setting_takes_the_innermost_level_and_its_last_occurrence() -> None:
    http = {"directives": {"server_tokens": [_d("on", at="h:1")]}}
    server = {"directives": {"server_tokens": [_d("off", at="s:1"), _d("on", at="s:2"),
                                               _d("build", at="s:3")]}}
    location: dict[str, Any] = {"directives": {}}
    assert setting([http, server, location], "server_tokens") == _d("build", at="s:3")
    assert setting([http, location], "server_tokens") == _d("on", at="h:1")
    assert setting([{"directives": None}, {}], "server_tokens") is None
    found = setting([http], "server_tokens")
    assert found is not None
    found["args"] = ["changed"]
    assert http["directives"]["server_tokens"][0]["args"] == ["on"]  # a copy


def test_inherited_lists_are_not_merged() -> None:
    http = {"directives": {"add_header": [_d("A", "1"), _d("B", "2")]},
            "access": [{"rule": "deny", "args": ["all"]}]}
    server = {"directives": {"add_header": [_d("C", "3")]}, "access": []}
    assert inherited_list([http, server], "add_header") == [_d("C", "3")]
    assert inherited_list([http, {"directives": {}}], "add_header") == [_d("A", "1"), _d("B", "2")]
    assert inherited_list([http, server], "access") == [{"rule": "deny", "args": ["all"]}]
    assert inherited_list([{"directives": {"access": [_d("x")]}}], "access") == []
    assert inherited_list([{}, {"directives": None}], "add_header") == []


def test_walk_labels_every_server_and_nested_location() -> None:
    inner = {"modifier": "", "path": "/a/b/", "locations": []}
    outer = {"modifier": "^~", "path": "/a/", "locations": [inner]}
    server = {"at": "s:1", "directives": {"server_name": [_d("x.test", "y.test"), _d("z.test")]},
              "locations": [outer]}
    anonymous = {"at": "s:9", "directives": {}}
    http = {"at": "h:1"}
    got = walk({"http": http, "servers": [server, anonymous]})
    assert [label for label, _ in got] == [
        "server x.test y.test z.test at s:1",
        "server x.test y.test z.test at s:1 location ^~ /a/",
        "server x.test y.test z.test at s:1 location ^~ /a/ location /a/b/",
        "server _ at s:9"]
    assert got[2][1] == [http, server, outer, inner]
    assert got[3][1] == [http, anonymous]
    assert walk({}) == []
    assert walk({"servers": [anonymous]})[0][1] == [{}, anonymous]


def test_walk_cuts_long_server_names() -> None:
    server = {"at": "s:1", "directives": {"server_name": [_d("a" * 90)]}}
    assert walk({"servers": [server]})[0][0] == f"server {'a' * 80} at s:1"


@pytest.mark.parametrize(("args", "found"), [
    ([["443", "ssl", "default_server"]], [("*", 443, True)]),
    ([["80", "default"]], [("*", 80, True)]),
    ([["127.0.0.1:8080"]], [("127.0.0.1", 8080, False)]),
    ([["[::]:443", "ssl"]], [("::", 443, False)]),
    ([["[::1]:80"]], [("::1", 80, False)]),
    ([["localhost"]], [("localhost", 80, False)]),
    ([["10.0.0.1"]], [("10.0.0.1", 80, False)]),
    ([[":8081"]], [("*", 8081, False)]),
    ([["*:8081"]], [("*", 8081, False)]),
    ([["unix:/run/nginx.sock"], ["81"]], [("*", 81, False)]),
    ([["unix:/run/nginx.sock"]], [("*", 80, False)]),
    ([[]], [("*", 80, False)]),
    ([], [("*", 80, False)]),
    ([["80"], ["443", "ssl"]], [("*", 80, False), ("*", 443, False)]),
    ([["X:8080"]], [("X", 8080, False)]),
    ([["[X]:8080"]], [("X", 8080, False)]),
])
def test_listens(args: list[list[str]], found: list[tuple[str, int, bool]]) -> None:
    server = {"directives": {"listen": [{"args": a, "at": "s:1"} for a in args]}}
    assert listens(server) == found


def test_a_server_without_directives_listens_on_80() -> None:
    assert listens({}) == [("*", 80, False)]


def test_directives_without_arguments() -> None:
    assert listens({"directives": {"listen": [{"at": "s:1"}]}}) == [("*", 80, False)]
    server = {"at": "s:1", "directives": {"server_name": [{"at": "s:2"}]}}
    assert walk({"servers": [server]})[0][0] == "server _ at s:1"


def test_a_dump_without_errors_or_messages_lists_none() -> None:
    out = config_of({"pid": 9, "dump_rc": 1, "config": {"files": ["f"]}})
    assert isinstance(out, Outcome)
    assert out.evidence == {"dump_rc": 1, "errors": [], "messages": []}
    empty = config_of({"pid": 9, "config": {"files": []}})
    assert isinstance(empty, Outcome) and empty.evidence["messages"] is None
