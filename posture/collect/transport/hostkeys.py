"""Host-key verification: OpenSSH known_hosts files and pinned SHA256 fingerprints.

The known_hosts parser is our own rather than :class:`paramiko.HostKeys` because we need
OpenSSH's full matching rules: hashed names, ``[host]:port`` names, ``*``/``?`` patterns,
negated patterns and ``@revoked`` markers. Nothing here talks to the network.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from posture.errors import HostKeyError

_append_lock = threading.Lock()  # hosts are collected in parallel: TOFU appends share a file

# Host-key algorithms to offer for a key type found in known_hosts (RSA keys sign with SHA-2).
_ALGORITHMS_FOR_TYPE = {"ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256")}


def fingerprint(blob: bytes) -> str:
    """``SHA256:<base64 without padding>``, as ``ssh-keygen -lf`` prints it."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def describe(key_type: str, blob: bytes) -> str:
    """``"ssh-ed25519 SHA256:..."``: how a key is shown to users and recorded in facts."""
    return f"{key_type} {fingerprint(blob)}"


def normalise_pin(pin: str) -> str:
    """A pinned fingerprint in canonical form (``SHA256:`` prefix, no padding)."""
    value = pin.strip()
    if value.upper().startswith("SHA256:"):
        value = value[7:]
    return "SHA256:" + value.rstrip("=")


def lookup_name(host: str, port: int) -> str:
    """The name known_hosts stores for ``host``: bare for port 22, else ``[host]:port``."""
    return host if port == 22 else f"[{host}]:{port}"


@dataclass(frozen=True)
class KnownHostEntry:
    """One usable line of a known_hosts file."""

    patterns: tuple[str, ...]  # comma-separated host field, or one hashed |1|salt|hash
    key_type: str
    blob: bytes
    marker: str = ""  # "" or "@revoked" ("@cert-authority" lines are skipped)
    line: int = 0

    def matches(self, name: str) -> bool:
        """Whether this entry is about ``name`` (see OpenSSH sshd(8), SSH_KNOWN_HOSTS)."""
        name = name.lower()
        hit = False
        for pattern in self.patterns:
            if pattern.startswith("|1|"):
                hit = hit or _hashed_matches(pattern, name)
            elif pattern.startswith("!"):
                if _glob(pattern[1:], name):
                    return False  # a negated match vetoes the whole line
            elif _glob(pattern, name):
                hit = True
        return hit


def _glob(pattern: str, name: str) -> bool:
    # OpenSSH patterns know only * and ?; fnmatch would treat "[host]:port" as a char class.
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, name, flags=re.IGNORECASE | re.DOTALL) is not None


def _hashed_matches(pattern: str, name: str) -> bool:
    try:
        _, _, salt, digest = pattern.split("|", 3)
        mac = hmac.new(base64.b64decode(salt), name.encode(), hashlib.sha1).digest()
        return hmac.compare_digest(mac, base64.b64decode(digest))
    except (ValueError, binascii.Error):
        return False


def parse_known_hosts(text: str) -> list[KnownHostEntry]:
    """Parse known_hosts text; malformed and ``@cert-authority`` lines are skipped."""
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        fields = raw.strip().split()
        if not fields or fields[0].startswith("#"):
            continue
        marker = ""
        if fields[0].startswith("@"):
            marker, fields = fields[0].lower(), fields[1:]
            if marker != "@revoked":
                continue  # host certificates are not supported; never trust a CA line blindly
        if len(fields) < 3:
            continue
        try:
            blob = base64.b64decode(fields[2], validate=True)
        except binascii.Error:
            continue
        patterns = tuple(p for p in fields[0].split(",") if p)
        entries.append(KnownHostEntry(patterns, fields[1], blob, marker, number))
    return entries


def load_known_hosts(path: Path) -> list[KnownHostEntry]:
    """Entries of the file at ``path``; a missing file has none."""
    try:
        return parse_known_hosts(path.read_text(encoding="utf-8", errors="replace"))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise HostKeyError(f"cannot read known_hosts file {path}: {exc.strerror}") from None


