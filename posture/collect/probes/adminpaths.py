"""Probe family 'adminpaths': admin paths the application reveals, tried like the inventory's.

``web.admin_paths`` runs after the host's SSH batches: the shop's own admin folders (OpenCart
lets an administrator rename ``admin/``; ``app.opencart_install`` finds it by its files) are
added under every web endpoint of the inventory served from this host, and reached from
the auditor and each vantage point like the inventory's admin endpoints (``net.reach``).
Every admin path, from the inventory or the application, is also asked for once over plain
HTTP on the port paired with its endpoint (``http_port``, or 80 beside https on 443): an
answer other than a refusal or a redirect means the admin page travels in clear.
"""

from __future__ import annotations

import concurrent.futures as cf
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from posture.collect.probes.net import _connect, _probe_one, destination
from posture.collect.types import Probe, ProbeContext, ProbeError
from posture.models import JSON, FactStatus

if TYPE_CHECKING:
    from posture.inventory.model import Endpoint, Host

APP_FACT = "app.opencart_install"
_WEB_KINDS = ("web", "admin")
_MAX_PATHS = 20


def app_folders(facts: dict[str, Any]) -> tuple[list[str], str]:
    """(admin folder names, why they could not be read or '')."""
    fact = facts.get(APP_FACT)
    if fact is None:
        return [], f"{APP_FACT} was not gathered"
    if fact.status is FactStatus.MISSING:
        return [], ""
    if not fact.ok or not isinstance(fact.value, dict):
        return [], f"{APP_FACT} is {fact.status.value} ({str(fact.reason)[:200]})"
    # A shop no running web server's configuration names is not served at this address.
    names = [str(a.get("name")) for s in fact.value.get("shops", [])
             if s.get("served_by", ["unknown"]) for a in s.get("admins", []) if a.get("name")]
    return sorted(set(names))[:5], ""


def _where(ep: Endpoint) -> tuple[str, int, str, bool, str]:
    parts = urlsplit(ep.url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    target = parts.hostname or ""
    if ep.connect_to:
        target, _, port_text = ep.connect_to.rpartition(":")
        target, port = target.strip("[]"), int(port_text)
    return target, port, parts.path or "/", parts.scheme == "https", parts.hostname or ""


def _plain_port(ep: Endpoint, port: int, tls: bool) -> int | None:
    if not tls:
        return None  # the endpoint itself is plain: net.reach already asks it
    if ep.http_port:
        return ep.http_port
    return 80 if port == 443 else None


def admin_paths(ctx: ProbeContext, host: Host, address: str, folders: list[str]
                ) -> list[dict[str, Any]]:
    """Every admin path at this host: the inventory's admin endpoints and the
    application's folders under each web endpoint (``source`` says which)."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    for ep in ctx.inventory.endpoints:
        target, port, path, tls, name = _where(ep)
        if target not in (host.address, host.name, address) or ep.kind not in _WEB_KINDS:
            continue
        if ep.kind == "admin":
            candidates = [(path, "inventory", ep.name)]
        else:
            base = path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"
            candidates = [(f"{base}{folder}/", "application",
                           f"{ep.name} {base}{folder}/ (OpenCart admin folder)")
                          for folder in folders]
        for full, source, label in candidates:
            if (port, full) in seen or len(out) >= _MAX_PATHS:
                continue
            seen.add((port, full))
            out.append({"service": "admin", "name": label, "source": source, "port": port,
                        "path": full, "tls": tls, "server_name": name,
                        "plain_port": _plain_port(ep, port, tls)})
    return out


def _plain(address: str, entry: dict[str, Any]) -> dict[str, JSON]:
    """One plain-HTTP GET of the admin path from the auditor: status and Location only."""
    port = entry["plain_port"]
    result: dict[str, JSON] = {"name": entry["name"], "source": entry["source"],
                               "port": port, "path": entry["path"]}
    sock, state, _local = _connect(address, int(port), None)
    result["state"] = state
    if sock is None:
        return result
    name = "".join(c for c in str(entry.get("server_name") or address) if c > " ")
    path = "".join(c for c in str(entry["path"]) if c > " ")
    try:
        with sock:
            sock.settimeout(3.0)
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {name}\r\nUser-Agent: posture-admin-"
                         "probe\r\nConnection: close\r\n\r\n".encode("ascii", "replace"))
            head = sock.recv(4096).decode("latin-1")
    except OSError:
        result["answer"] = "no-http-answer"
        return result
    lines = head.split("\r\n")
    parts = lines[0].split()
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdecimal():
        result["answer"] = "no-http-answer"
        return result
    result.update({"answer": "http", "http_status": int(parts[1])})
    for line in lines[1:40]:
        key, _, value = line.partition(":")
        if key.strip().lower() == "location":
            result["location"] = "".join(c for c in value.strip() if c.isprintable())[:300]
    return result


def run_admin_paths(ctx: ProbeContext) -> JSON:
    """``web.admin_paths``: the application's admin paths reached from every source, and
    every admin path asked once over plain HTTP."""
    if ctx.host is None:
        raise ProbeError(FactStatus.ERROR, "web.admin_paths needs a host")
    address = destination(ctx.host)
    folders, problem = app_folders(ctx.cache.get("host_facts") or {})
    entries = admin_paths(ctx, ctx.host, address, folders)
    sources: list[tuple[str, str | None]] = [("auditor", None)]
    sources += [(vp.name, vp.source_address) for vp in ctx.inventory.vantage_points]
    reach = [e for e in entries if e["source"] == "application"]
    plain = [e for e in entries if e.get("plain_port")]
    with cf.ThreadPoolExecutor(max_workers=8) as pool:
        futures = {(i, j): pool.submit(_probe_one, address, svc, src)
                   for i, svc in enumerate(reach) for j, src in enumerate(sources)}
        plain_jobs = [pool.submit(_plain, address, e) for e in plain]
        for (i, _j), future in sorted(futures.items()):
            reach[i].setdefault("results", []).append(future.result())
        plain_results = [f.result() for f in plain_jobs]
    return {"address": address, "folders": folders, "folders_problem": problem or None,
            "services": reach, "plain": plain_results,
            "paths": [{k: e[k] for k in ("name", "source", "port", "path", "plain_port")}
                      for e in entries]}


PROBES: tuple[Probe, ...] = (
    Probe("web.admin_paths", "host", run_admin_paths, after_ssh=True,
          doc='dict: {"address", "folders": [name], "folders_problem": str|null, "services": '
              '[net.reach-style entries of the application\'s admin paths with "results"], '
              '"plain": [{"name", "source", "port", "path", "state", "answer", "http_status", '
              '"location"}], "paths": [{"name", "source", "port", "path", "plain_port"}]}.'),
)
