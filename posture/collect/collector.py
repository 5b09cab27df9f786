"""Gather facts: one SSH connection per host with at most two concurrent execs, plus probes.

For a host, the unprivileged batch and the sudo batch run at the same time on two channels of
the same connection, so a host costs about one round trip whatever the number of facts. The
databases of a host are probed through tunnels over that same connection. Endpoints are probed
from the auditor, in parallel with the hosts.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeGuard

from posture import __version__
from posture.collect.batch import build_script, new_marker, split_output
from posture.collect.documents import collect_documents
from posture.collect.facts.registry import BY_KEY as SSH_FACTS
from posture.collect.facts.registry import FactSpec, specs_for
from posture.collect.leastpriv import mark_refusals, wrapper_specs
from posture.collect.probes.registry import BY_KEY as PROBES
from posture.collect.probes.registry import ProbeContext, ProbeError, before_ssh, run_after_ssh
from posture.collect.transport import pacing
from posture.collect.transport.execresult import ExecResult
from posture.collect.transport.session import Session, open_session
from posture.collect.transport.stopflag import Interrupt
from posture.collect.types import session_port
from posture.collect.witness import SshWitness
from posture.errors import SudoError, TransportError
from posture.inventory.model import Database, Endpoint, Host, Inventory
from posture.models import Fact, FactsSnapshot, FactStatus, HostFacts

if TYPE_CHECKING:
    from posture.collect.transport.ssh import SshSession

Progress = Callable[[str, str], None]  # (target name, message)
Plan = Mapping[str, Mapping[str, set[str]]]  # kind -> target name -> fact keys


@dataclass(frozen=True)
class CollectOptions:
    """Knobs of a collection run."""

    trust_on_first_use: bool = False
    concurrency: int = 8
    allow_match_exec: bool = False  # let ssh_config 'Match exec' run its local commands
    environ: Mapping[str, str] | None = None
    progress: Progress | None = None
    extra: Mapping[str, object] = field(default_factory=dict)
    interrupt: Interrupt | None = None  # SIGTERM: close sessions, visit no further host
    on_target: Callable[[str, str, HostFacts], None] | None = None  # (kind, name, facts)
    # How a host's session is opened (tests: a recorded host, see posture.collect.replay).
    session_factory: Callable[[Host], Session] | None = None
    # Unauthenticated SSH connections at once to one address (transport/pacing.py).
    handshakes_per_address: int = pacing.DEFAULT_PER_ADDRESS


def now_iso() -> str:
    """UTC now, ISO-8601 with a Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def plan_batches(host: Host, keys: Iterable[str]) -> tuple[list[FactSpec], list[FactSpec]]:
    """Split the needed SSH facts into (unprivileged, sudo) batches for ``host``."""
    specs = specs_for({k for k in keys if k in SSH_FACTS})
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


def _script_not_run(result: ExecResult, marker: str, host: Host) -> str:
    """Why no section began although the command ended: the login shell never ran the script
    (nologin, /bin/false, a .bashrc that execs something else)."""
    if f"{marker} B ".encode() in result.stdout:
        return ""
    said = " ".join(result.stdout[:300].decode("utf-8", "replace").split())
    said = "".join(c for c in said if c.isprintable())[:200]
    user = host.ssh.user or "the audit user"
    return (f"the login shell of {user} did not run the audit script (exit "
            f"{result.exit_status}{'; it printed: ' + said if said else ''})")


def _fail_all(specs: list[FactSpec], status: FactStatus, reason: str,
              privileged: bool) -> dict[str, Fact]:
    return {s.key: Fact(s.key, status, None, reason, s.snippet.strip()[:2000], None, privileged)
            for s in specs}


def _run_batch(session: Session, host: Host, specs: list[FactSpec], privileged: bool,
               inventory: Inventory) -> tuple[dict[str, Fact], str]:
    """Run one batch; return its facts and a host-level error message ('' when none)."""
    wrapper = host.ssh.sudo_wrapper if privileged else None
    if wrapper:  # least privilege: each root fact is its own exact sudo rule (leastpriv.py)
        specs = wrapper_specs(specs, wrapper)
    marker = new_marker()
    # Facts that take data (e.g. sshd.contexts' source addresses) get it on the snippet's
    # stdin, inside this same script: still one exec per privilege level.
    data = {s.key: s.data(inventory, host) for s in specs if s.data is not None}
    script = build_script(specs, marker, host.timeouts.command, data)
    timeout = min(host.timeouts.command * max(1, len(specs)), host.timeouts.host)
    try:
        if privileged and not wrapper:
            result = session.run_sudo(script, timeout=timeout)
        else:
            result = session.run("sh -s", stdin=script, timeout=timeout)
    except SudoError as exc:
        status = FactStatus.DENIED if exc.kind != "error" else FactStatus.ERROR
        reason = f"sudo {exc.kind}: {exc}"[:500]
        return _fail_all(specs, status, reason, True), reason
    except TransportError as exc:
        reason = str(exc)[:500]
        return _fail_all(specs, FactStatus.ERROR, reason, privileged), reason
    failure = _failure(result) or _script_not_run(result, marker, host)
    facts = split_output(result.stdout, result.stderr, marker, specs,
                         privileged=privileged, failure=failure)
    return (mark_refusals(facts) if wrapper else facts), failure


