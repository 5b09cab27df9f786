"""TLS checks of an endpoint: https at all, protocol versions, cipher suites, certificate.

They judge the ``tls.*`` and ``endpoint.info`` facts of :mod:`posture.collect.probes.tls.probe`.
Integration endpoints get no exemption: an integration must use https with a valid, trusted
certificate, exactly like a page a customer opens.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from checks.base import Check, CheckContext, CheckMeta, Outcome, capped, missing
from posture.models import Severity, Status, joined, msg

_CLAIMS = ("tls_all_links", "encrypted_admin_channels")
_REFS = ("https://www.rfc-editor.org/rfc/rfc8996", "https://ssl-config.mozilla.org/",
         "BSI TR-02102-2 (Use of TLS)")
DEPRECATED = ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1")
_BROKEN = ("null", "anonymous", "export", "rc4", "des", "3des")
_LEGACY = ("cbc", "no_forward_secrecy")
WARN_DAYS = 30


def _https_required(ctx: CheckContext) -> Outcome:
    error = missing(ctx, "endpoint.info")
    if error:
        return error
    info = ctx.fact("endpoint.info").value
    evidence = {"url": info.get("url"), "kind": info.get("kind")}
    if info.get("scheme") != "https":
        return Outcome(Status.FAIL, msg("The {kind} endpoint is reached over plain {scheme}:// "
                                        "({url}): nothing is encrypted.", kind=info.get("kind"),
                                        scheme=info.get("scheme"), url=info.get("url")),
                       evidence)
    return Outcome(Status.PASS, msg("The endpoint URL uses https."), evidence)


def _protocols(ctx: CheckContext) -> Outcome:
    error = missing(ctx, "tls.protocols")
    if error:
        return error
    value = ctx.fact("tls.protocols").value
    versions: Mapping[str, Any] = value.get("versions") or {}
    accepted = list(value.get("accepted") or [])
    bad = [v for v in DEPRECATED if v in accepted]
    unknown = [v for v, info in versions.items() if info.get("accepted") is None]
    evidence = {"accepted": accepted, "deprecated_accepted": bad, "undetermined": unknown}
    if bad:
        return Outcome(Status.FAIL, msg("{versions} is accepted (deprecated by RFC 8996).",
                                        "{versions} are accepted (deprecated by RFC 8996).",
                                        n=len(bad), versions=_names(bad)), evidence)
    if unknown:
        return Outcome(Status.ERROR, msg("could not determine whether {versions} is accepted",
                                         versions=_names(unknown)), evidence)
    if not accepted:
        return Outcome(Status.FAIL, msg("The endpoint accepts no TLS version at all."), evidence)
    if "TLSv1.3" not in accepted:
        return Outcome(Status.WARN, msg("Only TLS 1.2 is accepted; TLS 1.3 is not offered."),
                       evidence)
    return Outcome(Status.PASS, msg("Only {versions} accepted.", versions=_names(accepted)),
                   evidence)


_PRETTY = {"SSLv2": "SSL 2.0", "SSLv3": "SSL 3.0", "TLSv1": "TLS 1.0", "TLSv1.1": "TLS 1.1",
           "TLSv1.2": "TLS 1.2", "TLSv1.3": "TLS 1.3"}


def _names(versions: list[str]) -> str:
    pretty = [_PRETTY.get(v, v) for v in versions]
    return pretty[0] if len(pretty) == 1 else ", ".join(pretty[:-1]) + " and " + pretty[-1]


def _ciphers(ctx: CheckContext) -> Outcome:
    error = missing(ctx, "tls.protocols")
    if error:
        return error
    by_class: dict[str, list[str]] = {}
    for version, info in (ctx.fact("tls.protocols").value.get("versions") or {}).items():
        for suite in info.get("ciphers") or []:
            for cls in suite.get("classes") or []:
                by_class.setdefault(cls, []).append(f"{version} {suite.get('name')}")
    evidence = {cls: capped(sorted(items)) for cls, items in sorted(by_class.items())}
    broken = [c for c in _BROKEN if c in by_class]
    if broken:
        return Outcome(Status.FAIL, msg("Broken cipher suites are accepted: {classes}.",
                                        classes=", ".join(broken)), evidence)
    legacy = [c for c in _LEGACY if c in by_class]
    if legacy:
        return Outcome(Status.WARN, msg("Legacy cipher suites are accepted: {classes}.",
                                        classes=", ".join(c.replace("_", " ") for c in legacy)),
                       evidence)
    if not by_class:
        return Outcome(Status.ERROR, msg("could not determine: no accepted cipher suite was "
                                         "recorded"), evidence)
    return Outcome(Status.PASS, msg("Only AEAD suites with forward secrecy are accepted."),
                   evidence)


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)  # reads a trailing "Z" as UTC since Python 3.11


def _cert_problems(cert: Mapping[str, Any], leaf: Mapping[str, Any],
                   now: datetime) -> tuple[list[str], list[str]]:
    fails: list[str] = []
    warns: list[str] = []
    days = (_parse(leaf["not_after"]) - now).total_seconds() / 86400
    if days < 0:
        fails.append(msg("expired on {date}", date=leaf["not_after"][:10]))
    elif days < WARN_DAYS:
        warns.append(msg("expires in {n} day ({date})", "expires in {n} days ({date})",
                         n=int(days), date=leaf["not_after"][:10]))
    if _parse(leaf["not_before"]) > now:
        fails.append(msg("not valid before {date}", date=leaf["not_before"][:10]))
    if not cert.get("hostname_match"):
        fails.append(msg("not issued for {name}", name=cert.get("server_name")))
    if leaf.get("self_signed"):
        fails.append(msg("self-signed"))
    elif not cert.get("trusted"):
        fails.append(msg("not trusted ({error})", error=str(cert.get("verify_error"))[:120]))
    key_type, bits = str(leaf.get("key_type")), int(leaf.get("key_bits") or 0)
    if (key_type in ("RSA", "DSA") and bits < 2048) or (key_type.startswith("EC") and bits < 256):
        fails.append(msg("weak key ({type} {bits} bits)", type=key_type, bits=bits))
    if any(h in str(leaf.get("signature")).lower() for h in ("sha1", "md5")):
        fails.append(msg("weak signature ({signature})", signature=leaf.get("signature")))
    if not cert.get("chain_order_ok"):
        warns.append(msg("the served chain is out of order"))
    return fails, warns


def _certificate(ctx: CheckContext) -> Outcome:
    error = missing(ctx, "tls.certificate")
    if error:
        return error
    cert = ctx.fact("tls.certificate").value
    chain = cert.get("chain") or []
    if not chain:
        return Outcome(Status.FAIL, msg("The server sent no certificate."), {"chain": []})
    leaf = chain[0]
    now = ctx.scan_time
    fails, warns = _cert_problems(cert, leaf, now)
    days = int((_parse(leaf["not_after"]) - now).total_seconds() // 86400)
    evidence = {"subject": leaf.get("subject"), "issuer": leaf.get("issuer"),
                "not_after": leaf.get("not_after"), "days_left": days,
                "san_dns": capped(leaf.get("san_dns") or []), "key": f"{leaf.get('key_type')} "
                f"{leaf.get('key_bits')}", "signature": leaf.get("signature"),
                "trusted": cert.get("trusted"), "verify_error": cert.get("verify_error"),
                "hostname": cert.get("server_name"), "chain_length": len(chain),
                "problems": fails + warns}
    if fails:
        return Outcome(Status.FAIL, msg("The certificate is {problems}.",
                                        problems=joined(fails)), evidence)
    if warns:
        return Outcome(Status.WARN, msg("The certificate is valid, but {problems}.",
                                        problems=joined(warns)), evidence)
    return Outcome(Status.PASS, msg("Valid, trusted certificate for {name} until {date} ({n} "
                                    "day).", "Valid, trusted certificate for {name} until {date} "
                                    "({n} days).", n=days, name=cert.get("server_name"),
                                    date=leaf["not_after"][:10]), evidence)


HTTPS_REQUIRED = Check(CheckMeta(
    id="tls.https_required", title="The endpoint is reached over https",
    claim_types=_CLAIMS, severity=Severity.HIGH,
    rationale="A link that is not https carries everything, credentials included, in clear.",
    remediation="Serve the endpoint (and configure every integration) with an https:// URL.",
    references=_REFS, needs=("endpoint.info",), target="endpoint"), _https_required)

PROTOCOLS = Check(CheckMeta(
    id="tls.protocols", title="Only TLS 1.2 and TLS 1.3 are accepted",
    claim_types=_CLAIMS, severity=Severity.HIGH,
    rationale="SSL 2.0/3.0 are broken and TLS 1.0/1.1 are deprecated (RFC 8996); a server "
              "that still accepts them can be downgraded.",
    remediation="Apache: 'SSLProtocol -all +TLSv1.2 +TLSv1.3'; nginx: "
                "'ssl_protocols TLSv1.2 TLSv1.3;'.",
    references=_REFS, needs=("tls.protocols",), target="endpoint"), _protocols)

CIPHERS = Check(CheckMeta(
    id="tls.ciphers", title="No broken or legacy cipher suites",
    claim_types=_CLAIMS, severity=Severity.HIGH,
    rationale="NULL, anonymous, EXPORT, RC4, DES and 3DES suites can be broken or downgraded; "
              "CBC and static-RSA suites lack AEAD or forward secrecy.",
    remediation="Use the Mozilla 'intermediate' cipher list (ECDHE/DHE with AES-GCM or "
                "ChaCha20-Poly1305).",
    references=_REFS, needs=("tls.protocols",), target="endpoint"), _ciphers)

CERTIFICATE = Check(CheckMeta(
    id="tls.certificate", title="Valid, trusted certificate for the endpoint's name",
    claim_types=_CLAIMS, severity=Severity.HIGH,
    rationale="An expired, self-signed, untrusted or wrong-name certificate teaches users and "
              "integrations to accept any certificate, which defeats encryption.",
    remediation="Install a certificate from a trusted CA covering the host name, serve the "
                "full chain in order, and renew automatically (e.g. ACME) well before expiry.",
    references=("https://www.rfc-editor.org/rfc/rfc6125", "https://www.rfc-editor.org/rfc/rfc5280",
                "https://cabforum.org/baseline-requirements/"),
    needs=("tls.certificate",), target="endpoint"), _certificate)

CHECKS = (HTTPS_REQUIRED, PROTOCOLS, CIPHERS, CERTIFICATE)
"""The TLS checks, in catalogue order."""
