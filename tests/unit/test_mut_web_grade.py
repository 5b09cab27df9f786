"""The TLS grade: key-exchange strength per suite and per certificate at every band edge,
each cap with its exact reason, the arithmetic of the score, and the check's verdicts."""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import context, denied, ok

from checks.websites.grade import (
    GRADE,
    HSTS_MIN,
    Grade,
    _cap,
    _caps,
    _cert_bits,
    _suite_kx_bits,
    _suites,
    _trust,
    compute,
)
from posture.models import Status

RSA2048 = {"chain": [{"key_type": "RSA", "key_bits": 2048}], "hostname_match": True,
           "trusted": True}


def _s(bits: int = 128, *classes: str, **kw: Any) -> dict[str, Any]:
    return {"name": "S", "classes": list(classes) or ["aead"], "bits": bits, **kw}


def _proto(**versions: list[dict[str, Any]]) -> dict[str, Any]:
    """Protocols facts: keyword names use _ for . (TLSv1_2 -> TLSv1.2)."""
    table = {k.replace("_", "."): {"accepted": True, "ciphers": v} for k, v in versions.items()}
    return {"accepted": list(table), "versions": table}


MODERN = _proto(TLSv1_2=[_s(128, group="x25519")], TLSv1_3=[_s(256, group="x25519")])


# --------------------------------------------------------------------- key exchange bits
@pytest.mark.parametrize(("leaf", "bits"), [
    ({"key_type": "RSA", "key_bits": 2048}, 2048),
    ({"key_type": "RSA", "key_bits": 4096}, 4096),
    ({"key_type": "RSA"}, 0),
    ({"key_bits": 1024}, 1024),                   # no key type: taken as it is
    ({"key_type": "EC", "key_bits": 256}, 3072),
    ({"key_type": "EC", "key_bits": 383}, 3072),
    ({"key_type": "EC", "key_bits": 384}, 7680),
    ({"key_type": "EC", "key_bits": 385}, 7680),
    ({"key_type": "EC", "key_bits": 520}, 7680),
    ({"key_type": "EC", "key_bits": 521}, 15360),
    ({"key_type": "ECDSA", "key_bits": 522}, 15360),
    ({"key_type": "Ed25519", "key_bits": 256}, 3072),
    ({"key_type": "Ed448", "key_bits": 456}, 7680),
    ({"key_type": "ec", "key_bits": 256}, 256),   # the type names are case-sensitive
    ({"key_type": "ed25519", "key_bits": 256}, 256),
    ({"key_type": "EC"}, 3072),
])
def test_certificate_key_in_rsa_equivalent_bits(leaf: dict[str, Any], bits: int) -> None:
    assert _cert_bits({"chain": [leaf, {"key_type": "RSA", "key_bits": 9999}]}) == bits


@pytest.mark.parametrize("cert", [{}, {"chain": []}, {"chain": None}])
def test_no_certificate_has_no_bits(cert: dict[str, Any]) -> None:
    assert _cert_bits(cert) == 0


@pytest.mark.parametrize(("suite", "bits"), [
    (_s(128, "anonymous", dh_bits=2048), 0),
    (_s(40, "export", dh_bits=2048), 512),
    (_s(128, "aead", dh_bits=1024, group="x25519"), 1024),
    (_s(128, "aead", dh_bits="3072"), 3072),
    (_s(128, "aead", group="x25519"), 3072),
    (_s(128, "aead", group="secp384r1"), 7680),
    (_s(128, "aead", group="ffdhe2048"), 2048),
    (_s(128, "aead", group="brainpoolP256r1"), 2048),    # unknown group
    (_s(128, "aead", group=""), 4242),                    # no group: the certificate's key
    (_s(128, "aead", dh_bits=0), 4242),
    (_s(128, "aead"), 4242),
    ({"bits": 128}, 4242),
    ({"classes": None, "group": "x448"}, 7680),
])
def test_key_exchange_bits_of_a_suite(suite: dict[str, Any], bits: int) -> None:
    assert _suite_kx_bits(suite, 4242) == bits


def test_only_accepted_versions_and_mapping_suites_count() -> None:
    protocols = {"versions": {"TLSv1": {"accepted": False, "ciphers": [_s(1)]},
                              "TLSv1.1": {"accepted": None, "ciphers": [_s(2)]},
                              "TLSv1.2": {"accepted": True, "ciphers": [_s(3), "junk"]},
                              "TLSv1.3": "junk", "SSLv3": {"accepted": True}}}
    assert list(_suites(protocols)) == [("TLSv1.2", _s(3))]
    assert list(_suites({})) == []


# ----------------------------------------------------------------------------- the caps
def _capped(protocols: dict[str, Any], cert: dict[str, Any] = RSA2048,
            kx_min: int = 3072) -> list[str]:
    return _caps(protocols, cert, kx_min)


