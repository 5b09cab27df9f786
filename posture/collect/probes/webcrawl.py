"""A bounded, same-site crawl with requests: cookies set and third-party sources loaded.

No JavaScript runs and nothing but same-site pages is fetched: third-party scripts, frames,
images and forms are recorded by host, never requested. Redirects are not followed blindly:
a same-site target is queued as a page, another site's is recorded. Cookie values are never
kept (they can hold identifiers); only names and attributes.
"""

from __future__ import annotations

import re
import time
import warnings
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from urllib3.exceptions import InsecureRequestWarning

from posture.collect.probes.tls.deadline import PinnedAdapter, Watchdog
from posture.collect.probes.tls.neterrors import request_failed

MAX_BODY = 512 * 1024
MAX_ITEMS = 200
_TAGS = {"script": "src", "iframe": "src", "frame": "src", "img": "src", "form": "action",
         "embed": "src", "source": "src", "video": "src", "audio": "src"}
_INLINE_HOST = re.compile(r"(?:https?:)?//([a-z0-9][a-z0-9.-]{0,200}\.[a-z]{2,24})[/'\"]",
                          re.IGNORECASE)
_HOST = re.compile(r"^[a-z0-9.-]{1,253}$")


class CrawlError(Exception):
    """The start page could not be fetched at all."""


class _Links(HTMLParser):
    """Collects same-page links and the sources of embedded resources."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.sources: list[tuple[str, str]] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        elif tag == "link" and values.get("href") and "stylesheet" in values.get("rel", ""):
            self.sources.append(("stylesheet", values["href"]))
        elif tag in _TAGS and values.get(_TAGS[tag]):
            self.sources.append((tag, values[_TAGS[tag]]))
        self._script = tag == "script" and not values.get("src")

    def handle_endtag(self, tag: str) -> None:
        self._script = False

    def handle_data(self, data: str) -> None:
        if self._script:  # inline scripts that inject a loader: record the hosts they name
            self.sources.extend(("script-inline", f"https://{h}/")
                                for h in _INLINE_HOST.findall(data[:65536]))


@dataclass
class Crawl:
    """Where to crawl and how far."""

    url: str
    address: str | None  # connect_to host (None: resolve the URL's host)
    port: int | None
    deadline: float
    max_pages: int = 10
    result: dict[str, Any] = field(default_factory=dict)
    connect_s: float = 10.0  # for each TCP connect

    def _fetch(self, url: str) -> tuple[requests.Response, bytes]:
        parts = urlsplit(url)
        host = parts.hostname or ""
        target = url
        if self.address:
            netloc = f"[{self.address}]" if ":" in self.address else self.address
            target = parts._replace(netloc=f"{netloc}:{self.port or parts.port or 443}").geturl()
        session = requests.Session()
        session.trust_env = False
        session.mount(f"{parts.scheme}://", PinnedAdapter(host))
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise requests.Timeout("no time left")
        try:
            # trust is judged by the TLS checks, not here; socket timeouts do not stop a drip
            with warnings.catch_warnings(), Watchdog(self.deadline):
                warnings.simplefilter("ignore", InsecureRequestWarning)
                resp = session.get(target, headers={"Host": parts.netloc, "User-Agent":
                                                    "posture"}, allow_redirects=False,
                                   verify=False, stream=True,
                                   timeout=(min(left, self.connect_s), min(left, 10.0)))
                body = b""
                for chunk in resp.iter_content(16384):
                    body += chunk
                    if len(body) >= MAX_BODY or time.monotonic() > self.deadline:
                        break
                resp.close()
        finally:
            session.close()
        return resp, body[:MAX_BODY]


def _clean(text: str, limit: int = 200) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:limit]


def parse_set_cookie(line: str, page: str) -> dict[str, Any]:
    """Name and attributes of one Set-Cookie header; the value is dropped."""
    name = line.split("=", 1)[0].strip()
    attrs: dict[str, str] = {}
    for part in line.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        attrs[key.strip().lower()] = value.strip()
    return {"name": _clean(name, 100), "domain": _clean(attrs.get("domain", "").lstrip("."), 100),
            "path": _clean(attrs.get("path", ""), 100), "secure": "secure" in attrs,
            "httponly": "httponly" in attrs, "samesite": _clean(attrs.get("samesite", ""), 20),
            "persistent": "expires" in attrs or "max-age" in attrs, "page": page}


def same_site(host: str, start: str) -> bool:
    """The start host itself, or a host of the same site (``www.`` stripped)."""
    base = start.lower().removeprefix("www.")
    host = host.lower()
    return host == start.lower() or host == base or host.endswith("." + base)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return _clean(parts.path or "/", 200)  # the query can hold identifiers: not kept


def crawl(job: Crawl) -> dict[str, Any]:
    """Fetch up to ``max_pages`` same-site pages breadth-first; the ``web.crawl`` value."""
    start = urlsplit(job.url).hostname or ""
    queue, seen = deque([job.url]), {job.url.split("#")[0]}
    pages: list[dict[str, Any]] = []
    cookies: list[dict[str, Any]] = []
    resources: dict[str, dict[str, Any]] = {}
    offsite: list[str] = []
    while queue and len(pages) < job.max_pages and time.monotonic() < job.deadline:
        url = queue.popleft()
        try:
            resp, body = job._fetch(url)
        except requests.RequestException as exc:
            if not pages:
                raise CrawlError("start page failed: " + request_failed(
                    url, job.address, job.port, exc)) from exc
            pages.append({"path": _path(url), "status": None})
            continue
        first = not pages
        pages.append({"path": _path(url), "status": resp.status_code})
        raw = resp.raw.headers.getlist("Set-Cookie") if resp.raw is not None else []
        cookies.extend({**parse_set_cookie(line, _path(url)), "first_page": first}
                       for line in raw[:MAX_ITEMS])
        location = resp.headers.get("Location")
        candidates: list[str] = [location] if location else []
        if "html" in resp.headers.get("Content-Type", "html").lower():
            parser = _Links()
            parser.feed(body.decode("utf-8", "replace"))
            candidates += parser.links
            for kind, src in parser.sources[:MAX_ITEMS]:
                _add_source(resources, urljoin(url, src), kind, start, first)
        for link in candidates[:MAX_ITEMS]:
            target = urljoin(url, link).split("#")[0]
            parts = urlsplit(target)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                continue
            if not same_site(parts.hostname, start):
                if link == location:
                    offsite.append(_clean(parts.hostname))
                continue
            if target not in seen and len(seen) < job.max_pages * 20:
                seen.add(target)
                queue.append(target)
    return {"start": _clean(job.url, 300), "pages": pages[:MAX_ITEMS], "page_count": len(pages),
            "cookies": cookies[:MAX_ITEMS], "resources": sorted(resources.values(),
                                                                key=lambda r: r["host"]),
            "offsite_redirects": sorted(set(offsite))[:MAX_ITEMS],
            "complete": not queue}


def _add_source(resources: dict[str, dict[str, Any]], url: str, kind: str, start: str,
                first: bool) -> None:
    host = (urlsplit(url).hostname or "").lower()
    if not host or not _HOST.match(host) or same_site(host, start) or len(resources) >= MAX_ITEMS:
        return
    entry = resources.setdefault(host, {"host": host, "kinds": [], "first_page": False})
    if kind not in entry["kinds"]:
        entry["kinds"].append(kind)
    entry["first_page"] = entry["first_page"] or first
