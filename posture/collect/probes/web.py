"""Probe family 'web' (see :mod:`posture.collect.probes.registry`): a bounded crawl of an endpoint.

``web.crawl`` fetches up to ``max_pages`` same-site pages (the largest ``expect.max_pages``
of the cookie and third-party claims on this endpoint, default 10, at most 50) and records
the cookies they set and the third-party hosts they load; see
:mod:`posture.collect.probes.webcrawl`.
"""

from __future__ import annotations

import time

from posture.collect.probes.webcrawl import Crawl, CrawlError, crawl
from posture.collect.types import Probe, ProbeContext, ProbeError
from posture.models import JSON, FactStatus

DEFAULT_PAGES = 10
MAX_PAGES = 50
WEB_TYPES = ("cookies_functional_only", "third_parties_declared")


def pages_wanted(ctx: ProbeContext) -> int:
    """The page budget the claims on this endpoint ask for."""
    asked = [int(c.expect.get("max_pages", DEFAULT_PAGES)) for c in ctx.inventory.claims
             if c.type in WEB_TYPES and ctx.name in c.scope.endpoints]
    return max(1, min(MAX_PAGES, max(asked, default=DEFAULT_PAGES)))


def _refuse_if_unreachable(ctx: ProbeContext) -> None:
    """Give up at once when this scan's TLS handshake could not even connect: a black-holed
    endpoint then costs one connect timeout, not one more for the crawl."""
    handshake = (ctx.cache.get("tls_futures") or {}).get("tls.certificate")
    if handshake is None or not handshake.done() or handshake.exception() is None:
        return
    reason = str(handshake.exception())
    if reason.startswith("connect to "):
        raise ProbeError(FactStatus.ERROR, f"start page not fetched: {reason[:300]}")


def web_crawl(ctx: ProbeContext) -> JSON:
    """Cookies and third-party sources of the endpoint's pages."""
    endpoint = ctx.endpoint
    if endpoint is None:
        raise ProbeError(FactStatus.ERROR, "web.crawl runs on endpoints only")
    address: str | None = None
    port: int | None = None
    if endpoint.connect_to:
        host, _, port_text = endpoint.connect_to.rpartition(":")
        address, port = host.strip("[]"), int(port_text)
    _refuse_if_unreachable(ctx)
    job = Crawl(endpoint.url, address, port, time.monotonic() + min(ctx.remaining(), 60.0),
                pages_wanted(ctx), connect_s=endpoint.connect_s)
    try:
        return crawl(job)
    except CrawlError as exc:
        raise ProbeError(FactStatus.ERROR, str(exc)) from None


PROBES: tuple[Probe, ...] = (
    Probe("web.crawl", "endpoint", web_crawl,
          "cookies (names and flags) and third-party hosts of a bounded same-site crawl"),
)