def test_a_modern_server_has_no_cap() -> None:
    assert _capped(MODERN) == []


@pytest.mark.parametrize(("protocols", "cap"), [
    (_proto(SSLv2=[_s()], TLSv1_2=[_s()]), "F: SSL 2.0 is accepted"),
    (_proto(TLSv1_2=[_s(40, "export", "aead")]), "F: EXPORT cipher suites are accepted"),
    (_proto(TLSv1_2=[_s(0, "null", "aead")]), "F: NULL or anonymous suites are accepted"),
    (_proto(TLSv1_2=[_s(128, "anonymous", "aead")]), "F: NULL or anonymous suites are accepted"),
    (_proto(SSLv3=[_s()], TLSv1_2=[_s()]), "C: SSL 3.0 is accepted"),
    (_proto(TLSv1_2=[_s(128, "rc4", "aead")]), "C: RC4 is accepted"),
    (_proto(TLSv1_1=[_s(112, "3des")], TLSv1_2=[_s()]), "C: 3DES is accepted with TLS 1.1 or "
                                                         "newer"),
    (_proto(TLSv1_2=[_s(112, "3des"), _s()]), "C: 3DES is accepted with TLS 1.1 or newer"),
    (_proto(TLSv1=[_s()]), "C: neither TLS 1.2 nor TLS 1.3"),
    (_proto(TLSv1=[_s()], TLSv1_2=[_s()]), "B: TLS 1.0 or TLS 1.1 is accepted"),
    (_proto(TLSv1_1=[_s()], TLSv1_3=[_s()]), "B: TLS 1.0 or TLS 1.1 is accepted"),
    (_proto(TLSv1_2=[_s(128, "no_forward_secrecy", "aead")]), "B: no forward secrecy"),
    (_proto(TLSv1_2=[_s(128, "cbc")]), "A-: no AEAD cipher suite"),
])
def test_each_cap_alone(protocols: dict[str, Any], cap: str) -> None:
    got = _capped(protocols)
    assert cap in got
    others = {"B: TLS 1.0 or TLS 1.1 is accepted", "C: neither TLS 1.2 nor TLS 1.3"}
    assert [c for c in got if c != cap and c not in others] == []


@pytest.mark.parametrize("protocols", [
    _proto(TLSv1=[_s(112, "3des")], TLSv1_2=[_s()]),      # 3DES only with TLS 1.0
    _proto(TLSv1_3=[_s(112, "3des")], TLSv1_2=[_s()]),    # ... or only with TLS 1.3
])
def test_3des_caps_only_with_tls_1_1_and_1_2(protocols: dict[str, Any]) -> None:
    assert not [c for c in _capped(protocols) if "3DES" in c]


def test_forward_secrecy_is_missing_only_when_every_suite_lacks_it() -> None:
    mixed = _proto(TLSv1_2=[_s(128, "no_forward_secrecy", "aead"), _s()])
    assert "B: no forward secrecy" not in _capped(mixed)
    assert _capped({"accepted": ["TLSv1.2"], "versions": {}}) == []   # no suite: nothing


@pytest.mark.parametrize(("kx_min", "cap"), [
    (0, None), (1, "F: key exchange of 1 bits"), (512, "F: key exchange of 512 bits"),
    (1023, "F: key exchange of 1023 bits"), (1024, "B: 1024-bit key exchange"), (1025, None),
])
def test_key_exchange_caps(kx_min: int, cap: str | None) -> None:
    got = _capped(MODERN, kx_min=kx_min)
    assert got == ([cap] if cap else [])


@pytest.mark.parametrize(("bits", "capped"), [
    (0, False), (1, True), (2047, True), (2048, False), (2049, False),
])
def test_certificate_key_cap(bits: int, capped: bool) -> None:
    cert = {"chain": [{"key_type": "RSA", "key_bits": bits}]}
    assert _capped(MODERN, cert) == (["B: certificate key under 2048 bits"] if capped else [])


def test_caps_come_in_a_fixed_order() -> None:
    protocols = _proto(SSLv2=[_s(40, "export", "rc4")], SSLv3=[_s()], TLSv1=[_s()])
    assert _capped(protocols, {"chain": [{"key_type": "RSA", "key_bits": 1024}]}, 512) == [
        "F: SSL 2.0 is accepted", "F: EXPORT cipher suites are accepted",
        "F: key exchange of 512 bits", "C: SSL 3.0 is accepted", "C: RC4 is accepted",
        "C: neither TLS 1.2 nor TLS 1.3", "B: TLS 1.0 or TLS 1.1 is accepted",
        "B: certificate key under 2048 bits"]


def test_cap_text() -> None:
    caps: list[str] = ["x"]
    _cap(caps, "B", "why")
    assert caps == ["x", "B: why"]


