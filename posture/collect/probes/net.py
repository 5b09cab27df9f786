"""Probe family 'net': TCP reachability of a host's services from the auditor's addresses.

``net.reach`` connects to every service port of the host (SSH, the host's databases, admin
endpoints served from its address) from the auditor's own address and from each inventory
vantage point (the probe binds that source address), and notes what answered: an SSH
banner, a database greeting or refusal, an HTTP status. A PostgreSQL server speaks only when
spoken to: the probe sends its 8-byte TLS request (``SSLRequest``) and a PostgreSQL server
answers ``S`` or ``N``, so "open" there means a PostgreSQL server answered. ``net.scan`` is a
connect scan of well-known TCP ports from the auditor's address. Both only
ever connect to the host's inventory address, with short timeouts, and send nothing but an
HTTP GET of an admin path named in the inventory and PostgreSQL's TLS request.

A port a firewall drops answers nothing: only the connect timeout tells. So every connect of
a probe is started at once (non-blocking sockets for the scan, one thread per connect for
``net.reach``), and a host with many filtered ports costs one timeout, not one per port.

The SSH port from the auditor's own address is answered by the audit session's connection
when it reached that very address and port (:mod:`posture.collect.witness`): OpenSSH 9.8 and
later penalise a source address for each connection closed before authentication.
"""

from __future__ import annotations

import concurrent.futures as cf
import errno
import ipaddress
import selectors
import socket
import ssl
import threading
import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from posture.collect.types import Probe, ProbeContext, ProbeError, ssh_port
from posture.models import JSON, FactStatus

if TYPE_CHECKING:
    from posture.inventory.model import Host, Inventory

CONNECT_TIMEOUT = 1.5
READ_TIMEOUT = 3.0
WELL_KNOWN = (21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 389, 443, 445, 465, 587, 631,
              873, 993, 995, 1433, 1521, 2049, 2375, 3000, 3306, 3389, 5000, 5432, 5601, 5900,
              5984, 6379, 8000, 8080, 8081, 8443, 8888, 9000, 9090, 9200, 9300, 10000,
              11211, 15672, 27017)
MAX_SCAN_PORTS = 96
MAX_REACH_WORKERS = 32  # net.reach connects at once per host (services x sources)
# Scans at once in this process: each holds up to MAX_SCAN_PORTS sockets, and many hosts are
# probed concurrently; the file descriptors of a process are limited (often 1,024).
_SCANS = threading.BoundedSemaphore(4)
_DB_PORTS = {"mariadb": 3306, "mysql": 3306, "postgresql": 5432}
_SSL_REQUEST = (8).to_bytes(4, "big") + (80877103).to_bytes(4, "big")
# Endpoint kind -> the allowlist service (the ``ip_allowlist`` expect key) that judges it.
_WEB_SERVICES = {"admin": "admin", "integration": "integrations"}


def destination(host: Host) -> str:
    """The host's inventory address as an IP (a DNS name is resolved once)."""
    try:
        return str(ipaddress.ip_address(host.address))
    except ValueError:
        try:
            infos = socket.getaddrinfo(host.address, None, proto=socket.IPPROTO_TCP)
        except OSError as exc:
            raise ProbeError(FactStatus.ERROR, f"cannot resolve {host.address}: {exc}") from None
        return str(infos[0][4][0])


def _matches_host(target: str, host: Host, address: str) -> bool:
    return target in (host.address, host.name, address)


def services(inventory: Inventory, host: Host, address: str,
             ssh: int) -> list[dict[str, Any]]:
    """The ports to probe: SSH (``ssh``: the port the session connects to, see
    :func:`~posture.collect.types.ssh_port`), the host's databases, admin and integration
    endpoints at its address."""
    out: list[dict[str, Any]] = [{"service": "ssh", "name": host.name, "port": ssh}]
    for db in inventory.databases:
        if db.host == host.name:
            out.append({"service": "database", "name": db.name, "engine": db.engine,
                        "port": db.port or _DB_PORTS[db.engine]})
    for ep in inventory.endpoints:
        if ep.kind not in _WEB_SERVICES:
            continue
        parts = urlsplit(ep.url)
        target, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https"
                                                            else 80)
        if ep.connect_to:
            target, _, port_text = ep.connect_to.rpartition(":")
            target, port = target.strip("[]"), int(port_text)
        if _matches_host(target, host, address):
            out.append({"service": _WEB_SERVICES[ep.kind], "name": ep.name, "port": port,
                        "path": parts.path or "/", "tls": parts.scheme == "https",
                        "server_name": parts.hostname or ""})
    return out


