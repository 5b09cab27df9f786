"""HTTP checks of an endpoint: exact verdicts, summaries and evidence of every branch
(redirect, HSTS, cookies, mixed content, version disclosure)."""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import context, denied, ok

from checks.websites import http
from posture.models import Fact, Status

HTTPS: dict[str, Any] = {"status": 200, "hsts": "max-age=31536000", "hsts_max_age": 31536000,
                         "hsts_include_subdomains": True, "server": "nginx",
                         "server_version_disclosed": False, "x_powered_by": None,
                         "cookies": [], "mixed_content": [], "mixed_content_count": 0}
PLAIN: dict[str, Any] = {"url": "http://shop.test/", "listening": True, "status": 301,
                         "location": "https://shop.test/", "redirect_scheme": "https",
                         "redirect_same_host": True, "port": 80, "host_header": "shop.test",
                         "server": "nginx", "path": "/"}


def _redirect(**plain: Any) -> Any:
    return http.REDIRECT.evaluate(context([ok("http.plain", {**PLAIN, **plain})]))


def _https(check: Any, *extra: Fact, **https: Any) -> Any:
    return check.evaluate(context([ok("http.https", {**HTTPS, **https}), *extra]))


# ------------------------------------------------------------------------------ redirect
@pytest.mark.parametrize(("status", "verdict"), [
    (301, Status.PASS), (308, Status.PASS), (302, Status.WARN), (307, Status.WARN),
    (303, Status.WARN),
])
def test_redirect_codes(status: int, verdict: Status) -> None:
    out = _redirect(status=status)
    assert out.status is verdict
    if verdict is Status.PASS:
        assert out.summary == f"Plain HTTP answers {status} to https://shop.test/."
    else:
        assert out.summary == (f"Plain HTTP redirects to https with a temporary {status} "
                               "(301 or 308 lets browsers remember it).")
    assert out.evidence == {"url": "http://shop.test/", "listening": True, "status": status,
                            "location": "https://shop.test/",
                            "answered": f"port 80 for Host shop.test: {status}, Server nginx"}


def test_the_answer_names_a_missing_server_header() -> None:
    out = _redirect(server=None)
    assert out.evidence["answered"] == "port 80 for Host shop.test: 301, Server (none)"


def test_a_redirect_to_another_host_warns() -> None:
    out = _redirect(redirect_same_host=False, location="https://other.test/")
    assert out.status is Status.WARN
    assert out.summary == ("Plain HTTP redirects to https on another host "
                           "(https://other.test/); the redirect was not followed.")


@pytest.mark.parametrize("scheme", ["http", None, "HTTPS "])
def test_no_redirect_to_https_fails(scheme: str | None) -> None:
    out = _redirect(status=200, redirect_scheme=scheme, location=None)
    assert out.status is Status.FAIL
    assert out.summary == ("Plain HTTP at http://shop.test/ answers 200 without redirecting "
                           "to https: pages (and any login) are served in clear.")


def test_a_redirect_to_http_on_the_same_host_fails() -> None:
    out = _redirect(status=301, redirect_scheme="http", redirect_same_host=True)
    assert out.status is Status.FAIL


def test_nothing_listening_passes_without_an_answer() -> None:
    out = _redirect(listening=False, status=None, location=None)
    assert out.status is Status.PASS
    assert out.summary == "Nothing listens for plain HTTP at http://shop.test/."
    assert out.evidence == {"url": "http://shop.test/", "listening": False, "status": None,
                            "location": None}


@pytest.mark.parametrize(("same", "listening", "verdict"), [
    (False, True, Status.NOT_APPLICABLE),   # another site answers on port 80
    (False, False, Status.PASS),            # nothing listens: nothing to judge
    (None, True, Status.PASS),              # not determined: judged as usual
    (True, True, Status.PASS),
])
def test_another_site_on_the_plain_port(same: bool | None, listening: bool,
                                        verdict: Status) -> None:
    out = _redirect(same_resource=same, listening=listening)
    assert out.status is verdict
    if verdict is Status.NOT_APPLICABLE:
        assert out.summary == ("Port 80 answers 301 for / without sending the client to this "
                               "endpoint: another site answers there. Set the endpoint's "
                               "http_port in the inventory to judge its plain HTTP.")


def test_redirect_needs_the_plain_fact() -> None:
    out = http.REDIRECT.evaluate(context([denied("http.plain")]))
    assert out.status is Status.ERROR and out.evidence["fact"] == "http.plain"


