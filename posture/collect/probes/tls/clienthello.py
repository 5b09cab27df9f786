"""Raw ClientHellos: which protocol versions and cipher suites a server accepts.

Built byte by byte (RFC 6101, 2246, 4346, 5246, 8446 and the SSLv2 draft) so that detection
does not depend on what the local OpenSSL still implements: a server that accepts SSLv3 or
an EXPORT suite is found even though no modern library would negotiate it. Only the
server's first flight is read (ServerHello, and for TLS <= 1.2 the ServerKeyExchange that
tells the ephemeral key size); no handshake is completed and nothing is encrypted.
"""

from __future__ import annotations

import os
import socket
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass

from posture.collect.probes.tls.suites import SSL2_KINDS

SSL2, SSL3, TLS10, TLS11, TLS12, TLS13 = 0x0002, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304
VERSION_NAMES = {SSL2: "SSLv2", SSL3: "SSLv3", TLS10: "TLSv1", TLS11: "TLSv1.1",
                 TLS12: "TLSv1.2", TLS13: "TLSv1.3"}
MAX_FLIGHT = 256 * 1024  # bytes of the server's first flight we are willing to read
_GROUPS = (0x001D, 0x0017, 0x0018, 0x0019, 0x001E, 0x0100, 0x0101)
_SIGALGS = (0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
            0x0201, 0x0203, 0x0807, 0x0808)
CURVE_NAMES = {0x0017: "secp256r1", 0x0018: "secp384r1", 0x0019: "secp521r1",
               0x001D: "x25519", 0x001E: "x448", 0x0100: "ffdhe2048", 0x0101: "ffdhe3072"}


class HelloIOError(Exception):
    """The server could not be reached, or it stalled past the deadline."""


@dataclass(frozen=True)
class HelloResult:
    """What the server answered to one ClientHello."""

    accepted: bool
    suite: int | None = None  # chosen cipher suite (TLS) / kind (SSLv2)
    version: int | None = None  # version the server chose
    kx_group: str | None = None  # named group of an (EC)DHE exchange, when sent
    kx_bits: int | None = None  # size of a finite-field DH prime, when sent
    alert: int | None = None  # alert description, when the server refused with one


def _u8(data: bytes) -> bytes:
    return struct.pack("!B", len(data)) + data


def _u16(data: bytes) -> bytes:
    return struct.pack("!H", len(data)) + data


def _ext(kind: int, body: bytes) -> bytes:
    return struct.pack("!H", kind) + _u16(body)


def _extensions(version: int, server_name: str | None) -> bytes:
    exts = b""
    if server_name:
        name = server_name.encode("idna")
        exts += _ext(0x0000, _u16(b"\x00" + _u16(name)))
    exts += _ext(0x000A, _u16(b"".join(struct.pack("!H", g) for g in _GROUPS)))
    exts += _ext(0x000B, _u8(b"\x00"))
    exts += _ext(0x000D, _u16(b"".join(struct.pack("!H", s) for s in _SIGALGS)))
    exts += _ext(0xFF01, b"\x00")
    if version == TLS13:
        exts += _ext(0x002B, _u8(struct.pack("!H", TLS13)))
        share = struct.pack("!H", 0x001D) + _u16(os.urandom(32))  # any 32 bytes parse
        exts += _ext(0x0033, _u16(share))
        exts += _ext(0x002D, _u8(b"\x01"))
    return exts


def build_hello(version: int, suites: Sequence[int], server_name: str | None) -> bytes:
    """A ClientHello record offering exactly ``version`` and ``suites``."""
    legacy = TLS12 if version == TLS13 else version
    codes = b"".join(struct.pack("!H", c) for c in suites)
    if version != TLS13:
        codes += b"\x00\xff"  # renegotiation SCSV: harmless, and some stacks expect it
    body = struct.pack("!H", legacy) + os.urandom(32) + _u8(b"") + _u16(codes) + _u8(b"\x00")
    if version != SSL3:  # SSLv3 predates extensions; some SSLv3 stacks reject them
        body += _u16(_extensions(version, server_name))
    handshake = b"\x01" + struct.pack("!I", len(body))[1:] + body
    record_version = SSL3 if version == SSL3 else TLS10
    return b"\x16" + struct.pack("!HH", record_version, len(handshake)) + handshake


def build_sslv2_hello() -> bytes:
    """An SSLv2 CLIENT-HELLO offering every SSLv2 cipher kind."""
    specs = b"".join(k.to_bytes(3, "big") for k in SSL2_KINDS)
    challenge = os.urandom(16)
    body = b"\x01" + struct.pack("!HHHH", SSL2, len(specs), 0, len(challenge)) + specs
    body += challenge
    return struct.pack("!H", 0x8000 | len(body)) + body


