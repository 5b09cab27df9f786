"""A clean stop on SIGINT or SIGTERM: close the connections, judge what was gathered, say so.

A scan that is interrupted (Ctrl-C, a CI job cancelled, a container stopped) stops collecting:
every open SSH session is closed, so the hosts in flight end at once with an error; hosts not
yet visited are not contacted. The CLI then judges what it has and writes the reports marked
``incomplete``. Nothing here exits; :mod:`posture.cli.commands` decides. The stop flag itself,
:class:`~posture.collect.transport.stopflag.Interrupt`, lives with the transport it closes.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

from posture.collect.transport.stopflag import INTERRUPTED, Interrupt
from posture.models import FactsSnapshot, HostFacts

if TYPE_CHECKING:
    from posture.collect.collector import CollectOptions
    from posture.inventory.model import Inventory

T = TypeVar("T")

def run_interruptible(work: Callable[[], T], interrupt: Interrupt,
                      grace: float = 1.0,
                      meanwhile: Callable[[], object] | None = None) -> tuple[bool, T | None]:
    """Run ``work`` in a helper thread; return ``(finished, value)``.

    After a stop request the work gets ``grace`` seconds to wind down (closed connections
    make it fail fast); if it is still busy then, ``(False, None)`` is returned and the
    caller uses what was reported so far. An exception of ``work`` is re-raised here.
    ``meanwhile`` runs once in this thread while ``work`` starts (work that would otherwise
    follow it, e.g. loading the renderers); it must not raise.
    """
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="posture-collect", daemon=True)
    thread.start()
    if meanwhile is not None:
        meanwhile()
    stop_at: float | None = None
    while thread.is_alive():
        if interrupt.requested and stop_at is None:
            stop_at = time.monotonic() + grace
        if stop_at is not None and time.monotonic() >= stop_at:
            return False, None
        thread.join(0.1)  # short waits: the signal handler runs between them
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return True, box.get("value")  # type: ignore[return-value]


def interrupted_snapshot(snapshot: FactsSnapshot | None, done: Mapping[tuple[str, str], HostFacts],
                         plan: Mapping[str, Mapping[str, object]], *, inventory_sha256: str,
                         started: str, finished: str, tool_version: str,
                         why: str = INTERRUPTED.format(reason="interrupted")) -> FactsSnapshot:
    """The facts of a stopped scan: what finished, and every other planned target as
    unreachable with :data:`INTERRUPTED` (so its findings are ``error``, never ``pass``)."""
    tables: dict[str, dict[str, HostFacts]] = {"host": {}, "endpoint": {}, "database": {}}
    for kind, table in tables.items():
        have = dict(snapshot.hosts if kind == "host" else snapshot.endpoints
                    if kind == "endpoint" else snapshot.databases) if snapshot else {}
        for name in plan.get(kind, {}):
            table[name] = have.get(name) or done.get((kind, name)) or HostFacts(
                name, False, {}, (why,))
    return FactsSnapshot(
        started_at=started, finished_at=finished, scan_time=started,
        inventory_sha256=inventory_sha256, hosts=tables["host"], tool_version=tool_version,
        endpoints=tables["endpoint"], databases=tables["database"])


def collect_until_stopped(inventory: Inventory, plan: Mapping[str, Mapping[str, set[str]]],
                          options: CollectOptions, interrupt: Interrupt,
                          meanwhile: Callable[[], object] | None = None
                          ) -> tuple[FactsSnapshot, bool]:
    """:func:`~posture.collect.collector.collect`, stopped cleanly once ``interrupt`` is
    requested (the command line requests it on SIGINT or SIGTERM); ``meanwhile`` runs in
    this thread while the collector waits on the network (see :func:`run_interruptible`).

    Returns the snapshot and whether the scan was stopped (then the snapshot holds what
    finished, and the other planned targets as interrupted).
    """
    from posture import __version__
    from posture.collect.collector import collect, now_iso

    done: dict[tuple[str, str], HostFacts] = {}

    def keep(kind: str, name: str, facts: HostFacts) -> None:
        done[(kind, name)] = facts

    options = dataclasses.replace(options, interrupt=interrupt, on_target=keep)
    started = now_iso()
    _, snapshot = run_interruptible(lambda: collect(inventory, plan, options), interrupt,
                                    meanwhile=meanwhile)
    if snapshot is not None and not interrupt.requested:
        return snapshot, False
    return interrupted_snapshot(snapshot, done, plan, inventory_sha256=inventory.sha256,
                                started=started, finished=now_iso(),
                                tool_version=__version__, why=interrupt.why()), True
