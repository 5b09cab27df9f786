"""Apache access control of a path: Require (2.4), Order/Allow/Deny (2.2), sections, roots.

Each case asserts the exact source set a section admits and the notes that explain the
assumptions (a DNS name taken as anywhere or nobody), so an address rule read too narrowly —
a false "only the declared networks" — cannot pass unnoticed.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks.network.allowlist_apache import admin_layer
from checks.network.allowlist_layers import Layer
from checks.network.ipranges import LOOPBACK, IpSet

_ALL = IpSet.everything()


def _rules(*lines: str) -> list[dict[str, Any]]:
    out = []
    for n, line in enumerate(lines, 10):
        name, *args = line.split()
        out.append({"line": n, "name": name.lower(), "args": args})
    return out


def _section(*lines: str, kind: str = "location", arg: str = "/admin", root: str = "/etc/a",
             line: int = 9) -> dict[str, Any]:
    return {"root": root, "file": "/etc/a/shop.conf", "line": line, "kind": kind, "arg": arg,
            "rules": _rules(*lines)}


def _layer(*lines: str, path: str = "/admin/") -> Layer:
    return admin_layer({"sections": [_section(*lines)]}, path)


# ------------------------------------------------------------------------------ Require
@pytest.mark.parametrize(("lines", "expected"), [
    (["Require ip 10.0.0.0/8"], ["10.0.0.0/8"]),
    (["Require ip 10.1"], ["10.1.0.0/16"]),
    (["Require ip 10."], ["10.0.0.0/8"]),
    (["Require ip 10.1.2"], ["10.1.2.0/24"]),
    (["Require ip 10.1.2."], ["10.1.2.0/24"]),
    (["Require ip 10.1.2.3"], ["10.1.2.3/32"]),
    (["Require ip 10.0.0.0/255.255.0.0"], ["10.0.0.0/16"]),
    (["Require ip 2001:db8::/32"], ["2001:db8::/32"]),
    (["Require ip 10.0.0.1 10.0.0.3"], ["10.0.0.1/32", "10.0.0.3/32"]),
    (["Require ip 10.0.0.%"], ["10.0.0.0/24"]),
    (["Require ip all"], ["0.0.0.0/0", "::/0"]),
    (["Require IP 10.0.0.0/8"], ["10.0.0.0/8"]),
    (["Require all granted"], ["0.0.0.0/0", "::/0"]),
    (["Require all denied"], []),
    (["Require all"], []),
    (["Require local"], ["127.0.0.0/8", "::1/128"]),
    (["Require"], []),
    (["Require ip 10.0.0.0/8", "Require ip 12.0.0.0/8"], ["10.0.0.0/8", "12.0.0.0/8"]),
    (["Require ip 10.0.0.0/8", "Require all denied"], ["10.0.0.0/8"]),
    (["Require ip 10.0.0.0/8", "Require not ip 10.1.0.0/16"],
     IpSet.of(["10.0.0.0/8"]).minus(IpSet.of(["10.1.0.0/16"])).networks()),
    (["Require not ip 10.1.0.0/16"], []),
    (["Require not"], []),
    (["<RequireAll>", "Require ip 10.0.0.0/8", "Require ip 10.1.0.0/16", "</RequireAll>"],
     ["10.1.0.0/16"]),
    (["<RequireAll>", "Require ip 10.0.0.0/8", "Require ip 11.0.0.0/8", "</RequireAll>"], []),
    (["<RequireAll>", "Require all granted", "Require not ip 10.0.0.0/8", "</RequireAll>"],
     IpSet.everything().minus(IpSet.of(["10.0.0.0/8"])).networks()),
    (["<RequireAll>", "Require not ip 10.0.0.0/8", "</RequireAll>"],
     IpSet.everything().minus(IpSet.of(["10.0.0.0/8"])).networks()),
    (["<RequireAll>", "</RequireAll>"], ["0.0.0.0/0", "::/0"]),
    (["<RequireAll>", "Require ip 10.0.0.0/8",
      "<RequireAny>", "Require ip 10.1.0.0/16", "Require ip 12.0.0.0/8", "</RequireAny>",
      "</RequireAll>"], ["10.1.0.0/16"]),
    (["<RequireAny>", "Require ip 10.0.0.0/8", "</RequireAny>", "Require ip 12.0.0.0/8"],
     ["10.0.0.0/8", "12.0.0.0/8"]),
    (["<RequireAll>", "Require all granted",
      "<RequireNone>", "Require ip 10.0.0.0/8", "</RequireNone>", "</RequireAll>"],
     IpSet.everything().minus(IpSet.of(["10.0.0.0/8"])).networks()),
    (["<RequireAll>", "<RequireAny>", "Require ip 10.0.0.0/8", "</RequireAny>",
      "Require ip 10.0.0.0/16", "</RequireAll>"], ["10.0.0.0/16"]),
    (["Require ip 10.0.0.0/8", "Header set X 1", "Require ip 12.0.0.0/8"],
     ["10.0.0.0/8", "12.0.0.0/8"]),
])
def test_require(lines: list[str], expected: list[str]) -> None:
    layer = _layer(*lines)
    assert layer.sources.networks() == expected
    assert layer.evidence["notes"] == []


@pytest.mark.parametrize(("lines", "expected", "note"), [
    (["Require host example.org"], _ALL,
     "Require host example.org is decided by DNS; taken as anywhere"),
    (["Require forward-dns a.example b.example"], _ALL,
     "Require forward-dns a.example b.example is decided by DNS; taken as anywhere"),
    (["Require all granted", "Require not host bad.example"], _ALL,
     "Require not host bad.example is decided by DNS; taken as nobody (it may not apply)"),
    (["Require valid-user"], _ALL,
     "Require valid-user: a login, not a network rule; the path is reachable"),
    (["Require ip bad.example"], _ALL, "'bad.example' is decided by DNS; taken as anywhere"),
    (["Require all granted", "Require not ip bad.example"], _ALL,
     "'bad.example' is decided by DNS; taken as nobody (it may not apply)"),
    (["<RequireAll>", "Require ip 10.0.0.0/8", "Require not ip bad.example", "</RequireAll>"],
     IpSet.of(["10.0.0.0/8"]),
     "'bad.example' is decided by DNS; taken as nobody (it may not apply)"),
    (["<RequireAll>", "Require ip 10.0.0.0/8", "Require not host x.example", "</RequireAll>"],
     IpSet.of(["10.0.0.0/8"]),
     "Require not host x.example is decided by DNS; taken as nobody (it may not apply)"),
])
def test_require_by_name(lines: list[str], expected: IpSet, note: str) -> None:
    layer = _layer(*lines)
    assert layer.sources == expected
    assert layer.evidence["notes"] == [note]


# ------------------------------------------------------------------- Order / Allow / Deny
@pytest.mark.parametrize(("lines", "expected"), [
    (["Order deny,allow", "Deny from all", "Allow from 10.0.0.0/8"], ["10.0.0.0/8"]),
    (["Order Deny,Allow", "Deny from all", "Allow from 10.0.0.0/8"], ["10.0.0.0/8"]),
    (["Deny from all", "Allow from 10.0.0.0/8"], ["10.0.0.0/8"]),  # deny,allow by default
    (["Deny from 10.0.0.0/8"], IpSet.everything().minus(IpSet.of(["10.0.0.0/8"])).networks()),
    (["Order allow,deny", "Allow from 10.0.0.0/8", "Deny from 10.1.0.0/16"],
     IpSet.of(["10.0.0.0/8"]).minus(IpSet.of(["10.1.0.0/16"])).networks()),
    (["Order allow,deny", "Allow from 10.0.0.0/8", "Allow from 12.0.0.0/8"],
     ["10.0.0.0/8", "12.0.0.0/8"]),
    (["Order allow,deny"], []),
    (["Order Allow,Deny", "Allow from all"], ["0.0.0.0/0", "::/0"]),
    (["Order deny,allow", "Deny from all", "Allow from 10.1"], ["10.1.0.0/16"]),
    (["Order deny,allow", "Deny from all", "Allow 10.0.0.0/8"], []),  # no 'from': not a rule
    (["Allow 10.0.0.0/8"], ["0.0.0.0/0", "::/0"]),
    (["Order"], ["0.0.0.0/0", "::/0"]),
    (["Require ip 10.0.0.0/8", "Order deny,allow", "Deny from all", "Allow from 10.1.0.0/16"],
     ["10.1.0.0/16"]),
    (["Require ip 11.0.0.0/8", "Order deny,allow", "Deny from all", "Allow from 10.0.0.0/8"],
     []),
    (["Require ip 12.0.0.0/8", "Order deny,allow", "Deny from all", "Allow from 10.0.0.0/8",
      "Satisfy Any"], ["10.0.0.0/8", "12.0.0.0/8"]),
    (["Require ip 11.0.0.0/8", "Order deny,allow", "Deny from all", "Allow from 10.0.0.0/8",
      "Satisfy All"], []),
    (["Order deny,allow", "Deny from all", "Allow from 10.0.0.0/8", "Satisfy any"],
     ["10.0.0.0/8"]),
])
def test_order_allow_deny(lines: list[str], expected: list[str]) -> None:
    layer = _layer(*lines)
    assert layer.sources.networks() == expected


def test_satisfy_any_is_noted() -> None:
    layer = _layer("Require valid-user", "Order deny,allow", "Deny from all",
                   "Allow from 10.0.0.0/8", "Satisfy Any")
    assert layer.sources == _ALL
    assert layer.evidence["notes"] == [
        "Require valid-user: a login, not a network rule; the path is reachable",
        "Satisfy Any: a login replaces the address rule"]


@pytest.mark.parametrize(("lines", "expected", "notes"), [
    (["Order deny,allow", "Deny from all", "Allow from env=let_me_in"], _ALL,
     ["allow from env=...: decided per request; taken as anywhere"]),
    (["Order allow,deny", "Allow from 10.0.0.0/8", "Deny from env=bad"], IpSet.of(["10.0.0.0/8"]),
     ["deny from env=...: decided per request; taken as anywhere"]),
    (["Order allow,deny", "Allow from 10.0.0.0/8", "Deny from ENV=bad"], IpSet.of(["10.0.0.0/8"]),
     ["deny from env=...: decided per request; taken as anywhere"]),
    (["Order allow,deny", "Allow from 10.0.0.0/8", "Deny from bad.example"],
     IpSet.of(["10.0.0.0/8"]),
     ["'bad.example' is decided by DNS; taken as nobody (it may not apply)"]),
    (["Order deny,allow", "Deny from all", "Allow from good.example"], _ALL,
     ["'good.example' is decided by DNS; taken as anywhere"]),
    (["Order deny,allow", "Deny from all", "Allow FROM 10.0.0.0/8"], IpSet.of(["10.0.0.0/8"]),
     []),
])
def test_legacy_names_and_environment(lines: list[str], expected: IpSet,
                                      notes: list[str]) -> None:
    layer = _layer(*lines)
    assert layer.sources == expected
    assert layer.evidence["notes"] == notes


# ------------------------------------------------------------------------------- sections
def test_no_section_covers_the_path() -> None:
    access = {"sections": [_section("Require ip 10.0.0.0/8", arg="/admin"),
                           _section(arg="/shop"), "junk"]}
    assert admin_layer(access, "/shop/") == Layer(
        "apache access", _ALL, {"path": "/shop/", "note": "no <Location> with access rules "
                                                          "covers /shop/"})


def test_the_evidence_of_the_deciding_section() -> None:
    lines = [f"Require ip 10.0.{n}.0/24" for n in range(22)]
    layer = _layer(*lines)
    assert layer.evidence["section"] == "<location /admin> at /etc/a/shop.conf:9"
    assert layer.evidence["rules"] == [f"{10 + n}: require ip 10.0.{n}.0/24" for n in range(20)]
    assert layer.evidence["allows"] == ["10.0.0.0/20", "10.0.16.0/22", "10.0.20.0/23"]
    assert layer.evidence["path"] == "/admin/"


def test_notes_are_bounded() -> None:
    lines = [f"Require host h{n}.example" for n in range(12)]
    assert len(_layer(*lines).evidence["notes"]) == 10


def test_rules_that_are_no_mapping_are_skipped() -> None:
    section = _section("Require ip 10.0.0.0/8")
    section["rules"].insert(0, "junk")
    assert admin_layer({"sections": [section]}, "/admin").sources == IpSet.of(["10.0.0.0/8"])


@pytest.mark.parametrize(("kind", "arg", "path", "covered"), [
    ("location", "/admin", "/admin", True), ("location", "/admin", "/admin/x", True),
    ("location", "/admin/", "/admin", True), ("location", "/admin", "/adminfoo", True),
    ("location", "/admin", "/shop/admin", False), ("location", "/", "/anything", True),
    ("location", "", "/anything", True),
    ("locationmatch", "^/adm", "/admin", True), ("locationmatch", "^/adm", "/shop", False),
    ("locationmatch", '~ "^/adm"', "/admin", True), ("locationmatch", "(", "/admin", False),
    ("locationmatch", "/admin" + "x" * 194, "/admin" + "x" * 194, True),  # 200 characters
    ("locationmatch", "/admin" + "x" * 195, "/admin" + "x" * 195, False),
    ("directory", "/var/www", "/var/www", False), ("files", "admin", "/admin", False),
])
def test_which_sections_cover_a_path(kind: str, arg: str, path: str, covered: bool) -> None:
    access = {"sections": [_section("Require ip 10.0.0.0/8", kind=kind, arg=arg)]}
    assert (admin_layer(access, path).sources == IpSet.of(["10.0.0.0/8"])) is covered


def test_the_last_covering_section_decides() -> None:
    access = {"sections": [_section("Require ip 10.0.0.0/8", arg="/", line=1),
                           _section("Require ip 11.0.0.0/8", arg="/admin", line=2),
                           _section("Require ip 12.0.0.0/8", arg="/shop", line=3),
                           _section(arg="/admin", line=4)]}
    layer = admin_layer(access, "/admin/")
    assert layer.sources == IpSet.of(["11.0.0.0/8"])
    assert layer.evidence["section"] == "<location /admin> at /etc/a/shop.conf:2"


_ROOTS = {"listen": [{"root": "/etc/a", "address": "443"}, {"root": "/etc/b", "address": "*:8443"},
                     {"root": "/etc/c", "address": "[::]:8443"}, "junk"],
          "sections": [_section("Require ip 10.0.0.0/8", root="/etc/a"),
                       _section("Require ip 11.0.0.0/8", root="/etc/b"),
                       _section("Require ip 12.0.0.0/8", root="/etc/c", line=20),
                       _section("Require ip 13.0.0.0/8", root="/etc/d", line=30)]}


@pytest.mark.parametrize(("port", "expected"), [
    (443, ["10.0.0.0/8"]), (8443, ["12.0.0.0/8"]), (None, ["13.0.0.0/8"]),
    (80, ["13.0.0.0/8"]),  # no instance listens there: every section counts
])
def test_the_instance_listening_on_the_port_decides(port: int | None,
                                                    expected: list[str]) -> None:
    assert admin_layer(_ROOTS, "/admin", port).sources.networks() == expected


def test_loopback_only() -> None:
    assert _layer("Require local").sources == IpSet.of(LOOPBACK)