def run_probes(keys: Iterable[str], ctx: ProbeContext) -> dict[str, Fact]:
    """Run the probes named by ``keys`` in order; each failure stays in its own fact."""
    facts: dict[str, Fact] = {}
    try:
        for key in sorted(k for k in keys if k in PROBES):
            probe = PROBES[key]
            if ctx.remaining() <= 0:
                facts[key] = Fact(key, FactStatus.TIMEOUT, None, "target deadline reached")
                continue
            try:
                facts[key] = Fact(key, FactStatus.OK, probe.run(ctx))
            except ProbeError as exc:
                facts[key] = Fact(key, exc.status, None, str(exc)[:500])
            except Exception as exc:  # noqa: BLE001 - one broken probe must not sink a target
                facts[key] = Fact(key, FactStatus.ERROR, None,
                                  f"probe failed internally ({type(exc).__name__})")
    finally:
        for close in ctx.cache.get("closers", []):
            try:
                close()
            except Exception:  # noqa: BLE001, S112 - closing is best effort
                continue
    return facts


@dataclass
class _HostWork:
    host: Host
    keys: set[str]
    databases: list[tuple[Database, set[str]]]


def _is_ssh(session: Session) -> TypeGuard[SshSession]:
    """Whether ``session`` is an SSH session (a database probe tunnels through it). Only an
    imported module's class has instances: a scan without SSH hosts never loads paramiko."""
    ssh = sys.modules.get("posture.collect.transport.ssh")
    return ssh is not None and isinstance(session, ssh.SshSession)


def _probe_databases(work: _HostWork, session: Session | None, inventory: Inventory,
                     environ: Mapping[str, str], reason: str,
                     host_facts: Mapping[str, Fact] | None = None) -> dict[str, HostFacts]:
    out: dict[str, HostFacts] = {}
    for database, keys in work.databases:
        started = time.monotonic()
        if session is None:
            facts = {k: Fact(k, FactStatus.ERROR, None, reason) for k in keys}
            out[database.name] = HostFacts(database.name, False, facts, (reason,))
            continue
        ctx = ProbeContext(inventory, database.name, started + work.host.timeouts.host,
                           environ, host=work.host, database=database,
                           ssh=session if _is_ssh(session) else None)
        ctx.cache["host_facts"] = dict(host_facts or {})
        facts = run_probes(keys, ctx)
        reachable = any(f.ok for f in facts.values())
        errors = tuple(sorted({f.reason for f in facts.values() if not f.ok}))[:5]
        out[database.name] = HostFacts(database.name, reachable, facts, errors,
                                       duration_s=round(time.monotonic() - started, 3))
    return out


def collect_host(work: _HostWork, inventory: Inventory,
                 options: CollectOptions) -> tuple[HostFacts, dict[str, HostFacts]]:
    """Visit one host: SSH batches, host probes, database probes. Never raises.

    The host probes that do not read the SSH facts (a connect from a vantage address, a port
    scan) wait on the network, a filtered port for its full timeout: they start first, in a
    thread of their own, and run while the SSH session opens and the batches run.
    """
    host, started = work.host, time.monotonic()
    if options.interrupt is not None and options.interrupt.requested:
        return HostFacts(host.name, False, {}, (options.interrupt.why(),)), {}
    environ = options.environ if options.environ is not None else os.environ
    early_keys = sorted(k for k in before_ssh(work.keys) if k in PROBES)
    witness = SshWitness()  # told by _visit, always, before it waits for the early probes
    # The SSH port the probes look at is the one the session connects to (tests' sessions
    # from session_factory connect nowhere: the inventory's port or 22 then).
    port = None if options.session_factory is not None or not PROBES.keys() & work.keys \
        else session_port(host)
    late_ctx = ProbeContext(inventory, host.name, started + host.timeouts.host, environ,
                            host=host, witness=witness, ssh_port=port)
    warmers = [hook for k in sorted(set(work.keys) - set(early_keys))
               if k in PROBES and (hook := PROBES[k].warm) is not None]
    if not (early_keys or warmers):
        early: cf.Future[dict[str, Fact]] = cf.Future()
        early.set_result({})
        return _visit(work, inventory, options, early, late_ctx, started)
    # One thread per probe, each with its own context: their waits overlap each other too.
    workers = len(early_keys) + len(warmers) + 1
    with cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="probe") as pool:
        parts = [pool.submit(run_probes, {key}, ProbeContext(
            inventory, host.name, started + host.timeouts.host, environ, host=host,
            witness=witness, ssh_port=port))
            for key in early_keys]
        warm_ups = [pool.submit(w, late_ctx) for w in warmers]
        early = pool.submit(_merge, parts, warm_ups)
        return _visit(work, inventory, options, early, late_ctx, started)


