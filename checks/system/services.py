"""Plaintext administration services: FTP, Telnet, rlogin/rsh.

Listening sockets are the best evidence. When they cannot be read (``ss`` denied or too old),
running processes and installed packages still show most plaintext daemons, and the finding
says which evidence it rests on.
"""

from __future__ import annotations

from checks.base import (
    Check,
    CheckContext,
    CheckMeta,
    Outcome,
    capped,
    fact_status_word,
    missing,
)
from posture.models import JSON, Fact, Msg, Severity, Status, msg

_PORTS: dict[object, str] = {21: "FTP", 23: "Telnet", 513: "rlogin", 514: "rsh"}
_DAEMONS = {
    "vsftpd": "FTP", "proftpd": "FTP", "pure-ftpd": "FTP", "in.ftpd": "FTP", "ftpd": "FTP",
    "in.telnetd": "Telnet", "telnetd": "Telnet", "in.rlogind": "rlogin", "in.rshd": "rsh",
}
_SUPERSERVERS = ("inetd", "xinetd")  # may start telnetd/ftpd on demand
_PACKAGES = {
    "vsftpd": "FTP", "proftpd": "FTP", "proftpd-basic": "FTP", "pure-ftpd": "FTP",
    "telnetd": "Telnet", "inetutils-telnetd": "Telnet", "telnet-server": "Telnet",
    "openbsd-inetd": "inetd",
}
_LOOPBACK = ("127.", "::1", "localhost")


def _facts_value(ctx: CheckContext, key: str) -> JSON:
    fact = ctx.fact(key)
    return fact.value if fact.ok else None


Item = dict[str, JSON]


def _from_sockets(sockets: list[Item]) -> tuple[list[Item], list[Item]]:
    """(exposed, loopback-only) plaintext listeners."""
    exposed: list[Item] = []
    local: list[Item] = []
    for sock in sockets:
        # The parser gives the port as a number; a missing one (None) names no service.
        service = _PORTS.get(sock.get("port")) or next(
            (_DAEMONS[p] for p in str(sock.get("process")).split(",") if p in _DAEMONS),
            None)
        if service is None:
            continue
        item = {"service": service, "address": sock.get("address"), "port": sock.get("port"),
                "process": sock.get("process") or None}
        (local if str(sock.get("address")).startswith(_LOOPBACK) else exposed).append(item)
    return exposed, local


def _from_processes(procs: list[Item]) -> tuple[list[Item], list[str]]:
    """(plaintext daemons running, super-servers running)."""
    daemons = [{"service": _DAEMONS[str(p["comm"])], "process": p["comm"], "pid": p["pid"]}
               for p in procs if str(p.get("comm")) in _DAEMONS]
    supers = sorted({str(p["comm"]) for p in procs if str(p.get("comm")) in _SUPERSERVERS})
    return daemons, supers


def _installed(ctx: CheckContext) -> dict[str, str]:
    value = _facts_value(ctx, "pkg.versions")
    listed = value.get("packages") or {} if isinstance(value, dict) else {}
    return {name: _PACKAGES[name] for name in sorted(listed) if name in _PACKAGES}


def _plaintext_admin(ctx: CheckContext) -> Outcome:
    sockets, procs = _facts_value(ctx, "net.listening"), _facts_value(ctx, "proc.list")
    if sockets is None and procs is None:
        return missing(ctx, "net.listening", "proc.list") or Outcome(
            Status.ERROR, msg("could not determine: neither sockets nor processes were "
                              "readable"))
    exposed, local = _from_sockets(sockets) if sockets is not None else ([], [])
    daemons, supers = _from_processes(procs) if procs is not None else ([], [])
    packages = _installed(ctx)
    basis = _basis(ctx, sockets is not None, procs is not None)
    evidence = {"exposed": capped(exposed), "loopback_only": capped(local),
                "daemons": capped(daemons), "superservers": supers,
                "packages": packages, "basis": basis}
    on_demand = sockets is None and supers and {"Telnet", "FTP"} & set(packages.values())
    if exposed or daemons or on_demand:
        names = {str(item["service"]) for item in [*exposed, *daemons]}
        if on_demand:
            names |= set(packages.values()) - {"inetd"}
        listed = ", ".join(sorted(names))
        return Outcome(Status.FAIL, msg("Plaintext administration is offered ({services}), "
                                        "judged from {basis}.", services=listed, basis=basis),
                       evidence)
    if local or packages or (supers and sockets is None):
        return Outcome(Status.WARN, msg("No plaintext administration service is reachable from "
                                        "outside, but {leftovers} (judged from {basis}).",
                                        leftovers=_leftovers(local, packages, supers),
                                        basis=basis), evidence)
    return Outcome(Status.PASS, msg("No FTP, Telnet, rlogin or rsh service was found, judged "
                                    "from {basis}.", basis=basis), evidence)


_BASES = {
    (True, True, True): msg("listening sockets, processes and packages"),
    (True, True, False): msg("listening sockets and processes"),
    (True, False, True): msg("listening sockets and packages"),
    (False, True, True): msg("processes and packages"),
    (True, False, False): msg("listening sockets"),
    (False, True, False): msg("processes"),
    (False, False, True): msg("packages"),
}


def _basis(ctx: CheckContext, sockets: bool, procs: bool) -> Msg:
    """Name exactly the sources the verdict rests on, and why any is missing."""
    text = _BASES[(sockets, procs, ctx.fact("pkg.versions").ok)]
    unread = [(key, ctx.fact(key)) for key, ok in (("net.listening", sockets),
                                                   ("proc.list", procs)) if not ok]
    if not unread:
        return text
    # Never both: without sockets and processes the check is an error before any basis.
    key, fact = unread[0]
    return msg("{sources} only: {unread}", sources=text, unread=_unread(key, fact))


def _unread(key: str, fact: Fact) -> Msg:
    status, reason = fact_status_word(fact.status), (fact.reason or "")[:120]
    if key == "net.listening":
        return msg("listening sockets were not readable ({status}: {reason})", status=status,
                   reason=reason)
    return msg("processes were not readable ({status}: {reason})", status=status, reason=reason)


def _leftovers(local: list[Item], packages: dict[str, str], supers: list[str]) -> Msg:
    if local:
        return msg("a plaintext service listens on the loopback interface")
    if packages:
        return msg("plaintext server packages are installed ({packages})",
                   packages=", ".join(packages))
    return msg("{superservers} runs and may start plaintext services on demand",
               superservers=", ".join(supers))


PLAINTEXT_ADMIN = Check(CheckMeta(
    id="services.plaintext_admin",
    title="No plaintext administration service (FTP, Telnet, rlogin, rsh)",
    claim_types=("encrypted_admin_channels",),
    severity=Severity.HIGH,
    rationale="FTP, Telnet, rlogin and rsh send passwords and data in clear text; anyone on "
              "the path can read and reuse them, which breaks an 'SFTP or HTTPS only' promise.",
    remediation="Stop, disable and remove the plaintext servers (e.g. 'apt purge vsftpd "
                "telnetd openbsd-inetd') and use SFTP over SSH instead.",
    references=("CIS Distribution Independent Linux Benchmark, 2.2 (special purpose services)",
                "https://infosec.mozilla.org/guidelines/openssh",
                "https://www.rfc-editor.org/rfc/rfc4253"),
    needs=("net.listening", "proc.list", "pkg.versions"),
), _plaintext_admin)

CHECKS = (PLAINTEXT_ADMIN,)
"""The service checks, in catalogue order."""
