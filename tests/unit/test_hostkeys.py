"""known_hosts parsing and host-key verdicts (OpenSSH semantics), without any network."""

from __future__ import annotations

import base64
import hashlib
import hmac
import stat
from pathlib import Path

import pytest

from posture.collect.transport.hostkeys import (
    Verdict,
    fingerprint,
    judge,
    lookup_name,
    parse_known_hosts,
    preferred_algorithms,
    verify_host_key,
)
from posture.errors import HostKeyError

KEY_A = b"\x00\x00\x00\x0bssh-ed25519" + b"A" * 36
KEY_B = b"\x00\x00\x00\x0bssh-ed25519" + b"B" * 36
RSA = b"\x00\x00\x00\x07ssh-rsa" + b"R" * 40


def _b64(blob: bytes) -> str:
    return base64.b64encode(blob).decode()


def _hashed(name: str, salt: bytes = b"0123456789abcdefghij") -> str:
    digest = hmac.new(salt, name.encode(), hashlib.sha1).digest()
    return f"|1|{_b64(salt)}|{_b64(digest)}"


def test_fingerprint_matches_ssh_keygen_format() -> None:
    expected = base64.b64encode(hashlib.sha256(KEY_A).digest()).decode().rstrip("=")
    assert fingerprint(KEY_A) == f"SHA256:{expected}"
    assert "=" not in fingerprint(KEY_A)


def test_lookup_name() -> None:
    assert lookup_name("h", 22) == "h"
    assert lookup_name("127.0.0.1", 2222) == "[127.0.0.1]:2222"


def test_parse_skips_comments_malformed_and_ca_lines() -> None:
    text = (f"# comment\n\nweb ssh-ed25519 {_b64(KEY_A)} comment here\n"
            "broken-line\nweb ssh-ed25519 !!notbase64!!\n"
            f"@cert-authority *.example ssh-ed25519 {_b64(KEY_B)}\n"
            f"@revoked * ssh-ed25519 {_b64(KEY_B)}\n")
    entries = parse_known_hosts(text)
    assert [(e.patterns, e.marker, e.line) for e in entries] == [
        (("web",), "", 3), (("*",), "@revoked", 7)]


@pytest.mark.parametrize(("hosts", "name", "hit"), [
    ("[127.0.0.1]:2222", "[127.0.0.1]:2222", True),
    ("[127.0.0.1]:2222", "127.0.0.1", False),
    ("127.0.0.1", "[127.0.0.1]:2222", False),
    ("web,db", "DB", True),
    ("*.example.org", "a.example.org", True),
    ("*.example.org,!bad.example.org", "bad.example.org", False),
    ("web?", "web1", True),
    ("[web]:22?", "[web]:2222", False),
    (_hashed("[10.0.0.1]:2222"), "[10.0.0.1]:2222", True),
    (_hashed("[10.0.0.1]:2222"), "[10.0.0.1]:2223", False),
])
def test_host_matching(hosts: str, name: str, hit: bool) -> None:
    [entry] = parse_known_hosts(f"{hosts} ssh-ed25519 {_b64(KEY_A)}\n")
    assert entry.matches(name) is hit


def test_verdicts() -> None:
    entries = parse_known_hosts(f"web ssh-ed25519 {_b64(KEY_A)}\nother ssh-ed25519 {_b64(KEY_B)}\n"
                                f"@revoked * ssh-rsa {_b64(RSA)}\n")
    assert judge(entries, ["web"], "ssh-ed25519", KEY_A)[0] is Verdict.KNOWN
    verdict, known = judge(entries, ["web"], "ssh-ed25519", KEY_B)
    assert verdict is Verdict.CHANGED and known == [f"ssh-ed25519 {fingerprint(KEY_A)}"]
    assert judge(entries, ["web"], "ssh-rsa", RSA)[0] is Verdict.REVOKED
    assert judge(entries, ["new"], "ssh-ed25519", KEY_A)[0] is Verdict.UNKNOWN


def test_another_key_type_for_a_known_host_counts_as_changed() -> None:
    entries = parse_known_hosts(f"web ssh-ed25519 {_b64(KEY_A)}\n")
    assert judge(entries, ["web"], "ssh-rsa", RSA)[0] is Verdict.CHANGED


def test_preferred_algorithms_put_known_types_first() -> None:
    supported = ("ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512", "rsa-sha2-256")
    entries = parse_known_hosts(f"web ssh-rsa {_b64(RSA)}\n")
    assert preferred_algorithms(entries, ["web"], supported) == (
        "rsa-sha2-512", "rsa-sha2-256", "ssh-ed25519", "ecdsa-sha2-nistp256")
    assert preferred_algorithms(entries, ["elsewhere"], supported) == supported


def _verify(path: Path, blob: bytes, **kw: object) -> bool:
    return verify_host_key(label="h1", names=["[h]:2222"], key_type="ssh-ed25519", blob=blob,
                           known_hosts=path, **kw)  # type: ignore[arg-type]


def test_unknown_key_message_and_tofu(tmp_path: Path) -> None:
    known = tmp_path / "dir" / "known_hosts"
    with pytest.raises(HostKeyError, match="unknown host key") as caught:
        _verify(known, KEY_A)
    assert fingerprint(KEY_A) in str(caught.value) and "--trust-on-first-use" in str(caught.value)
    assert _verify(known, KEY_A, trust_on_first_use=True) is True
    assert known.read_text() == f"[h]:2222 ssh-ed25519 {_b64(KEY_A)}\n"
    assert stat.S_IMODE(known.stat().st_mode) == 0o600
    assert _verify(known, KEY_A) is False  # now known
    with pytest.raises(HostKeyError, match="CHANGED"):
        _verify(known, KEY_B, trust_on_first_use=True)


def test_tofu_appends_after_a_line_without_newline(tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text(f"other ssh-ed25519 {_b64(KEY_B)}")
    _verify(known, KEY_A, trust_on_first_use=True)
    assert len(parse_known_hosts(known.read_text())) == 2


def test_pins(tmp_path: Path) -> None:
    nowhere = tmp_path / "none"
    assert _verify(nowhere, KEY_A, pins=[fingerprint(KEY_A)]) is False
    assert _verify(nowhere, KEY_A, pins=[fingerprint(KEY_A)[7:] + "="]) is False  # lenient form
    with pytest.raises(HostKeyError, match="pinned"):
        _verify(nowhere, KEY_B, pins=[fingerprint(KEY_A)], trust_on_first_use=True)
    assert not nowhere.exists()
