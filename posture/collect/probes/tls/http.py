"""HTTP facts of an endpoint: the https response's headers and cookies, mixed content, and
what the plain-HTTP port does (a redirect is recorded, never followed).

``connect_to`` sends the TCP connection elsewhere while the URL's host stays in SNI and in
the Host header. Bodies and headers are capped; everything is data, nothing is rendered.
"""

from __future__ import annotations

import re
import socket
import time
import warnings
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import InsecureRequestWarning

from posture.collect.probes.tls.deadline import PinnedAdapter, Watchdog
from posture.collect.probes.tls.neterrors import request_failed

MAX_BODY = 512 * 1024
MAX_HEADER = 500
MAX_ITEMS = 20
_RESOURCE = re.compile(
    rb"""<(?:script|img|iframe|link|source|audio|video|embed|form)\b[^>]*?"""
    rb"""\b(?:src|href|action|data)\s*=\s*["']?(http://[^"'\s>]{1,300})""", re.IGNORECASE)
_VERSIONED = re.compile(r"\d+\.\d+")


class HttpProbeError(Exception):
    """The HTTP request failed (refused, reset, timed out)."""


@dataclass(frozen=True)
class Request:
    """One request: the URL as the user knows it and where to actually connect."""

    url: str
    address: str
    port: int
    deadline: float
    connect_s: float = 10.0  # for each TCP connect


def _fetch(req: Request) -> tuple[requests.Response, bytes]:
    parts = urlsplit(req.url)
    host = parts.hostname or ""
    netloc = f"[{req.address}]" if ":" in req.address else req.address
    target = parts._replace(netloc=f"{netloc}:{req.port}").geturl()
    session = requests.Session()
    session.trust_env = False  # no proxies from the environment: we probe this endpoint only
    session.mount(f"{parts.scheme}://", PinnedAdapter(host))
    left = req.deadline - time.monotonic()
    if left <= 0:
        raise HttpProbeError("no time left for the HTTP request")
    default_port = 443 if parts.scheme == "https" else 80
    host_header = host if parts.port in (None, default_port) else f"{host}:{parts.port}"
    watchdog = Watchdog(req.deadline)  # socket timeouts alone do not stop a drip
    try:
        # verify=False is deliberate (trust is judged from the handshake), so urllib3's
        # warning about it is noise; catch_warnings() would not be thread-safe here.
        warnings.filterwarnings("ignore", category=InsecureRequestWarning)
        with watchdog:
            resp = session.get(target, headers={"Host": host_header, "User-Agent": "posture"},
                               allow_redirects=False, verify=False, stream=True,
                               timeout=(min(left, req.connect_s), min(left, 10.0)))
            body = _read(resp, req.deadline)
    except requests.RequestException as exc:
        why = "the endpoint deadline was reached" if watchdog.fired else ""
        raise HttpProbeError(request_failed(req.url, req.address, req.port, exc,
                                            why=why)) from exc
    finally:
        session.close()
    return resp, body


def _read(resp: requests.Response, deadline: float) -> bytes:
    body = b""
    for chunk in resp.iter_content(16384):
        body += chunk
        if len(body) >= MAX_BODY or time.monotonic() > deadline:
            break
    resp.close()
    return body[:MAX_BODY]


def _clean(text: str, limit: int = MAX_HEADER) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:limit]


def _cookies(resp: requests.Response) -> list[dict[str, object]]:
    raw = resp.raw.headers.getlist("Set-Cookie") if resp.raw is not None else []
    out: list[dict[str, object]] = []
    for line in raw[:MAX_ITEMS]:
        name = line.split("=", 1)[0].strip()
        attrs = {a.strip().split("=", 1)[0].lower(): a.strip() for a in line.split(";")[1:]}
        samesite = attrs.get("samesite", "").partition("=")[2] or None
        out.append({"name": _clean(name, 100), "secure": "secure" in attrs,
                    "httponly": "httponly" in attrs, "samesite": samesite and _clean(samesite, 20)})
    return out