def _connect(address: str, port: int, source: str | None) -> tuple[socket.socket | None, str,
                                                                     str]:
    """(connected socket or None, state, local address)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(CONNECT_TIMEOUT)
    try:
        if source:
            try:
                sock.bind((source, 0))
            except OSError:
                sock.close()
                return None, "source-unavailable", source
        sock.connect((address, port))
    except ConnectionRefusedError:
        local = sock.getsockname()[0] if source else ""
        sock.close()
        return None, "closed", local
    except (TimeoutError, OSError):
        local = sock.getsockname()[0] if source else ""
        sock.close()
        return None, "filtered", local
    return sock, "open", str(sock.getsockname()[0])


def _greeting(sock: socket.socket, service: dict[str, Any]) -> dict[str, JSON]:
    """What the service said first (bounded, never stored verbatim beyond a short tag)."""
    sock.settimeout(READ_TIMEOUT)
    if service["service"] in _WEB_SERVICES.values():
        return _http_status(sock, service)
    if service.get("engine") == "postgresql":
        return _postgres_answer(sock)
    try:
        data = sock.recv(512)
    except OSError:
        return {"answer": "silent"}
    if data.startswith(b"SSH-"):
        return {"answer": "ssh"}
    if len(data) > 6 and data[4] == 0x0A:
        return {"answer": "database-handshake"}
    if len(data) > 6 and data[4] == 0xFF:
        code = int.from_bytes(data[5:7], "little")
        return {"answer": "host-not-allowed" if code == 1130 else "database-error",
                "code": code}
    return {"answer": "other" if data else "silent"}


def _postgres_answer(sock: socket.socket) -> dict[str, JSON]:
    """Send PostgreSQL's TLS request; only a PostgreSQL server answers S or N."""
    try:
        sock.sendall(_SSL_REQUEST)
        data = sock.recv(64)
    except OSError:
        return {"answer": "silent"}
    if data in (b"S", b"N"):
        # PostgreSQL then waits for the client; a server that keeps talking (an SSH banner
        # starts with S too) is something else.
        sock.settimeout(0.3)
        try:
            more = sock.recv(64)
        except OSError:
            more = b""
        if not more:
            return {"answer": "postgresql",
                    "tls": "offered" if data == b"S" else "not-offered"}
    return {"answer": "other" if data else "silent"}


