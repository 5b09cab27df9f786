"""Sample ScanResult objects for renderer and score tests.

``mixed_result()`` holds every finding status and claim verdict, an unreachable host and target
strings that try HTML/script injection, template injection, ANSI escapes, a bidi override and
characters XML 1.0 forbids.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from posture.judge.score import claim_verdict, compute_score
from posture.judge.waivers import apply_waivers
from posture.models import (
    ClaimResult,
    FactSource,
    Finding,
    HostSummary,
    ScanResult,
    Severity,
    Status,
    WaiverState,
)

SCRIPT = "<script>alert(1)</script>"
TEMPLATE_INJECTION = "{{7*7}}"
ANSI = "\x1b[31m"
BIDI = "\u202e"
XML_ILLEGAL = "\x00\x07"
RICH_MARKUP = "[bold red]owned[/bold red]"
HOSTILE = f"{SCRIPT} {TEMPLATE_INJECTION} {ANSI}red {BIDI}txt.exe {XML_ILLEGAL} {RICH_MARKUP}"
"""One string carrying every trick at once."""

HOSTILE_TARGET = f"evil{SCRIPT}{TEMPLATE_INJECTION}{ANSI}{BIDI}{XML_ILLEGAL}"
"""A finding target name a hostile inventory or target could produce."""


def finding(
    check: str,
    target: str,
    status: Status,
    severity: Severity = Severity.HIGH,
    summary: str = "",
    **evidence: object,
) -> Finding:
    """A finding with a default summary, title and remediation."""
    return Finding(
        check=check,
        target=target,
        status=status,
        severity=severity,
        summary=summary or f"{check} is {status.value} on {target}",
        evidence=dict(evidence),
        remediation=f"Fix {check}.",
        title=f"Title of {check}",
    )


def claim(
    claim_id: str,
    findings: Iterable[Finding],
    severity: Severity = Severity.HIGH,
    says: str = "",
    reason: str = "",
    claim_type: str = "",
) -> ClaimResult:
    """A claim whose verdict follows from its findings, as the evaluator decides it."""
    found = tuple(findings)
    return ClaimResult(
        id=claim_id,
        type=claim_type or claim_id.replace("-", "_"),
        says=says or f"We promise {claim_id}.",
        verdict=claim_verdict([f.status for f in found]),
        findings=tuple(f.id for f in found),
        severity=severity,
        reason=reason,
    )


def build_result(
    claims: Iterable[ClaimResult],
    findings: Iterable[Finding],
    hosts: Iterable[HostSummary] = (),
    organisation: str = "Example Shop B.V.",
) -> ScanResult:
    """A ScanResult with a computed score."""
    claim_list = tuple(claims)
    finding_list = tuple(findings)
    by_id = {f.id: f for f in finding_list}
    return ScanResult(
        started_at="2026-11-25T10:00:00Z",
        finished_at="2026-11-25T10:01:30Z",
        organisation=organisation,
        inventory_sha256="ab" * 32,
        score=compute_score(claim_list, by_id),
        claims=claim_list,
        findings=finding_list,
        hosts=tuple(hosts),
        tool_version="0.1.0",
        statement={"title": "Privacy statement, section 13", "url": "https://shop.example/privacy"},
    )


TLS_FAIL = dataclasses.replace(
    finding(
        "tls.protocols",
        "shop",
        Status.FAIL,
        summary="TLS 1.0 and TLS 1.1 are accepted",
        accepted=["TLSv1", "TLSv1.1", "TLSv1.2"],
    ),
    sources=(FactSource("tls.versions", "ok", "handshake TLSv1..TLSv1.3 with shop:443"),),
)
DB_TLS_PASS = finding("db.tls", "shop-prod", Status.PASS, cipher="TLS_AES_256_GCM_SHA384")
OS_PASS = finding("versions.os", "vps1", Status.PASS, Severity.MEDIUM, version="12.04.4")
APACHE_WARN = finding("versions.apache", "vps1", Status.WARN, Severity.MEDIUM, version="2.2.22")
ROTATION_ERROR = finding(
    "accounts.password_age", "vps2", Status.ERROR, summary="host unreachable: timed out"
)
DATA_NA = finding("data.fictitious", "shop-test", Status.NOT_APPLICABLE, Severity.CRITICAL)
HOSTILE_FAIL = finding(
    "network.admin_channels",
    HOSTILE_TARGET,
    Status.FAIL,
    Severity.LOW,
    summary=f"banner says {HOSTILE}",
    banner=HOSTILE,
    nested={"list": [1, 2.5, True, None, SCRIPT]},
)

VPS1 = HostSummary(
    name="vps1", reachable=True, host_key="ssh-ed25519 SHA256:9x8NwS1Tz3kq", round_trips=1
)
VPS2 = HostSummary(
    name="vps2", reachable=False, errors=(f"connect timed out after 10 s {HOSTILE}",)
)


def mixed_result() -> ScanResult:
    """Every status and verdict, an unreachable host, hostile strings everywhere."""
    claims = (
        claim("tls-all-links", [TLS_FAIL, DB_TLS_PASS], Severity.HIGH),
        claim("os-version", [OS_PASS], Severity.MEDIUM),
        claim("apache-version", [APACHE_WARN], Severity.MEDIUM),
        claim("password-rotation", [ROTATION_ERROR], Severity.HIGH, reason="vps2 unreachable"),
        claim(
            "test-data-fictitious",
            [DATA_NA],
            Severity.CRITICAL,
            reason="no test database in scope",
        ),
        claim("admin-channels", [HOSTILE_FAIL], Severity.LOW, says=f"Only SFTP. {HOSTILE}"),
        claim("allowlist", [], Severity.MEDIUM, reason="nothing in scope can check it"),
    )
    findings = (TLS_FAIL, DB_TLS_PASS, OS_PASS, APACHE_WARN, ROTATION_ERROR, DATA_NA, HOSTILE_FAIL)
    return build_result(claims, findings, (VPS1, VPS2), organisation=f"Shop {HOSTILE}")


def clean_result() -> ScanResult:
    """Every claim verified, every host reachable."""
    return build_result(
        [claim("os-version", [OS_PASS], Severity.MEDIUM), claim("db", [DB_TLS_PASS])],
        [OS_PASS, DB_TLS_PASS],
        [VPS1],
    )


def empty_result() -> ScanResult:
    """No claims, no findings, no hosts."""
    return build_result([], [], [])


ACTIVE_WAIVER = WaiverState("versions.os@vps1", "Upgrade planned in Q1.", "ops@shop.example",
                            "2026-12-31", True)
EXPIRED_WAIVER = WaiverState("admin-channels", "FTP kept for the old supplier.", "it@shop",
                             "2026-01-31", False)
UNUSED_WAIVER = WaiverState("no-such-claim", "Left over.", "", "", True)


def waived_result() -> ScanResult:
    """An active waiver on a failing finding (claim waived) and an expired one on a claim."""
    os_fail = finding("versions.os", "vps1", Status.FAIL, Severity.MEDIUM,
                      summary="Debian 11 found, Debian 12 promised")
    ftp_fail = finding("services.plain_ftp", "vps1", Status.FAIL, summary="vsftpd listens on 21")
    claims = (claim("os-version", [os_fail, DB_TLS_PASS], Severity.MEDIUM),
              claim("admin-channels", [ftp_fail], Severity.HIGH))
    base = build_result(claims, (os_fail, DB_TLS_PASS, ftp_fail), (VPS1,))
    waivers = (ACTIVE_WAIVER, EXPIRED_WAIVER, UNUSED_WAIVER)
    judged, by_id = apply_waivers(base.claims, {f.id: f for f in base.findings}, waivers)
    return dataclasses.replace(base, claims=judged, findings=tuple(by_id.values()),
                               waivers=waivers)


HOSTILE_URL = "javascript:alert(1)"
IMG_ONERROR = '"><img src=x onerror=alert(1)>'


def hostile_result() -> ScanResult:
    """Markup, a javascript: URL and control characters in every text field a target feeds."""
    bad = finding("ssh.banner", f"web{IMG_ONERROR}", Status.FAIL,
                  summary=f"{IMG_ONERROR} {SCRIPT} \x01\x7f",
                  link=HOSTILE_URL, raw="\x00\x1b[2J\u202e")
    result = build_result([claim("x", [bad], says=f"{SCRIPT}{IMG_ONERROR}")], [bad],
                          [VPS1], organisation=f"{IMG_ONERROR}\x07")
    return dataclasses.replace(result, statement={"title": SCRIPT, "url": HOSTILE_URL})
