"""A letter grade per TLS endpoint, after the SSL Labs rating guide (see docs/tls-grading.md).

Score = 30 % protocol support + 30 % key exchange + 40 % cipher strength, each 0..100; the
letter follows from the score and is then capped by known weaknesses. Pure: it reads the
``tls.protocols``, ``tls.certificate`` and (for A+) ``http.https`` fact values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from checks.base import Check, CheckContext, CheckMeta, Outcome, missing
from posture.models import Severity, Status, msg

PROTOCOL_SCORES = {"SSLv2": 0, "SSLv3": 80, "TLSv1": 90, "TLSv1.1": 95, "TLSv1.2": 100,
                   "TLSv1.3": 100}
# RSA-equivalent strength of named groups (NIST SP 800-57 part 1, table 2).
GROUP_BITS = {"x25519": 3072, "secp256r1": 3072, "prime256v1": 3072, "secp384r1": 7680,
              "x448": 7680, "secp521r1": 15360, "ffdhe2048": 2048, "ffdhe3072": 3072}
ORDER = ("A+", "A", "A-", "B", "C", "D", "E", "F")
HSTS_MIN = 180 * 86400


def kx_score(bits: int) -> int:
    """Key-exchange score of a key of ``bits`` RSA-equivalent bits."""
    for limit, score in ((512, 20), (1024, 40), (2048, 80), (4096, 90)):
        if bits < limit:
            return score
    return 100


def cipher_score(bits: int) -> int:
    """Cipher-strength score of a symmetric key of ``bits`` bits."""
    if bits == 0:
        return 0
    return 20 if bits < 128 else 80 if bits < 256 else 100


def letter(score: float) -> str:
    """The letter of a numeric score, before caps."""
    for limit, grade in ((80, "A"), (65, "B"), (50, "C"), (35, "D"), (20, "E")):
        if score >= limit:
            return grade
    return "F"


@dataclass
class Grade:
    """The computed grade with its parts and the caps that applied."""

    grade: str
    score: float
    protocol: float
    key_exchange: float
    cipher: float
    grade_if_trusted: str
    caps: list[str] = field(default_factory=list)


def _suites(protocols: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for version, info in (protocols.get("versions") or {}).items():
        if isinstance(info, Mapping) and info.get("accepted"):
            for suite in info.get("ciphers") or []:
                if isinstance(suite, Mapping):
                    yield version, suite


def _suite_kx_bits(suite: Mapping[str, Any], cert_bits: int) -> int:
    classes = suite.get("classes") or []
    if "anonymous" in classes:
        return 0
    if "export" in classes:
        return 512
    if suite.get("dh_bits"):
        return int(suite["dh_bits"])
    if suite.get("group"):
        return GROUP_BITS.get(str(suite["group"]), 2048)
    return cert_bits


def _cert_bits(cert: Mapping[str, Any]) -> int:
    chain = cert.get("chain") or []
    if not chain:
        return 0
    leaf = chain[0]
    bits = int(leaf.get("key_bits") or 0)
    if str(leaf.get("key_type", "")).startswith(("EC", "Ed")):
        return 3072 if bits < 384 else 7680 if bits < 521 else 15360
    return bits


def _cap(caps: list[str], limit: str, reason: str) -> None:
    caps.append(f"{limit}: {reason}")


def _caps(protocols: Mapping[str, Any], cert: Mapping[str, Any], kx_min: int) -> list[str]:
    accepted = set(protocols.get("accepted") or [])
    suites = list(_suites(protocols))
    classes = {c for _v, s in suites for c in s.get("classes") or []}
    caps: list[str] = []
    checks = (
        ("F", "SSLv2" in accepted, "SSL 2.0 is accepted"),
        ("F", "export" in classes, "EXPORT cipher suites are accepted"),
        ("F", bool({"null", "anonymous"} & classes), "NULL or anonymous suites are accepted"),
        ("F", 0 < kx_min < 1024, f"key exchange of {kx_min} bits"),
        ("C", "SSLv3" in accepted, "SSL 3.0 is accepted"),
        ("C", "rc4" in classes, "RC4 is accepted"),
        ("C", any("3des" in (s.get("classes") or []) for v, s in suites
                  if v in ("TLSv1.1", "TLSv1.2")), "3DES is accepted with TLS 1.1 or newer"),
        ("C", not accepted & {"TLSv1.2", "TLSv1.3"}, "neither TLS 1.2 nor TLS 1.3"),
        ("B", bool(accepted & {"TLSv1", "TLSv1.1"}), "TLS 1.0 or TLS 1.1 is accepted"),
        ("B", kx_min == 1024, "1024-bit key exchange"),
        ("B", 0 < _cert_bits(cert) < 2048, "certificate key under 2048 bits"),
        ("B", bool(suites) and all("no_forward_secrecy" in (s.get("classes") or [])
                                   for _v, s in suites), "no forward secrecy"),
        ("A-", bool(suites) and "aead" not in classes, "no AEAD cipher suite"),
    )
    for limit, hit, reason in checks:
        if hit:
            _cap(caps, limit, reason)
    return caps


def _trust(cert: Mapping[str, Any]) -> str:
    if not cert.get("hostname_match"):
        return "M"
    if not cert.get("trusted"):
        return "T"
    return ""


def compute(protocols: Mapping[str, Any], cert: Mapping[str, Any],
            https: Mapping[str, Any] | None) -> Grade:
    """The grade of one endpoint from its facts (see docs/tls-grading.md)."""
    accepted = [v for v in protocols.get("accepted") or [] if v in PROTOCOL_SCORES]
    if not accepted:
        return Grade("F", 0, 0, 0, 0, "F", ["F: no protocol version accepted"])
    proto = (max(PROTOCOL_SCORES[v] for v in accepted) +
             min(PROTOCOL_SCORES[v] for v in accepted)) / 2
    suites = [s for _v, s in _suites(protocols)]
    cert_bits = _cert_bits(cert)
    kx_min = min((_suite_kx_bits(s, cert_bits) for s in suites), default=cert_bits)
    kx = kx_score(kx_min)
    bits = [int(s.get("bits") or 0) for s in suites] or [0]
    cipher = (cipher_score(max(bits)) + cipher_score(min(bits))) / 2
    score = round(0.3 * proto + 0.3 * kx + 0.4 * cipher, 1)
    caps = _caps(protocols, cert, kx_min)
    # the worst of the score's letter and every cap's limit
    grade = max([letter(score), *(cap.split(":")[0] for cap in caps)], key=ORDER.index)
    max_age = (https or {}).get("hsts_max_age")
    if grade == "A" and not caps and isinstance(max_age, int) and max_age >= HSTS_MIN:
        grade = "A+"
    trust = _trust(cert)
    return Grade(trust or grade, score, proto, kx, cipher, grade, caps)


def _evaluate(ctx: CheckContext) -> Outcome:
    error = missing(ctx, "tls.protocols", "tls.certificate")
    if error:
        return error
    https = ctx.fact("http.https")
    result = compute(ctx.fact("tls.protocols").value, ctx.fact("tls.certificate").value,
                     https.value if https.ok else None)
    evidence = {"grade": result.grade, "score": result.score, "protocol": result.protocol,
                "key_exchange": result.key_exchange, "cipher_strength": result.cipher,
                "caps": result.caps, "grade_if_trusted": result.grade_if_trusted,
                "method": "SSL Labs rating guide (docs/tls-grading.md)"}
    why = msg(" (capped: {caps})", caps="; ".join(result.caps)) if result.caps else ""
    if result.grade in ("T", "M"):
        what = msg("not trusted") if result.grade == "T" else msg("issued for another name")
        return Outcome(Status.FAIL, msg("Grade {grade}: the certificate is {what} (grade "
                                        "{grade_if_trusted} if it were){why}.",
                                        grade=result.grade, what=what,
                                        grade_if_trusted=result.grade_if_trusted, why=why),
                       evidence)
    if result.grade in ("A+", "A", "A-"):
        return Outcome(Status.PASS, msg("Grade {grade} (score {score}){why}.", grade=result.grade,
                                        score=result.score, why=why),
                       evidence)
    status = Status.WARN if result.grade == "B" else Status.FAIL
    return Outcome(status, msg("Grade {grade} (score {score}){why}.", grade=result.grade,
                               score=result.score, why=why), evidence)


GRADE = Check(CheckMeta(
    id="tls.grade",
    title="TLS configuration grade (SSL Labs method)",
    claim_types=("tls_all_links",),
    severity=Severity.MEDIUM,
    rationale="One letter summarises protocol, key-exchange and cipher strength with the caps "
              "that known weaknesses impose, so endpoints can be compared and tracked.",
    remediation="Fix what the caps name; the Mozilla 'intermediate' server configuration "
                "reaches grade A, adding HSTS (max-age of at least 180 days) reaches A+.",
    references=("https://github.com/ssllabs/research/wiki/SSL-Server-Rating-Guide",
                "https://ssl-config.mozilla.org/"),
    needs=("tls.protocols", "tls.certificate", "http.https"),
    target="endpoint",
), _evaluate)