@lru_cache(maxsize=1)
def _reach_context() -> ssl.SSLContext:
    """Reachability only: the certificate is judged by the TLS checks, not here. Made once
    per run, without loading the system CA store it would not use."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _http_status(sock: socket.socket, service: dict[str, Any]) -> dict[str, JSON]:
    # Inventory values, but a request line is no place for a line break.
    name = "".join(c for c in str(service.get("server_name") or "localhost") if c > " ")
    path = "".join(c for c in str(service.get("path") or "/") if c > " ")
    try:
        conn: socket.socket = sock
        if service.get("tls"):
            conn = _reach_context().wrap_socket(sock, server_hostname=name)
        request = (f"GET {path} HTTP/1.1\r\nHost: {name}\r\n"
                   "User-Agent: posture-allowlist-probe\r\nConnection: close\r\n\r\n")
        conn.sendall(request.encode("ascii", "replace"))
        head = conn.recv(256).split(b"\r\n", 1)[0].decode("latin-1")
    except (OSError, ssl.SSLError):
        return {"answer": "no-http-answer"}
    parts = head.split()
    if len(parts) >= 2 and parts[0].startswith("HTTP/") and parts[1].isdecimal():
        return {"answer": "http", "http_status": int(parts[1])}
    return {"answer": "no-http-answer"}


def _probe_one(address: str, service: dict[str, Any], source: tuple[str, str | None],
               ctx: ProbeContext | None = None) -> dict[str, JSON]:
    if ctx is not None and ctx.witness is not None and source[1] is None \
            and service["service"] == "ssh":
        # From the auditor's own address, the audit session's connection is the answer
        # when it reached this very port (see posture.collect.witness).
        local = ctx.witness.saw(address, int(service["port"]), ctx.remaining())
        if local is not None:
            return {"source": source[0], "local": local, "state": "open", "answer": "ssh",
                    "seen_by": "audit-session"}
    sock, state, local = _connect(address, int(service["port"]), source[1])
    result: dict[str, JSON] = {"source": source[0], "local": local, "state": state}
    if sock is not None:
        with sock:
            result.update(_greeting(sock, service))
    return result


def run_reach(ctx: ProbeContext) -> JSON:
    """``net.reach``: every service port from every source (bounded concurrency)."""
    if ctx.host is None:
        raise ProbeError(FactStatus.ERROR, "net.reach needs a host")
    address = destination(ctx.host)
    sources: list[tuple[str, str | None]] = [("auditor", None)]
    sources += [(vp.name, vp.source_address) for vp in ctx.inventory.vantage_points]
    todo = services(ctx.inventory, ctx.host, address, ssh_port(ctx))
    workers = max(1, min(MAX_REACH_WORKERS, len(todo) * len(sources)))
    with cf.ThreadPoolExecutor(max_workers=workers) as pool:  # a filtered port: one timeout
        futures = {(i, j): pool.submit(_probe_one, address, svc, src, ctx)
                   for i, svc in enumerate(todo) for j, src in enumerate(sources)}
        for (i, _j), future in sorted(futures.items()):
            todo[i].setdefault("results", []).append(future.result())
    return {"address": address, "sources": [{"name": n, "address": a} for n, a in sources],
            "services": todo}


def open_ports(address: str, ports: list[int], timeout: float = CONNECT_TIMEOUT) -> set[int]:
    """The ``ports`` of ``address`` that accept a TCP connection: every connect started at
    once on a non-blocking socket, a port without an answer within ``timeout`` is filtered."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    opened: set[int] = set()
    pending: dict[int, socket.socket] = {}
    with _SCANS, selectors.DefaultSelector() as selector:
        try:
            for port in sorted(set(ports)):  # one socket per port, whatever the caller passes
                sock = socket.socket(family, socket.SOCK_STREAM)
                sock.setblocking(False)
                code = sock.connect_ex((address, port))
                if code == 0:
                    opened.add(port)
                if code not in (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
                    sock.close()  # open at once (loopback), or refused or unroutable
                    continue
                pending[port] = sock
                selector.register(sock, selectors.EVENT_WRITE, port)
            deadline = time.monotonic() + timeout
            while pending and (left := deadline - time.monotonic()) > 0:
                for key, _ in selector.select(left):
                    port = key.data
                    sock = pending.pop(port)  # unique: ports were deduplicated above
                    if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                        opened.add(port)
                    selector.unregister(sock)
                    sock.close()
        finally:
            for sock in pending.values():  # no answer: filtered
                sock.close()
    return opened


def run_scan(ctx: ProbeContext) -> JSON:
    """``net.scan``: which well-known (and inventory) TCP ports accept a connection."""
    if ctx.host is None:
        raise ProbeError(FactStatus.ERROR, "net.scan needs a host")
    address = destination(ctx.host)
    port = ssh_port(ctx)
    ports = sorted({*WELL_KNOWN, *(int(s["port"]) for s in services(
        ctx.inventory, ctx.host, address, port))})[:MAX_SCAN_PORTS]
    # The SSH port last, and only when the audit session did not reach it itself (see
    # posture.collect.witness): the others are scanned meanwhile, a filtered one waited out.
    later = [port] if ctx.witness is not None and port in ports else []
    try:
        up = open_ports(address, [p for p in ports if p not in later])
        if later and ctx.witness is not None:
            seen = ctx.witness.saw(address, port, ctx.remaining()) is not None
            up |= set(later) if seen else open_ports(address, later)
    except OSError as exc:
        raise ProbeError(FactStatus.ERROR, f"port scan failed: {exc.strerror or exc}") from None
    return {"address": address, "ports_scanned": len(ports),
            "open": [port for port in ports if port in up]}


PROBES: tuple[Probe, ...] = (
    Probe("net.reach", "host", run_reach,
          doc='dict: {"address", "sources": [{"name","address"}], "services": [{"service": '
              '"ssh"|"database"|"admin"|"integrations", "name", "port", ("path"), '
              '"results": [{"source", '
              '"local", "state": "open"|"closed"|"filtered"|"source-unavailable", '
              '"answer" ("postgresql" with "tls": "offered"|"not-offered" for PostgreSQL), '
              '("http_status"|"code"), ("seen_by": "audit-session": the SSH port from the '
              'auditor, answered by the audit session\'s own connection)}]}]}.'),
    Probe("net.scan", "host", run_scan,
          doc='dict: {"address", "ports_scanned", "open": [port]} from the auditor address.'),
)
