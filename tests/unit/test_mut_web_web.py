"""What a shop's pages do in a browser: cookie categories against the promise, trackers before
consent, and third parties named or not — exact verdicts and the evidence that decides them."""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import context, denied, ok

from checks.websites import web
from posture.models import Status


def _cookie(name: str, **kw: Any) -> dict[str, Any]:
    return {"name": name, "domain": "shop.test", "secure": True, "httponly": True,
            "samesite": "Lax", "persistent": False, "first_page": True, **kw}


def _res(host: str, *kinds: str, first_page: bool = True) -> dict[str, Any]:
    return {"host": host, "kinds": list(kinds) or ["script"], "first_page": first_page}


def _crawl(cookies: list[Any] = (), resources: list[Any] = (), pages: int = 3,  # type: ignore[assignment]
           complete: bool = True) -> dict[str, Any]:
    return {"page_count": pages, "complete": complete, "cookies": list(cookies),
            "resources": list(resources)}


def _cookies(crawl: Any, **params: Any) -> Any:
    return web.COOKIES.evaluate(context([ok("web.crawl", crawl)], params))


def _parties(crawl: Any, **params: Any) -> Any:
    return web.THIRD_PARTIES.evaluate(context([ok("web.crawl", crawl)], params))


# ------------------------------------------------------------------------------- cookies
def test_functional_cookies_pass_with_their_rows() -> None:
    out = _cookies(_crawl([_cookie("OCSESSID"), _cookie("language", samesite="",
                                                        first_page=False, secure=False)]))
    assert out.status is Status.PASS
    assert out.summary == "2 cookies on 3 pages, all within the promised categories."
    assert out.evidence == {
        "pages": 3, "allowed": ["functional", "strictly_necessary"],
        "cookies": [
            {"name": "OCSESSID", "category": "strictly_necessary", "secure": True,
             "httponly": True, "samesite": "Lax", "persistent": False,
             "before_interaction": True},
            {"name": "language", "category": "functional", "secure": False, "httponly": True,
             "samesite": None, "persistent": False, "before_interaction": False}],
        "trackers_before_interaction": [], "insecure_cookies": ["language"]}


@pytest.mark.parametrize(("cookies", "pages", "summary"), [
    ([_cookie("OCSESSID")], 1, "1 cookie on 1 page, within the promised categories."),
    ([], 2, "0 cookies on 2 pages, all within the promised categories."),
])
def test_pass_summaries(cookies: list[Any], pages: int, summary: str) -> None:
    out = _cookies(_crawl(cookies, pages=pages))
    assert out.status is Status.PASS and out.summary == summary


def test_a_cookie_name_seen_twice_is_one_row_the_first() -> None:
    out = _cookies(_crawl([_cookie("OCSESSID", secure=False), _cookie("OCSESSID")]))
    assert len(out.evidence["cookies"]) == 1
    assert out.evidence["insecure_cookies"] == ["OCSESSID"]


def test_a_marketing_cookie_fails_and_names_it() -> None:
    out = _cookies(_crawl([_cookie("OCSESSID"), _cookie("_fbp")]))
    assert out.status is Status.FAIL
    assert out.summary == "Cookies or trackers outside the promised categories: _fbp."


def test_analytics_allowed_but_set_before_consent_warns() -> None:
    out = _cookies(_crawl([_cookie("_ga")]), allowed=["analytics"])
    assert out.status is Status.WARN
    assert out.summary == "Analytics runs before the visitor could consent: _ga."
    assert out.evidence["allowed"] == ["analytics", "strictly_necessary"]


def test_analytics_allowed_and_set_later_passes() -> None:
    out = _cookies(_crawl([_cookie("_ga", first_page=False)]), allowed=["analytics"])
    assert out.status is Status.PASS


def test_an_analytics_script_on_the_first_page_fails_when_not_allowed() -> None:
    out = _cookies(_crawl([_cookie("OCSESSID")],
                          [_res("www.googletagmanager.com", "script")]))
    assert out.status is Status.FAIL
    assert out.summary == ("Cookies or trackers outside the promised categories: "
                           "google-analytics.")
    assert out.evidence["trackers_before_interaction"] == [
        {"host": "www.googletagmanager.com", "party": "google-analytics",
         "category": "analytics"}]


def test_an_allowed_tracker_script_on_the_first_page_warns() -> None:
    out = _cookies(_crawl([], [_res("connect.facebook.net", "img")]),
                   allowed=["marketing"])
    assert out.status is Status.WARN
    assert out.summary == "Analytics runs before the visitor could consent: facebook."


