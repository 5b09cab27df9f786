"""nginx as the facts describe it: which version runs, which masters, effective settings.

nginx inherits a directive from the enclosing level (http -> server -> location) unless the
inner level sets it; ``add_header`` and ``allow``/``deny`` are inherited only by a level that
has none of its own. These helpers apply exactly those rules to the ``nginx.config`` fact
(see :mod:`posture.collect.facts.nginx_config` for its shape).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from checks.base import CheckContext, Outcome, missing
from checks.system.installed import Installed
from checks.system.versions import upstream_version
from posture.models import FactStatus, Status

PACKAGES = ("nginx", "nginx-core", "nginx-full", "nginx-light", "nginx-extras")
T_ADDED = "1.9.2"  # nginx -T (dump the configuration) exists since this release

Level = Mapping[str, Any]


def _packages(ctx: CheckContext) -> dict[str, str]:
    fact = ctx.fact("pkg.versions")
    if not fact.ok or not isinstance(fact.value, dict):
        return {}
    listed = fact.value.get("packages") or {}
    return {name: str(listed[name]) for name in PACKAGES if name in listed}


def masters(ctx: CheckContext) -> list[dict[str, Any]] | Outcome:
    """The running masters of this host's network namespace ([] when nginx does not run)."""
    fact = ctx.fact("nginx.config")
    if fact.status is FactStatus.MISSING:
        return []
    error = missing(ctx, "nginx.config")
    if error:
        return error
    value = fact.value if isinstance(fact.value, dict) else {}
    return [m for m in value.get("masters", []) if isinstance(m, dict)]


def installed(ctx: CheckContext) -> Installed | Outcome | None:
    """nginx on this host: the running binary's version first, then ``nginx -v`` of the
    one on the PATH, then the package; ``None`` when nothing says nginx is there."""
    packages = _packages(ctx)
    running = masters(ctx)
    if isinstance(running, list):
        versions = sorted({str(m["version"]) for m in running if m.get("version")})
        if versions:
            first = next(m for m in running if m.get("version"))
            return Installed(versions[0], f"running master {first.get('binary')} -v",
                             str(first.get("server_version") or ""), packages)
    fact = ctx.fact("nginx.version")
    if fact.ok and isinstance(fact.value, dict) and fact.value.get("version"):
        return Installed(str(fact.value["version"]), f"{fact.value.get('binary') or 'nginx'} -v",
                         str(fact.value.get("server_version") or ""), packages)
    if packages:
        name = next(iter(packages))
        return Installed(upstream_version(packages[name]), f"package {name}", "", packages)
    if isinstance(running, Outcome):
        return running
    if fact.status not in (FactStatus.MISSING, FactStatus.OK):
        return missing(ctx, "nginx.version")
    return None


def config_of(master: Mapping[str, Any]) -> dict[str, Any] | Outcome:
    """The parsed configuration of one master, or why it cannot be judged."""
    if master.get("skipped"):
        return Outcome(Status.ERROR, f"could not determine: the process {master.get('pid')} "
                       "that calls itself an nginx master was not examined (its binary is "
                       f"not run as root by posture: {master.get('skipped')})",
                       {"pid": master.get("pid"), "args": master.get("args"),
                        "skipped": master.get("skipped")})
    config = master.get("config")
    version = str(master.get("version") or "")
    if not isinstance(config, dict) or not config.get("files"):
        why = "; ".join(str(m) for m in (config or {}).get("messages", [])[:3]) \
            if isinstance(config, dict) else ""
        old = (f" nginx {version} predates -T (added in {T_ADDED})."
               if version and _older(version, T_ADDED) else "")
        return Outcome(Status.ERROR, f"could not determine: nginx -T of master "
                       f"{master.get('pid')} printed no configuration.{old}",
                       {"pid": master.get("pid"), "binary": master.get("binary"),
                        "dump_rc": master.get("dump_rc"), "messages": why[:500] or None})
    if master.get("dump_rc") not in (0, None) or config.get("errors"):
        return Outcome(Status.ERROR, f"could not determine: the configuration of nginx master "
                       f"{master.get('pid')} does not parse cleanly",
                       {"dump_rc": master.get("dump_rc"),
                        "errors": list(config.get("errors", []))[:10],
                        "messages": list(config.get("messages", []))[:10]})
    return config


def _older(version: str, than: str) -> bool:
    def key(text: str) -> tuple[int, ...]:
        return tuple(int(p) for p in text.split(".") if p.isdecimal())
    return key(version) < key(than)


def setting(chain: Sequence[Level], name: str) -> dict[str, Any] | None:
    """The effective single-valued directive ``name`` (innermost level that sets it)."""
    for level in reversed(chain):
        found = (level.get("directives") or {}).get(name)
        if found:
            return dict(found[-1])
    return None


def inherited_list(chain: Sequence[Level], name: str) -> list[dict[str, Any]]:
    """An array directive (``add_header``, allow/deny as ``access``): the innermost level
    that has any occurrence wins whole; nothing is merged with the outer levels."""
    for level in reversed(chain):
        found = level.get("access") if name == "access" else \
            (level.get("directives") or {}).get(name)
        if found:
            return [dict(f) for f in found]
    return []


def walk(config: Mapping[str, Any]) -> list[tuple[str, list[Level]]]:
    """Every server and location with its chain of levels (http first), labelled."""
    http = config.get("http") or {}
    out: list[tuple[str, list[Level]]] = []

    def visit(label: str, chain: list[Level]) -> None:
        out.append((label, chain))
        for loc in chain[-1].get("locations") or []:
            visit(f"{label} location {loc.get('modifier', '')} {loc.get('path', '')}"
                  .replace("  ", " "), [*chain, loc])

    for server in config.get("servers") or []:
        names = " ".join(a for s in (server.get("directives") or {}).get("server_name", [])
                         for a in s.get("args", []))[:80]
        visit(f"server {names or '_'} at {server.get('at')}", [http, server])
    return out


def listens(server: Level) -> list[tuple[str, int, bool]]:
    """(address, port, default_server) of each ``listen`` of a server (none: *:80)."""
    out = []
    for entry in (server.get("directives") or {}).get("listen", []):
        args = [str(a) for a in entry.get("args", [])]
        if not args or args[0].startswith("unix:"):
            continue
        text = args[0]
        if text.isdecimal():
            address, port = "*", text
        else:
            address, _, port = text.rpartition(":")
        if not port.isdecimal():  # "listen localhost;" or "listen 10.0.0.1;": port 80
            address, port = text, "80"
        out.append((address.strip("[]") or "*", int(port),
                    "default_server" in args or "default" in args))
    return out or [("*", 80, False)]
