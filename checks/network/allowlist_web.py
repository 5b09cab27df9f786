"""Which web server answers an endpoint's port, and who it admits to the endpoint's path.

nginx is asked first (its running masters' configurations say exactly which ports they
listen on), then Apache. When neither configuration could be read, or neither listens on the
port, the answer is an ``error`` naming what was missing: never a guess.
"""

from __future__ import annotations

from typing import Any

from checks.base import CheckContext, Outcome
from checks.network import allowlist_apache, allowlist_nginx
from checks.network.allowlist_layers import Layer
from checks.websites.nginx_model import config_of, masters
from posture.models import FactStatus, Status

WEB_FACTS = ("apache.access", "nginx.config", "nginx.version")


def _apache_listens(access: dict[str, Any], port: int) -> bool | None:
    """True/False from Apache's Listen lines; None when it printed none."""
    entries = [e for e in access.get("listen", []) if isinstance(e, dict)]
    if not entries:
        return None
    return any(str(e.get("address")).rpartition(":")[2] == str(port) for e in entries)


def web_layer(ctx: CheckContext, path: str, port: int, host: str,
              address: str = "") -> Layer | Outcome:
    """The access layer of the web server that serves ``port`` of ``address`` (nginx,
    then Apache)."""
    problems: list[str] = []
    running = masters(ctx)
    nginx_possible = False  # an nginx whose configuration could not be read may serve the port
    if isinstance(running, Outcome):
        problems.append(f"nginx: {running.summary}")
        nginx_possible = ctx.fact("nginx.version").status is not FactStatus.MISSING
    else:
        for master in running:
            config = config_of(master)
            if isinstance(config, Outcome):
                return config  # it may be the server of this port: no verdict without it
            layer = allowlist_nginx.admin_layer(config, path, port, host, address)
            if layer is not None:
                layer.evidence["master"] = master.get("pid")
                return layer
        if running:
            problems.append(f"nginx: no server block listens on port {port}")
    access = ctx.fact("apache.access")
    if access.status is FactStatus.OK and isinstance(access.value, dict):
        listens = _apache_listens(access.value, port)
        if listens or (listens is None and not nginx_possible):
            return allowlist_apache.admin_layer(access.value, path, port)
        problems.append(f"Apache: no Listen on port {port}" if listens is False else
                        "Apache printed no Listen line, and nginx may serve the port")
    elif access.status is not FactStatus.MISSING:
        problems.append(f"Apache: fact apache.access is {access.status.value} "
                        f"({access.reason[:120]})")
    if not problems:
        problems.append("neither nginx nor Apache runs on this host")
    return Outcome(Status.ERROR, f"could not determine: which web server answers port {port} "
                   f"({'; '.join(problems)})", {"port": port, "path": path, "problems": problems})