@pytest.mark.parametrize(("resource", "implied"), [
    (_res("www.google-analytics.com", "script"), True),
    (_res("www.google-analytics.com", "script-inline"), True),
    (_res("www.google-analytics.com", "iframe"), True),
    (_res("www.google-analytics.com", "img"), True),
    (_res("www.google-analytics.com", "stylesheet"), False),
    (_res("www.google-analytics.com", "script", first_page=False), False),
    (_res("js.stripe.com", "script"), False),          # payment: not a tracker
    (_res("cdn.unknown.test", "script"), False),
    ({"host": "www.google-analytics.com", "first_page": True}, False),   # no kinds
    ({"kinds": ["script"], "first_page": True}, False),                  # no host
])
def test_which_resources_imply_a_tracker(resource: dict[str, Any], implied: bool) -> None:
    out = _cookies(_crawl([], [resource]), allowed=["analytics", "marketing"])
    assert bool(out.evidence["trackers_before_interaction"]) is implied
    assert out.status is (Status.WARN if implied else Status.PASS)


def test_unclassified_cookies_warn() -> None:
    out = _cookies(_crawl([_cookie("OCSESSID"), _cookie("zz_own")]))
    assert out.status is Status.WARN
    assert out.summary == "Cookies no rule classifies: zz_own."


def test_warning_lists_are_cut_at_ten() -> None:
    names = [f"zz{i:02}" for i in range(11)]
    out = _cookies(_crawl([_cookie(n) for n in names]))
    assert out.summary == "Cookies no rule classifies: " + ", ".join(names[:10]) + "."
    bad = [f"_ga_{i:02}" for i in range(11)]
    out = _cookies(_crawl([_cookie(n) for n in bad]))
    assert out.summary == ("Cookies or trackers outside the promised categories: "
                           + ", ".join(bad[:10]) + ".")
    out = _cookies(_crawl([_cookie(n) for n in bad]), allowed=["analytics"])
    assert out.summary == ("Analytics runs before the visitor could consent: "
                           + ", ".join(bad[:10]) + ".")


def test_insecure_cookies_are_capped_at_fifty() -> None:
    out = _cookies(_crawl([_cookie(f"c{i:02}", secure=False) for i in range(51)]))
    assert len(out.evidence["insecure_cookies"]) == 50


def test_a_cookie_domain_decides_before_its_name() -> None:
    out = _cookies(_crawl([_cookie("language", domain=".doubleclick.net")]))
    assert out.status is Status.FAIL
    assert out.evidence["cookies"][0]["category"] == "marketing"


@pytest.mark.parametrize("allowed", ["functional", ["functional", "tracking"], [1]])
def test_a_bad_allowed_list_is_a_parameter_error(allowed: Any) -> None:
    out = _cookies(_crawl(), allowed=allowed)
    assert out.status is Status.ERROR
    assert out.evidence == {"parameter_error": "expect.allowed: a list of strictly_necessary, "
                                               "functional, analytics, marketing"}


def test_strictly_necessary_is_always_allowed() -> None:
    out = _cookies(_crawl([_cookie("OCSESSID"), _cookie("language")]), allowed=[])
    assert out.status is Status.FAIL
    assert out.summary == "Cookies or trackers outside the promised categories: language."


@pytest.mark.parametrize("crawl", [None, {}, {"page_count": 0}, [1, 2]])
def test_an_empty_crawl_is_an_error(crawl: Any) -> None:
    for out in (_cookies(crawl), _parties(crawl)):
        assert out.status is Status.ERROR
        assert out.summary == "could not determine: no page of the site could be read"
        assert out.evidence == {"fact": "web.crawl"}


def test_an_unread_crawl_is_an_error() -> None:
    for check in (web.COOKIES, web.THIRD_PARTIES):
        out = check.evaluate(context([denied("web.crawl")]))
        assert out.status is Status.ERROR and out.evidence["fact"] == "web.crawl"


def test_cookies_and_resources_may_be_absent() -> None:
    out = _cookies({"page_count": 1})
    assert out.status is Status.PASS
    out = _parties({"page_count": 1})
    assert out.status is Status.PASS


# --------------------------------------------------------------------------- third parties
def test_declared_parties_by_id_name_and_domain_pass() -> None:
    crawl = _crawl(resources=[_res("js.stripe.com"), _res("www.paypalobjects.com", "img"),
                              _res("cdn.partner.test", "script")])
    out = _parties(crawl, declared=["stripe", "  PayPal ", "img.partner.test"])
    assert out.status is Status.FAIL            # cdn.partner.test is not img.partner.test's
    assert out.evidence["undeclared"] == ["cdn.partner.test"]
    out = _parties(crawl, declared=["stripe", "  PayPal ", "www.Partner.test"])
    assert out.status is Status.PASS            # "www." names the whole domain
    out = _parties(crawl, declared=["stripe", "PAYPAL", "partner.test", "mollie"])
    assert out.status is Status.PASS
    assert out.summary == ("3 third-party hosts loaded, all named in the statement; 1 named "
                           "but not seen.")
    assert out.evidence == {
        "pages": 3, "crawl_complete": True, "undeclared": [], "declared_not_seen": ["mollie"],
        "third_parties": [
            {"host": "js.stripe.com", "party": "stripe", "kinds": ["script"], "declared": True,
             "excluded": False},
            {"host": "www.paypalobjects.com", "party": "paypal", "kinds": ["img"],
             "declared": True, "excluded": False},
            {"host": "cdn.partner.test", "party": "unknown", "kinds": ["script"],
             "declared": True, "excluded": False}]}


