"""nginx access control of a path: the server nginx picks, the location, allow/deny, satisfy.

Each case asserts which server and location decide and the exact sources and notes, so a
server or location chosen differently from nginx — a path judged by the wrong rules — fails.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks.network.allowlist_layers import Layer
from checks.network.allowlist_nginx import (
    admin_layer,
    choose_server,
    evaluate_rules,
    match_location,
)
from checks.network.ipranges import IpSet

_ALL = IpSet.everything()


def _d(*args: str, at: str = "f:1") -> list[dict[str, Any]]:
    return [{"args": list(args), "at": at}]


def _server(at: str, *listen: str, names: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    directives: dict[str, Any] = {"listen": [{"args": a.split(), "at": at} for a in listen]}
    if names:
        directives["server_name"] = [{"args": list(names), "at": at}]
    directives.update(extra.pop("directives", {}))
    return {"at": at, "directives": directives, **extra}


def _loc(modifier: str, path: str, at: str = "", **extra: Any) -> dict[str, Any]:
    return {"modifier": modifier, "path": path, "at": at or f"{modifier}{path}", **extra}


def _access(*rules: str, at: str = "f:9") -> list[dict[str, Any]]:
    return [{"rule": r.split()[0], "args": r.split()[1:], "at": at} for r in rules]


# ---------------------------------------------------------------------------- the server
_A = _server("a", "443 ssl", names=("a.test", "*.wild.test"))
_B = _server("b", "443 ssl", names=("b.test", "www.b.test"))
_C = _server("c", "443 ssl default_server", "8443", names=(".dot.test", "www.pre.*", "~^re"))


@pytest.mark.parametrize(("servers", "port", "host", "chosen"), [
    ([_A, _B, _C], 443, "b.test", "b"), ([_A, _B, _C], 443, "B.Test", "b"),
    ([_A, _B, _C], 443, "www.b.test", "b"),
    ([_A, _B, _C], 443, "x.wild.test", "a"), ([_A, _B, _C], 443, "wild.test", "c"),
    ([_A, _B, _C], 443, "dot.test", "c"), ([_A, _B, _C], 443, "x.dot.test", "c"),
    ([_A, _B, _C], 443, "www.pre.org", "c"), ([_A, _B, _C], 443, "pre.org", "c"),
    ([_A, _B, _C], 443, "re", "c"),  # a regular expression name is not tried: default
    ([_A, _B, _C], 443, "unknown", "c"),  # the default_server of 443
    ([_A, _B], 443, "unknown", "a"),  # no default: the first
    ([_C, _A], 8443, "a.test", "c"),  # a listens on 443 only
    ([_A, _C], 8443, "unknown", "c"),
    # a default_server of another port does not count
    ([_A, _server("x", "8443 default_server", "443")], 443, "unknown", "a"),
    ([_server("x", "443", names=("*.b.test",)), _B], 443, "www.b.test", "b"),  # exact first
])
def test_server_choice(servers: list[dict[str, Any]], port: int, host: str, chosen: str) -> None:
    server = choose_server({"servers": servers}, port, host)
    assert server is not None and server["at"] == chosen


def test_no_server_on_the_port() -> None:
    assert choose_server({"servers": [_A, _B]}, 80, "a.test") is None
    assert choose_server({}, 443, "a.test") is None
    assert admin_layer({"servers": [_A]}, "/", 80, "a.test") is None


_ON = _server("on", "10.0.0.1:443 ssl", names=("x.test",))
_ANY = _server("any", "443 ssl", names=("y.test",))
_V6 = _server("v6", "[::]:443 ssl")


@pytest.mark.parametrize(("servers", "address", "host", "chosen"), [
    ([_ANY, _ON], "10.0.0.1", "y.test", "on"),  # the listen on the address itself wins
    ([_ON, _ANY], "10.0.0.2", "x.test", "any"),
    ([_ON, _ANY], "", "x.test", "any"),  # no address given: wildcard listens only
    ([_ON], "", "x.test", "on"),  # ... unless nothing else listens on the port
    ([_V6, _ON], "", "x.test", "v6"),
    ([_server("star", "*:443")], "10.0.0.9", "x", "star"),
    ([_server("zero", "0.0.0.0:443")], "10.0.0.9", "x", "zero"),
])
def test_server_choice_by_address(servers: list[dict[str, Any]], address: str, host: str,
                                  chosen: str) -> None:
    server = choose_server({"servers": servers}, 443, host, address)
    assert server is not None and server["at"] == chosen


def test_a_listen_on_another_address_does_not_serve() -> None:
    assert choose_server({"servers": [_ON]}, 443, "x.test", "10.0.0.2") is None


# ------------------------------------------------------------------------------ locations
_XML = _loc("~", r"\.xml$", "xml")
_LOCS = [_loc("=", "/admin", "exact"), _loc("", "/admin/", "prefix", locations=[_XML]),
         _loc("^~", "/static/", "stop"), _loc("~", r"\.php$", "php"),
         _loc("~*", r"\.JPG$", "jpg"), _loc("", "/", "root"), _loc("", "@fallback", "named"),
         _loc("~", r"^/second\.php", "second")]


@pytest.mark.parametrize(("path", "chain"), [
    ("/admin", ["exact"]), ("/admin/", ["prefix"]), ("/admin/x", ["prefix"]),
    ("/admin/x.php", ["php"]), ("/admin/a.xml", ["prefix", "xml"]),
    ("/static/a.php", ["stop"]), ("/img/a.jpg", ["jpg"]), ("/img/a.JPG", ["jpg"]),
    ("/img/a.png", ["root"]), ("/second.php", ["php"]),  # the first regex in order
    ("/x", ["root"]),
])
def test_location_order(path: str, chain: list[str]) -> None:
    assert [loc["at"] for loc in match_location(_LOCS, path, [])] == chain


def test_no_location_matches() -> None:
    assert match_location([_loc("", "/admin/")], "/shop", []) == []
    assert match_location([_loc("", "@x")], "@x", []) == []
    assert match_location([_loc("=", "/a")], "/a/", []) == []


def test_case_sensitive_regex() -> None:
    assert match_location([_loc("~", r"\.JPG$")], "/a.jpg", []) == []


def test_a_longer_prefix_wins_wherever_it_stands() -> None:
    locs = [_loc("", "/a/b/", "long"), _loc("", "/a/", "short")]
    assert [x["at"] for x in match_location(locs, "/a/b/c", [])] == ["long"]
    assert [x["at"] for x in match_location(locs[::-1], "/a/b/c", [])] == ["long"]


def test_a_regex_python_cannot_read_is_taken_as_matching() -> None:
    notes: list[str] = []
    chain = match_location([_loc("~", "(?<bad", "f:3")], "/x", notes)
    assert [x["path"] for x in chain] == ["(?<bad"]
    assert notes == ["location '(?<bad' at f:3: a regular expression Python cannot read; "
                     "taken as matching"]


def test_a_long_regex_is_cut_at_300_characters() -> None:
    pattern = "^/" + "a" * 298 + "b"  # 301 characters: the 'b' is cut off
    assert match_location([_loc("~", pattern)], "/" + "a" * 298, []) != []
    assert match_location([_loc("~", pattern[:300] + "b")], "/" + "a" * 297, []) == []


# --------------------------------------------------------------------------- allow / deny
def test_first_matching_rule_decides() -> None:
    rules = _access("allow 10.1.0.0/16", "deny 10.0.0.0/8", "allow all")
    assert evaluate_rules(rules, []) == _ALL.minus(IpSet.of(["10.0.0.0/8"])).union(
        IpSet.of(["10.1.0.0/16"]))
    assert evaluate_rules(_access("deny all", "allow 10.0.0.0/8"), []) == IpSet()
    assert evaluate_rules(_access("allow 10.0.0.0/8", "deny all"), []) == IpSet.of(["10.0.0.0/8"])
    assert evaluate_rules(_access("deny 10.0.0.0/8"), []) == _ALL.minus(IpSet.of(["10.0.0.0/8"]))
    assert evaluate_rules([], []) == _ALL


def test_rules_that_are_no_address() -> None:
    notes: list[str] = []
    rules = _access("allow unix:", "deny nonsense", "allow 10.0.0.0/8", "deny all")
    rules.append({"rule": "deny", "at": "f:9"})
    assert evaluate_rules(rules, notes) == IpSet.of(["10.0.0.0/8"])
    assert notes == ["allow/deny 'nonsense' is not an address; ignored (nginx would not start "
                     "with it)",
                     "allow/deny '' is not an address; ignored (nginx would not start with it)"]
    notes = []
    evaluate_rules([{"rule": "deny", "args": []}], notes)
    assert notes == ["allow/deny '' is not an address; ignored (nginx would not start with it)"]
    notes = []
    evaluate_rules(_access("deny " + "n" * 100), notes)
    assert notes == [f"allow/deny {'n' * 60!r} is not an address; ignored (nginx would not "
                     "start with it)"]


# ------------------------------------------------------------------------ the whole layer
def test_admin_layer_evidence() -> None:
    loc = _loc("", "/admin/", "f:20", access=_access("allow 10.0.0.0/8", "deny all", at="f:21"))
    server = _server("f:10", "443 ssl", names=("shop.test", "www.shop.test"), locations=[loc])
    layer = admin_layer({"http": {}, "servers": [server]}, "/admin/x", 443, "shop.test")
    assert layer == Layer("nginx access", IpSet.of(["10.0.0.0/8"]), {
        "path": "/admin/x", "server": "server shop.test www.shop.test at f:10",
        "location": "location /admin/ at f:20",
        "rules": ["f:21: allow 10.0.0.0/8", "f:21: deny all"], "satisfy": None,
        "allows": ["10.0.0.0/8"], "notes": []})


def test_rules_of_the_innermost_level_with_any() -> None:
    http = {"access": _access("deny all", at="h")}
    inner = _loc("", "/admin/", "l")
    server = _server("s", "443", locations=[inner],
                     access=_access("allow 10.0.0.0/8", "deny all", at="s"))
    layer = admin_layer({"http": http, "servers": [server]}, "/admin/", 443, "x")
    assert layer is not None
    assert layer.sources == IpSet.of(["10.0.0.0/8"])
    assert layer.evidence["rules"] == ["s: allow 10.0.0.0/8", "s: deny all"]
    layer = admin_layer({"http": http, "servers": [_server("s", "443")]}, "/", 443, "x")
    assert layer is not None and layer.sources == IpSet()
    assert layer.evidence["location"] is None
    assert layer.evidence["server"] == "server _ at s"


def test_rule_evidence_is_bounded() -> None:
    server = _server("s", "443", access=_access(*[f"allow 10.{n}.0.0/16" for n in range(25)]))
    layer = admin_layer({"servers": [server]}, "/", 443, "x")
    assert layer is not None and len(layer.evidence["rules"]) == 20


@pytest.mark.parametrize(("code", "nobody"), [("403", True), ("404", True), ("444", True),
                                               ("301", False), ("200", False)])
def test_a_return_code_that_refuses(code: str, nobody: bool) -> None:
    loc = _loc("", "/admin/", "l", directives={"return": _d(code, at="r:1")})
    server = _server("s", "443", locations=[loc])
    layer = admin_layer({"servers": [server]}, "/admin/", 443, "x")
    assert layer is not None
    assert layer.sources == (IpSet() if nobody else _ALL)
    assert layer.evidence["notes"] == ([f"return {code} at r:1: nobody gets the page"]
                                       if nobody else [])


def test_a_server_return_comes_before_the_location() -> None:
    loc = _loc("", "/admin/", "l", directives={"return": _d("301", "https://x/", at="r:2")})
    server = _server("s", "443", locations=[loc],
                     directives={"return": _d("200", at="r:0") + _d("444", at="r:1")})
    layer = admin_layer({"servers": [server]}, "/admin/", 443, "x")
    assert layer is not None and layer.sources == IpSet()
    assert layer.evidence["notes"] == ["return 444 at r:1: nobody gets the page"]


def test_a_return_without_code_refuses_nothing() -> None:
    server = _server("s", "443", directives={"return": [{"args": [], "at": "r"}]})
    layer = admin_layer({"servers": [server]}, "/", 443, "x")
    assert layer is not None and layer.sources == _ALL


@pytest.mark.parametrize(("directives", "everyone", "login"), [
    ({"satisfy": _d("any", at="sa"), "auth_basic": _d("Admin", at="ab")}, True,
     "auth_basic at ab"),
    ({"satisfy": _d("ANY", at="sa"), "auth_request": _d("/auth", at="ar")}, True,
     "auth_request at ar"),
    ({"satisfy": _d("any", at="sa"), "auth_basic": _d("off", at="ab"),
      "auth_request": _d("/auth", at="ar")}, True, "auth_request at ar"),
    ({"satisfy": _d("any", at="sa"), "auth_basic": _d("OFF", at="ab")}, False, ""),
    ({"satisfy": _d("any", at="sa"), "auth_request": _d("off", at="ar")}, False, ""),
    ({"satisfy": _d("any", at="sa"), "auth_basic": [{"args": [], "at": "ab"}]}, False, ""),
    ({"satisfy": _d("any", at="sa")}, False, ""),
    ({"satisfy": _d("all", at="sa"), "auth_basic": _d("Admin", at="ab")}, False, ""),
    ({"auth_basic": _d("Admin", at="ab")}, False, ""),
])
def test_satisfy_any_with_a_login(directives: dict[str, Any], everyone: bool,
                                  login: str) -> None:
    loc = _loc("", "/admin/", "l", directives=directives,
               access=_access("allow 10.0.0.0/8", "deny all"))
    layer = admin_layer({"servers": [_server("s", "443", locations=[loc])]}, "/admin/", 443, "x")
    assert layer is not None
    assert layer.sources == (_ALL if everyone else IpSet.of(["10.0.0.0/8"]))
    satisfy = directives.get("satisfy")
    assert layer.evidence["satisfy"] == (f"{satisfy[0]['args'][0]} at sa" if satisfy else None)
    assert layer.evidence["notes"] == (
        [f"satisfy any at sa with {login}: a password replaces the address rule, so the path "
         "answers everyone"] if everyone else [])


def test_conditional_blocks_are_noted() -> None:
    loc = _loc("", "/admin/", "l", conditional=[{"kind": "if", "at": "c:2"}])
    server = _server("s", "443", locations=[loc], conditional=[{"kind": "if", "at": "c:1"}])
    http = {"conditional": [{"kind": "if", "at": "c:0"}]}  # the http level is not a request's
    layer = admin_layer({"http": http, "servers": [server]}, "/admin/", 443, "x")
    assert layer is not None
    assert layer.evidence["notes"] == [
        "if block at c:1 applies per request; not evaluated",
        "if block at c:2 applies per request; not evaluated"]


def test_notes_are_bounded_and_names_cut() -> None:
    conditional = [{"kind": "if", "at": f"c:{n}"} for n in range(12)]
    names = tuple(f"name{n}.example.test" for n in range(10))
    server = _server("s", "443", names=names, conditional=conditional)
    layer = admin_layer({"servers": [server]}, "/", 443, "x")
    assert layer is not None
    assert len(layer.evidence["notes"]) == 10
    assert layer.evidence["server"] == f"server {' '.join(names)[:80]} at s"


def test_location_evidence_with_a_modifier() -> None:
    loc = _loc("~*", r"\.php$", "f:5")
    layer = admin_layer({"servers": [_server("s", "443", locations=[loc])]}, "/a.php", 443, "x")
    assert layer is not None
    assert layer.evidence["location"] == r"location ~* \.php$ at f:5"
