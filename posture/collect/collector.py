"""Gather facts from every host: one SSH connection, at most two concurrent execs per host.

The unprivileged batch and the sudo batch run at the same time on two channels of the same
connection, so a host costs about one round trip whatever the number of facts.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from posture import __version__
from posture.collect.batch import build_script, new_marker, split_output
from posture.collect.catalog import FactSpec, specs_for
from posture.collect.ssh import ExecResult, SshSession
from posture.errors import SudoError, TransportError
from posture.inventory.model import Host, Inventory
from posture.models import Fact, FactsSnapshot, FactStatus, HostFacts

Progress = Callable[[str, str], None]  # (host name, message)


@dataclass(frozen=True)
class CollectOptions:
    """Knobs of a collection run."""

    trust_on_first_use: bool = False
    concurrency: int = 8
    environ: Mapping[str, str] | None = None
    progress: Progress | None = None
    extra: Mapping[str, object] = field(default_factory=dict)


def now_iso() -> str:
    """UTC now, ISO-8601 with a Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def plan(host: Host, keys: Iterable[str]) -> tuple[list[FactSpec], list[FactSpec]]:
    """Split the needed facts into (unprivileged, sudo) batches for ``host``."""
    specs = specs_for(set(keys))
    if not (host.ssh.sudo or host.ssh.sudo_password_env):
        return specs, []
    return [s for s in specs if not s.root], [s for s in specs if s.root]


def _failure(result: ExecResult) -> str:
    if result.timed_out:
        return "the batch ran out of time (command or host deadline)"
    if result.truncated:
        return "the target sent more output than allowed; the rest was dropped"
    if result.exit_status is None:
        return "the connection ended before the batch finished"
    return ""


def _run_batch(session: SshSession, host: Host, specs: list[FactSpec],
               privileged: bool) -> tuple[dict[str, Fact], str]:
    """Run one batch; return its facts and a host-level error message ('' when none)."""
    marker = new_marker()
    script = build_script(specs, marker, host.timeouts.command)
    budget = host.timeouts.command * max(1, len(specs))
    timeout = min(budget, host.timeouts.host)
    try:
        if privileged:
            result = session.run_sudo(script, timeout=timeout)
        else:
            result = session.run("sh -s", stdin=script, timeout=timeout)
    except SudoError as exc:
        status = FactStatus.DENIED if exc.kind != "error" else FactStatus.ERROR
        reason = f"sudo {exc.kind}: {exc}"[:500]
        return {s.key: Fact(s.key, status, None, reason, s.snippet.strip()[:2000], None, True)
                for s in specs}, reason
    except TransportError as exc:
        reason = str(exc)[:500]
        return {s.key: Fact(s.key, FactStatus.ERROR, None, reason, s.snippet.strip()[:2000],
                            None, privileged) for s in specs}, reason
    failure = _failure(result)
    facts = split_output(result.stdout, result.stderr, marker, specs,
                         privileged=privileged, failure=failure)
    return facts, failure


def collect_host(host: Host, keys: Iterable[str], options: CollectOptions) -> HostFacts:
    """Connect once, run the batches, return the host's facts (never raises on target faults)."""
    started = time.monotonic()
    user_specs, root_specs = plan(host, keys)
    say = options.progress or (lambda _h, _m: None)
    say(host.name, "connecting")
    try:
        session = SshSession.connect(host, trust_on_first_use=options.trust_on_first_use,
                                     environ=options.environ)
    except TransportError as exc:
        say(host.name, f"unreachable: {exc}")
        return HostFacts(host.name, False, {}, (str(exc)[:500],),
                         duration_s=round(time.monotonic() - started, 3))
    with session:
        say(host.name, f"connected ({session.host_key}); gathering "
                       f"{len(user_specs) + len(root_specs)} facts")
        jobs = [(user_specs, False), (root_specs, True)]
        jobs = [(specs, priv) for specs, priv in jobs if specs]
        facts: dict[str, Fact] = {}
        problems: list[str] = []
        with cf.ThreadPoolExecutor(max_workers=2) as pool:
            for part, problem in pool.map(lambda job: _run_batch(session, host, *job), jobs):
                facts.update(part)
                if problem:
                    problems.append(problem)
        errors = tuple(problems)
        result = HostFacts(host.name, True, facts, errors, session.host_key,
                           round_trips=len(jobs), connections=session.connections,
                           duration_s=round(time.monotonic() - started, 3))
    say(host.name, f"done in {result.duration_s:.2f} s")
    return result


def collect(inventory: Inventory, needs: Mapping[str, set[str]],
            options: CollectOptions) -> FactsSnapshot:
    """Gather ``needs`` (host name -> fact keys) from every host, hosts in parallel."""
    started = now_iso()
    hosts = [h for h in inventory.hosts if needs.get(h.name)]
    results: dict[str, HostFacts] = {}
    workers = max(1, min(options.concurrency, len(hosts) or 1))
    with cf.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(collect_host, h, needs[h.name], options): h for h in hosts}
        for future in cf.as_completed(futures):
            host = futures[future]
            results[host.name] = future.result()
    ordered = {h.name: results[h.name] for h in hosts}
    return FactsSnapshot(started_at=started, finished_at=now_iso(), scan_time=started,
                         inventory_sha256=inventory.sha256, hosts=ordered,
                         tool_version=__version__)