def _hsts_max_age(value: str | None) -> int | None:
    if not value:
        return None
    match = re.search(r"max-age\s*=\s*\"?(\d{1,12})", value, re.IGNORECASE)
    return int(match.group(1)) if match else None


def probe_https(req: Request) -> dict[str, object]:
    """The ``http.https`` fact value: status, security headers, cookies, mixed content."""
    resp, body = _fetch(req)
    hsts = resp.headers.get("Strict-Transport-Security")
    server = resp.headers.get("Server")
    mixed = sorted({m.decode("ascii", "replace") for m in _RESOURCE.findall(body)})
    return {
        "status": resp.status_code,
        "location": _clean(resp.headers.get("Location", "")) or None,
        "hsts": _clean(hsts) if hsts else None,
        "hsts_max_age": _hsts_max_age(hsts),
        "hsts_include_subdomains": bool(hsts and "includesubdomains" in hsts.lower()),
        "server": _clean(server) if server else None,
        "server_version_disclosed": bool(server and _VERSIONED.search(server)),
        "x_powered_by": _clean(resp.headers.get("X-Powered-By", "")) or None,
        "cookies": _cookies(resp),
        "mixed_content": [_clean(m, 300) for m in mixed[:MAX_ITEMS]],
        "mixed_content_count": len(mixed),
        "body_bytes": len(body),
    }


def _listening(req: Request) -> bool:
    """False when the port refuses connections (nothing listens); errors otherwise raise."""
    try:
        with socket.create_connection((req.address, req.port),
                                      timeout=max(0.1, min(req.connect_s,
                                                           req.deadline - time.monotonic()))):
            return True
    except ConnectionRefusedError:
        return False
    except OSError as exc:
        raise HttpProbeError(f"connect to {req.address}:{req.port} failed: "
                             f"{exc.strerror or type(exc).__name__}") from exc


def _same_resource(location: str, served: str) -> bool:
    """True when ``location`` sends the client to ``served`` (scheme, host, port, path)."""
    to, at = urlsplit(location), urlsplit(served)
    try:
        to_port = to.port or (443 if to.scheme == "https" else 80)
        at_port = at.port or (443 if at.scheme == "https" else 80)
    except ValueError:
        return False
    return (to.scheme, (to.hostname or "").lower(), to_port, to.path or "/") == \
        (at.scheme, (at.hostname or "").lower(), at_port, at.path or "/")


def probe_plain(req: Request, https_host: str, served: str = "",
                paired: bool = True) -> dict[str, object]:
    """The ``http.plain`` fact value: what plain HTTP answers for the endpoint's own path,
    and where it redirects. ``served`` is the endpoint's URL; ``paired`` says the plain port
    belongs to it (the inventory's ``http_port``, or 80 beside https on 443). On any other
    port the answer counts only when it redirects to ``served``: another site's page says
    nothing about this endpoint (``same_resource``)."""
    parts = urlsplit(req.url)
    asked = {"url": _clean(req.url), "path": _clean(parts.path or "/", 300), "port": req.port,
             "host_header": _clean(parts.hostname or "", 200)}
    if not _listening(req):
        return {**asked, "listening": False, "status": None, "location": None,
                "redirect_scheme": None, "redirect_same_host": False, "same_resource": paired,
                "server": None}
    resp, _body = _fetch(req)
    location = resp.headers.get("Location", "")
    target = urlsplit(location)
    server = resp.headers.get("Server", "")
    return {
        **asked,
        "listening": True,
        "status": resp.status_code,
        "location": _clean(location) or None,
        "redirect_scheme": target.scheme or None,
        "redirect_same_host": bool(target.hostname) and (target.hostname or "").lower()
        == https_host.lower(),
        "same_resource": paired or bool(served and location and _same_resource(location, served)),
        "server": _clean(server, 200) or None,
    }