class _Reader:
    """Reads from a socket until a deadline, with a byte cap."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock, self.deadline, self.buf, self.eof = sock, deadline, b"", False

    def need(self, count: int) -> bool:
        """Make ``count`` bytes available; False on EOF (or reset) before that."""
        while len(self.buf) < count and not self.eof:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise HelloIOError("the server stalled (no answer before the deadline)")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError as exc:
                raise HelloIOError("the server stalled (no answer before the deadline)") from exc
            except ConnectionError:
                chunk = b""  # a reset is how many stacks refuse a version
            self.eof = not chunk
            self.buf += chunk
            if len(self.buf) > MAX_FLIGHT:
                raise HelloIOError("the server sent more than the first flight allows")
        return len(self.buf) >= count

    def take(self, count: int) -> bytes:
        """Remove and return ``count`` bytes (call :meth:`need` first)."""
        out, self.buf = self.buf[:count], self.buf[count:]
        return out


def _connect(address: str, port: int, deadline: float, connect_s: float) -> socket.socket:
    left = deadline - time.monotonic()
    if left <= 0:
        raise HelloIOError("no time left to connect")
    try:  # a black-holed port costs its connect timeout, not the endpoint's whole deadline
        return socket.create_connection((address, port), timeout=min(left, connect_s))
    except TimeoutError as exc:
        raise HelloIOError(f"connect to {address}:{port} timed out") from exc
    except OSError as exc:
        raise HelloIOError(f"connect to {address}:{port} failed: {exc.strerror or exc}") from exc


def _handshake_messages(reader: _Reader) -> tuple[list[tuple[int, bytes]], int | None]:
    """Read records until ServerHelloDone (or a TLS 1.3 ServerHello); return the handshake
    messages seen and an alert description if the server sent one first."""
    hs = b""
    messages: list[tuple[int, bytes]] = []
    while reader.need(5):
        kind, _ver, length = struct.unpack("!BHH", reader.take(5))
        if not reader.need(length):
            break
        payload = reader.take(length)
        if kind == 21:
            return messages, payload[1] if len(payload) > 1 else 0
        if kind != 22:
            break
        hs += payload
        while len(hs) >= 4:
            mlen = int.from_bytes(hs[1:4], "big")
            if len(hs) < 4 + mlen:
                break
            messages.append((hs[0], hs[4:4 + mlen]))
            hs = hs[4 + mlen:]
        types = [m[0] for m in messages]
        if 14 in types or (types and types[0] == 2 and _is_tls13(messages[0][1])):
            break
    return messages, None


def _is_tls13(server_hello: bytes) -> bool:
    return _selected_version(server_hello) == TLS13


def _server_hello_fields(body: bytes) -> tuple[int, int, bytes]:
    """(legacy version, suite, extensions block) of a ServerHello body."""
    version = struct.unpack("!H", body[:2])[0]
    sid_len = body[34]
    at = 35 + sid_len
    suite = struct.unpack("!H", body[at:at + 2])[0]
    return version, suite, body[at + 3:]


def _selected_version(body: bytes) -> int:
    try:
        version, _suite, exts = _server_hello_fields(body)
        if len(exts) >= 2:
            exts = exts[2:]
            while len(exts) >= 4:
                kind, length = struct.unpack("!HH", exts[:4])
                if kind == 0x002B and length == 2:
                    return int(struct.unpack("!H", exts[4:6])[0])
                exts = exts[4 + length:]
    except (IndexError, struct.error):
        return 0
    return int(version)


def _key_exchange(messages: list[tuple[int, bytes]], suite_kx: str) -> tuple[str | None,
                                                                              int | None]:
    ske = next((body for kind, body in messages if kind == 12), None)
    if ske is None or len(ske) < 4:
        return None, None
    if suite_kx == "ECDHE" and ske[0] == 3:
        group = struct.unpack("!H", ske[1:3])[0]
        return CURVE_NAMES.get(group, f"0x{group:04X}"), None
    if suite_kx in ("DHE", "anon"):
        p_len = struct.unpack("!H", ske[:2])[0]
        prime = ske[2:2 + p_len].lstrip(b"\x00")
        return None, len(prime) * 8 if prime else None
    return None, None


def hello(address: str, port: int, version: int, suites: Sequence[int],
          server_name: str | None, deadline: float, suite_kx: dict[int, str],
          connect_s: float = 10.0) -> HelloResult:
    """Send one ClientHello; say whether the server accepted it and with what."""
    with _connect(address, port, deadline, connect_s) as sock:
        sock.sendall(build_hello(version, suites, server_name))
        messages, alert = _handshake_messages(_Reader(sock, deadline))
    if not messages or messages[0][0] != 2:
        return HelloResult(False, alert=alert)
    try:
        chosen = _selected_version(messages[0][1])
        _legacy, suite, _ = _server_hello_fields(messages[0][1])
    except (IndexError, struct.error):
        return HelloResult(False)
    if chosen != version or suite not in suites:
        return HelloResult(False, version=chosen)  # it answered another version: not this one
    group, bits = _key_exchange(messages, suite_kx.get(suite, ""))
    if version == TLS13:
        group = "x25519"  # our only key share; a HelloRetryRequest still names the suite
    return HelloResult(True, suite, chosen, group, bits)


def hello_sslv2(address: str, port: int, deadline: float,
                connect_s: float = 10.0) -> HelloResult:
    """Send an SSLv2 CLIENT-HELLO; accepted when a SERVER-HELLO with cipher kinds comes back."""
    with _connect(address, port, deadline, connect_s) as sock:
        sock.sendall(build_sslv2_hello())
        reader = _Reader(sock, deadline)
        if not reader.need(13):
            return HelloResult(False)
        head = reader.take(13)
    if not head[0] & 0x80 or head[2] != 4:
        return HelloResult(False)
    specs_len = struct.unpack("!H", head[9:11])[0]
    if specs_len == 0:
        return HelloResult(False)
    return HelloResult(True, None, SSL2)
