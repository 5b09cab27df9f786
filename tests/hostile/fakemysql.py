"""A hostile MySQL-protocol server on loopback: just enough of the protocol for PyMySQL.

It greets (protocol 10, ``mysql_native_password``, no TLS), accepts any login, answers every
``SET`` with OK and every other query according to its ``behaviour``:

- ``echo``: an error whose message carries ``text`` (canary personal data, markup, ANSI);
- ``login_echo``: refuses the login with such a message;
- ``stall``: sends the greeting, then never another byte;
- ``drip``: answers queries with an endless packet, one byte every ``interval`` seconds;
- ``many``: a result of ``rows`` small rows; ``huge``: one row of ``size`` bytes;
- ``closer``: starts a result, sends a few rows carrying ``text``, then closes.

Each server listens on 127.0.0.1 on a kernel-chosen port and is closed by :meth:`stop`.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

_CAPS = 0x1 | 0x4 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x20000 | 0x80000
_MAX_PACKET = 0xFFFFFF
_AUTOCOMMIT = 0x0002


def lenenc(value: int) -> bytes:
    """A length-encoded integer."""
    if value < 251:
        return bytes([value])
    if value < 1 << 16:
        return b"\xfc" + struct.pack("<H", value)
    if value < 1 << 24:
        return b"\xfd" + struct.pack("<I", value)[:3]
    return b"\xfe" + struct.pack("<Q", value)


def lenstr(data: bytes) -> bytes:
    """A length-encoded string."""
    return lenenc(len(data)) + data


class _Conn:
    """One client connection: framing and sequence numbers."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.seq = sock, 0

    def send(self, payload: bytes) -> None:
        while True:  # payloads of 16 MiB - 1 or more go out in several packets
            part, payload = payload[:_MAX_PACKET], payload[_MAX_PACKET:]
            self.sock.sendall(struct.pack("<I", len(part))[:3] + bytes([self.seq]) + part)
            self.seq = (self.seq + 1) & 0xFF
            if len(part) < _MAX_PACKET:
                return

    def recv(self) -> bytes:
        head = self._exact(4)
        self.seq = (head[3] + 1) & 0xFF
        return self._exact(int.from_bytes(head[:3], "little"))

    def _exact(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("client went away")
            data += chunk
        return data


def _greeting(version: bytes) -> bytes:
    return (b"\x0a" + version + b"\x00" + struct.pack("<I", 7) + b"abcdefgh\x00" +
            struct.pack("<H", _CAPS & 0xFFFF) + b"\x21" + struct.pack("<H", _AUTOCOMMIT) +
            struct.pack("<H", _CAPS >> 16) + b"\x15" + b"\x00" * 10 + b"ijklmnopqrst\x00" +
            b"mysql_native_password\x00")


def ok_packet() -> bytes:
    """OK, autocommit on."""
    return b"\x00\x00\x00" + struct.pack("<HH", _AUTOCOMMIT, 0)


def err_packet(code: int, message: bytes) -> bytes:
    """An ERR packet with SQL state HY000."""
    return b"\xff" + struct.pack("<H", code) + b"#HY000" + message


def _eof() -> bytes:
    return b"\xfe" + struct.pack("<HH", 0, _AUTOCOMMIT)


def _column(name: bytes) -> bytes:
    return (lenstr(b"def") + lenstr(b"shop") + lenstr(b"t") + lenstr(b"t") + lenstr(name) +
            lenstr(name) + b"\x0c" + struct.pack("<HIBHB", 45, 1 << 20, 0xFD, 0, 0) +
            b"\x00\x00")


class FakeMysql:
    """A scripted MySQL-protocol server (see the module docstring)."""

    def __init__(self, behaviour: str, *, text: bytes = b"", rows: int = 0, size: int = 0,
                 interval: float = 0.5, version: bytes = b"5.7.99-fake") -> None:
        self.behaviour, self.text, self.rows, self.size = behaviour, text, rows, size
        self.interval, self.version = interval, version
        self.queries: list[bytes] = []
        self.rows_sent = 0
        self._stop = threading.Event()
        self._socks: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            self._socks.append(sock)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        conn = _Conn(sock)
        with contextlib.suppress(OSError, ConnectionError), sock:
            conn.send(_greeting(self.version))
            if self.behaviour == "stall":
                self._stop.wait(300)
                return
            conn.recv()  # the login: any is accepted
            if self.behaviour == "login_echo":
                conn.send(err_packet(1045, self.text))
                return
            conn.send(ok_packet())
            while not self._stop.is_set():
                packet = conn.recv()
                if packet[:1] == b"\x01":  # COM_QUIT
                    return
                self.queries.append(packet[1:200])
                if packet[1:].lstrip().upper().startswith(b"SET"):
                    conn.send(ok_packet())
                    continue
                self._answer(conn)

    def _answer(self, conn: _Conn) -> None:
        if self.behaviour == "echo":
            conn.send(err_packet(1146, self.text))
        elif self.behaviour == "drip":  # a packet of 16 MiB - 2 bytes, one byte at a time
            reply = struct.pack("<I", _MAX_PACKET - 1)[:3] + bytes([conn.seq]) + b"\x01"
            for byte in reply:
                conn.sock.sendall(bytes([byte]))
            while not self._stop.wait(self.interval):
                conn.sock.sendall(b"\x01")
        elif self.behaviour in ("many", "huge", "closer"):
            self._result(conn)

    def _result(self, conn: _Conn) -> None:
        conn.send(lenenc(3))
        for name in (b"TABLE_NAME", b"COLUMN_NAME", b"DATA_TYPE"):
            conn.send(_column(name))
        conn.send(_eof())
        if self.behaviour == "huge":
            conn.send(lenstr(b"x" * self.size) + lenstr(b"email") + lenstr(b"varchar"))
        else:
            count = 3 if self.behaviour == "closer" else self.rows
            for index in range(count):
                conn.send(lenstr(b"t%d" % index) + lenstr(b"email") + lenstr(self.text))
                self.rows_sent += 1
            if self.behaviour == "closer":
                conn.sock.shutdown(socket.SHUT_RDWR)
                return
        conn.send(_eof())

    def stop(self) -> None:
        """Close the listener and every accepted connection."""
        self._stop.set()
        for sock in [self._listener, *self._socks]:
            with contextlib.suppress(OSError):
                sock.close()
