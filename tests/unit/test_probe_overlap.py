"""A host probe that waits on the network runs beside the host's SSH work, not before it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from posture.collect import collector
from posture.collect.collector import CollectOptions, collect
from posture.collect.replay import ReplaySession
from posture.collect.types import Probe, ProbeContext, ProbeError
from posture.inventory import load_inventory
from posture.models import FactStatus

DEMO = Path(__file__).parents[2] / "inventory" / "demo.yml"
RECORDED = Path(__file__).parents[1] / "data" / "hosts" / "debian12-apache-mariadb"
WAIT = 0.5  # the SSH connection
PROBE_WAIT = 0.7  # the probe: longer, so the session is open when it ends


class _SlowSession(ReplaySession):
    """A recorded host whose connection takes as long as the probe's network wait."""

    def __init__(self, folder: Path, opened: threading.Event) -> None:
        time.sleep(WAIT)
        opened.set()
        super().__init__(folder)


def test_a_filtered_probe_overlaps_the_ssh_session(monkeypatch: pytest.MonkeyPatch) -> None:
    opened = threading.Event()
    seen: dict[str, object] = {}

    def filtered(ctx: ProbeContext) -> object:
        time.sleep(PROBE_WAIT)  # a connect to a port the firewall drops: the full timeout
        seen["session_open_when_probe_ended"] = opened.is_set()
        raise ProbeError(FactStatus.TIMEOUT, "filtered")

    def after(ctx: ProbeContext) -> object:
        return sorted(ctx.cache["host_facts"])[:1]

    probes = {"test.filtered": Probe("test.filtered", "host", filtered),
              "test.after": Probe("test.after", "host", after, after_ssh=True)}
    monkeypatch.setattr(collector, "PROBES", {**collector.PROBES, **probes})
    from posture.collect.probes import registry
    monkeypatch.setattr(registry, "BY_KEY", {**registry.BY_KEY, **probes})
    inventory = load_inventory(DEMO)
    started = time.monotonic()
    snapshot = collect(inventory, {"host": {"lab": {"os.release", "test.filtered",
                                                    "test.after"}}},
                       CollectOptions(session_factory=lambda h: _SlowSession(RECORDED, opened)))
    took = time.monotonic() - started
    facts = snapshot.hosts["lab"].facts
    assert facts["os.release"].ok
    assert facts["test.filtered"].reason == "filtered"
    assert facts["test.after"].ok and facts["test.after"].value  # saw the SSH facts
    assert seen["session_open_when_probe_ended"] is True  # it ran while the session opened
    assert took < WAIT + PROBE_WAIT - 0.15, f"probe and SSH ran one after the other: {took:.2f} s"


def test_a_host_without_ssh_facts_still_gets_its_probes(monkeypatch: pytest.MonkeyPatch) -> None:
    probe = Probe("test.quick", "host", lambda ctx: {"ok": True})
    monkeypatch.setattr(collector, "PROBES", {**collector.PROBES, "test.quick": probe})
    from posture.collect.probes import registry
    monkeypatch.setattr(registry, "BY_KEY", {**registry.BY_KEY, "test.quick": probe})
    snapshot = collect(load_inventory(DEMO), {"host": {"lab": {"test.quick"}}},
                       CollectOptions(session_factory=lambda h: pytest.fail("no session")))
    assert snapshot.hosts["lab"].facts["test.quick"].value == {"ok": True}


def test_a_late_probe_warms_up_beside_the_ssh_session(monkeypatch: pytest.MonkeyPatch) -> None:
    opened = threading.Event()
    seen: dict[str, object] = {}

    def warm(ctx: ProbeContext) -> None:
        time.sleep(PROBE_WAIT)
        seen["session_open_when_warm_ended"] = opened.is_set()
        ctx.cache["warmed"] = "yes"

    def run(ctx: ProbeContext) -> object:
        return {"warm": ctx.cache.get("warmed"), "facts": "os.release" in ctx.cache["host_facts"]}

    probe = Probe("test.late", "host", run, after_ssh=True, warm=warm)
    monkeypatch.setattr(collector, "PROBES", {**collector.PROBES, "test.late": probe})
    from posture.collect.probes import registry
    monkeypatch.setattr(registry, "BY_KEY", {**registry.BY_KEY, "test.late": probe})
    started = time.monotonic()
    snapshot = collect(load_inventory(DEMO), {"host": {"lab": {"os.release", "test.late"}}},
                       CollectOptions(session_factory=lambda h: _SlowSession(RECORDED, opened)))
    took = time.monotonic() - started
    assert snapshot.hosts["lab"].facts["test.late"].value == {"warm": "yes", "facts": True}
    assert seen["session_open_when_warm_ended"] is True
    assert took < WAIT + PROBE_WAIT - 0.15
