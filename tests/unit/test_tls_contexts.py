"""One TLS context per trust store per run: no CA store reloaded for each request."""

from __future__ import annotations

from posture.collect.probes.net import _reach_context
from posture.collect.probes.tls.deadline import PinnedAdapter, unverified_context
from posture.collect.probes.tls.handshake import _store


def test_http_probes_share_one_context_without_a_ca_store() -> None:
    first, second = PinnedAdapter("shop.example"), PinnedAdapter("other.example")
    for adapter in (first, second):
        assert adapter.poolmanager.connection_pool_kw["ssl_context"] is unverified_context()
    assert unverified_context().cert_store_stats()["x509_ca"] == 0  # nothing loaded
    assert not unverified_context().check_hostname
    assert _reach_context() is _reach_context()
    assert _reach_context().cert_store_stats()["x509_ca"] == 0


def test_the_trust_store_is_loaded_once_per_ca_file() -> None:
    assert _store(None) is _store(None)
