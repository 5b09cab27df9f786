"""TLS, HTTP, grade, database-link and host-side link checks on recorded facts: pass, fail,
warn and error cases for each."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

import checks
from checks.base import CheckContext
from checks.websites.grade import compute
from posture.collect.facts.parsers_app import parse_php_defines, parse_vsftpd
from posture.models import Fact, FactStatus, Status

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
MODERN: dict[str, Any] = {"accepted": ["TLSv1.2", "TLSv1.3"], "versions": {
    "SSLv2": {"accepted": False, "ciphers": []}, "SSLv3": {"accepted": False, "ciphers": []},
    "TLSv1": {"accepted": False, "ciphers": []}, "TLSv1.1": {"accepted": False, "ciphers": []},
    "TLSv1.2": {"accepted": True, "ciphers": [
        {"name": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "classes": ["aead"], "bits": 128,
         "kx": "ECDHE", "group": "x25519"}]},
    "TLSv1.3": {"accepted": True, "ciphers": [
        {"name": "TLS_AES_256_GCM_SHA384", "classes": ["aead"], "bits": 256, "kx": "TLS13",
         "group": "x25519"}]}}}
LEGACY = {"accepted": ["TLSv1", "TLSv1.2"], "versions": {
    **MODERN["versions"], "TLSv1.3": {"accepted": False, "ciphers": []},
    "TLSv1": {"accepted": True, "ciphers": [
        {"name": "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "classes": ["3des", "cbc",
                                                              "no_forward_secrecy"],
         "bits": 112, "kx": "RSA"}]}}}
LEAF = {"subject": "CN=shop.example", "issuer": "CN=CA", "not_before": "2026-01-01T00:00:00Z",
        "not_after": "2027-01-01T00:00:00Z", "key_type": "RSA", "key_bits": 2048,
        "signature": "sha256WithRSAEncryption (sha256)", "san_dns": ["shop.example"],
        "san_ip": [], "self_signed": False, "sha256": "00"}
CERT = {"chain": [LEAF], "trusted": True, "verify_error": "", "hostname_match": True,
        "chain_order_ok": True, "server_name": "shop.example"}
HTTPS = {"status": 200, "hsts": "max-age=31536000", "hsts_max_age": 31536000,
         "server": "Apache", "server_version_disclosed": False, "x_powered_by": None,
         "cookies": [{"name": "s", "secure": True, "httponly": True, "samesite": "Lax"}],
         "mixed_content": [], "mixed_content_count": 0}
PLAIN = {"url": "http://shop.example/", "listening": True, "status": 301,
         "location": "https://shop.example/", "redirect_scheme": "https",
         "redirect_same_host": True}
INFO = {"url": "https://shop.example/", "scheme": "https", "kind": "web"}


def ctx(**values: Any) -> CheckContext:
    """Facts by key (dots as double underscores); a str value is a failed fact's status."""
    facts = {}
    for name, value in values.items():
        key = name.replace("__", ".")
        facts[key] = (Fact(key, FactStatus(value), None, "recorded failure")
                      if isinstance(value, str) else Fact(key, FactStatus.OK, value))
    return CheckContext("t", facts, {}, NOW)


def run(check_id: str, **values: Any) -> Status:
    """The status of one check on these facts."""
    return checks.by_id(check_id).evaluate(ctx(**values)).status


@pytest.mark.parametrize(("check_id", "good", "bad", "bad_status"), [
    ("tls.protocols", {"tls__protocols": MODERN}, {"tls__protocols": LEGACY}, Status.FAIL),
    ("tls.ciphers", {"tls__protocols": MODERN}, {"tls__protocols": LEGACY}, Status.FAIL),
    ("tls.certificate", {"tls__certificate": CERT},
     {"tls__certificate": {**CERT, "chain": [{**LEAF, "not_after": "2026-11-01T00:00:00Z"}]}},
     Status.FAIL),
    ("tls.https_required", {"endpoint__info": INFO},
     {"endpoint__info": {**INFO, "scheme": "http"}}, Status.FAIL),
    ("http.redirect", {"http__plain": PLAIN},
     {"http__plain": {**PLAIN, "status": 200, "redirect_scheme": None}}, Status.FAIL),
    ("http.hsts", {"http__https": HTTPS, "endpoint__info": INFO},
     {"http__https": {**HTTPS, "hsts": None, "hsts_max_age": None}, "endpoint__info": INFO},
     Status.FAIL),
    ("http.cookies", {"http__https": HTTPS},
     {"http__https": {**HTTPS, "cookies": [{"name": "s", "secure": False}]}}, Status.FAIL),
    ("http.mixed_content", {"http__https": HTTPS},
     {"http__https": {**HTTPS, "mixed_content": ["http://cdn.example/a.js"]}}, Status.FAIL),
    ("http.server_disclosure", {"http__https": HTTPS},
     {"http__https": {**HTTPS, "server": "Apache/2.4.62", "server_version_disclosed": True}},
     Status.WARN),
    ("tls.grade", {"tls__protocols": MODERN, "tls__certificate": CERT, "http__https": HTTPS},
     {"tls__protocols": MODERN, "tls__certificate": {**CERT, "trusted": False},
      "http__https": HTTPS}, Status.FAIL),
])
def test_pass_and_fail(check_id: str, good: dict[str, Any], bad: dict[str, Any],
                       bad_status: Status) -> None:
    assert run(check_id, **good) is Status.PASS
    assert run(check_id, **bad) is bad_status