def preferred_algorithms(entries: Iterable[KnownHostEntry], names: Sequence[str],
                         supported: Sequence[str]) -> tuple[str, ...]:
    """``supported`` reordered so the key types already known for ``names`` come first.

    Like OpenSSH: otherwise a server with several host keys could offer one we have not
    recorded yet and a perfectly known host would look unknown.
    """
    first: list[str] = []
    for entry in entries:
        if entry.marker or not any(entry.matches(n) for n in names):
            continue
        for algorithm in _ALGORITHMS_FOR_TYPE.get(entry.key_type, (entry.key_type,)):
            if algorithm in supported and algorithm not in first:
                first.append(algorithm)
    return tuple(first) + tuple(a for a in supported if a not in first)


class Verdict(StrEnum):
    """What known_hosts says about an offered key."""

    KNOWN = "known"
    UNKNOWN = "unknown"
    CHANGED = "changed"
    REVOKED = "revoked"


def judge(entries: Iterable[KnownHostEntry], names: Sequence[str], key_type: str,
          blob: bytes) -> tuple[Verdict, list[str]]:
    """Judge an offered key; also return the fingerprints already known for the host."""
    known: list[str] = []
    verdict = Verdict.UNKNOWN
    for entry in entries:
        if entry.marker == "@revoked":
            if entry.blob == blob:
                return Verdict.REVOKED, []
            continue
        if not any(entry.matches(n) for n in names):
            continue
        if entry.key_type == key_type and entry.blob == blob:
            verdict = Verdict.KNOWN
        else:
            known.append(describe(entry.key_type, entry.blob))
    if verdict is Verdict.UNKNOWN and known:
        # The host is known, but not with this key. A different key type counts as a change
        # too: we asked for the known types first, so a server that switches type is suspect.
        verdict = Verdict.CHANGED
    return verdict, known


def append_known_host(path: Path, name: str, key_type: str, blob: bytes) -> None:
    """Record a key (trust on first use); a new file (and ~/.ssh) is created private."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    line = f"{name} {key_type} {base64.b64encode(blob).decode()}\n".encode()
    with _append_lock:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size and not _ends_with_newline(path):
                line = b"\n" + line
            os.write(fd, line)
        finally:
            os.close(fd)


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def verify_host_key(*, label: str, names: Sequence[str], key_type: str, blob: bytes,
                    known_hosts: Path, pins: Sequence[str] = (),
                    trust_on_first_use: bool = False) -> bool:
    """Raise :class:`HostKeyError` unless the offered key is trusted.

    ``names`` are the known_hosts names of the server (the first one is recorded on TOFU).
    With ``pins`` only the pinned fingerprints decide. Returns True when the key was just
    learnt by trust on first use.
    """
    offered = describe(key_type, blob)
    if pins:
        if fingerprint(blob) in {normalise_pin(p) for p in pins}:
            return False
        raise HostKeyError(f"{label}: host key does not match the pinned fingerprints "
                           f"({', '.join(pins)}); the server offered {offered}")
    verdict, known = judge(load_known_hosts(known_hosts), names, key_type, blob)
    if verdict is Verdict.KNOWN:
        return False
    if verdict is Verdict.REVOKED:
        raise HostKeyError(f"{label}: the server offered a REVOKED host key {offered} "
                           f"(marked @revoked in {known_hosts})")
    if verdict is Verdict.CHANGED:
        raise HostKeyError(f"{label}: HOST KEY CHANGED: {known_hosts} holds "
                           f"{'; '.join(known)} for {names[0]}, but the server offered "
                           f"{offered}. Someone may be intercepting the connection; if the "
                           "key was really replaced, remove the old line and verify the new "
                           "key out of band")
    if trust_on_first_use:
        append_known_host(known_hosts, names[0], key_type, blob)
        return True
    raise HostKeyError(f"{label}: unknown host key for {names[0]}: the server offered "
                       f"{offered}, which is not in {known_hosts}; add it with ssh-keyscan "
                       "(and check the fingerprint out of band) or pass --trust-on-first-use")
