"""Probe family 'plain': plaintext admin services confirmed from the auditor.

``admin.plaintext_reach`` runs after the host's SSH batches (``after_ssh``): besides the
well-known ports (FTP 21, Telnet 23, rlogin 513, rsh 514) it probes every port on which the
host reported an FTP/Telnet daemon listening or vsftpd is configured to listen. On an FTP
port it reads the greeting and asks ``AUTH TLS`` (RFC 4217), then quits: no login is tried.

Value: {"address", "ports": [{"port", "service", "open", "banner"?, "auth_tls"?,
"error"?}]}.
"""

from __future__ import annotations

import concurrent.futures as cf
import socket
import time
from typing import Any

from posture.collect.types import Probe, ProbeContext, ProbeError
from posture.models import JSON, FactStatus

WELL_KNOWN = {21: "FTP", 23: "Telnet", 513: "rlogin", 514: "rsh"}
_DAEMONS = {"vsftpd": "FTP", "proftpd": "FTP", "pure-ftpd": "FTP", "in.ftpd": "FTP",
            "ftpd": "FTP", "in.telnetd": "Telnet", "telnetd": "Telnet"}
_PER_PORT = 3.0  # seconds per port at most
_CONNECT = 1.5  # of which for the TCP connect: a port a firewall drops is filtered after it
_EARLY = "admin.plaintext_reach.early"  # ctx.cache key of the well-known ports' results
_MAX_PORTS = 20


def _reported_ports(facts: dict[str, Any]) -> dict[int, str]:
    """Ports the host's own facts say a plaintext daemon listens on."""
    out: dict[int, str] = {}
    listening = facts.get("net.listening")
    for sock in (listening.value if listening is not None and listening.ok else None) or []:
        procs = str(sock.get("process") or "").split(",")
        service = next((_DAEMONS[p] for p in procs if p in _DAEMONS), None)
        if service and isinstance(sock.get("port"), int):
            out[int(sock["port"])] = service
    vsftpd = facts.get("ftp.vsftpd")
    if vsftpd is not None and vsftpd.ok:
        for path in vsftpd.value.get("running") or []:
            port = str((vsftpd.value.get("configs") or {}).get(path, {}).get("listen_port", ""))
            if port.isdecimal() and 0 < int(port) < 65536:
                out[int(port)] = "FTP"
    return out


def _line(sock: socket.socket, deadline: float) -> str:
    data = b""
    while b"\n" not in data and len(data) < 1024:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        chunk = sock.recv(512)
        if not chunk:
            break
        data += chunk
    return "".join(ch if ch.isprintable() else "?" for ch in
                   data.decode("latin-1").strip())[:200]


def _ftp(sock: socket.socket, deadline: float) -> dict[str, JSON]:
    banner = _line(sock, deadline)
    out: dict[str, JSON] = {"banner": banner}
    if banner.startswith("220"):
        sock.sendall(b"AUTH TLS\r\n")
        reply = _line(sock, deadline)
        out["auth_tls"] = int(reply[:3]) if reply[:3].isdecimal() else None
        if out["auth_tls"] != 234:
            sock.sendall(b"QUIT\r\n")
    return out


def _probe_port(address: str, port: int, service: str, deadline: float) -> dict[str, JSON]:
    item: dict[str, JSON] = {"port": port, "service": service}
    end = min(deadline, time.monotonic() + _PER_PORT)
    try:
        connect = min(_CONNECT, end - time.monotonic())
        with socket.create_connection((address, port), timeout=max(0.1, connect)) as sock:
            sock.settimeout(max(0.1, end - time.monotonic()))
            item["open"] = True
            if service == "FTP":
                item.update(_ftp(sock, end))
    except ConnectionRefusedError:
        item["open"] = False
    except TimeoutError:
        item["open"] = item.get("open")
        item["error"] = "timed out"
    except OSError as exc:
        item["open"] = item.get("open")
        item["error"] = (exc.strerror or type(exc).__name__)[:100]
    return item


def _warm(ctx: ProbeContext) -> None:
    """The well-known ports need no SSH fact: probed beside the SSH session."""
    if ctx.host is None:
        return
    address, deadline = ctx.host.address, ctx.deadline
    with cf.ThreadPoolExecutor(max_workers=len(WELL_KNOWN)) as pool:
        items = list(pool.map(lambda job: _probe_port(address, job[0], job[1], deadline),
                              sorted(WELL_KNOWN.items())))
    ctx.cache[_EARLY] = {(item["port"], item["service"]): item for item in items}


def _plaintext_reach(ctx: ProbeContext) -> JSON:
    if ctx.host is None:
        raise ProbeError(FactStatus.ERROR, "not a host")
    ports = dict(WELL_KNOWN)
    ports.update(_reported_ports(ctx.cache.get("host_facts") or {}))
    address, deadline = ctx.host.address, ctx.deadline
    chosen = sorted(ports.items())[:_MAX_PORTS]
    early = ctx.cache.get(_EARLY) or {}
    todo = [job for job in chosen if job not in early]
    with cf.ThreadPoolExecutor(max_workers=max(1, len(todo))) as pool:  # one timeout in all
        done = dict(zip(todo, pool.map(
            lambda job: _probe_port(address, job[0], job[1], deadline), todo), strict=True))
    return {"address": ctx.host.address, "ports": [early.get(job) or done[job]
                                                   for job in chosen]}


PROBES: tuple[Probe, ...] = (
    Probe("admin.plaintext_reach", "host", _plaintext_reach,
          "Plaintext admin ports (FTP, Telnet, rlogin, rsh) tried from the auditor.",
          after_ssh=True, warm=_warm),
)
"""The host probes of this family."""
