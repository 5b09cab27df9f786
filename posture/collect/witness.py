"""What the audit session's own connection showed of a host's SSH port, for the port probes.

OpenSSH 9.8 and later count every connection that ends before authentication against its
source address (``PerSourcePenalties``, ``noauth``: one second each; past fifteen the address
is refused for a while). The probes of the SSH port from the auditor's address (``net.reach``
and ``net.scan``) were two such connections per scan, so a user rescanning in a loop ended up
refused by the very server being audited.

The audit session connects to the same address and port from this machine and reads the
server's SSH banner. When it did, a probe takes that connection as its answer ("open", an SSH
banner, from that local address) instead of connecting again. When the session went through
a jump host or a proxy, reached another address, or did not connect at all, the probes
connect as before: nothing is assumed that was not seen.
"""

from __future__ import annotations

import ipaddress
import threading

__all__ = ["Seen", "SshWitness"]

Seen = tuple[str, str, int]
"""A direct TCP connection of the session: (local address, peer address, peer port)."""


class SshWitness:
    """The session's direct connection to a host, told once by the collector, read by the
    probes of that host (each from its own thread)."""

    def __init__(self) -> None:
        self._told = threading.Event()
        self._lock = threading.Lock()
        self._seen: Seen | None = None

    def tell(self, seen: Seen | None) -> None:
        """The session's direct connection after its SSH handshake, or None (no session, a
        failed one, or one through a jump host or a proxy). The first word counts."""
        with self._lock:
            if self._told.is_set():
                return
            self._seen = seen
            self._told.set()

    def saw(self, address: str, port: int, wait: float) -> str | None:
        """The local address of the session's connection when it reached the SSH server at
        ``address``:``port`` directly; None otherwise, or when the collector has not told
        within ``wait`` seconds."""
        if not self._told.wait(max(0.0, wait)):
            return None
        with self._lock:
            seen = self._seen
        if seen is None or seen[2] != port or not _same_address(seen[1], address):
            return None
        return seen[0]


def _same_address(first: str, second: str) -> bool:
    """Whether two textual IP addresses are one (IPv6 spellings, IPv4-mapped IPv6; a zone
    such as ``%eth0`` must be the same too)."""
    (one_text, _, one_zone), (other_text, _, other_zone) = \
        first.partition("%"), second.partition("%")
    try:
        one, other = ipaddress.ip_address(one_text), ipaddress.ip_address(other_text)
    except ValueError:
        return False
    if isinstance(one, ipaddress.IPv6Address) and one.ipv4_mapped is not None:
        one = one.ipv4_mapped
    if isinstance(other, ipaddress.IPv6Address) and other.ipv4_mapped is not None:
        other = other.ipv4_mapped
    return one == other and one_zone == other_zone
