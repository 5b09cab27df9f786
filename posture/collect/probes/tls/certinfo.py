"""Certificates as evidence: the fields a reviewer checks, and hostname matching (RFC 6125).

Everything read from a certificate is hostile text: names are truncated, only printable
characters survive, and at most a bounded number of SANs is kept.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import ExtensionOID

MAX_SANS = 100


def _clean(text: str, limit: int = 300) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:limit]


def _key(cert: x509.Certificate) -> tuple[str, int]:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC-{key.curve.name}", key.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    return type(key).__name__, 0


def sans(cert: x509.Certificate) -> tuple[list[str], list[str]]:
    """(DNS names, IP addresses) of the subjectAltName extension."""
    try:
        ext = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    except (x509.ExtensionNotFound, ValueError):
        return [], []
    value = ext.value
    assert isinstance(value, x509.SubjectAlternativeName)
    dns = [_clean(n, 255) for n in value.get_values_for_type(x509.DNSName)][:MAX_SANS]
    ips = [str(ip) for ip in value.get_values_for_type(x509.IPAddress)][:MAX_SANS]
    return dns, ips


def _signature(cert: x509.Certificate) -> str:
    try:
        algo = cert.signature_hash_algorithm
    except Exception:  # noqa: BLE001 - an unknown algorithm is reported, not raised
        algo = None
    oid_name = getattr(cert.signature_algorithm_oid, "_name", "unknown")
    return _clean(f"{oid_name}" + (f" ({algo.name})" if algo else ""), 80)


def cert_json(cert: x509.Certificate) -> dict[str, object]:
    """The evidence of one certificate."""
    key_type, key_bits = _key(cert)
    dns, ips = sans(cert)
    subject, issuer = cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
    return {
        "subject": _clean(subject), "issuer": _clean(issuer),
        "not_before": cert.not_valid_before_utc.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after": cert.not_valid_after_utc.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "key_type": key_type, "key_bits": key_bits, "signature": _signature(cert),
        "san_dns": dns, "san_ip": ips, "self_signed": subject == issuer,
        "sha256": cert.fingerprint(hashes.SHA256()).hex(),
    }


def _dns_match(pattern: str, name: str) -> bool:
    pattern, name = pattern.lower().rstrip("."), name.lower().rstrip(".")
    if not pattern.startswith("*."):
        return pattern == name
    # A wildcard covers exactly one whole left-most label, never a public suffix alone.
    rest = pattern[2:]
    head, _, tail = name.partition(".")
    return bool(head) and tail == rest and rest.count(".") >= 1


def hostname_matches(cert: x509.Certificate, name: str) -> bool:
    """Whether ``name`` (DNS name or IP) is covered by the certificate's SANs."""
    dns, ips = sans(cert)
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return any(_dns_match(pattern, name) for pattern in dns)
    return any(ipaddress.ip_address(ip) == address for ip in ips)


def chain_order_ok(chain: list[x509.Certificate]) -> bool:
    """True when each certificate is issued by the next one in the served chain."""
    return all(chain[i].issuer == chain[i + 1].subject for i in range(len(chain) - 1))
