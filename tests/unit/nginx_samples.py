"""Recorded nginx facts for the unit tests (outputs of the nginx.config snippet)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from facts_samples import context, ok, parsed

from posture.collect.facts.nginx import parse_config
from posture.models import Fact, FactStatus

DATA = Path(__file__).parent.parent / "data" / "nginx"
PS_WWW = [{"user": "root", "pid": 2210, "ppid": 1, "comm": "nginx"},
          {"user": "www-data", "pid": 2211, "ppid": 2210, "comm": "nginx"},
          {"user": "www-data", "pid": 2212, "ppid": 2210, "comm": "nginx"},
          # another server's nginx (another namespace): its root worker must not count
          {"user": "root", "pid": 4410, "ppid": 1, "comm": "nginx"},
          {"user": "root", "pid": 4411, "ppid": 4410, "comm": "nginx"}]
DEB12_OS = {"ID": "debian", "VERSION_ID": "12"}


def nginx_fact(name: str) -> Fact:
    """The ``nginx.config`` fact parsed from a recorded snippet output in tests/data/nginx."""
    return parsed("nginx.config", (DATA / name).read_text())


def nginx_config(name: str) -> dict[str, Any]:
    """The first master's parsed configuration of a recorded output."""
    value = parse_config((DATA / name).read_text())
    assert isinstance(value, dict)
    config = value["masters"][0]["config"]
    assert isinstance(config, dict)
    return config


def nginx_ctx(config: Fact, params: dict[str, Any] | None = None, *extra: Fact) -> Any:
    """A check context: this nginx fact, its processes, Debian 12, nothing else installed."""
    facts = [config, ok("proc.list", PS_WWW), ok("os.release", DEB12_OS),
             Fact("nginx.version", FactStatus.MISSING), Fact("apache.version", FactStatus.MISSING),
             ok("pkg.versions", {"manager": "dpkg", "packages": {}}), *extra]
    return context(facts, params or {})
