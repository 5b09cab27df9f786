"""The statement claim types' checks on recorded facts: pass, fail and error each."""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import SCAN_TIME, context, denied, ok

from checks.base import Check
from checks.databases.shop import ADMIN, SUPPORT, VERSION
from checks.databases.shopdata import NEWSLETTER, NO_CARD_DATA, RETENTION
from checks.system.attestation import ATTESTED
from checks.websites.web import COOKIES, THIRD_PARTIES
from checks.websites.webdata import classify_cookie, processor_for_host
from posture.models import Status

SHA = "ab" * 32


def crawl(cookies: list[dict[str, Any]], hosts: list[tuple[str, list[str]]]) -> dict[str, Any]:
    return {"page_count": 3, "complete": True,
            "cookies": [{"secure": True, "httponly": True, "first_page": True, **c}
                        for c in cookies],
            "resources": [{"host": h, "kinds": k, "first_page": True} for h, k in hosts]}


def judge(check: Check, key: str, value: Any, params: dict[str, Any] | None = None) -> Status:
    return check.evaluate(context([ok(key, value)], params)).status


CASES: list[tuple[Check, str, Any, dict[str, Any], Status]] = [
    (COOKIES, "web.crawl", crawl([{"name": "OCSESSID"}, {"name": "language"}], []), {},
     Status.PASS),
    (COOKIES, "web.crawl", crawl([{"name": "OCSESSID"}, {"name": "_fbp"}], []), {}, Status.FAIL),
    (COOKIES, "web.crawl", crawl([], [("www.googletagmanager.com", ["script"])]), {},
     Status.FAIL),
    (COOKIES, "web.crawl", crawl([{"name": "_ga"}], []),
     {"allowed": ["functional", "analytics"]}, Status.WARN),
    (COOKIES, "web.crawl", crawl([{"name": "mystery"}], []), {}, Status.WARN),
    (COOKIES, "web.crawl", {"page_count": 0}, {}, Status.ERROR),
    (THIRD_PARTIES, "web.crawl", crawl([], [("widget.smartsupp.com", ["script"])]),
     {"declared": ["smartsupp", "mollie"]}, Status.PASS),
    (THIRD_PARTIES, "web.crawl", crawl([], [("cdn.tracker.test", ["iframe"])]),
     {"declared": ["smartsupp"]}, Status.FAIL),
    (THIRD_PARTIES, "web.crawl", crawl([], [("chimpstatic.com", ["script"])]),
     {"declared": ["mailchimp"], "not_used": ["mailchimp"]}, Status.FAIL),
    (THIRD_PARTIES, "web.crawl", crawl([], [("static.cdn.test", ["img"])]),
     {"declared": [], "first_party": ["cdn.test"]}, Status.PASS),
    (RETENTION, "db.retention", {"tables": {"order": {"rows": 5, "oldest_age_days": 100}}},
     {"max_age_days": 2555}, Status.PASS),
    (RETENTION, "db.retention", {"tables": {"order": {"rows": 5, "oldest_age_days": 3000,
                                                      "older_than": {"2555": 2}}}},
     {"max_age_days": 2555}, Status.FAIL),
    (RETENTION, "db.retention", {"tables": {}}, {}, Status.ERROR),
    (NO_CARD_DATA, "db.card_numbers", {"columns": 3, "columns_scanned": 3, "complete": True,
                                       "hits": []}, {}, Status.PASS),
    (NO_CARD_DATA, "db.card_numbers", {"columns": 3, "columns_scanned": 3, "complete": True,
                                       "hits": [{"table": "t", "column": "c", "rows": 2}]}, {},
     Status.FAIL),
    (NO_CARD_DATA, "db.card_numbers", {"columns": 3, "columns_scanned": 1, "complete": False,
                                       "hits": []}, {}, Status.ERROR),
    (NEWSLETTER, "db.newsletter", {"default": "0", "customers": 10, "subscribers": 2}, {},
     Status.PASS),
    (NEWSLETTER, "db.newsletter", {"default": "1", "customers": 10, "subscribers": 10}, {},
     Status.FAIL),
    (NEWSLETTER, "db.newsletter", {"default": "0", "customers": 10, "subscribers": 4,
                                   "opt_in_column": "newsletter_date",
                                   "subscribers_without_record": 3}, {}, Status.FAIL),
    (NEWSLETTER, "db.newsletter", {"default": "0", "customers": 30, "subscribers": 30}, {},
     Status.WARN),
]
SHOP = {"shops": [{"root": "/var/www/shop", "version": "4.0.2.3",
        "admins": [{"name": "beheer-x1", "schemes": {"HTTP_SERVER": "https",
                                                     "HTTPS_SERVER": "https"},
                    "htaccess_ip_rules": 0}]}]}
