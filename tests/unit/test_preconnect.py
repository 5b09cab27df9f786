"""Sessions opened ahead: started at once, taken once, the rest closed, errors where the
collector would have met them."""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from posture.collect import preconnect
from posture.collect.collector import CollectOptions, collect
from posture.collect.preconnect import Preconnect, hosts_named
from posture.collect.replay import ReplaySession
from posture.errors import TransportError
from posture.inventory import load_inventory
from posture.inventory.model import Host, Inventory

DEMO = Path(__file__).parents[2] / "inventory" / "demo.yml"
RECORDED = Path(__file__).parents[1] / "data" / "hosts" / "debian12-apache-mariadb"


class _Fake:
    """A session that only records being closed."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.closed = threading.Event()

    def close(self) -> None:
        self.closed.set()


def _inventory(names: list[str]) -> Inventory:
    demo = load_inventory(DEMO)
    return dataclasses.replace(demo, hosts=tuple(dataclasses.replace(demo.hosts[0], name=n)
                                                 for n in names))


def _fake_open(monkeypatch: pytest.MonkeyPatch, wait: float = 0.0,
               fail: set[str] | None = None) -> dict[str, Any]:
    opened: dict[str, Any] = {}

    def fake(host: Host, **kwargs: object) -> _Fake:
        session = opened[host.name] = _Fake(host.name)  # recorded as the connect starts
        time.sleep(wait)
        if host.name in (fail or set()):
            raise TransportError(f"{host.name}: connection refused")
        return session

    monkeypatch.setattr(preconnect, "open_session", fake)
    return opened


def test_the_hosts_named_by_claims_and_by_their_databases_in_inventory_order() -> None:
    demo = load_inventory(DEMO)
    inventory = _inventory(["a", "b", "c", "lab"])
    db = dataclasses.replace(demo.databases[0], name="shop-db", host="c")
    inventory = dataclasses.replace(inventory, databases=(db,))
    claim = demo.claims[0]
    by_host = dataclasses.replace(claim, scope=dataclasses.replace(claim.scope, hosts=("lab", "a"),
                                                                   databases=()))
    by_db = dataclasses.replace(claim, scope=dataclasses.replace(claim.scope, hosts=(),
                                                                 databases=("shop-db", "gone")))
    assert [h.name for h in hosts_named(inventory, [by_host])] == ["a", "lab"]
    assert [h.name for h in hosts_named(inventory, [by_db])] == ["c"]
    assert [h.name for h in hosts_named(inventory, [by_host, by_db])] == ["a", "c", "lab"]
    assert hosts_named(inventory, []) == []


def test_connects_start_at_once_and_each_session_is_taken_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    opened = _fake_open(monkeypatch, wait=0.3)
    inventory = _inventory(["a", "b"])
    started = time.monotonic()
    with Preconnect(inventory.hosts) as ahead:
        assert time.monotonic() - started < 0.2  # nothing waited for the connects
        first = ahead.take(inventory.hosts[0])
        assert first is not None and first.result(timeout=5) == opened["a"]
        assert ahead.take(inventory.hosts[0]) is None
        assert time.monotonic() - started < 0.55  # both connects ran side by side
    assert not opened["a"].closed.is_set()  # taken: the collector closes it
    assert opened["b"].closed.wait(5)  # never taken: closed


def test_at_most_limit_hosts_are_opened_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    opened = _fake_open(monkeypatch)
    inventory = _inventory(["a", "b", "c"])
    with Preconnect(inventory.hosts, limit=2) as ahead:
        assert ahead.take(inventory.hosts[2]) is None
        for host in inventory.hosts[:2]:
            pending = ahead.take(host)
            assert pending is not None and pending.result(timeout=5) == opened[host.name]
    assert sorted(opened) == ["a", "b"]
    with Preconnect(inventory.hosts, limit=0) as none_ahead:
        assert none_ahead.take(inventory.hosts[0]) is None


def test_an_unused_session_still_connecting_is_closed_when_its_connect_ends(
        monkeypatch: pytest.MonkeyPatch) -> None:
    opened = _fake_open(monkeypatch, wait=0.4, fail={"b"})
    inventory = _inventory(["a", "b"])
    with Preconnect(inventory.hosts):
        deadline = time.monotonic() + 5
        while len(opened) < 2 and time.monotonic() < deadline:  # both connects under way
            time.sleep(0.01)
        started = time.monotonic()
    assert time.monotonic() - started < 0.2  # closing never waits on the network
    assert not opened["a"].closed.is_set()  # still connecting
    assert opened["a"].closed.wait(5)  # closed once connected
    time.sleep(0.5)
    assert not opened["b"].closed.is_set()  # its connect failed: nothing to close, no error


def test_the_collector_takes_the_session_opened_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    inventory = load_inventory(DEMO)
    ready: cf.Future[Any] = cf.Future()
    ready.set_result(ReplaySession(RECORDED))
    taken: list[str] = []

    def take(host: Host) -> cf.Future[Any] | None:
        taken.append(host.name)
        return ready if len(taken) == 1 else None

    def never(host: Host) -> Any:
        raise AssertionError("the session opened ahead was not used")

    snapshot = collect(inventory, {"host": {"lab": {"os.release"}}},
                       CollectOptions(session_factory=never, preopened=take))
    assert taken == ["lab"]
    assert snapshot.hosts["lab"].facts["os.release"].ok


def test_a_failed_connect_ahead_is_the_hosts_error() -> None:
    inventory = load_inventory(DEMO)
    failed: cf.Future[Any] = cf.Future()
    failed.set_exception(TransportError("lab: connection refused"))
    snapshot = collect(inventory, {"host": {"lab": {"os.release"}}},
                       CollectOptions(preopened=lambda host: failed))
    lab = snapshot.hosts["lab"]
    assert not lab.reachable and lab.errors == ("lab: connection refused",)
    assert not any(fact.ok for fact in lab.facts.values())
