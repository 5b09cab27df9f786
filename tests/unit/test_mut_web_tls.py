"""TLS checks of an endpoint: the exact summaries (with the message ids a translation looks
up), the evidence, the version names, and the certificate problems at their boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from facts_samples import SCAN_TIME, context, denied, ok

from checks.websites import tls
from posture.models import Msg, Status

LEAF: dict[str, Any] = {
    "subject": "CN=shop.test", "issuer": "CN=CA", "not_before": "2026-01-01T00:00:00Z",
    "not_after": "2027-06-01T00:00:00Z", "key_type": "RSA", "key_bits": 2048,
    "signature": "sha256WithRSAEncryption", "san_dns": ["shop.test"], "self_signed": False}
CERT: dict[str, Any] = {"chain": [LEAF], "trusted": True, "verify_error": "",
                        "hostname_match": True, "chain_order_ok": True,
                        "server_name": "shop.test"}
AEAD = {"name": "TLS_AES_128_GCM_SHA256", "classes": ["aead"]}


def _stamp(delta: timedelta) -> str:
    return (SCAN_TIME + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cert(leaf: dict[str, Any] | None = None, **cert: Any) -> Any:
    value = {**CERT, "chain": [{**LEAF, **(leaf or {})}], **cert}
    return tls.CERTIFICATE.evaluate(context([ok("tls.certificate", value)]))


def _protocols(accepted: list[str], versions: dict[str, Any] | None = None) -> Any:
    value = {"accepted": accepted,
             "versions": versions if versions is not None else
             {v: {"accepted": True, "ciphers": [AEAD]} for v in accepted}}
    return tls.PROTOCOLS.evaluate(context([ok("tls.protocols", value)]))


def _ciphers(versions: dict[str, Any]) -> Any:
    return tls.CIPHERS.evaluate(context([ok("tls.protocols", {"accepted": list(versions),
                                                              "versions": versions})]))


# ----------------------------------------------------------------------------- https
def test_https_passes_with_its_evidence() -> None:
    out = tls.HTTPS_REQUIRED.evaluate(context([ok("endpoint.info", {
        "url": "https://shop.test/", "kind": "web", "scheme": "https"})]))
    assert out.status is Status.PASS
    assert out.summary == "The endpoint URL uses https."
    assert out.evidence == {"url": "https://shop.test/", "kind": "web"}


def test_plain_http_fails_naming_kind_scheme_and_url() -> None:
    out = tls.HTTPS_REQUIRED.evaluate(context([ok("endpoint.info", {
        "url": "http://api.shop.test/", "kind": "api", "scheme": "http"})]))
    assert out.status is Status.FAIL
    assert out.summary == ("The api endpoint is reached over plain http:// "
                           "(http://api.shop.test/): nothing is encrypted.")
    assert out.evidence == {"url": "http://api.shop.test/", "kind": "api"}


def test_https_needs_the_endpoint_fact() -> None:
    out = tls.HTTPS_REQUIRED.evaluate(context([denied("endpoint.info")]))
    assert out.status is Status.ERROR and out.evidence["fact"] == "endpoint.info"


# ------------------------------------------------------------------------- protocols
@pytest.mark.parametrize(("accepted", "summary"), [
    (["TLSv1", "TLSv1.2"], "TLS 1.0 is accepted (deprecated by RFC 8996)."),
    (["TLSv1.1", "TLSv1.2"], "TLS 1.1 is accepted (deprecated by RFC 8996)."),
    (["SSLv3", "TLSv1", "TLSv1.1"], "SSL 3.0, TLS 1.0 and TLS 1.1 are accepted (deprecated by "
                                    "RFC 8996)."),
    (["SSLv2", "SSLv3", "TLSv1", "TLSv1.1"], "SSL 2.0, SSL 3.0, TLS 1.0 and TLS 1.1 are "
                                             "accepted (deprecated by RFC 8996)."),
])
def test_deprecated_versions_are_named(accepted: list[str], summary: str) -> None:
    out = _protocols(accepted)
    assert out.status is Status.FAIL
    assert out.summary == summary
    assert isinstance(out.summary, Msg)
    assert out.summary.msgid == "{versions} is accepted (deprecated by RFC 8996)."
    assert out.summary.plural == "{versions} are accepted (deprecated by RFC 8996)."


def test_the_deprecated_list_is_in_the_order_of_age_whatever_the_order_accepted() -> None:
    out = _protocols(["TLSv1.2", "TLSv1.1", "SSLv3"])
    assert out.evidence == {"accepted": ["TLSv1.2", "TLSv1.1", "SSLv3"],
                            "deprecated_accepted": ["SSLv3", "TLSv1.1"], "undetermined": []}


@pytest.mark.parametrize(("accepted", "summary"), [
    (["TLSv1.2", "TLSv1.3"], "Only TLS 1.2 and TLS 1.3 accepted."),
    (["TLSv1.3"], "Only TLS 1.3 accepted."),
])
def test_modern_versions_pass(accepted: list[str], summary: str) -> None:
    out = _protocols(accepted)
    assert out.status is Status.PASS
    assert out.summary == summary


def test_tls12_only_warns() -> None:
    out = _protocols(["TLSv1.2"])
    assert out.status is Status.WARN
    assert out.summary == "Only TLS 1.2 is accepted; TLS 1.3 is not offered."
    assert out.evidence == {"accepted": ["TLSv1.2"], "deprecated_accepted": [],
                            "undetermined": []}


def test_an_undetermined_version_is_an_error_naming_it() -> None:
    versions = {"TLSv1.1": {"accepted": None}, "TLSv1.2": {"accepted": True},
                "TLSv9": {"accepted": None}, "TLSv1.3": {"accepted": False}}
    out = _protocols(["TLSv1.2"], versions)
    assert out.status is Status.ERROR
    assert out.summary == "could not determine whether TLS 1.1 and TLSv9 is accepted"
    assert out.evidence["undetermined"] == ["TLSv1.1", "TLSv9"]


def test_a_deprecated_version_fails_even_when_another_is_undetermined() -> None:
    out = _protocols(["TLSv1"], {"TLSv1": {"accepted": True}, "TLSv1.1": {"accepted": None}})
    assert out.status is Status.FAIL


def test_nothing_accepted_fails() -> None:
    out = _protocols([], {})
    assert out.status is Status.FAIL
    assert out.summary == "The endpoint accepts no TLS version at all."
    assert out.evidence == {"accepted": [], "deprecated_accepted": [], "undetermined": []}
    out = tls.PROTOCOLS.evaluate(context([ok("tls.protocols", {"accepted": None,
                                                               "versions": None})]))
    assert out.status is Status.FAIL and out.evidence["accepted"] == []


def test_protocols_need_their_fact() -> None:
    for check in (tls.PROTOCOLS, tls.CIPHERS):
        out = check.evaluate(context([denied("tls.protocols")]))
        assert out.status is Status.ERROR and out.evidence["fact"] == "tls.protocols"


# --------------------------------------------------------------------------- ciphers
def _suite(name: str, *classes: str) -> dict[str, Any]:
    return {"name": name, "classes": list(classes)}


def test_broken_suites_fail_in_a_fixed_order_with_the_evidence() -> None:
    out = _ciphers({"TLSv1.2": {"ciphers": [_suite("B", "rc4", "cbc"), _suite("A", "null"),
                                            _suite("C", "aead")]},
                    "TLSv1": {"ciphers": [_suite("D", "export", "des")]}})
    assert out.status is Status.FAIL
    assert out.summary == "Broken cipher suites are accepted: null, export, rc4, des."
    assert out.evidence == {"aead": ["TLSv1.2 C"], "cbc": ["TLSv1.2 B"], "des": ["TLSv1 D"],
                            "export": ["TLSv1 D"], "null": ["TLSv1.2 A"], "rc4": ["TLSv1.2 B"]}


@pytest.mark.parametrize("cls", ["null", "anonymous", "export", "rc4", "des", "3des"])
def test_each_broken_class_fails(cls: str) -> None:
    out = _ciphers({"TLSv1.2": {"ciphers": [_suite("X", cls)]}})
    assert out.status is Status.FAIL
    assert out.summary == f"Broken cipher suites are accepted: {cls}."


@pytest.mark.parametrize(("classes", "summary"), [
    (["cbc"], "Legacy cipher suites are accepted: cbc."),
    (["no_forward_secrecy"], "Legacy cipher suites are accepted: no forward secrecy."),
    (["no_forward_secrecy", "cbc"], "Legacy cipher suites are accepted: cbc, no forward "
                                    "secrecy."),
])
def test_legacy_suites_warn(classes: list[str], summary: str) -> None:
    out = _ciphers({"TLSv1.2": {"ciphers": [_suite("X", *classes), _suite("Y", "aead")]}})
    assert out.status is Status.WARN
    assert out.summary == summary


def test_aead_suites_pass_with_sorted_evidence() -> None:
    out = _ciphers({"TLSv1.3": {"ciphers": [_suite("Z", "aead"), _suite("A", "aead")]},
                    "TLSv1.2": {"ciphers": [_suite("M", "aead")]}})
    assert out.status is Status.PASS
    assert out.summary == "Only AEAD suites with forward secrecy are accepted."
    assert out.evidence == {"aead": ["TLSv1.2 M", "TLSv1.3 A", "TLSv1.3 Z"]}


@pytest.mark.parametrize("versions", [
    {}, {"TLSv1.2": {"ciphers": []}}, {"TLSv1.2": {}}, {"TLSv1.2": {"ciphers": [{"name": "X"}]}},
])
def test_no_recorded_suite_is_an_error(versions: dict[str, Any]) -> None:
    out = _ciphers(versions)
    assert out.status is Status.ERROR
    assert out.summary == "could not determine: no accepted cipher suite was recorded"
    assert out.evidence == {}


def test_suites_in_the_evidence_are_capped() -> None:
    suites = [_suite(f"S{i:03}", "aead") for i in range(250)]
    out = _ciphers({"TLSv1.2": {"ciphers": suites}})
    assert 0 < len(out.evidence["aead"]) < 250
    assert out.evidence["aead"][0] == "TLSv1.2 S000"


# ----------------------------------------------------------------------- certificate
def test_a_valid_certificate_passes_with_its_evidence_and_message_ids() -> None:
    out = _cert()
    assert out.status is Status.PASS
    assert out.summary == ("Valid, trusted certificate for shop.test until 2027-06-01 "
                           "(187 days).")
    assert isinstance(out.summary, Msg)
    assert out.summary.msgid == ("Valid, trusted certificate for {name} until {date} ({n} "
                                 "day).")
    assert out.summary.plural == ("Valid, trusted certificate for {name} until {date} ({n} "
                                  "days).")
    assert out.evidence == {
        "subject": "CN=shop.test", "issuer": "CN=CA", "not_after": "2027-06-01T00:00:00Z",
        "days_left": 187, "san_dns": ["shop.test"], "key": "RSA 2048",
        "signature": "sha256WithRSAEncryption", "trusted": True, "verify_error": "",
        "hostname": "shop.test", "chain_length": 1, "problems": []}


@pytest.mark.parametrize(("left", "days"), [
    (timedelta(days=40), 40), (timedelta(days=40, seconds=-1), 39),
    (timedelta(days=40, seconds=1), 40), (timedelta(hours=-1), -1),
    (timedelta(days=-1, seconds=1), -1), (timedelta(days=-1), -1),
    (timedelta(days=-1, seconds=-1), -2),
])
def test_days_left_round_down(left: timedelta, days: int) -> None:
    assert _cert({"not_after": _stamp(left)}).evidence["days_left"] == days


@pytest.mark.parametrize(("left", "text"), [
    (timedelta(days=1, hours=12), "expires in 1 day (2026-11-26)"),
    (timedelta(days=2, hours=1), "expires in 2 days (2026-11-27)"),
    (timedelta(hours=3), "expires in 0 days (2026-11-25)"),
    (timedelta(days=29, hours=23), "expires in 29 days (2026-12-25)"),
])
def test_expiry_warnings_count_whole_days(left: timedelta, text: str) -> None:
    out = _cert({"not_after": _stamp(left)})
    assert out.status is Status.WARN
    assert out.evidence["problems"] == [text]
    problem = out.evidence["problems"][0]
    assert isinstance(problem, Msg)
    assert problem.msgid == "expires in {n} day ({date})"
    assert problem.plural == "expires in {n} days ({date})"
    assert out.summary == f"The certificate is valid, but {text}."


def test_an_expired_certificate_names_the_day() -> None:
    out = _cert({"not_after": _stamp(timedelta(days=-3))})
    assert out.status is Status.FAIL
    assert out.summary == "The certificate is expired on 2026-11-22."


def test_every_problem_is_listed_fails_first() -> None:
    out = _cert({"not_after": _stamp(timedelta(days=5)), "not_before": _stamp(timedelta(days=1)),
                 "key_type": "EC", "key_bits": 255, "signature": "ecdsa-with-SHA1"},
                hostname_match=False, chain_order_ok=False, server_name="x.test")
    assert out.status is Status.FAIL
    assert out.evidence["problems"] == [
        "not valid before 2026-11-26", "not issued for x.test", "weak key (EC 255 bits)",
        "weak signature (ecdsa-with-SHA1)", "expires in 5 days (2026-11-30)",
        "the served chain is out of order"]


def test_an_out_of_order_chain_alone_warns() -> None:
    out = _cert(chain_order_ok=False)
    assert out.status is Status.WARN
    assert out.summary == "The certificate is valid, but the served chain is out of order."


@pytest.mark.parametrize(("cert", "problem"), [
    ({"trusted": False, "verify_error": "unable to get local issuer certificate"},
     "not trusted (unable to get local issuer certificate)"),
    ({"trusted": False, "verify_error": "e" * 200}, f"not trusted ({'e' * 120})"),
    ({"trusted": False, "verify_error": None}, "not trusted (None)"),
    ({"trusted": None}, "not trusted ()"),
    ({"hostname_match": None}, "not issued for shop.test"),
])
def test_trust_and_name_problems(cert: dict[str, Any], problem: str) -> None:
    out = _cert(**cert)
    assert out.status is Status.FAIL
    assert out.evidence["problems"] == [problem]


def test_self_signed_is_named_instead_of_untrusted() -> None:
    out = _cert({"self_signed": True}, trusted=False, verify_error="self-signed certificate")
    assert out.evidence["problems"] == ["self-signed"]


@pytest.mark.parametrize(("key_type", "bits", "weak"), [
    ("RSA", 2047, True), ("RSA", 2048, False), ("RSA", 2049, False),
    ("DSA", 1024, True), ("DSA", 2048, False),
    ("EC", 255, True), ("EC", 256, False), ("EC", 257, False),
    ("EC-P256", 255, True), ("ECDSA", 384, False),
    ("Ed25519", 255, False),           # neither RSA/DSA nor EC: no limit applies
    ("RSA", None, True), ("EC", None, True), ("rsa", 1024, False),
])
def test_key_size_limits_exactly_at_one_below_and_one_above(key_type: str, bits: int | None,
                                                             weak: bool) -> None:
    out = _cert({"key_type": key_type, "key_bits": bits})
    expected = [f"weak key ({key_type} {bits or 0} bits)"] if weak else []
    assert out.evidence["problems"] == expected
    assert out.status is (Status.FAIL if weak else Status.PASS)


@pytest.mark.parametrize(("signature", "weak"), [
    ("sha1WithRSAEncryption", True), ("SHA1withRSA", True), ("md5WithRSAEncryption", True),
    ("MD5", True), ("sha256WithRSAEncryption", False), (None, False), ("", False),
])
def test_weak_signatures(signature: str | None, weak: bool) -> None:
    out = _cert({"signature": signature})
    assert out.evidence["problems"] == ([f"weak signature ({signature})"] if weak else [])


def test_a_leaf_without_signature_passes() -> None:
    leaf = {k: v for k, v in LEAF.items() if k != "signature"}
    out = tls.CERTIFICATE.evaluate(context([ok("tls.certificate", {**CERT, "chain": [leaf]})]))
    assert out.status is Status.PASS


def test_no_certificate_fails() -> None:
    for chain in ([], None):
        out = tls.CERTIFICATE.evaluate(context([ok("tls.certificate", {**CERT,
                                                                       "chain": chain})]))
        assert out.status is Status.FAIL
        assert out.summary == "The server sent no certificate."
        assert out.evidence == {"chain": []}


def test_certificate_needs_its_fact() -> None:
    out = tls.CERTIFICATE.evaluate(context([denied("tls.certificate")]))
    assert out.status is Status.ERROR and out.evidence["fact"] == "tls.certificate"


def test_stamps_in_other_zones_are_compared_as_instants() -> None:
    out = _cert({"not_after": "2026-11-25T12:30:00+02:00"})   # 10:30 UTC: 30 minutes left
    assert out.evidence["problems"] == ["expires in 0 days (2026-11-25)"]
    out = _cert({"not_before": "2026-11-25T11:30:00+02:00"})  # 09:30 UTC: already valid
    assert out.status is Status.PASS
    assert datetime(2026, 11, 25, 10, tzinfo=UTC) == SCAN_TIME