@pytest.mark.parametrize("check_id", ["tls.protocols", "tls.ciphers", "tls.certificate",
                                      "tls.https_required", "http.redirect", "http.hsts",
                                      "http.cookies", "http.mixed_content", "tls.grade",
                                      "http.server_disclosure", "db.tls_required",
                                      "db.tls_version", "services.ftp_plaintext",
                                      "app.config_http", "app.db_link"])
def test_unusable_facts_are_errors(check_id: str) -> None:
    needs = checks.by_id(check_id).meta.needs
    assert run(check_id, **{k.replace(".", "__"): "timeout" for k in needs}) is Status.ERROR


def test_certificate_warns_before_expiry_and_names_problems() -> None:
    soon = {**CERT, "chain": [{**LEAF, "not_after": "2026-12-05T00:00:00Z"}]}
    assert run("tls.certificate", tls__certificate=soon) is Status.WARN
    wrong = {**CERT, "hostname_match": False}
    outcome = checks.by_id("tls.certificate").evaluate(ctx(tls__certificate=wrong))
    assert "not issued for shop.example" in outcome.summary


def test_undetermined_version_is_an_error_not_a_pass() -> None:
    value = {**MODERN, "versions": {**MODERN["versions"], "SSLv3": {"accepted": None}}}
    assert run("tls.protocols", tls__protocols=value) is Status.ERROR


def test_grade_method() -> None:
    best = compute(MODERN, CERT, HTTPS)
    assert best.grade == "A+" and best.protocol == 100
    legacy = compute(LEGACY, CERT, HTTPS)
    # 0.3 * (100 + 90) / 2 + 0.3 * 90 (2048-bit RSA) + 0.4 * (80 + 20) / 2 (128 and 112 bits)
    assert legacy.score == 75.5 and legacy.grade == "B"
    assert any(c.startswith("B:") for c in legacy.caps)
    assert compute(MODERN, {**CERT, "hostname_match": False}, None).grade == "M"
    sslv2 = {**MODERN, "accepted": ["SSLv2", "TLSv1.2"]}
    assert compute(sslv2, CERT, None).grade == "F"


def test_hsts_not_applicable_to_integrations() -> None:
    info = {**INFO, "kind": "integration"}
    assert run("http.hsts", http__https=HTTPS, endpoint__info=info) is Status.NOT_APPLICABLE


DB_OK: dict[str, Any] = {"variables": {"have_ssl": "YES", "require_secure_transport": "ON",
                       "tls_version": "TLSv1.2,TLSv1.3"},
         "tls_session": {"version": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384"},
         "plain_session": "refused", "users": None, "sessions": None}


def test_database_link() -> None:
    assert run("db.tls_required", db__tls=DB_OK) is Status.PASS
    open_db = {**DB_OK, "plain_session": "accepted",
               "variables": {**DB_OK["variables"], "require_secure_transport": "OFF"}}
    assert run("db.tls_required", db__tls=open_db) is Status.FAIL
    no_tls = {**DB_OK, "variables": {"have_ssl": "DISABLED"}, "tls_session": {"version": ""}}
    assert run("db.tls_required", db__tls=no_tls) is Status.FAIL
    assert run("db.tls_required", db__tls={**DB_OK, "plain_session": "error"}) is Status.ERROR
    assert run("db.tls_version", db__tls=DB_OK) is Status.PASS
    old = {**DB_OK, "variables": {**DB_OK["variables"], "tls_version": "TLSv1.1,TLSv1.2"}}
    assert run("db.tls_version", db__tls=old) is Status.WARN


def test_ftp_and_application_configuration() -> None:
    closed = {"address": "10.0.0.1", "ports": [{"port": 21, "service": "FTP", "open": False}]}
    plain = {"address": "10.0.0.1", "ports": [{"port": 21, "service": "FTP", "open": True,
                                               "banner": "220 (vsFTPd 3.0.3)", "auth_tls": 530}]}
    vs = parse_vsftpd("running\t/etc/vsftpd.conf\n/etc/vsftpd.conf\tssl_enable=NO\n")
    assert vs["configs"]["/etc/vsftpd.conf"]["ssl_enable"] == "NO"
    assert run("services.ftp_plaintext", admin__plaintext_reach=closed,
               ftp__vsftpd=vs) is Status.PASS
    assert run("services.ftp_plaintext", admin__plaintext_reach=plain,
               ftp__vsftpd=vs) is Status.FAIL
    raw = ("/var/www/shop/config.php\t3:define('HTTP_SERVER', 'http://shop.example/');\n"
           "/var/www/shop/config.php\t9:define('DB_HOSTNAME', 'db.internal');\n"
           "/var/www/shop/config.php\t10:define('DB_PASSWORD', 'never');\n")
    parsed = parse_php_defines(raw)
    assert run("app.config_http", app__opencart=parsed) is Status.FAIL
    assert run("app.db_link", app__opencart=parsed) is Status.FAIL
    good = parse_php_defines("/var/www/s/config.php\t3:define('HTTPS_SERVER', "
                             "'https://s/');\n/var/www/s/config.php\t4:define('DB_HOSTNAME', "
                             "'localhost');\n")
    assert run("app.config_http", app__opencart=good) is Status.PASS
    assert run("app.db_link", app__opencart=good) is Status.PASS
    assert run("app.config_http", app__opencart={"files": {}}) is Status.NOT_APPLICABLE
