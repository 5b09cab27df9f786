"""HTTP checks of an endpoint: redirect to https, HSTS, cookie flags, mixed content, and
version disclosure in response headers. They judge ``http.plain``, ``http.https`` and
``endpoint.info`` (see :mod:`posture.collect.probes.tls.probe`).
"""

from __future__ import annotations

from checks.base import Check, CheckContext, CheckMeta, Outcome, capped, missing
from posture.models import Severity, Status, msg

_CLAIMS = ("tls_all_links", "encrypted_admin_channels")
HSTS_MIN = 180 * 86400
_MACHINE_KINDS = ("integration", "api")  # clients that are programs, not browsers
_REFS = ("https://www.rfc-editor.org/rfc/rfc6797",
         "https://infosec.mozilla.org/guidelines/web_security",
         "https://owasp.org/www-project-secure-headers/")


def _machine_kind(ctx: CheckContext) -> str | None:
    """The endpoint's kind when programs, not browsers, use it (else None)."""
    info = ctx.fact("endpoint.info")
    kind = info.value.get("kind") if info.ok else None
    return str(kind) if kind in _MACHINE_KINDS else None


def _redirect(ctx: CheckContext) -> Outcome:
    error = missing(ctx, "http.plain")
    if error:
        return error
    plain = ctx.fact("http.plain").value
    evidence = {k: plain.get(k) for k in ("url", "listening", "status", "location")}
    if plain.get("listening"):
        evidence["answered"] = (f"port {plain.get('port')} for Host "
                                f"{plain.get('host_header')}: {plain.get('status')}, Server "
                                f"{plain.get('server') or '(none)'}")
    if plain.get("same_resource") is False and plain.get("listening"):
        return Outcome(Status.NOT_APPLICABLE, f"Port {plain.get('port')} answers "
                       f"{plain.get('status')} for {plain.get('path')} without sending the "
                       "client to this endpoint: another site answers there. Set the "
                       "endpoint's http_port in the inventory to judge its plain HTTP.",
                       evidence)
    if not plain.get("listening"):
        return Outcome(Status.PASS, msg("Nothing listens for plain HTTP at {url}.",
                                        url=plain.get("url")), evidence)
    status, location = plain.get("status"), plain.get("location")
    to_https = plain.get("redirect_scheme") == "https"
    if to_https and plain.get("redirect_same_host"):
        if status in (301, 308):
            return Outcome(Status.PASS, msg("Plain HTTP answers {status} to {location}.",
                                            status=status, location=location), evidence)
        return Outcome(Status.WARN, msg("Plain HTTP redirects to https with a temporary "
                                        "{status} (301 or 308 lets browsers remember it).",
                                        status=status), evidence)
    if to_https:
        return Outcome(Status.WARN, msg("Plain HTTP redirects to https on another host "
                                        "({location}); the redirect was not followed.",
                                        location=location), evidence)
    return Outcome(Status.FAIL, msg("Plain HTTP at {url} answers {status} without redirecting "
                                    "to https: pages (and any login) are served in clear.",
                                    url=plain.get("url"), status=status), evidence)


def _hsts(ctx: CheckContext) -> Outcome:
    machine = _machine_kind(ctx)
    if machine:
        return Outcome(Status.NOT_APPLICABLE, msg("HSTS protects browsers; this endpoint is "
                                                  "used by programs ({kind}).", kind=machine))
    error = missing(ctx, "http.https")
    if error:
        return error
    https = ctx.fact("http.https").value
    max_age = https.get("hsts_max_age")
    evidence = {"header": https.get("hsts"), "max_age": max_age,
                "include_subdomains": https.get("hsts_include_subdomains"),
                "required_max_age": HSTS_MIN}
    if not https.get("hsts"):
        return Outcome(Status.FAIL, msg("No Strict-Transport-Security header: a browser can be "
                                        "downgraded to plain HTTP."), evidence)
    if not isinstance(max_age, int) or max_age < HSTS_MIN:
        return Outcome(Status.WARN, msg("HSTS max-age is {max_age} s, under 180 days "
                                        "({minimum} s).", max_age=max_age, minimum=HSTS_MIN),
                       evidence)
    return Outcome(Status.PASS, msg("HSTS with max-age {max_age} s.", max_age=max_age), evidence)