def _merge(parts: list[cf.Future[dict[str, Fact]]],
           warm: list[cf.Future[None]]) -> dict[str, Fact]:
    """The early probes' facts, once they and the warm-ups are done."""
    merged: dict[str, Fact] = {}
    for part in parts:
        merged.update(part.result())
    cf.wait(warm)  # a failed warm-up only leaves its probe to do all the work itself
    return merged


def _visit(work: _HostWork, inventory: Inventory, options: CollectOptions,
           early: cf.Future[dict[str, Fact]], late_ctx: ProbeContext,
           started: float) -> tuple[HostFacts, dict[str, HostFacts]]:
    """The SSH part of :func:`collect_host`, with the early probes' facts from ``early``.

    Tells ``late_ctx.witness`` what the session's connection showed (or None) before any
    wait for ``early``: the early probes may be waiting for it."""
    witness = late_ctx.witness
    try:
        return _visit_host(work, inventory, options, early, late_ctx, started)
    finally:
        if witness is not None:  # a path that told nothing (an exception): nothing was seen
            witness.tell(None)


def _visit_host(work: _HostWork, inventory: Inventory, options: CollectOptions,
                early: cf.Future[dict[str, Fact]], late_ctx: ProbeContext,
                started: float) -> tuple[HostFacts, dict[str, HostFacts]]:
    host, witness = work.host, late_ctx.witness or SshWitness()
    environ = options.environ if options.environ is not None else os.environ
    say = options.progress or (lambda _h, _m: None)
    user_specs, root_specs = plan_batches(host, work.keys)
    if not (user_specs or root_specs or work.databases):
        witness.tell(None)
        return HostFacts(host.name, True, early.result(),
                         duration_s=round(time.monotonic() - started, 3)), {}
    say(host.name, "connecting")
    try:
        session = options.session_factory(host) if options.session_factory else open_session(
            host, trust_on_first_use=options.trust_on_first_use, environ=environ,
            allow_match_exec=options.allow_match_exec)
    except TransportError as exc:
        witness.tell(None)
        say(host.name, f"unreachable: {exc}")
        reason = str(exc)[:500]
        dbs = _probe_databases(work, None, inventory, environ, reason)
        return HostFacts(host.name, False, early.result(), (reason,),
                         duration_s=round(time.monotonic() - started, 3)), dbs
    direct = getattr(session, "direct_connection", None)  # an SSH session's own connection
    witness.tell(direct() if callable(direct) else None)
    stop = options.interrupt.register(session.close) if options.interrupt else 0
    with session:
        say(host.name, f"connected ({session.host_key}); gathering "
                       f"{len(user_specs) + len(root_specs)} facts")
        jobs = [(specs, priv) for specs, priv in ((user_specs, False), (root_specs, True))
                if specs]
        facts: dict[str, Fact] = {}
        problems: list[str] = []
        with cf.ThreadPoolExecutor(max_workers=2) as pool:
            for part, problem in pool.map(
                    lambda job: _run_batch(session, host, job[0], job[1], inventory), jobs):
                facts.update(part)
                if problem:
                    problems.append(problem)
        facts.update(early.result())
        facts.update(run_after_ssh(work.keys, late_ctx, facts, run_probes))
        dbs = _probe_databases(work, session, inventory, environ, "", facts)
        result = HostFacts(host.name, True, facts, tuple(problems), session.host_key,
                           round_trips=len(jobs), connections=session.connections,
                           duration_s=round(time.monotonic() - started, 3))
    if options.interrupt is not None:
        options.interrupt.unregister(stop)
        if options.interrupt.requested and result.errors:
            result = replace(result, errors=(options.interrupt.why(), *result.errors))
    say(host.name, f"done in {result.duration_s:.2f} s")
    return result, dbs


