"""shop.opencart_version, shop.opencart_support and shop.admin_protection: version prefixes,
the support table, and the admin folder's allowlist (Apache counts and a real nginx -T dump)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from checks.base import CheckContext
from checks.databases.shop import (
    ADMIN,
    SUPPORT,
    VERSION,
    _nums,
    is_prefix,
    support_status,
    support_table,
)
from posture.collect.facts.nginx_config import parse_dump
from posture.models import Fact, FactStatus, Status

NOW = datetime(2026, 3, 1, tzinfo=UTC)
FACT = "app.opencart_install"


def ctx(shops: Any, params: dict[str, Any] | None = None,
        nginx: Any = None, status: FactStatus = FactStatus.OK) -> CheckContext:
    facts = {FACT: Fact(FACT, status, value={"shops": shops} if shops is not None else {},
                        reason="no access")}
    if isinstance(nginx, FactStatus):
        facts["nginx.config"] = Fact("nginx.config", nginx, reason="nginx gone")
    elif nginx is not None:
        facts["nginx.config"] = Fact("nginx.config", FactStatus.OK, value=nginx)
    return CheckContext("web1", facts, params or {}, NOW)


def shop(version: str | None = "3.0.3.8", admins: list[dict[str, Any]] | None = None,
         root: str = "/var/www/shop", **over: Any) -> dict[str, Any]:
    return {"root": root, "version": version, "apache_admin_ip_rules": 0, "served_by": [],
            "admins": admins if admins is not None else []} | over


def admin(name: str = "admin", schemes: dict[str, str] | None = None,
          rules: int = 0) -> dict[str, Any]:
    return {"name": name, "schemes": {"HTTPS_SERVER": "https"} if schemes is None else schemes,
            "htaccess_ip_rules": rules}


# ----------------------------------------------------------------------------- versions
@pytest.mark.parametrize(("text", "numbers"), [
    ("3.0.3.8", (3, 0, 3, 8)), ("4.0.2.3-rc1", (4, 0, 2, 3)), ("1.2.3.4.5", (1, 2, 3, 4)),
    ("v4", (4,)), ("", ()), ("3.0-2.1", (3, 0)),
])
def test_nums(text: str, numbers: tuple[int, ...]) -> None:
    assert _nums(text) == numbers


@pytest.mark.parametrize(("short", "long", "prefix"), [
    ("3.0", "3.0.3.8", True), ("3", "3.0.3.8", True), ("3.0.3.8", "3.0.3.8", True),
    ("3.0.3", "3.0.2.0", False), ("3.1", "3.0.3.8", False), ("4", "3.0", False),
    ("3.0.3.8.1", "3.0.3.8.2", True),
])
def test_is_prefix(short: str, long: str, prefix: bool) -> None:
    assert is_prefix(short, long) is prefix


def test_support_table_is_the_packaged_one() -> None:
    table = support_table()
    assert table["as_of"] == "2025-06-01"
    assert {str(r["branch"]) for r in table["branches"]} >= {"4", "3.0", "2", "1"}


@pytest.mark.parametrize(("version", "status"), [
    ("4.0.2.3", "supported"), ("3.0.3.8", "maintenance"), ("3.0", "maintenance"),
    ("3.1.0", "unknown"), ("2.3.0.2", "unsupported"), ("1.5.6", "unsupported"),
    ("5.0", "unknown"), ("", "unknown"), ("30.0", "unknown"),
])
def test_support_status(version: str, status: str) -> None:
    assert support_status(version) == status


# ------------------------------------------------------------------------ version check
def test_version_pass_and_fail() -> None:
    shops = [shop("3.0.3.8"), shop("3.0.3.9", root="/srv/b")]
    found = [{"root": "/var/www/shop", "version": "3.0.3.8"},
             {"root": "/srv/b", "version": "3.0.3.9"}]
    out = VERSION.evaluate(ctx(shops, {"version": "3.0"}))
    assert out.status is Status.PASS
    assert out.summary == "OpenCart 3.0.3.8, 3.0.3.9 is installed."
    assert out.evidence == {"installs": found}
    out = VERSION.evaluate(ctx(shops, {"version": "3.0.3.8"}))
    assert out.status is Status.FAIL
    assert out.summary == "OpenCart 3.0.3.8, 3.0.3.9 installed, not 3.0.3.8."
    assert out.evidence == {"installs": found, "claimed": "3.0.3.8"}
    unclaimed = VERSION.evaluate(ctx(shops))
    assert unclaimed.status is Status.PASS
    numeric = VERSION.evaluate(ctx([shop("4.0.2.3")], {"version": 4}))
    assert numeric.status is Status.PASS


def test_version_unreadable_is_an_error() -> None:
    out = VERSION.evaluate(ctx([shop("3.0.3.8"), shop(None, root="/b")], {"version": "3.0"}))
    assert out.status is Status.ERROR
    assert out.summary == "could not determine: an install has no readable version"
    assert out.evidence == {"installs": [{"root": "/var/www/shop", "version": "3.0.3.8"},
                                         {"root": "/b", "version": None}]}
    empty = VERSION.evaluate(ctx([shop("")]))
    assert empty.status is Status.ERROR


@pytest.mark.parametrize("check", [VERSION, SUPPORT, ADMIN])
def test_no_shop_or_no_fact_is_an_error(check: Any) -> None:
    for shops in ([], None):
        out = check.evaluate(ctx(shops))
        assert out.status is Status.ERROR
        assert out.summary == ("could not determine: no OpenCart install found under the web "
                               "server's document roots")
        assert out.evidence == {"fact": FACT}
    denied = check.evaluate(ctx([shop()], status=FactStatus.DENIED))
    assert denied.status is Status.ERROR and denied.evidence["fact_status"] == "denied"


# ------------------------------------------------------------------------ support check
@pytest.mark.parametrize(("versions", "status", "summary"), [
    (["4.0.2.3"], Status.PASS, "The OpenCart branch is supported."),
    (["4.0.2.3", "3.0.3.8"], Status.WARN, "OpenCart branch in maintenance only: plan the "
                                          "upgrade."),
    (["3.0.3.8", "9.9"], Status.ERROR, "could not determine: version not in the support "
                                       "table"),
    (["9.9", "2.3.0.2"], Status.FAIL, "An OpenCart branch that no longer gets releases runs."),
    ([None], Status.ERROR, "could not determine: version not in the support table"),
])
def test_support(versions: list[str | None], status: Status, summary: str) -> None:
    out = SUPPORT.evaluate(ctx([shop(v, root=f"/r{i}") for i, v in enumerate(versions)]))
    assert out.status is status and out.summary == summary
    assert out.evidence == {"installs": [{"root": f"/r{i}", "version": v,
                                          "status": support_status(str(v or ""))}
                                         for i, v in enumerate(versions)],
                            "table_as_of": "2025-06-01"}


# -------------------------------------------------------------------------- admin check
@pytest.mark.parametrize(("adm", "apache", "status", "row"), [
    (admin("admin"), 0, Status.FAIL,
     {"folder": "admin", "renamed": False, "ip_rules": 0, "tls": True}),
    (admin("admin", rules=2), 0, Status.PASS,
     {"folder": "admin", "renamed": False, "ip_rules": 2, "tls": True}),
    (admin("admin"), 1, Status.PASS,
     {"folder": "admin", "renamed": False, "ip_rules": 1, "tls": True}),
    (admin("admin", rules=1), 3, Status.PASS,
     {"folder": "admin", "renamed": False, "ip_rules": 4, "tls": True}),
    (admin("backoffice_x"), 0, Status.PASS,
     {"folder": "backoffice_x", "renamed": True, "ip_rules": 0, "tls": True}),
    (admin("bo", {"HTTP_SERVER": "https", "HTTPS_SERVER": "http"}), 0, Status.FAIL,
     {"folder": "bo", "renamed": True, "ip_rules": 0, "tls": False}),
    (admin("bo", {}), 0, Status.FAIL,
     {"folder": "bo", "renamed": True, "ip_rules": 0, "tls": False}),
    (admin("bo", {"A": "https", "B": "https"}), 0, Status.PASS,
     {"folder": "bo", "renamed": True, "ip_rules": 0, "tls": True}),
])
def test_admin_rows(adm: dict[str, Any], apache: int, status: Status,
                    row: dict[str, Any]) -> None:
    out = ADMIN.evaluate(ctx([shop(admins=[adm], apache_admin_ip_rules=apache)]))
    assert out.status is status
    assert out.evidence == {"admin_folders": [row]}


def test_admin_fail_summaries() -> None:
    out = ADMIN.evaluate(ctx([shop(admins=[admin("admin")])]))
    assert out.summary == "Admin folder at the default path without an IP allowlist: admin."
    out = ADMIN.evaluate(ctx([shop(admins=[admin("bo", {"X": "http"})])]))
    assert out.summary == "Admin folder not served over https: bo."
    out = ADMIN.evaluate(ctx([shop(admins=[admin("admin", {}), admin("b2", {"X": "http"})])]))
    assert out.summary == ("Admin folder at the default path without an IP allowlist: admin; "
                           "not served over https: admin, b2.")
    good = ADMIN.evaluate(ctx([shop(admins=[admin("bo")])]))
    assert good.summary == "The admin folder is renamed or allowlisted, over https."


def test_admin_without_folder_is_an_error() -> None:
    out = ADMIN.evaluate(ctx([shop(admins=[]), {"root": "/b", "version": "4"}]))
    assert out.status is Status.ERROR
    assert out.summary == "could not determine: no admin folder found"
    assert out.evidence == {}


def test_admin_defaults_of_a_sparse_install() -> None:
    out = ADMIN.evaluate(ctx([{"root": "/b", "admins": [{"name": "admin"}]}]))
    assert out.evidence == {"admin_folders": [
        {"folder": "admin", "renamed": False, "ip_rules": 0, "tls": False}]}


# ------------------------------------------------------------------- admin behind nginx
def dump(location: str) -> str:
    return ("# configuration file /etc/nginx/nginx.conf:\n"
            "events {}\n"
            "http {\n"
            "  server {\n"
            "    listen 443 ssl;\n"
            "    server_name shop.test;\n"
            f"    {location}\n"
            "  }\n"
            "  server { listen 8080; server_name other.test; }\n"
            "}\n")


def nginx_fact(*locations: str, **master: Any) -> dict[str, Any]:
    masters = [{"pid": 10 + i, "version": "1.22.1", "dump_rc": 0,
                "config": parse_dump(dump(loc), "/etc/nginx/nginx.conf")} | master
               for i, loc in enumerate(locations)]
    return {"masters": masters, "other_namespaces": 0, "installed": ""}


NGINX_SHOP = {"served_by": ["nginx"]}


def test_nginx_allowlist_counts_for_the_admin_folder() -> None:
    cfg = nginx_fact("location /admin/ { allow 10.0.0.0/8; deny all; }")
    out = ADMIN.evaluate(ctx([shop(admins=[admin("admin")], **NGINX_SHOP)], nginx=cfg))
    assert out.status is Status.PASS
    assert out.evidence == {"admin_folders": [
        {"folder": "admin", "renamed": False, "ip_rules": 1, "tls": True,
         "nginx_rules": ["/etc/nginx/nginx.conf:6"]}]}


def test_nginx_rules_of_several_masters_are_capped_at_ten() -> None:
    cfg = nginx_fact(*["location /admin/ { deny all; }"] * 5)
    cfg["masters"] = cfg["masters"] * 3
    out = ADMIN.evaluate(ctx([shop(admins=[admin("admin")], **NGINX_SHOP)], nginx=cfg))
    row = out.evidence["admin_folders"][0]  # type: ignore[index]
    assert row["ip_rules"] == 15 and len(row["nginx_rules"]) == 10


@pytest.mark.parametrize("location", [
    "location /admin/ { allow all; }",
    "location /admin/ { deny 10.0.0.1; }",
    "location /other/ { allow 10.0.0.0/8; deny all; }",
    "location /adminx/ { allow 10.0.0.0/8; deny all; }",
])
def test_nginx_without_an_effective_allowlist(location: str) -> None:
    cfg = nginx_fact(location)
    out = ADMIN.evaluate(ctx([shop(admins=[admin("admin")], **NGINX_SHOP)], nginx=cfg))
    assert out.status is Status.FAIL
    assert out.evidence == {"admin_folders": [
        {"folder": "admin", "renamed": False, "ip_rules": 0, "tls": True}]}


def test_nginx_allowlist_on_the_renamed_folder_path() -> None:
    cfg = nginx_fact("location /bo/ { allow 192.168.1.0/24; deny all; }")
    out = ADMIN.evaluate(ctx([shop(admins=[admin("bo")], **NGINX_SHOP)], nginx=cfg))
    assert out.evidence["admin_folders"][0]["ip_rules"] == 1  # type: ignore[index]


def test_nginx_allowlist_ignored_when_nginx_does_not_serve_the_shop() -> None:
    cfg = nginx_fact("location /admin/ { allow 10.0.0.0/8; deny all; }")
    out = ADMIN.evaluate(ctx([shop(admins=[admin("admin")], served_by=["apache"])], nginx=cfg))
    assert out.status is Status.FAIL
    sparse = ADMIN.evaluate(ctx([{"root": "/r", "admins": [admin("admin")],
                                  "served_by": None}], nginx=cfg))
    assert sparse.status is Status.FAIL


def test_nginx_config_problems_are_errors() -> None:
    shops = [shop(admins=[admin("admin")], **NGINX_SHOP)]
    out = ADMIN.evaluate(ctx(shops, nginx=FactStatus.DENIED))
    assert out.status is Status.ERROR and out.evidence["fact"] == "nginx.config"
    skipped = nginx_fact("location /admin/ { deny all; }", skipped="uid 1000")
    out = ADMIN.evaluate(ctx(shops, nginx=skipped))
    assert out.status is Status.ERROR and out.evidence["skipped"] == "uid 1000"
    # nginx does not run: no nginx rule, the Apache view decides.
    assert ADMIN.evaluate(ctx(shops, nginx=FactStatus.MISSING)).status is Status.FAIL
    assert ADMIN.evaluate(ctx(shops, nginx={"masters": []})).status is Status.FAIL


def test_nginx_rules_at_the_http_level_are_inherited() -> None:
    text = ("# configuration file /etc/nginx/nginx.conf:\n"
            "http {\n  allow 10.0.0.0/8;\n  deny all;\n"
            "  server { listen 80; location / { root /var/www; } }\n}\n")
    cfg = {"masters": [{"pid": 1, "dump_rc": 0,
                        "config": parse_dump(text, "/etc/nginx/nginx.conf")}]}
    out = ADMIN.evaluate(ctx([shop(admins=[admin("admin")], **NGINX_SHOP)], nginx=cfg))
    assert out.status is Status.PASS
    assert out.evidence["admin_folders"][0]["nginx_rules"] == [  # type: ignore[index]
        "/etc/nginx/nginx.conf:2"]