# ---------------------------------------------------------------------------------- HSTS
def _info(kind: str | None) -> Fact:
    value = {"url": "https://shop.test/", "scheme": "https"}
    return ok("endpoint.info", value if kind is None else {**value, "kind": kind})


@pytest.mark.parametrize("kind", ["integration", "api"])
def test_hsts_does_not_apply_to_programs(kind: str) -> None:
    out = _https(http.HSTS, _info(kind), hsts=None, hsts_max_age=None)
    assert out.status is Status.NOT_APPLICABLE
    assert out.summary == f"HSTS protects browsers; this endpoint is used by programs ({kind})."


@pytest.mark.parametrize("info", [_info("web"), _info("admin"), _info(None),
                                  denied("endpoint.info")])
def test_hsts_applies_to_browsers_and_unknown_kinds(info: Fact) -> None:
    out = _https(http.HSTS, info, hsts=None, hsts_max_age=None)
    assert out.status is Status.FAIL
    assert out.summary == ("No Strict-Transport-Security header: a browser can be downgraded "
                           "to plain HTTP.")


def test_hsts_evidence() -> None:
    out = _https(http.HSTS, _info("web"))
    assert out.status is Status.PASS
    assert out.summary == "HSTS with max-age 31536000 s."
    assert out.evidence == {"header": "max-age=31536000", "max_age": 31536000,
                            "include_subdomains": True, "required_max_age": 180 * 86400}


def test_short_hsts_warns_with_both_figures() -> None:
    out = _https(http.HSTS, _info("web"), hsts="max-age=60", hsts_max_age=60)
    assert out.status is Status.WARN
    assert out.summary == "HSTS max-age is 60 s, under 180 days (15552000 s)."


def test_hsts_needs_the_https_fact() -> None:
    out = http.HSTS.evaluate(context([denied("http.https"), _info("web")]))
    assert out.status is Status.ERROR and out.evidence["fact"] == "http.https"


# ------------------------------------------------------------------------------- cookies
def _cookie(name: str, **flags: Any) -> dict[str, Any]:
    return {"name": name, "secure": True, "httponly": True, "samesite": "Lax", **flags}


def test_no_cookie_passes() -> None:
    out = _https(http.COOKIES, cookies=None)
    assert out.status is Status.PASS and out.summary == "The page sets no cookie."
    assert out.evidence == {"cookies": [], "without_secure": [],
                            "without_httponly_or_samesite": []}


@pytest.mark.parametrize(("count", "summary"), [
    (1, "1 cookie set, Secure, HttpOnly and SameSite."),
    (2, "2 cookies set, all Secure, HttpOnly and SameSite."),
])
def test_good_cookies_pass(count: int, summary: str) -> None:
    out = _https(http.COOKIES, cookies=[_cookie(f"c{i}") for i in range(count)])
    assert out.status is Status.PASS and out.summary == summary


@pytest.mark.parametrize(("flags", "verdict", "insecure", "weak"), [
    ({"secure": False}, Status.FAIL, ["c"], []),
    ({"secure": None}, Status.FAIL, ["c"], []),
    ({"httponly": False}, Status.WARN, [], ["c"]),
    ({"samesite": None}, Status.WARN, [], ["c"]),
    ({"samesite": ""}, Status.WARN, [], ["c"]),
    ({"secure": False, "httponly": False}, Status.FAIL, ["c"], ["c"]),
])
def test_cookie_flags(flags: dict[str, Any], verdict: Status, insecure: list[str],
                      weak: list[str]) -> None:
    cookies = [_cookie("ok"), _cookie("c", **flags)]
    out = _https(http.COOKIES, cookies=cookies)
    assert out.status is verdict
    assert out.evidence == {"cookies": cookies, "without_secure": insecure,
                            "without_httponly_or_samesite": weak}
    if verdict is Status.FAIL:
        assert out.summary == ("Cookies without the Secure flag (sent over plain HTTP too): "
                               "c.")
    else:
        assert out.summary == "Cookies without HttpOnly or SameSite: c."


def test_cookie_summaries_name_ten_at_most() -> None:
    names = [f"n{i:02}" for i in range(11)]
    out = _https(http.COOKIES, cookies=[_cookie(n, secure=False, httponly=False)
                                        for n in names])
    assert out.summary.endswith(": " + ", ".join(names[:10]) + ".")
    out = _https(http.COOKIES, cookies=[_cookie(n, httponly=False) for n in names])
    assert out.summary == "Cookies without HttpOnly or SameSite: " + ", ".join(names[:10]) + "."