# -------------------------------------------------------------------------- the trust
@pytest.mark.parametrize(("cert", "mark"), [
    ({"hostname_match": True, "trusted": True}, ""),
    ({"hostname_match": True, "trusted": False}, "T"),
    ({"hostname_match": False, "trusted": False}, "M"),
    ({"hostname_match": False, "trusted": True}, "M"),
    ({}, "M"),
])
def test_trust_marks(cert: dict[str, Any], mark: str) -> None:
    assert _trust(cert) == mark


# --------------------------------------------------------------------------- compute
def test_a_modern_server_scores_a_and_a_plus_with_hsts() -> None:
    expected = Grade("A", 93.0, 100.0, 90, 90.0, "A", [])
    assert compute(MODERN, RSA2048, None) == expected
    assert compute(MODERN, RSA2048, {"hsts_max_age": HSTS_MIN - 1}) == expected
    assert compute(MODERN, RSA2048, {"hsts_max_age": HSTS_MIN}) == Grade(
        "A+", 93.0, 100.0, 90, 90.0, "A+", [])
    assert compute(MODERN, RSA2048, {"hsts_max_age": str(HSTS_MIN)}).grade == "A"


def test_protocol_and_cipher_scores_average_the_best_and_the_worst() -> None:
    protocols = _proto(TLSv1=[_s(112, "cbc", dh_bits=1024)], TLSv1_2=[_s(256, dh_bits=4096)])
    got = compute(protocols, RSA2048, None)
    # protocol (100 + 90) / 2; key exchange of the weakest suite (1024 -> 80);
    # cipher (256 -> 100, 112 -> 20) / 2
    assert (got.protocol, got.key_exchange, got.cipher) == (95.0, 80, 60.0)
    assert got.score == round(0.3 * 95 + 0.3 * 80 + 0.4 * 60, 1) == 76.5
    assert got.grade == "B" and got.grade_if_trusted == "B"
    assert got.caps == ["B: TLS 1.0 or TLS 1.1 is accepted", "B: 1024-bit key exchange"]


def test_a_cap_lowers_the_grade_but_never_raises_it() -> None:
    protocols = _proto(TLSv1_2=[_s(128, "cbc", group="x25519")])
    got = compute(protocols, RSA2048, {"hsts_max_age": HSTS_MIN})
    assert got.caps == ["A-: no AEAD cipher suite"]
    assert got.grade == "A-"           # no A+ with a cap
    weak = _proto(SSLv3=[_s(0, "cbc", dh_bits=1024)], TLSv1=[_s(0, "cbc", dh_bits=1024)])
    low = compute(weak, RSA2048, None)
    assert low.score == 49.5           # (85 * 0.3) + (80 * 0.3) + 0
    assert low.grade == "D"            # already below the C and B caps
    assert low.caps[:2] == ["C: SSL 3.0 is accepted", "C: neither TLS 1.2 nor TLS 1.3"]


def test_the_score_is_rounded_to_one_decimal() -> None:
    protocols = _proto(SSLv3=[_s(128, group="x25519")], TLSv1_2=[_s(128, group="x25519")])
    got = compute(protocols, RSA2048, None)
    assert got.protocol == 90.0
    assert got.score == 0.3 * 90 + 0.3 * 90 + 0.4 * 80 == 86.0


def test_suites_without_bits_score_zero() -> None:
    got = compute(_proto(TLSv1_2=[{"classes": ["aead"], "group": "x25519"}]), RSA2048, None)
    assert got.cipher == 0
    assert compute(_proto(TLSv1_2=[]), RSA2048, None).cipher == 0


def test_without_suites_the_certificate_decides_the_key_exchange() -> None:
    got = compute(_proto(TLSv1_2=[]), {"chain": [{"key_type": "RSA", "key_bits": 4096}],
                                       "hostname_match": True, "trusted": True}, None)
    assert got.key_exchange == 100


@pytest.mark.parametrize("accepted", [[], ["TLSv9"], None])
def test_no_known_protocol_is_f(accepted: list[str] | None) -> None:
    assert compute({"accepted": accepted}, RSA2048, None) == Grade(
        "F", 0, 0, 0, 0, "F", ["F: no protocol version accepted"])


def test_an_unknown_protocol_beside_known_ones_is_ignored() -> None:
    protocols = {**MODERN, "accepted": ["TLSv9", *MODERN["accepted"]]}
    assert compute(protocols, RSA2048, None).protocol == 100.0


@pytest.mark.parametrize(("cert", "grade"), [
    ({**RSA2048, "trusted": False}, "T"), ({**RSA2048, "hostname_match": False}, "M"),
])
def test_an_untrusted_certificate_replaces_the_grade(cert: dict[str, Any], grade: str) -> None:
    got = compute(MODERN, cert, {"hsts_max_age": HSTS_MIN})
    assert got.grade == grade and got.grade_if_trusted == "A+"


