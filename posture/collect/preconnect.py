"""Open the first hosts' sessions while the rest of the scan is still being prepared.

A scan spends its first tenth of a second importing the check catalogue and planning what to
gather; an SSH connection spends about as long in the TCP connect, the key exchange and the
authentication, mostly waiting on the server. :class:`Preconnect` starts those connections
for the hosts the selected claims name (a few of them) as soon as the inventory is loaded,
and the collector takes each one up when it reaches that host (``CollectOptions.preopened``).

Nothing else changes: the same :func:`~posture.collect.transport.session.open_session`, the
same host key checks and handshake pacing, an error raised where the collector would have
raised it. A session nobody takes (the plan needed nothing from that host) is closed.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import threading
from collections.abc import Iterable, Mapping, Sequence

from posture.collect.transport import pacing
from posture.collect.transport.session import Session, open_session
from posture.inventory.model import Claim, Host, Inventory

MAX_PREOPENED = 8
"""Sessions opened ahead at most (a large fleet starts its connections in the collector)."""


def hosts_named(inventory: Inventory, claims: Iterable[Claim]) -> list[Host]:
    """The hosts that ``claims`` name, directly or as the host of a database they name, in
    inventory order."""
    named: set[str] = set()
    databases = {d.name: d.host for d in inventory.databases}
    for claim in claims:
        named.update(claim.scope.hosts)
        named.update(databases[d] for d in claim.scope.databases if d in databases)
    return [h for h in inventory.hosts if h.name in named]


class Preconnect:
    """Sessions being opened ahead, one thread each, taken once by the collector."""

    def __init__(self, hosts: Sequence[Host], *, trust_on_first_use: bool = False,
                 allow_match_exec: bool = False, environ: Mapping[str, str] | None = None,
                 handshakes_per_address: int = pacing.DEFAULT_PER_ADDRESS,
                 limit: int = MAX_PREOPENED) -> None:
        pacing.configure(handshakes_per_address)
        ahead = list(hosts)[:max(0, limit)]
        self._lock = threading.Lock()
        self._pool = cf.ThreadPoolExecutor(max_workers=max(1, len(ahead)),
                                           thread_name_prefix="preconnect")
        self._pending: dict[str, cf.Future[Session]] = {
            host.name: self._pool.submit(open_session, host,
                                         trust_on_first_use=trust_on_first_use,
                                         environ=environ, allow_match_exec=allow_match_exec)
            for host in ahead}
        self._pool.shutdown(wait=False)  # no further work; the threads end with their connect

    def take(self, host: Host) -> cf.Future[Session] | None:
        """The session being opened for ``host`` (once; later calls get None)."""
        with self._lock:
            return self._pending.pop(host.name, None)

    def close(self) -> None:
        """Close every session nobody took, now or as soon as its connect ends; never
        waits on the network."""
        with self._lock:
            left = list(self._pending.values())
            self._pending.clear()
        for future in left:
            if not future.cancel():
                future.add_done_callback(_close_quietly)

    def __enter__(self) -> Preconnect:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _close_quietly(future: cf.Future[Session]) -> None:
    if future.cancelled() or future.exception() is not None:
        return  # nothing was opened; the error went unread because nobody needed the host
    with contextlib.suppress(Exception):  # closing an unused session is best effort
        future.result().close()
