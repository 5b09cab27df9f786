"""TLS checks: the exact evidence and summaries a report shows, branch by branch."""

from __future__ import annotations

from typing import Any

import pytest
from test_checks_tls import CERT, INFO, LEAF, MODERN, ctx

import checks
from posture.models import Status


def _eval(check_id: str, **facts: Any) -> Any:
    return checks.by_id(check_id).evaluate(ctx(**facts))


def test_valid_certificate_evidence_and_summary() -> None:
    outcome = _eval("tls.certificate", tls__certificate=CERT)
    assert outcome.status is Status.PASS
    assert outcome.summary == ("Valid, trusted certificate for shop.example until 2027-01-01 "
                               "(36 days).")
    assert outcome.evidence == {
        "subject": "CN=shop.example", "issuer": "CN=CA", "not_after": "2027-01-01T00:00:00Z",
        "days_left": 36, "san_dns": ["shop.example"], "key": "RSA 2048",
        "signature": "sha256WithRSAEncryption (sha256)", "trusted": True, "verify_error": "",
        "hostname": "shop.example", "chain_length": 1, "problems": []}


@pytest.mark.parametrize(("cert", "problem"), [
    ({**CERT, "chain": [{**LEAF, "self_signed": True}], "trusted": False}, "self-signed"),
    ({**CERT, "trusted": False, "verify_error": "unable to get local issuer certificate"},
     "not trusted (unable to get local issuer certificate)"),
    ({**CERT, "hostname_match": False}, "not issued for shop.example"),
    ({**CERT, "chain": [{**LEAF, "signature": "sha1WithRSAEncryption (sha1)"}]},
     "weak signature (sha1WithRSAEncryption (sha1))"),
    ({**CERT, "chain": [{**LEAF, "not_after": "2026-11-01T00:00:00Z"}]},
     "expired on 2026-11-01"),
    ({**CERT, "chain": [{**LEAF, "not_before": "2026-12-01T00:00:00Z"}]},
     "not valid before 2026-12-01"),
    ({**CERT, "chain": [{**LEAF, "key_bits": None}]}, "weak key (RSA 0 bits)"),
])
def test_each_certificate_problem_is_named(cert: dict[str, Any], problem: str) -> None:
    outcome = _eval("tls.certificate", tls__certificate=cert)
    assert outcome.status is Status.FAIL
    assert outcome.evidence["problems"] == [problem]
    assert outcome.summary == f"The certificate is {problem}."


def test_expiry_soon_and_chain_order_warn() -> None:
    cert = {**CERT, "chain_order_ok": False,
            "chain": [{**LEAF, "not_after": "2026-12-10T10:00:00Z"}]}
    outcome = _eval("tls.certificate", tls__certificate=cert)
    assert outcome.status is Status.WARN
    assert outcome.evidence["problems"] == ["expires in 15 days (2026-12-10)",
                                            "the served chain is out of order"]
    assert outcome.summary == ("The certificate is valid, but expires in 15 days (2026-12-10); "
                               "the served chain is out of order.")


def test_no_certificate() -> None:
    outcome = _eval("tls.certificate", tls__certificate={**CERT, "chain": []})
    assert outcome.status is Status.FAIL
    assert outcome.summary == "The server sent no certificate."
    assert outcome.evidence == {"chain": []}


@pytest.mark.parametrize(("scheme", "status"), [("https", Status.PASS), ("http", Status.FAIL)])
def test_https_required_evidence(scheme: str, status: Status) -> None:
    info = {**INFO, "scheme": scheme, "url": f"{scheme}://shop.example/"}
    outcome = _eval("tls.https_required", endpoint__info=info)
    assert outcome.status is status
    assert outcome.evidence == {"url": f"{scheme}://shop.example/", "kind": "web"}
    if status is Status.FAIL:
        assert outcome.summary == ("The web endpoint is reached over plain http:// "
                                   "(http://shop.example/): nothing is encrypted.")
    else:
        assert outcome.summary == "The endpoint URL uses https."


def _suites(*suites: tuple[str, list[str]]) -> dict[str, Any]:
    return {"accepted": ["TLSv1.2"], "versions": {"TLSv1.2": {"accepted": True, "ciphers": [
        {"name": name, "classes": classes, "bits": 128} for name, classes in suites]}}}


def test_cipher_outcomes() -> None:
    modern = _eval("tls.ciphers", tls__protocols=MODERN)
    assert modern.status is Status.PASS
    assert modern.summary == "Only AEAD suites with forward secrecy are accepted."
    assert modern.evidence == {"aead": ["TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                                        "TLSv1.3 TLS_AES_256_GCM_SHA384"]}
    legacy = _eval("tls.ciphers", tls__protocols=_suites(("CBC1", ["cbc", "no_forward_secrecy"])))
    assert legacy.status is Status.WARN
    assert legacy.summary == "Legacy cipher suites are accepted: cbc, no forward secrecy."
    assert legacy.evidence == {"cbc": ["TLSv1.2 CBC1"], "no_forward_secrecy": ["TLSv1.2 CBC1"]}
    broken = _eval("tls.ciphers", tls__protocols=_suites(("R", ["rc4"]), ("D", ["3des", "cbc"])))
    assert broken.status is Status.FAIL
    assert broken.summary == "Broken cipher suites are accepted: rc4, 3des."
    none = _eval("tls.ciphers", tls__protocols=_suites())
    assert none.status is Status.ERROR
    assert none.summary == "could not determine: no accepted cipher suite was recorded"
    assert none.evidence == {}