def test_cookies_need_the_https_fact() -> None:
    out = http.COOKIES.evaluate(context([denied("http.https")]))
    assert out.status is Status.ERROR and out.evidence["fact"] == "http.https"


# ------------------------------------------------------------------------- mixed content
@pytest.mark.parametrize(("found", "summary"), [
    (["http://a/x.js"], "The https page loads 1 resource over plain http://: http://a/x.js."),
    (["http://a/x.js", "http://b/y.css"],
     "The https page loads 2 resources over plain http://, e.g. http://a/x.js."),
])
def test_mixed_content_fails(found: list[str], summary: str) -> None:
    out = _https(http.MIXED_CONTENT, mixed_content=found, mixed_content_count=7)
    assert out.status is Status.FAIL and out.summary == summary
    assert out.evidence == {"http_resources": found, "count": 7}


def test_no_mixed_content_passes_and_counts_zero_by_default() -> None:
    https = {k: v for k, v in HTTPS.items() if k not in ("mixed_content",
                                                           "mixed_content_count")}
    out = http.MIXED_CONTENT.evaluate(context([ok("http.https", https)]))
    assert out.status is Status.PASS
    assert out.summary == "No http:// resources on the https page."
    assert out.evidence == {"http_resources": [], "count": 0}


def test_mixed_content_needs_the_https_fact() -> None:
    out = http.MIXED_CONTENT.evaluate(context([denied("http.https")]))
    assert out.status is Status.ERROR and out.evidence["fact"] == "http.https"


# ---------------------------------------------------------------------------- disclosure
@pytest.mark.parametrize(("disclosed", "powered", "verdict"), [
    (False, None, Status.PASS), (True, None, Status.WARN), (False, "PHP/8.2.1", Status.WARN),
    (True, "PHP/8.2.1", Status.WARN), (False, "", Status.PASS),
])
def test_version_disclosure(disclosed: bool, powered: str | None, verdict: Status) -> None:
    out = _https(http.SERVER_DISCLOSURE, server="nginx/1.22.1",
                 server_version_disclosed=disclosed, x_powered_by=powered)
    assert out.status is verdict
    assert out.evidence == {"server": "nginx/1.22.1", "x_powered_by": powered}
    if verdict is Status.WARN:
        assert out.summary == ("Response headers disclose software versions (Server: "
                               f"nginx/1.22.1, X-Powered-By: {powered}).")
    else:
        assert out.summary == "No software version in the response headers."


def test_disclosure_needs_the_https_fact() -> None:
    out = http.SERVER_DISCLOSURE.evaluate(context([denied("http.https")]))
    assert out.status is Status.ERROR and out.evidence["fact"] == "http.https"


@pytest.mark.parametrize(("check", "claims", "needs"), [
    (http.REDIRECT, ("tls_all_links", "encrypted_admin_channels"), ("http.plain",)),
    (http.HSTS, ("tls_all_links", "encrypted_admin_channels"), ("http.https", "endpoint.info")),
    (http.COOKIES, ("tls_all_links", "encrypted_admin_channels"), ("http.https",)),
    (http.MIXED_CONTENT, ("tls_all_links", "encrypted_admin_channels"), ("http.https",)),
    (http.SERVER_DISCLOSURE, ("tls_all_links",), ("http.https",)),
])
def test_the_metadata_of_the_http_checks(check: Any, claims: tuple[str, ...],
                                         needs: tuple[str, ...]) -> None:
    meta = check.meta
    assert meta.claim_types == claims
    assert meta.needs == needs
    assert meta.target == "endpoint"
    assert meta.references == ("https://www.rfc-editor.org/rfc/rfc6797",
                               "https://infosec.mozilla.org/guidelines/web_security",
                               "https://owasp.org/www-project-secure-headers/")
    assert meta.id.startswith("http.") and meta.title and meta.rationale and meta.remediation


def test_the_severities_of_the_http_checks() -> None:
    from posture.models import Severity
    assert [c.meta.severity for c in http.CHECKS] == [
        Severity.HIGH, Severity.MEDIUM, Severity.MEDIUM, Severity.MEDIUM, Severity.LOW]
    assert [c.meta.id for c in http.CHECKS] == [
        "http.redirect", "http.hsts", "http.cookies", "http.mixed_content",
        "http.server_disclosure"]
