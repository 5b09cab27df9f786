"""A scriptable SSH server (paramiko server mode) that lies, stalls, floods and drops.

It answers posture's batch scripts: it reads the script from the channel's stdin, finds the
per-run section marker and the fact keys in it, and replies with one section per key whose
content comes from :attr:`Script.facts` (hostile by design). It records every authentication
attempt, so a test can prove that no password or key signature reached it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import paramiko

_MARKER = re.compile(rb"printf '(?:\\n)?%s B %s\\n' (__POSTURE_[0-9a-f]+__) ([a-z0-9_.]+);")
_SUDO_OK = re.compile(r"posture-sudo-ok-[0-9a-f]+")
_SUDO_PROMPT = re.compile(r"-p '?(posture-sudo-prompt-[0-9a-f]+:)'?")
MAX_STDIN = 4 << 20

Section = tuple[bytes, bytes, int]  # stdout, stderr, exit status of one fact section


@dataclass
class Script:
    """What the server does. ``mode`` picks a misbehaviour for the batch:

    ``answer`` (sections from ``facts``), ``drop`` (close the connection mid-command),
    ``flood`` (stdout and stderr of ``flood_bytes`` each, at once), ``endless`` (stdout
    forever), ``drip`` (one byte every ``drip_s``), ``hang`` (never answer the exec).
    """

    facts: dict[str, Section] = field(default_factory=dict)
    default: Section = (b"", b"sh: 1: tool: not found\n", 127)
    mode: str = "answer"
    flood_bytes: int = 3 << 20
    drip_s: float = 0.3
    sudo: str = "nopasswd"  # nopasswd | password | refuse | lecture
    banner: str = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"
    accept_password: bool = True


@dataclass
class AuthAttempt:
    """One authentication request the server received."""

    method: str  # publickey | password | keyboard-interactive
    username: str
    secret: str = ""  # the password, or the offered key's fingerprint


def key_fingerprint(key: paramiko.PKey) -> str:
    """``SHA256:...`` of a paramiko key."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


class _Iface(paramiko.ServerInterface):
    def __init__(self, server: FakeSshServer) -> None:
        self.server = server
        self.commands: dict[int, str] = {}
        self.ready: dict[int, threading.Event] = {}

    def get_allowed_auths(self, username: str) -> str:
        return "publickey,password"

    def check_auth_none(self, username: str) -> int:
        return paramiko.AUTH_FAILED

    def check_auth_password(self, username: str, password: str) -> int:
        self.server.attempts.append(AuthAttempt("password", username, password))
        ok = self.server.script.accept_password
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        self.server.attempts.append(AuthAttempt("publickey", username, key_fingerprint(key)))
        return paramiko.AUTH_SUCCESSFUL

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind != "session":
            return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED
        self.ready[chanid] = threading.Event()
        return paramiko.OPEN_SUCCEEDED

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        self.commands[channel.get_id()] = command.decode(errors="replace")
        self.server.commands.append(self.commands[channel.get_id()])
        self.ready.setdefault(channel.get_id(), threading.Event()).set()
        return True


class FakeSshServer:
    """Listens on 127.0.0.1:port; :meth:`stop` closes everything it opened."""

    def __init__(self, script: Script, host_key: paramiko.PKey | None = None) -> None:
        self.script = script
        self.host_key = host_key or paramiko.Ed25519Key.from_private_key(
            _generated_ed25519())
        self.attempts: list[AuthAttempt] = []
        self.commands: list[str] = []
        self.connections = 0
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._transports: list[paramiko.Transport] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def known_hosts_line(self) -> str:
        """The line a known_hosts file needs to trust this server."""
        return (f"[127.0.0.1]:{self.port} {self.host_key.get_name()} "
                f"{self.host_key.get_base64()}\n")

    def credentials_offered(self) -> list[AuthAttempt]:
        """Every password or public key offered so far."""
        return list(self.attempts)

    def stop(self) -> None:
        """Close the listener and every connection."""
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        for transport in self._transports:
            transport.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        transport = paramiko.Transport(sock)
        self._transports.append(transport)
        transport.local_version = self.script.banner
        transport.add_server_key(self.host_key)
        iface = _Iface(self)
        try:
            transport.start_server(server=iface)
        except (paramiko.SSHException, OSError, EOFError):
            return
        while transport.is_active() and not self._stop.is_set():
            channel = transport.accept(timeout=0.5)
            if channel is not None:
                threading.Thread(target=self._channel, args=(transport, iface, channel),
                                 daemon=True).start()

    def _channel(self, transport: paramiko.Transport, iface: _Iface,
                 channel: paramiko.Channel) -> None:
        event = iface.ready.setdefault(channel.get_id(), threading.Event())
        if not event.wait(10):
            channel.close()
            return
        command = iface.commands[channel.get_id()]
        with contextlib.suppress(OSError, EOFError, paramiko.SSHException):
            _Session(self.script, transport, channel, command, self._stop).run()
        with contextlib.suppress(OSError, EOFError):
            channel.close()


