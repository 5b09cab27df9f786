"""Hostile TLS and HTTP servers on 127.0.0.1: lying certificates, hostile headers, redirects.

:func:`hostile_cert` generates a throwaway self-signed certificate whose subject and SANs
carry the markup, template, control and bidi payloads. :class:`HttpServer` answers a fixed
route table over TLS (or plain TCP) and records every request it receives, so a test can
prove which requests were made; :class:`ClosePort` accepts and closes at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.hostile.payloads import PAYLOADS

MAX_REQUEST = 64 * 1024


@dataclass(frozen=True)
class Answer:
    """One canned HTTP response: status, raw header lines, body."""

    status: int = 200
    headers: tuple[bytes, ...] = ()
    body: bytes = b""


def _name(common: str, org: str) -> x509.Name:
    # RFC 4514 text lists the attributes last to first: the long one comes last there.
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "OU" + "L" * 4000),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, common, _validate=False)])


def hostile_cert(folder: Path, dns: tuple[str, ...], common: str, org: str
                 ) -> tuple[Path, Path]:
    """A self-signed EC certificate (cert, key) with the given hostile subject and SANs."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(_name(common, org))
            .issuer_name(_name(common, org)).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in dns]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def ascii_payloads() -> list[str]:
    """The payloads an IA5String SAN can carry (ASCII only, control characters included)."""
    return [p for p, _ in PAYLOADS if p.isascii()]


class HttpServer:
    """A threaded HTTP(S) server answering ``routes`` (path -> Answer; unknown: 404).

    Every request line and Host header is appended to ``requests``; TLS handshakes that a
    scanner aborts (raw ClientHellos) are counted in ``handshakes_failed``.
    """

    def __init__(self, routes: Mapping[str, Answer], cert: tuple[Path, Path] | None = None
                 ) -> None:
        self.routes = dict(routes)
        self.requests: list[tuple[str, str]] = []
        self.connections = 0
        self._ctx: ssl.SSLContext | None = None
        if cert is not None:
            self._ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._ctx.load_cert_chain(str(cert[0]), str(cert[1]))
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port = int(self._listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        raw.settimeout(10)
        with contextlib.suppress(OSError, ssl.SSLError), raw:
            sock = self._ctx.wrap_socket(raw, server_side=True) if self._ctx else raw
            head = b""
            while b"\r\n\r\n" not in head and len(head) < MAX_REQUEST:
                chunk = sock.recv(4096)
                if not chunk:
                    return
                head += chunk
            line, _, rest = head.partition(b"\r\n")
            host = next((h.split(b":", 1)[1].strip() for h in rest.split(b"\r\n")
                         if h.lower().startswith(b"host:")), b"")
            path = line.split(b" ")[1].decode("latin-1") if line.count(b" ") >= 2 else ""
            self.requests.append((path, host.decode("latin-1")))
            sock.sendall(self._response(self.routes.get(path.split("?")[0], Answer(404))))

    @staticmethod
    def _response(answer: Answer) -> bytes:
        head = [f"HTTP/1.1 {answer.status} X".encode(), b"Connection: close",
                b"Content-Length: " + str(len(answer.body)).encode(), *answer.headers]
        return b"\r\n".join(head) + b"\r\n\r\n" + answer.body

    def stop(self) -> None:
        """Close the listener (connections in flight end with their threads)."""
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.close()


class ClosePort:
    """Accepts every connection and closes it at once, before a byte is exchanged."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port = int(self._listener.getsockname()[1])
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            sock.close()

    def stop(self) -> None:
        """Close the listener."""
        with contextlib.suppress(OSError):
            self._listener.close()
