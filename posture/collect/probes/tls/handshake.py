"""A full TLS handshake with pyOpenSSL: negotiated parameters and the certificate chain.

The handshake accepts any certificate (the chain is judged afterwards, against the system
store plus the inventory's ``ca_file``), so an expired or self-signed certificate is reported
with its details instead of ending the probe. Sockets are non-blocking and every wait goes
through ``select`` with the probe's deadline: pyOpenSSL does not honour socket timeouts.
"""

from __future__ import annotations

import select
import socket
import ssl
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from OpenSSL import SSL, crypto

from posture.collect.probes.tls.certinfo import cert_json, chain_order_ok, hostname_matches

SYSTEM_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")
MAX_CHAIN = 10


class HandshakeError(Exception):
    """The handshake could not be completed (refused, reset, timed out)."""


@dataclass(frozen=True)
class Peer:
    """Where to connect, the name to present (SNI, hostname check) and extra trust."""

    address: str
    port: int
    server_name: str
    deadline: float
    ca_file: str | None = None
    connect_s: float = 10.0  # for the TCP connect


def _wait(sock: socket.socket, want_write: bool, deadline: float) -> None:
    left = deadline - time.monotonic()
    if left <= 0:
        raise HandshakeError("the handshake did not finish before the deadline")
    ready = select.select([], [sock], [], left) if want_write else select.select(
        [sock], [], [], left)
    if not any(ready):
        raise HandshakeError("the handshake did not finish before the deadline")


def _context() -> SSL.Context:
    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    # Accept whatever the server offers: this handshake is for reading, judging comes later.
    ctx.set_min_proto_version(SSL.TLS1_VERSION)
    ctx.set_cipher_list(b"ALL:@SECLEVEL=0")
    ctx.set_verify(SSL.VERIFY_NONE, lambda *_: True)
    return ctx


def _handshake(peer: Peer) -> SSL.Connection:
    left = peer.deadline - time.monotonic()
    try:
        sock = socket.create_connection((peer.address, peer.port),
                                        timeout=max(0.1, min(left, peer.connect_s)))
    except OSError as exc:
        raise HandshakeError(f"connect to {peer.address}:{peer.port} failed: "
                             f"{getattr(exc, 'strerror', None) or exc}") from exc
    sock.setblocking(False)
    conn = SSL.Connection(_context(), sock)
    if peer.server_name and not _is_ip(peer.server_name):
        conn.set_tlsext_host_name(peer.server_name.encode("idna"))
    conn.set_connect_state()
    while True:
        try:
            conn.do_handshake()
            return conn
        except SSL.WantReadError:
            _wait(sock, False, peer.deadline)
        except SSL.WantWriteError:
            _wait(sock, True, peer.deadline)
        except (SSL.Error, OSError) as exc:
            sock.close()
            raise HandshakeError(f"TLS handshake failed: {str(exc)[:200] or type(exc).__name__}"
                                 ) from exc
        except HandshakeError:
            sock.close()
            raise


def _is_ip(name: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in name else socket.AF_INET, name)
    except OSError:
        return False
    return True


@lru_cache(maxsize=16)
def _store(ca_file: str | None) -> crypto.X509Store:
    """The trust store of the system bundle plus ``ca_file``: loaded once per run and trust
    store (reading the system bundle costs tens of milliseconds), shared by verifications."""
    store = crypto.X509Store()
    bundle = ssl.get_default_verify_paths().cafile
    for path in (bundle, *SYSTEM_BUNDLES):
        if path and Path(path).is_file():
            store.load_locations(path)
            break
    if ca_file:
        store.load_locations(ca_file)
    return store


def verify_chain(chain: list[x509.Certificate], ca_file: str | None) -> str:
    """'' when the served chain leads to a trusted root now, else OpenSSL's reason."""
    if not chain:
        return "no certificate was sent"
    leaf = crypto.X509.from_cryptography(chain[0])
    rest = [crypto.X509.from_cryptography(c) for c in chain[1:]]
    try:
        crypto.X509StoreContext(_store(ca_file), leaf, chain=rest).verify_certificate()
    except crypto.X509StoreContextError as exc:
        return str(exc)[:300] or "verification failed"
    return ""


def probe_handshake(peer: Peer) -> dict[str, object]:
    """Handshake once; return the ``tls.certificate`` fact value (see probes_tls)."""
    started = time.monotonic()
    conn = _handshake(peer)
    try:
        chain = (conn.get_peer_cert_chain(as_cryptography=True) or [])[:MAX_CHAIN]
        negotiated = {"protocol": conn.get_protocol_version_name(),
                      "cipher": conn.get_cipher_name(), "bits": conn.get_cipher_bits(),
                      "group": _group(conn)}
    finally:
        conn.close()  # delegated to the underlying socket
    error = verify_chain(list(chain), peer.ca_file)
    leaf = chain[0] if chain else None
    return {
        "negotiated": negotiated,
        "server_name": peer.server_name,
        "chain": [cert_json(c) for c in chain],
        "trusted": not error,
        "verify_error": error,
        "hostname_match": hostname_matches(leaf, peer.server_name) if leaf else False,
        "chain_order_ok": chain_order_ok(list(chain)),
        "extra_ca_file": bool(peer.ca_file),
        "seconds": round(time.monotonic() - started, 3),
    }


def _group(conn: SSL.Connection) -> str | None:
    try:
        name = conn.get_group_name()
    except (AttributeError, SSL.Error):
        return None
    return name if isinstance(name, str) else None
