"""Whether a web server's request-handling processes run as root (any product).

A parent (master) process may keep root to bind ports 80/443; its children handle requests
and must not. When the server's masters are known (``pids``), only their children count, so a
server of another network namespace or another product's processes cannot decide.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from checks.base import CheckContext, Outcome, capped, missing
from posture.models import JSON, Status, msg


def workers_verdict(ctx: CheckContext, product: str, is_server: Callable[[object], bool],
                    masters: set[int] | None = None,
                    extra: Mapping[str, JSON] | None = None) -> Outcome:
    """pass/fail from ``proc.list``: are the server's worker processes root?"""
    error = missing(ctx, "proc.list")
    if error:
        return error
    procs: list[dict[str, Any]] = [p for p in ctx.fact("proc.list").value or []
                                   if is_server(p.get("comm"))]
    if masters is not None:
        procs = [p for p in procs if p["pid"] in masters or p["ppid"] in masters]
    if not procs:
        return Outcome(Status.NOT_APPLICABLE, msg("No {product} process is running on this "
                                                  "host.", product=product))
    pids = {p["pid"] for p in procs}
    parents = [p for p in procs if p["ppid"] not in pids]
    workers = [p for p in procs if p["ppid"] in pids]
    root_workers = [p["pid"] for p in workers if str(p["user"]) in ("root", "0")]
    users = sorted({str(p["user"]) for p in workers})
    evidence: dict[str, JSON] = {
        "parents": capped([{"pid": p["pid"], "user": p["user"]} for p in parents]),
        "workers": len(workers), "worker_users": users, "root_workers": capped(root_workers),
        **(extra or {})}
    if root_workers:
        return Outcome(Status.FAIL, msg("{count} of {total} {product} worker processes run as "
                                        "root, so any request-handling flaw gives full "
                                        "control.", count=len(root_workers), total=len(workers),
                                        product=product), evidence)
    if not workers:
        if any(str(p["user"]) in ("root", "0") for p in parents):
            return Outcome(Status.FAIL, msg("{product} runs as root with no worker processes, "
                                            "so root handles requests itself.",
                                            product=product), evidence)
        return Outcome(Status.PASS, msg("{product} runs entirely without root privileges.",
                                        product=product), evidence)
    return Outcome(Status.PASS, msg("{product} worker processes ({n}) run as {users}, not "
                                    "root.", n=len(workers), product=product,
                                    users=", ".join(users)), evidence)