def collect_endpoint(endpoint: Endpoint, keys: set[str], inventory: Inventory,
                     options: CollectOptions) -> HostFacts:
    """Probe one endpoint from the auditor. Never raises."""
    started = time.monotonic()
    environ = options.environ if options.environ is not None else os.environ
    budget = endpoint.deadline_s or float(
        options.extra.get("endpoint_deadline", 120.0))  # type: ignore[arg-type]
    ctx = ProbeContext(inventory, endpoint.name, started + budget, environ, endpoint=endpoint)
    facts = run_probes(keys, ctx)
    # endpoint.info restates the inventory: only an answer from the endpoint makes it reachable
    reachable = any(f.ok for k, f in facts.items() if k != "endpoint.info")
    errors = tuple(sorted({f.reason for f in facts.values() if not f.ok}))[:5]
    return HostFacts(endpoint.name, reachable, facts, errors,
                     duration_s=round(time.monotonic() - started, 3))


def database_host_facts(dbs: Iterable[tuple[Database, Iterable[str]]]) -> set[str]:
    """Host facts that the planned probes of these databases read (``Probe.host_facts``):
    they are gathered in the host's batch with its other facts."""
    return {fact for db, db_keys in dbs for key in db_keys if key in PROBES
            for engine, fact in PROBES[key].host_facts if engine == db.engine}


def _host_work(inventory: Inventory, plan: Plan) -> list[_HostWork]:
    db_plan = plan.get("database", {})
    by_host: dict[str, list[tuple[Database, set[str]]]] = {}  # one pass, whatever the fleet
    for d in inventory.databases:
        if db_plan.get(d.name):
            by_host.setdefault(d.host, []).append((d, set(db_plan[d.name])))
    work: list[_HostWork] = []
    for host in inventory.hosts:
        dbs = by_host.get(host.name, [])
        keys = set(plan.get("host", {}).get(host.name, set()))
        keys |= database_host_facts(dbs)
        if keys or dbs:
            work.append(_HostWork(host, keys, dbs))
    return work


def load_transport(inventory: Inventory, plan: Plan) -> None:
    """Import paramiko now when the plan visits a host over SSH (a scan of endpoints only
    never loads it). Called before the collection starts: once it runs, the renderers load
    beside it, and an import on the way to the first connection would share the interpreter
    with theirs."""
    if any(w.host.connection == "ssh" for w in _host_work(inventory, plan)):
        import posture.collect.transport.ssh  # noqa: F401


def _announce(options: CollectOptions, kind: str, done: Mapping[str, HostFacts]) -> None:
    """Hand finished targets to ``on_target`` (an interrupted run reports what it has)."""
    if options.on_target is not None:
        for name, facts in done.items():
            options.on_target(kind, name, facts)


def collect(inventory: Inventory, plan: Plan, options: CollectOptions) -> FactsSnapshot:
    """Gather what ``plan`` asks for; hosts and endpoints in parallel (bounded)."""
    started = now_iso()
    pacing.configure(options.handshakes_per_address)
    works = _host_work(inventory, plan)
    endpoints = [(e, set(plan.get("endpoint", {})[e.name])) for e in inventory.endpoints
                 if plan.get("endpoint", {}).get(e.name)]
    hosts: dict[str, HostFacts] = {}
    databases: dict[str, HostFacts] = {}
    probed: dict[str, HostFacts] = {}
    workers = max(1, min(options.concurrency, len(works) + len(endpoints) or 1))
    with cf.ThreadPoolExecutor(max_workers=workers) as pool:
        host_jobs = {pool.submit(collect_host, w, inventory, options): w for w in works}
        ep_jobs = {pool.submit(collect_endpoint, e, k, inventory, options): e
                   for e, k in endpoints}
        for future in cf.as_completed(host_jobs):
            host_facts, db_facts = future.result()
            hosts[host_jobs[future].host.name] = host_facts
            databases.update(db_facts)
            _announce(options, "host", {host_facts.host: host_facts})
            _announce(options, "database", db_facts)
        for ep_future in cf.as_completed(ep_jobs):
            probed[ep_jobs[ep_future].name] = ep_future.result()
            _announce(options, "endpoint", {ep_jobs[ep_future].name: ep_future.result()})
    order = [h.name for h in inventory.hosts]
    return FactsSnapshot(
        started_at=started, finished_at=now_iso(), scan_time=started,
        inventory_sha256=inventory.sha256,
        hosts={n: hosts[n] for n in order if n in hosts},
        endpoints={e.name: probed[e.name] for e in inventory.endpoints if e.name in probed},
        databases={d.name: databases[d.name] for d in inventory.databases
                   if d.name in databases},
        documents=collect_documents(inventory, plan.get("document", {})),
        tool_version=__version__)