class _Session:
    """One exec channel: sudo dance (if asked), then the batch answered per ``script``."""

    def __init__(self, script: Script, transport: paramiko.Transport,
                 channel: paramiko.Channel, command: str, stop: threading.Event) -> None:
        self.script, self.transport, self.chan = script, transport, channel
        self.command, self.stop = command, stop

    def run(self) -> None:
        if self.command.startswith("sudo") and not self._sudo():
            return
        if self.script.mode == "hang":
            self.stop.wait(120)
            return
        stdin = self._read_stdin()
        marker, keys = _parse_script(stdin)
        handler: Callable[[str, list[str]], None] = getattr(self, f"_{self.script.mode}")
        handler(marker, keys)

    def _sudo(self) -> bool:
        ok = _SUDO_OK.search(self.command)
        prompt = _SUDO_PROMPT.search(self.command)
        mode = self.script.sudo
        if mode == "lecture":
            self.chan.sendall_stderr(b"\nWe trust you have received the usual lecture.\n"
                                     b"  #1) <b>Respect</b> the {{privacy}} of others.\n\n")
        if mode == "refuse" or ok is None:
            self.chan.sendall_stderr(b"sudo: a password is required\n")
            self.chan.send_exit_status(1)
            return False
        if prompt is not None:
            self.chan.sendall_stderr(prompt.group(1).encode())
            self._read_line()  # the password: a sudo would check it; we just consume it
        self.chan.sendall((ok.group(0) + "\n").encode())
        return True

    def _read_line(self) -> bytes:
        line = b""
        while not line.endswith(b"\n") and len(line) < 4096:
            part = self.chan.recv(1)
            if not part:
                break
            line += part
        return line

    def _read_stdin(self) -> bytes:
        data = b""
        while len(data) < MAX_STDIN:
            part = self.chan.recv(65536)
            if not part:
                break
            data += part
        return data

    def _finish(self, status: int) -> None:
        self.chan.send_exit_status(status)

    def _answer(self, marker: str, keys: list[str]) -> None:
        for key in keys:
            out, err, rc = self.script.facts.get(key, self.script.default)
            begin = f"{marker} B {key}\n".encode()
            end = f"\n{marker} E {key} {rc}\n".encode()
            self.chan.sendall(begin + out + end)
            self.chan.sendall_stderr(begin + err + end)
        self._finish(0)

    def _drop(self, marker: str, keys: list[str]) -> None:
        if keys:
            self.chan.sendall(f"{marker} B {keys[0]}\npartial".encode())
        time.sleep(0.2)
        self.transport.close()  # the connection dies mid-command, no exit status

    def _flood(self, marker: str, keys: list[str]) -> None:
        chunk = b"A" * 65536
        err_chunk = b"\x1b[31mE\x1b[0m" * 6000
        sent = 0
        while sent < self.script.flood_bytes and not self.chan.closed:
            self.chan.sendall(chunk)
            self.chan.sendall_stderr(err_chunk)
            sent += len(chunk)
        self._finish(0)

    def _endless(self, marker: str, keys: list[str]) -> None:
        line = (b"x" * 1023) + b"\n"
        if keys:
            self.chan.sendall(f"{marker} B {keys[0]}\n".encode())
        while not self.chan.closed and not self.stop.is_set():
            self.chan.sendall(line * 64)

    def _drip(self, marker: str, keys: list[str]) -> None:
        payload = f"{marker} B {keys[0] if keys else 'x'}\n".encode() + b"y" * 10000
        for byte in payload:
            if self.chan.closed or self.stop.is_set():
                return
            self.chan.sendall(bytes([byte]))
            time.sleep(self.script.drip_s)


def _parse_script(script: bytes) -> tuple[str, list[str]]:
    keys: list[str] = []
    marker = ""
    for match in _MARKER.finditer(script):
        marker = match.group(1).decode()
        keys.append(match.group(2).decode())
    return marker, list(dict.fromkeys(keys))


def _generated_ed25519() -> io.StringIO:
    """A fresh ed25519 private key as a file-like object paramiko can read."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption()).decode()
    return io.StringIO(pem)