def _cookies(ctx: CheckContext) -> Outcome:
    error = missing(ctx, "http.https")
    if error:
        return error
    cookies = ctx.fact("http.https").value.get("cookies") or []
    insecure = [c["name"] for c in cookies if not c.get("secure")]
    weak = [c["name"] for c in cookies if not c.get("httponly") or not c.get("samesite")]
    evidence = {"cookies": capped(cookies), "without_secure": capped(insecure),
                "without_httponly_or_samesite": capped(weak)}
    if insecure:
        return Outcome(Status.FAIL, msg("Cookies without the Secure flag (sent over plain "
                                        "HTTP too): {names}.", names=", ".join(insecure[:10])),
                       evidence)
    if weak:
        return Outcome(Status.WARN, msg("Cookies without HttpOnly or SameSite: {names}.",
                                        names=", ".join(weak[:10])), evidence)
    if not cookies:
        return Outcome(Status.PASS, msg("The page sets no cookie."), evidence)
    return Outcome(Status.PASS, msg("{n} cookie set, Secure, HttpOnly and SameSite.",
                                    "{n} cookies set, all Secure, HttpOnly and SameSite.",
                                    n=len(cookies)), evidence)


def _mixed(ctx: CheckContext) -> Outcome:
    error = missing(ctx, "http.https")
    if error:
        return error
    https = ctx.fact("http.https").value
    found = https.get("mixed_content") or []
    evidence = {"http_resources": capped(found), "count": https.get("mixed_content_count", 0)}
    if found:
        return Outcome(Status.FAIL, msg("The https page loads {n} resource over plain http://: "
                                        "{example}.", "The https page loads {n} resources over "
                                        "plain http://, e.g. {example}.", n=len(found),
                                        example=found[0]), evidence)
    return Outcome(Status.PASS, msg("No http:// resources on the https page."), evidence)


def _disclosure(ctx: CheckContext) -> Outcome:
    error = missing(ctx, "http.https")
    if error:
        return error
    https = ctx.fact("http.https").value
    evidence = {"server": https.get("server"), "x_powered_by": https.get("x_powered_by")}
    if https.get("server_version_disclosed") or https.get("x_powered_by"):
        return Outcome(Status.WARN, msg("Response headers disclose software versions (Server: "
                                        "{server}, X-Powered-By: {powered_by}).",
                                        server=https.get("server"),
                                        powered_by=https.get("x_powered_by")), evidence)
    return Outcome(Status.PASS, msg("No software version in the response headers."), evidence)


def _meta(check_id: str, title: str, severity: Severity, rationale: str, remediation: str,
          needs: tuple[str, ...], claims: tuple[str, ...] = _CLAIMS) -> CheckMeta:
    return CheckMeta(id=check_id, title=title, claim_types=claims, severity=severity,
                     rationale=rationale, remediation=remediation, references=_REFS,
                     needs=needs, target="endpoint")


REDIRECT = Check(_meta(
    "http.redirect", "Plain HTTP redirects to https on the same host (301/308)", Severity.HIGH,
    "A plain-HTTP page that does not redirect serves content, forms and admin logins in clear.",
    "Answer every plain-HTTP request with 'Redirect permanent / https://HOST/' (Apache) or "
    "'return 301 https://$host$request_uri;' (nginx), or close port 80.",
    ("http.plain",)), _redirect)
HSTS = Check(_meta(
    "http.hsts", "HSTS with max-age of at least 180 days", Severity.MEDIUM,
    "Without HSTS the first request of a visit can be downgraded to plain HTTP (SSL stripping).",
    "Send 'Strict-Transport-Security: max-age=31536000; includeSubDomains' on https responses.",
    ("http.https", "endpoint.info")), _hsts)
COOKIES = Check(_meta(
    "http.cookies", "Cookies are Secure, HttpOnly and SameSite", Severity.MEDIUM,
    "A cookie without Secure is also sent over plain HTTP, so a session can leak in clear.",
    "Set session cookies with 'Secure; HttpOnly; SameSite=Lax' (or Strict).",
    ("http.https",)), _cookies)
MIXED_CONTENT = Check(_meta(
    "http.mixed_content", "No http:// resources on https pages", Severity.MEDIUM,
    "Scripts or forms loaded over http:// can be read or replaced on the way.",
    "Load every resource over https:// (or protocol-relative), and add "
    "'Content-Security-Policy: upgrade-insecure-requests'.",
    ("http.https",)), _mixed)
SERVER_DISCLOSURE = Check(_meta(
    "http.server_disclosure", "Response headers do not disclose software versions",
    Severity.LOW, "Version strings tell an attacker which known vulnerabilities to try.",
    "Apache: 'ServerTokens Prod' and 'ServerSignature Off'; nginx: 'server_tokens off'; "
    "PHP: 'expose_php = Off'.",
    ("http.https",), ("tls_all_links",)), _disclosure)

CHECKS = (REDIRECT, HSTS, COOKIES, MIXED_CONTENT, SERVER_DISCLOSURE)
"""The HTTP checks, in catalogue order."""
