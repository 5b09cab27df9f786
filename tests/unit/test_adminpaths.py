"""Admin paths from the inventory and the application; their plain-HTTP verdicts."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from checks.base import CheckContext
from checks.websites.adminplain import ADMIN_PLAIN_HTTP, _verdict
from posture.collect.facts.shop import parse_opencart
from posture.collect.probes.adminpaths import admin_paths, app_folders
from posture.collect.types import ProbeContext
from posture.inventory.model import Endpoint, Host, Inventory, SshSettings, Timeouts
from posture.models import Fact, FactStatus, Status

HOST = Host("web1", "198.51.100.1", SshSettings(), Timeouts())
SHOP = ("shop\t/var/www/shop\nserved_by\tnginx\nversion\t3.0.3.8\nadmin\tbeheer\n"
        "shop\t/var/www/old\nversion\t2.3.0.2\nadmin\tadmin\n")


def _ctx(*endpoints: Endpoint) -> ProbeContext:
    inventory = Inventory(path="i.yml", sha256="0", organisation="t", hosts=(HOST,), claims=(),
                          endpoints=endpoints)
    return ProbeContext(inventory, "web1", time.monotonic() + 5, {}, host=HOST)


def test_only_folders_of_served_shops() -> None:
    fact = Fact("app.opencart_install", FactStatus.OK, parse_opencart(SHOP))
    assert app_folders({"app.opencart_install": fact}) == (["beheer"], "")
    denied = Fact("app.opencart_install", FactStatus.DENIED, reason="sudo: a password")
    folders, problem = app_folders({"app.opencart_install": denied})
    assert folders == [] and "denied" in problem
    assert app_folders({"app.opencart_install": Fact("app.opencart_install",
                                                      FactStatus.MISSING)}) == ([], "")


def test_paths_under_every_web_endpoint_of_the_host() -> None:
    shop = Endpoint("shop", "https://shop.test/store/", kind="web",
                    connect_to="198.51.100.1:443")
    api = Endpoint("api", "https://api.test:8443/v1/", kind="api", connect_to="198.51.100.1:8443")
    admin = Endpoint("admin", "https://shop.test:8443/admin/", kind="admin",
                     connect_to="198.51.100.1:8443", http_port=8080)
    elsewhere = Endpoint("other", "https://other.test/", kind="web",
                         connect_to="198.51.100.99:443")
    paths = admin_paths(_ctx(shop, api, admin, elsewhere), HOST, "198.51.100.1", ["beheer"])
    got = [(p["source"], p["port"], p["path"], p["plain_port"]) for p in paths]
    assert got == [("application", 443, "/store/beheer/", 80),
                   ("inventory", 8443, "/admin/", 8080)]


def _plain(rows: list[dict[str, Any]], problem: str | None = None,
           paths: int = 1) -> CheckContext:
    value = {"folders": ["beheer"], "folders_problem": problem, "plain": rows, "services": [],
             "paths": [{"name": "x", "source": "application", "port": 443, "path": "/beheer/",
                        "plain_port": 80}] * paths}
    facts = {"web.admin_paths": Fact("web.admin_paths", FactStatus.OK, value)}
    return CheckContext("web1", facts, {}, datetime(2026, 1, 1, tzinfo=UTC))


def _row(**kw: Any) -> dict[str, Any]:
    return {"name": "x", "source": "application", "port": 80, "path": "/beheer/",
            "state": "open", "answer": "http", **kw}


@pytest.mark.parametrize(("row", "verdict"), [
    (_row(http_status=301, location="https://shop.test/beheer/"), "safe"),
    (_row(http_status=302, location="http://shop.test/beheer/login"), "clear"),
    (_row(http_status=200), "clear"),
    (_row(http_status=401), "clear"),
    (_row(http_status=403), "safe"),
    (_row(http_status=502), "unknown"),
    ({"state": "closed"}, "safe"),
    ({"state": "open", "answer": "no-http-answer"}, "unknown"),
])
def test_plain_answers(row: dict[str, Any], verdict: str) -> None:
    assert _verdict(row) == verdict


def test_plain_check_verdicts() -> None:
    assert ADMIN_PLAIN_HTTP.evaluate(_plain([_row(http_status=200)])).status is Status.FAIL
    safe = [_row(http_status=301, location="https://shop.test/beheer/")]
    assert ADMIN_PLAIN_HTTP.evaluate(_plain(safe)).status is Status.PASS
    unread = ADMIN_PLAIN_HTTP.evaluate(_plain(safe, problem="app.opencart_install is denied"))
    assert unread.status is Status.ERROR
    assert ADMIN_PLAIN_HTTP.evaluate(_plain([], paths=0)).status is Status.NOT_APPLICABLE
