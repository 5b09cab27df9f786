"""Every threshold of the TLS, HTTP and grade checks: exactly at, one below, one above.

Tables, so the boundary is visible in the case list.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from test_checks_tls import CERT, HTTPS, LEAF, MODERN, NOW, ctx

import checks
from checks.websites.grade import GROUP_BITS, HSTS_MIN, cipher_score, compute, kx_score, letter
from checks.websites.http import HSTS_MIN as HTTP_HSTS_MIN
from checks.websites.tls import DEPRECATED, WARN_DAYS
from posture.models import Status


def _protocols(*accepted: str) -> dict[str, Any]:
    versions = {v: {"accepted": v in accepted, "ciphers": []}
                for v in ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")}
    for v in accepted:
        versions[v]["ciphers"] = MODERN["versions"]["TLSv1.2"]["ciphers"]
    return {"accepted": list(accepted), "versions": versions}


# ------------------------------------------------------------------------------ protocols
def test_the_deprecated_list() -> None:
    assert DEPRECATED == ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1")


@pytest.mark.parametrize(("accepted", "status", "deprecated"), [
    (("SSLv2", "TLSv1.2"), Status.FAIL, ["SSLv2"]),
    (("SSLv3", "TLSv1.2"), Status.FAIL, ["SSLv3"]),
    (("TLSv1", "TLSv1.2"), Status.FAIL, ["TLSv1"]),
    (("TLSv1.1", "TLSv1.2"), Status.FAIL, ["TLSv1.1"]),      # 1.1 alone, without 1.0
    (("TLSv1.1", "TLSv1.2", "TLSv1.3"), Status.FAIL, ["TLSv1.1"]),
    (("TLSv1.2",), Status.WARN, []),                           # 1.2 only: no 1.3
    (("TLSv1.3",), Status.PASS, []),
    (("TLSv1.2", "TLSv1.3"), Status.PASS, []),
    ((), Status.FAIL, []),                                     # nothing accepted at all
])
def test_protocol_versions(accepted: tuple[str, ...], status: Status,
                           deprecated: list[str]) -> None:
    outcome = checks.by_id("tls.protocols").evaluate(ctx(tls__protocols=_protocols(*accepted)))
    assert outcome.status is status
    assert outcome.evidence["deprecated_accepted"] == deprecated
    assert outcome.evidence["accepted"] == list(accepted)


def test_tls12_only_warning_names_the_missing_version() -> None:
    outcome = checks.by_id("tls.protocols").evaluate(ctx(tls__protocols=_protocols("TLSv1.2")))
    assert outcome.summary == "Only TLS 1.2 is accepted; TLS 1.3 is not offered."


def test_two_deprecated_versions_are_both_named() -> None:
    outcome = checks.by_id("tls.protocols").evaluate(
        ctx(tls__protocols=_protocols("TLSv1", "TLSv1.1", "TLSv1.2")))
    assert outcome.summary == "TLS 1.0 and TLS 1.1 are accepted (deprecated by RFC 8996)."


def test_an_undetermined_version_is_an_error() -> None:
    protocols = _protocols("TLSv1.2", "TLSv1.3")
    protocols["versions"]["TLSv1.1"]["accepted"] = None
    outcome = checks.by_id("tls.protocols").evaluate(ctx(tls__protocols=protocols))
    assert outcome.status is Status.ERROR
    assert outcome.evidence["undetermined"] == ["TLSv1.1"]


# --------------------------------------------------------------------------- certificates
def _cert(**leaf: Any) -> dict[str, Any]:
    return {**CERT, "chain": [{**LEAF, **leaf}]}


def _stamp(delta: timedelta) -> str:
    return (NOW + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def _certificate(**leaf: Any) -> tuple[Status, list[str]]:
    outcome = checks.by_id("tls.certificate").evaluate(ctx(tls__certificate=_cert(**leaf)))
    return outcome.status, list(outcome.evidence["problems"])


def test_the_expiry_warning_starts_thirty_days_ahead() -> None:
    assert WARN_DAYS == 30


@pytest.mark.parametrize(("left", "status"), [
    (timedelta(days=WARN_DAYS, seconds=1), Status.PASS),
    (timedelta(days=WARN_DAYS), Status.PASS),                 # exactly 30 days: no warning
    (timedelta(days=WARN_DAYS, seconds=-1), Status.WARN),
    (timedelta(seconds=1), Status.WARN),
    (timedelta(0), Status.WARN),                               # expires this very second
    (timedelta(seconds=-1), Status.FAIL),                      # expired
])
def test_expiry_boundaries(left: timedelta, status: Status) -> None:
    got, problems = _certificate(not_after=_stamp(left))
    assert got is status, problems
    assert bool(problems) is (status is not Status.PASS)


@pytest.mark.parametrize(("start", "status"), [
    (timedelta(seconds=-1), Status.PASS),
    (timedelta(0), Status.PASS),                               # valid from now on
    (timedelta(seconds=1), Status.FAIL),                       # not yet valid
])
def test_not_before_boundaries(start: timedelta, status: Status) -> None:
    assert _certificate(not_before=_stamp(start))[0] is status


@pytest.mark.parametrize(("key_type", "bits", "status"), [
    ("RSA", 2047, Status.FAIL), ("RSA", 2048, Status.PASS), ("RSA", 2049, Status.PASS),
    ("DSA", 2047, Status.FAIL), ("DSA", 2048, Status.PASS),
    ("EC", 255, Status.FAIL), ("EC", 256, Status.PASS), ("EC", 257, Status.PASS),
    ("EC", 224, Status.FAIL),
    ("ECDSA", 255, Status.FAIL), ("ECDSA", 256, Status.PASS),
    ("Ed25519", 256, Status.PASS),
])
def test_key_size_limits(key_type: str, bits: int, status: Status) -> None:
    got, problems = _certificate(key_type=key_type, key_bits=bits)
    assert got is status, problems
    if status is Status.FAIL:
        assert problems == [f"weak key ({key_type} {bits} bits)"]


@pytest.mark.parametrize(("signature", "status"), [
    ("sha256WithRSAEncryption (sha256)", Status.PASS),
    ("sha1WithRSAEncryption (sha1)", Status.FAIL),
    ("md5WithRSAEncryption (md5)", Status.FAIL),
])
def test_signature_hashes(signature: str, status: Status) -> None:
    assert _certificate(signature=signature)[0] is status


def test_days_left_in_the_evidence_rounds_down() -> None:
    outcome = checks.by_id("tls.certificate").evaluate(
        ctx(tls__certificate=_cert(not_after=_stamp(timedelta(days=40, hours=23)))))
    assert outcome.evidence["days_left"] == 40


# ----------------------------------------------------------------------------------- HSTS
def test_hsts_minimum_is_180_days() -> None:
    assert HTTP_HSTS_MIN == HSTS_MIN == 180 * 86400


@pytest.mark.parametrize(("max_age", "status"), [
    (HSTS_MIN - 1, Status.WARN), (HSTS_MIN, Status.PASS), (HSTS_MIN + 1, Status.PASS),
    (None, Status.WARN), ("15552000", Status.WARN),
])
def test_hsts_max_age_boundary(max_age: object, status: Status) -> None:
    https = {**HTTPS, "hsts": f"max-age={max_age}", "hsts_max_age": max_age}
    outcome = checks.by_id("http.hsts").evaluate(
        ctx(http__https=https, endpoint__info={"url": "https://s/", "scheme": "https",
                                               "kind": "web"}))
    assert outcome.status is status
    assert outcome.evidence["required_max_age"] == HSTS_MIN


# ---------------------------------------------------------------------------- the grade
@pytest.mark.parametrize(("bits", "score"), [
    (0, 0), (1, 20), (127, 20), (128, 80), (129, 80), (255, 80), (256, 100), (257, 100),
])
def test_cipher_score_bands(bits: int, score: int) -> None:
    assert cipher_score(bits) == score


@pytest.mark.parametrize(("bits", "score"), [
    (511, 20), (512, 40), (1023, 40), (1024, 80), (2047, 80), (2048, 90), (4095, 90),
    (4096, 100), (4097, 100),
])
def test_key_exchange_score_bands(bits: int, score: int) -> None:
    assert kx_score(bits) == score


@pytest.mark.parametrize(("score", "grade"), [
    (100, "A"), (80, "A"), (79.9, "B"), (65, "B"), (64.9, "C"), (50, "C"), (49.9, "D"),
    (35, "D"), (34.9, "E"), (20, "E"), (19.9, "F"), (0, "F"),
])
def test_letter_bands(score: float, grade: str) -> None:
    assert letter(score) == grade


def _graded(leaf: dict[str, Any], https: dict[str, Any] | None = None) -> tuple[str, list[str]]:
    result = compute(_protocols("TLSv1.2", "TLSv1.3"), {**CERT, "chain": [{**LEAF, **leaf}]},
                     https)
    return result.grade, result.caps


@pytest.mark.parametrize(("key_type", "bits", "capped"), [
    ("RSA", 2047, True), ("RSA", 2048, False), ("RSA", 2049, False),
])
def test_certificate_key_cap_at_2048(key_type: str, bits: int, capped: bool) -> None:
    _, caps = _graded({"key_type": key_type, "key_bits": bits})
    assert ("B: certificate key under 2048 bits" in caps) is capped


@pytest.mark.parametrize(("max_age", "grade"), [
    (HSTS_MIN - 1, "A"), (HSTS_MIN, "A+"), (HSTS_MIN + 1, "A+"), (None, "A"),
])
def test_a_plus_needs_long_hsts(max_age: int | None, grade: str) -> None:
    got, caps = _graded({}, {"hsts_max_age": max_age})
    assert caps == []
    assert got == grade


@pytest.mark.parametrize(("dh_bits", "cap"), [
    (1023, "F: key exchange of 1023 bits"), (1024, "B: 1024-bit key exchange"), (1025, None),
])
def test_key_exchange_caps(dh_bits: int, cap: str | None) -> None:
    protocols = _protocols("TLSv1.2")
    protocols["versions"]["TLSv1.2"]["ciphers"] = [
        {"name": "DHE", "classes": ["aead"], "bits": 128, "kx": "DHE", "dh_bits": dh_bits}]
    caps = compute(protocols, CERT, None).caps
    if cap is None:
        assert not [c for c in caps if "key exchange" in c]
    else:
        assert cap in caps


def test_named_group_strengths() -> None:
    assert GROUP_BITS["x25519"] == GROUP_BITS["secp256r1"] == 3072
    assert GROUP_BITS["secp384r1"] == 7680 and GROUP_BITS["secp521r1"] == 15360