OLD = {"shops": [{"root": "/var/www/shop", "version": "2.3.0.2",
       "admins": [{"name": "admin", "schemes": {"HTTP_SERVER": "http"},
                   "htaccess_ip_rules": 0}]}]}
CASES += [
    (VERSION, "app.opencart_install", SHOP, {"version": "4.0"}, Status.PASS),
    (VERSION, "app.opencart_install", SHOP, {"version": "3.0"}, Status.FAIL),
    (VERSION, "app.opencart_install", {"shops": []}, {}, Status.ERROR),
    (SUPPORT, "app.opencart_install", SHOP, {}, Status.PASS),
    (SUPPORT, "app.opencart_install", OLD, {}, Status.FAIL),
    (SUPPORT, "app.opencart_install", {"shops": [{"root": "/x", "version": "9.9"}]}, {},
     Status.ERROR),
    (ADMIN, "app.opencart_install", SHOP, {}, Status.PASS),
    (ADMIN, "app.opencart_install", OLD, {}, Status.FAIL),
    (ADMIN, "app.opencart_install", {"shops": [{"root": "/x", "admins": []}]}, {},
     Status.ERROR),
]


@pytest.mark.parametrize(("check", "key", "value", "params", "want"), CASES,
                         ids=[f"{c.meta.id}-{n}" for n, (c, *_r) in enumerate(CASES)])
def test_recorded_outcomes(check: Check, key: str, value: Any, params: dict[str, Any],
                           want: Status) -> None:
    assert judge(check, key, value, params) is want


def test_cookie_and_party_tables() -> None:
    assert classify_cookie("_ga_ABC123") == "analytics"
    assert classify_cookie("anything", ".doubleclick.net") == "marketing"
    party = processor_for_host("www.google-analytics.com")
    assert party is not None and party.id == "google-analytics"


def _attest(params: dict[str, Any], found: str | None = SHA) -> Status:
    facts = [ok("attestation.document", {"sha256": found, "bytes": 10})] if found else \
        [denied("attestation.document")]
    return ATTESTED.evaluate(context(facts, params)).status


def test_attestation_outcomes() -> None:
    future = SCAN_TIME.date().replace(year=SCAN_TIME.year + 1).isoformat()
    past = SCAN_TIME.date().replace(year=SCAN_TIME.year - 1).isoformat()
    base = {"document": "iso.pdf", "sha256": SHA, "attested_by": "Auditor", "expires": future}
    assert _attest(base) is Status.PASS
    assert _attest(base, found="cd" * 32) is Status.FAIL
    expired = ATTESTED.evaluate(context([ok("attestation.document", {"sha256": SHA})],
                                        {**base, "expires": past}))
    assert expired.status is Status.ERROR and expired.evidence["expired"] is True
    assert _attest({}) is Status.ERROR
    assert _attest(base, found=None) is Status.ERROR


def test_parse_opencart_keeps_structure_only() -> None:
    from posture.collect.facts.shop import parse_opencart

    raw = ("shop\t/var/www/shop\nserved_by\tnginx\nserved_by\tnginx\nserved_by\tiis\n"
           "apache_admin_ip_rules\t2\nversion\t3.0.3.8\nadmin\tbeheer\n"
           "scheme\tHTTPS_SERVER\thttps\nhtaccess_ip_rules\t1\nadmin\tadmin\n")
    assert parse_opencart(raw) == {"shops": [{
        "root": "/var/www/shop", "version": "3.0.3.8", "apache_admin_ip_rules": 2,
        "served_by": ["nginx"],
        "admins": [{"name": "beheer", "schemes": {"HTTPS_SERVER": "https"},
                    "htaccess_ip_rules": 1},
                   {"name": "admin", "schemes": {}, "htaccess_ip_rules": 0}]}]}
    assert parse_opencart("garbage\nadmin\tx\n") == {"shops": []}


def test_set_cookie_values_are_dropped() -> None:
    from posture.collect.probes.webcrawl import parse_set_cookie, same_site

    got = parse_set_cookie("sid=SECRETVALUE; Domain=.shop.test; Secure; SameSite=Lax", "/")
    assert "SECRETVALUE" not in str(got)
    assert got["domain"] == "shop.test" and got["secure"] and got["samesite"] == "Lax"
    assert same_site("cdn.shop.test", "www.shop.test") and not same_site("shop.evil", "shop.test")