# --------------------------------------------------------------------------- the check
def _evaluate(protocols: dict[str, Any], cert: dict[str, Any] = RSA2048,
              https: Any = None) -> Any:
    facts = [ok("tls.protocols", protocols), ok("tls.certificate", cert),
             https if https is not None else denied("http.https")]
    return GRADE.evaluate(context(facts))


def test_grade_a_plus_passes_with_the_evidence() -> None:
    out = _evaluate(MODERN, https=ok("http.https", {"hsts_max_age": HSTS_MIN}))
    assert out.status is Status.PASS
    assert out.summary == "Grade A+ (score 93.0)."
    assert out.evidence == {"grade": "A+", "score": 93.0, "protocol": 100.0,
                            "key_exchange": 90, "cipher_strength": 90.0, "caps": [],
                            "grade_if_trusted": "A+",
                            "method": "SSL Labs rating guide (docs/tls-grading.md)"}


def test_an_unreadable_https_fact_only_costs_the_plus() -> None:
    out = _evaluate(MODERN)
    assert out.status is Status.PASS and out.summary == "Grade A (score 93.0)."


def test_grade_a_minus_passes_naming_the_cap() -> None:
    out = _evaluate(_proto(TLSv1_2=[_s(128, "cbc", group="x25519")]))
    assert out.status is Status.PASS
    assert out.summary == "Grade A- (score 89.0) (capped: A-: no AEAD cipher suite)."


def test_grade_b_warns() -> None:
    out = _evaluate(_proto(TLSv1=[_s(128, group="x25519")], TLSv1_2=[_s(128, group="x25519")]))
    assert out.status is Status.WARN
    assert out.summary == "Grade B (score 87.5) (capped: B: TLS 1.0 or TLS 1.1 is accepted)."


def test_grade_c_and_f_fail_with_every_cap() -> None:
    out = _evaluate(_proto(SSLv3=[_s(128, "rc4", "aead", group="x25519")],
                           TLSv1_2=[_s(128, group="x25519")]))
    assert out.status is Status.FAIL
    assert out.summary == ("Grade C (score 86.0) (capped: C: SSL 3.0 is accepted; C: RC4 is "
                           "accepted).")
    assert _evaluate({"accepted": []}).status is Status.FAIL


@pytest.mark.parametrize(("cert", "summary"), [
    ({**RSA2048, "trusted": False},
     "Grade T: the certificate is not trusted (grade A if it were)."),
    ({**RSA2048, "hostname_match": False},
     "Grade M: the certificate is issued for another name (grade A if it were)."),
])
def test_trust_grades_fail(cert: dict[str, Any], summary: str) -> None:
    out = _evaluate(MODERN, cert)
    assert out.status is Status.FAIL and out.summary == summary


def test_a_trust_grade_names_the_caps_too() -> None:
    out = _evaluate(_proto(TLSv1_2=[_s(128, "cbc", group="x25519")]),
                    {**RSA2048, "trusted": False})
    assert out.summary == ("Grade T: the certificate is not trusted (grade A- if it were) "
                           "(capped: A-: no AEAD cipher suite).")


@pytest.mark.parametrize("missing_key", ["tls.protocols", "tls.certificate"])
def test_the_grade_needs_protocols_and_certificate(missing_key: str) -> None:
    facts = {"tls.protocols": ok("tls.protocols", MODERN),
             "tls.certificate": ok("tls.certificate", RSA2048)}
    facts[missing_key] = denied(missing_key)
    out = GRADE.evaluate(context(facts))
    assert out.status is Status.ERROR and out.evidence["fact"] == missing_key


def test_the_score_keeps_one_decimal() -> None:
    got = compute(_proto(TLSv1_1=[_s(128, group="x25519")], TLSv1_2=[_s(128, group="x25519")]),
                  RSA2048, None)
    assert got.protocol == 97.5
    assert got.score == round(0.3 * 97.5 + 0.3 * 90 + 0.4 * 80, 1) == 88.2   # 88.25 exactly
    assert got.grade == "B"


@pytest.mark.parametrize(("caps_of", "grade"), [
    ({}, "A"),
    ({"TLSv1": [_s(128, group="x25519")]}, "B"),                          # B cap below A
    ({"SSLv3": [_s(128, group="x25519")]}, "C"),                          # C cap below A
])
def test_the_grade_is_the_worst_of_letter_and_caps(caps_of: dict[str, Any], grade: str) -> None:
    versions = {"TLSv1_2": [_s(256, group="secp384r1")], **caps_of}
    assert compute(_proto(**versions), RSA2048, None).grade == grade
