"""Throwaway PKI for the lab: a private CA and server certificates, good and deliberately bad.

Certificates are made with ``cryptography`` in the caller's folder (keys 0600): valid,
expired, for the wrong hostname, self-signed, and short-lived ones. Nothing is added to any
system trust store; tests and the demo pass the CA file explicitly (``ca_file``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LAB_HOSTNAME = "lab.posture.test"

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class CertFiles:
    """A certificate, its key and the chain file to serve beside it (may be empty)."""

    cert: Path
    key: Path
    chain: Path | None
    not_after: datetime


@dataclass(frozen=True)
class LabCA:
    """A private root CA (and its files) that signs lab server certificates."""

    folder: Path
    key: PrivateKey
    cert: x509.Certificate

    @property
    def ca_file(self) -> Path:
        """The CA certificate in PEM: the inventory's ``ca_file``."""
        return self.folder / "ca.pem"

    def issue(self, name: str, *, hostnames: tuple[str, ...] = (LAB_HOSTNAME,),
              days: int = 90, start_days_ago: int = 1, rsa_bits: int = 0) -> CertFiles:
        """A server certificate signed by this CA (valid ``start_days_ago`` days ago
        for ``days`` days; negative windows make expired certificates)."""
        key = _new_key(rsa_bits)
        start = datetime.now(UTC) - timedelta(days=start_days_ago)
        cert = _builder(_name(hostnames[0]), self.cert.subject, key, start, days,
                        hostnames).sign(self.key, hashes.SHA256())
        return _write(self.folder, name, cert, key, chain=None)


def _new_key(rsa_bits: int = 0) -> PrivateKey:
    if rsa_bits:
        return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _sans(hostnames: tuple[str, ...]) -> list[x509.GeneralName]:
    out: list[x509.GeneralName] = []
    for host in hostnames:
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            out.append(x509.DNSName(host))
    return out


def _builder(subject: x509.Name, issuer: x509.Name, key: PrivateKey, start: datetime,
             days: int, hostnames: tuple[str, ...]) -> x509.CertificateBuilder:
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName(_sans(hostnames)), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False))


def _write(folder: Path, name: str, cert: x509.Certificate, key: PrivateKey,
           chain: Path | None) -> CertFiles:
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.touch(mode=0o600)
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return CertFiles(cert_path, key_path, chain, cert.not_valid_after_utc)


def make_ca(folder: Path, common_name: str = "posture lab root CA") -> LabCA:
    """Create a root CA in ``folder`` (created if needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    start = datetime.now(UTC) - timedelta(days=2)
    cert = (x509.CertificateBuilder().subject_name(_name(common_name))
            .issuer_name(_name(common_name)).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .sign(key, hashes.SHA256()))
    ca = LabCA(folder, key, cert)
    ca.ca_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return ca


def self_signed(folder: Path, name: str, hostnames: tuple[str, ...] = (LAB_HOSTNAME,),
                days: int = 90) -> CertFiles:
    """A self-signed server certificate (trusted by nobody)."""
    folder.mkdir(parents=True, exist_ok=True)
    key = _new_key()
    start = datetime.now(UTC) - timedelta(days=1)
    subject = _name(hostnames[0])
    cert = _builder(subject, subject, key, start, days, hostnames).sign(key, hashes.SHA256())
    return _write(folder, name, cert, key, chain=None)


def expired(ca: LabCA, name: str = "expired",
            hostnames: tuple[str, ...] = (LAB_HOSTNAME,)) -> CertFiles:
    """A CA-signed certificate that expired 10 days ago."""
    return ca.issue(name, hostnames=hostnames, days=30, start_days_ago=40)


def wrong_host(ca: LabCA, name: str = "wronghost") -> CertFiles:
    """A CA-signed certificate for another name than the lab's."""
    return ca.issue(name, hostnames=("other.posture.test",))
