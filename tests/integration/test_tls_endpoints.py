"""Endpoint probes and TLS/HTTP checks against real Apache (mod_ssl) configurations on
loopback, with certificates from a throwaway CA made by the test."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import checks
from checks.base import CheckContext
from posture.collect.collector import run_probes
from posture.collect.probes.registry import ProbeContext
from posture.collect.probes.tls.probe import PROBES
from posture.inventory.model import Endpoint, Inventory
from posture.models import Fact, FactStatus, Status
from tests.conftest import require_lab_part
from tests.labs.tls import LAB_HOSTNAME, LabCA, expired, make_ca, self_signed, wrong_host
from tests.labs.web import LabApache, TlsOptions, apache_unavailable_reason, start_apache

pytestmark = pytest.mark.integration
MODERN = "-all +TLSv1.2 +TLSv1.3"
HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> LabCA:
    """A throwaway CA for this module."""
    return make_ca(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def servers(ca: LabCA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        dict[str, LabApache]]:
    """Apache in several configurations, all at once (module scope)."""
    require_lab_part(apache_unavailable_reason())
    base = tmp_path_factory.mktemp("tlsweb")
    good = ca.issue("good")
    variants = {
        "modern": TlsOptions(protocols=MODERN, cert=good.cert, key=good.key, hsts=HSTS,
                             redirect_to=f"https://{LAB_HOSTNAME}/"),
        "legacy": TlsOptions(protocols="all -SSLv3", ciphers="ALL:@SECLEVEL=0",
                             cert=good.cert, key=good.key),
        "expired": _with(expired(ca)),
        "wronghost": _with(wrong_host(ca)),
        "selfsigned": _with(self_signed(base / "ss", "selfsigned")),
    }
    running: dict[str, LabApache] = {}
    try:
        for name, options in variants.items():
            running[name] = start_apache(base / name, tls=options)
        yield running
    finally:
        for server in running.values():
            server.stop()


def _with(files: object) -> TlsOptions:
    return TlsOptions(protocols=MODERN, cert=files.cert, key=files.key,  # type: ignore[attr-defined]
                      hsts=HSTS)


def probe(server: LabApache | None, ca: LabCA, *, port: int | None = None,
          http_port: int | None = None, budget: float = 20.0,
          kind: str = "web") -> dict[str, Fact]:
    """Run every endpoint probe against one server, like the collector does."""
    https_port = port or (server.https_port if server else 0)
    endpoint = Endpoint(name="ep", url=f"https://{LAB_HOSTNAME}/", kind=kind,
                        connect_to=f"127.0.0.1:{https_port}", ca_file=str(ca.ca_file),
                        http_port=http_port or (server.http_port if server else None))
    inventory = Inventory(path="t.yml", sha256="0", organisation="t", hosts=(), claims=(),
                          endpoints=(endpoint,))
    ctx = ProbeContext(inventory, "ep", time.monotonic() + budget, {}, endpoint=endpoint)
    return run_probes([p.key for p in PROBES], ctx)


def judge(facts: dict[str, Fact], check_id: str) -> Status:
    """The status of one catalogue check on these facts (at the real time)."""
    outcome = checks.by_id(check_id).evaluate(
        CheckContext("ep", facts, {}, datetime.now(UTC)))
    return outcome.status


def test_modern_server_passes_everything(servers: dict[str, LabApache], ca: LabCA) -> None:
    facts = probe(servers["modern"], ca)
    assert all(f.ok for f in facts.values()), {k: f.reason for k, f in facts.items()}
    assert facts["tls.protocols"].value["accepted"] == ["TLSv1.2", "TLSv1.3"]
    for check_id in ("tls.https_required", "tls.protocols", "tls.certificate",
                     "http.redirect", "http.hsts", "http.cookies", "http.mixed_content"):
        assert judge(facts, check_id) is Status.PASS, check_id
    grade = checks.by_id("tls.grade").evaluate(CheckContext("ep", facts, {}, datetime.now(UTC)))
    assert grade.evidence["grade"] in ("A+", "A", "A-")
    assert facts["http.plain"].value["status"] == 301


def test_legacy_protocols_and_missing_hsts_and_redirect_fail(
        servers: dict[str, LabApache], ca: LabCA) -> None:
    facts = probe(servers["legacy"], ca)
    accepted = facts["tls.protocols"].value["accepted"]
    assert "TLSv1" in accepted and "TLSv1.1" in accepted
    assert judge(facts, "tls.protocols") is Status.FAIL
    assert judge(facts, "http.hsts") is Status.FAIL
    assert judge(facts, "http.redirect") is Status.FAIL
    grade = checks.by_id("tls.grade").evaluate(CheckContext("ep", facts, {}, datetime.now(UTC)))
    assert grade.evidence["grade"] == "B" and grade.status is Status.WARN


@pytest.mark.parametrize(("variant", "words"), [
    ("expired", "expired on"), ("wronghost", "not issued for"), ("selfsigned", "self-signed")])
def test_bad_certificates_fail(servers: dict[str, LabApache], ca: LabCA, variant: str,
                               words: str) -> None:
    facts = probe(servers[variant], ca)
    outcome = checks.by_id("tls.certificate").evaluate(
        CheckContext("ep", facts, {}, datetime.now(UTC)))
    assert outcome.status is Status.FAIL and words in outcome.summary
    assert judge(facts, "tls.grade") is Status.FAIL  # T or M


def test_closed_http_port_is_not_a_plaintext_channel(servers: dict[str, LabApache],
                                                     ca: LabCA) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    facts = probe(servers["modern"], ca, http_port=closed)
    assert facts["http.plain"].value["listening"] is False
    assert judge(facts, "http.redirect") is Status.PASS


def test_black_holed_port_is_an_error_within_the_deadline(ca: LabCA) -> None:
    """A port that accepts but never answers: every probe ends in error/timeout, in time."""
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(64)  # never accept(): the kernel completes connects, nobody speaks
        port = hole.getsockname()[1]
        started = time.monotonic()
        facts = probe(None, ca, port=port, http_port=port, budget=2.0)
        took = time.monotonic() - started
    assert took < 6.0
    for key in ("tls.protocols", "tls.certificate", "http.https"):
        assert facts[key].status in (FactStatus.TIMEOUT, FactStatus.ERROR), key
        assert judge(facts, {"tls.protocols": "tls.protocols",
                             "tls.certificate": "tls.certificate",
                             "http.https": "http.hsts"}[key]) is Status.ERROR


def _sslv3_only_server(sock: socket.socket, stop: threading.Event) -> None:
    """Answers an SSLv3 ClientHello with an SSLv3 ServerHello; anything else with an alert."""
    sock.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = sock.accept()
        except TimeoutError:
            continue
        with conn:
            data = conn.recv(4096)
            if len(data) > 10 and data[9:11] == b"\x03\x00":
                body = b"\x03\x00" + b"\x11" * 32 + b"\x00" + b"\x00\x0a" + b"\x00"
                msg = b"\x02" + len(body).to_bytes(3, "big") + body
                done = b"\x0e\x00\x00\x00"
                conn.sendall(b"\x16\x03\x00" + len(msg + done).to_bytes(2, "big") + msg + done)
            else:
                conn.sendall(b"\x15\x03\x01\x00\x02\x02\x46")  # protocol_version alert


def test_a_server_accepting_sslv3_is_reported(ca: LabCA) -> None:
    """The local OpenSSL cannot speak SSLv3; the raw ClientHello still finds it."""
    stop = threading.Event()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        worker = threading.Thread(target=_sslv3_only_server, args=(sock, stop), daemon=True)
        worker.start()
        try:
            facts = probe(None, ca, port=sock.getsockname()[1], budget=5.0)
        finally:
            stop.set()
            worker.join(2)
    value = facts["tls.protocols"].value
    assert value["accepted"] == ["SSLv3"]
    assert value["versions"]["SSLv3"]["ciphers"][0]["name"] == "TLS_RSA_WITH_3DES_EDE_CBC_SHA"
    outcome = checks.by_id("tls.protocols").evaluate(
        CheckContext("ep", facts, {}, datetime.now(UTC)))
    assert outcome.status is Status.FAIL and "SSL 3.0" in outcome.summary


def test_http_endpoint_url_fails_https_required(ca: LabCA, tmp_path: Path) -> None:
    endpoint = Endpoint(name="pay", url="http://pay.posture.test/", kind="integration",
                        connect_to="127.0.0.1:9")
    inventory = Inventory(path="t.yml", sha256="0", organisation="t", hosts=(), claims=(),
                          endpoints=(endpoint,))
    ctx = ProbeContext(inventory, "pay", time.monotonic() + 3, {}, endpoint=endpoint)
    facts = run_probes(["endpoint.info", "tls.protocols"], ctx)
    assert judge(facts, "tls.https_required") is Status.FAIL
    assert facts["tls.protocols"].status is FactStatus.MISSING