def test_a_domain_itself_and_its_subdomains_are_covered_but_not_lookalikes() -> None:
    crawl = _crawl(resources=[_res("partner.test"), _res("a.b.partner.test")])
    assert _parties(crawl, declared=["partner.test"]).status is Status.PASS
    crawl = _crawl(resources=[_res("evilpartner.test")])
    assert _parties(crawl, declared=["partner.test"]).status is Status.FAIL


def test_a_party_named_by_a_multi_word_name() -> None:
    crawl = _crawl(resources=[_res("www.googletagmanager.com")])
    out = _parties(crawl, declared=["google tag manager"])
    assert out.status is Status.PASS
    assert out.summary == ("1 third-party host loaded, named in the statement; 0 named but not "
                           "seen.")


def test_undeclared_parties_fail_naming_the_hosts() -> None:
    crawl = _crawl(resources=[_res("js.stripe.com"), _res("connect.facebook.net")],
                   complete=False)
    out = _parties(crawl, declared=["stripe"])
    assert out.status is Status.FAIL
    assert out.summary == ("1 third party loaded but not named (or named as not used): "
                           "connect.facebook.net.")
    assert out.evidence["undeclared"] == ["connect.facebook.net"]
    assert out.evidence["crawl_complete"] is False


def test_fail_summary_names_eight_hosts_at_most() -> None:
    hosts = [f"h{i}.other.test" for i in range(9)]
    out = _parties(_crawl(resources=[_res(h) for h in hosts]))
    assert out.summary == ("9 third parties loaded but not named (or named as not used): "
                           + ", ".join(hosts[:8]) + ".")


def test_undeclared_hosts_in_the_evidence_are_capped_at_fifty() -> None:
    out = _parties(_crawl(resources=[_res(f"h{i}.other.test") for i in range(51)]))
    assert len(out.evidence["undeclared"]) == 50


def test_a_party_named_as_not_used_fails_even_when_declared() -> None:
    crawl = _crawl(resources=[_res("www.google-analytics.com")])
    out = _parties(crawl, declared=["google-analytics"], not_used=["Google Analytics"])
    assert out.status is Status.FAIL
    assert out.evidence["third_parties"][0]["excluded"] is True
    assert out.evidence["third_parties"][0]["declared"] is True


def test_first_party_hosts_are_not_third_parties() -> None:
    crawl = _crawl(resources=[_res("cdn.shop.test"), _res("shop.test"),
                              _res("js.stripe.com")])
    out = _parties(crawl, first_party=["www.shop.test"], declared=["stripe"])
    assert out.status is Status.PASS
    assert [p["host"] for p in out.evidence["third_parties"]] == ["js.stripe.com"]
    out = _parties(crawl, first_party=["stripe"])
    assert out.evidence["undeclared"] == ["cdn.shop.test", "shop.test"]


@pytest.mark.parametrize("key", ["declared", "not_used", "first_party"])
@pytest.mark.parametrize("bad", ["stripe", ["stripe", 3]])
def test_bad_party_lists_are_parameter_errors(key: str, bad: Any) -> None:
    out = _parties(_crawl(), **{key: bad})
    assert out.status is Status.ERROR
    assert out.evidence == {"parameter_error": f"expect.{key}: a list of processor ids, names "
                                               "or domains"}


def test_a_resource_without_host_and_a_cookie_without_name() -> None:
    out = _parties(_crawl(resources=[{"kinds": ["img"], "first_page": True}]))
    assert out.evidence["third_parties"] == [{"host": "", "party": "unknown", "kinds": ["img"],
                                              "declared": False, "excluded": False}]
    out = _cookies(_crawl([{"secure": True, "first_page": False}]))
    assert out.evidence["cookies"][0]["name"] == ""
    assert out.evidence["cookies"][0]["category"] == "unclassified"


def test_a_resource_without_kinds_is_listed_with_none() -> None:
    out = _parties(_crawl(resources=[{"host": "x.other.test"}]))
    assert out.evidence["third_parties"][0]["kinds"] == []
