"""A firewalled lab target: a network namespace joined to the auditor by a veth pair.

The namespace gets ``PREFIX.1``; the auditor's side of the pair gets ``PREFIX.2`` (its
primary address: what the auditor connects from) and ``PREFIX.3`` (a second source address,
used as a vantage point). ``PREFIX`` is a /24 of the benchmarking range 198.18.0.0/15 that
no route or interface of this machine uses. Servers are started *inside* the namespace by
switching the calling thread into it (:meth:`NetLab.inside`), so the existing lab helpers
(:mod:`tests.labs.base`, :mod:`tests.labs.mariadb`, :mod:`tests.labs.web`) work unchanged; rules are
loaded with ``ip netns exec``. :meth:`NetLab.stop` deletes the veth pair and the namespace
(the servers belong to their own helpers, which stop them).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Final

CLONE_NEWNET: Final = 0x40000000
_RANGE: Final = "198.18"


class NetLabError(RuntimeError):
    """The namespace lab could not be set up."""


def _ip(*args: str, stdin: str = "") -> str:
    done = subprocess.run(["ip", *args], input=stdin.encode(), capture_output=True,
                          timeout=30, check=False)
    if done.returncode != 0:
        raise NetLabError(f"ip {' '.join(args)} failed: "
                          f"{done.stderr.decode(errors='replace').strip()[:500]}")
    return done.stdout.decode(errors="replace")


def netlab_unavailable_reason() -> str:
    """Why a namespace lab cannot run here, or ''."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    for tool in ("/usr/sbin/nft", "/usr/sbin/iptables-legacy-restore"):
        if not os.path.exists(tool):
            return f"{tool} is not installed (Debian packages nftables, iptables)"
    try:
        _ip("netns", "list")
    except (NetLabError, OSError) as exc:
        return f"iproute2 cannot manage namespaces: {exc}"
    return ""


def _free_prefix() -> str:
    """A 198.18.N /24 that no address or route of this machine touches."""
    used = _ip("-4", "route") + _ip("-4", "addr")
    for _ in range(50):
        prefix = f"{_RANGE}.{secrets.randbelow(254) + 1}"
        if f"{prefix}." not in used and "198.18.0.0/15" not in used:
            return prefix
    raise NetLabError("no free /24 in 198.18.0.0/15")


def _setns(fd: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise NetLabError(f"setns failed: {os.strerror(ctypes.get_errno())}")


@dataclass
class NetLab:
    """A running namespace with its veth pair; a context manager that tears it down."""

    name: str
    prefix: str
    host_side: str

    @property
    def target(self) -> str:
        """The namespace's address."""
        return f"{self.prefix}.1"

    @property
    def allowed(self) -> str:
        """The auditor's primary address on the pair (the one it connects from)."""
        return f"{self.prefix}.2"

    @property
    def outsider(self) -> str:
        """A second auditor address, meant to be left out of allowlists."""
        return f"{self.prefix}.3"

    @contextlib.contextmanager
    def inside(self) -> Iterator[None]:
        """Run the body (and what it starts) in the namespace; only this thread moves."""
        with open("/proc/thread-self/ns/net", "rb") as home, \
                open(f"/run/netns/{self.name}", "rb") as there:
            _setns(there.fileno())
            try:
                yield
            finally:
                _setns(home.fileno())

    def run(self, *argv: str, stdin: str = "") -> str:
        """Run a tool in the namespace (``nft -f -``, ``iptables-legacy-restore``...)."""
        done = subprocess.run(["ip", "netns", "exec", self.name, *argv], input=stdin.encode(),
                              capture_output=True, timeout=30, check=False)
        if done.returncode != 0:
            raise NetLabError(f"{argv[0]} failed in {self.name}: "
                              f"{done.stderr.decode(errors='replace').strip()[:800]}")
        return done.stdout.decode(errors="replace")

    def load_nft(self, ruleset: str) -> None:
        """Replace every nftables rule of the namespace (iptables-legacy rules are kept)."""
        self.run("nft", "-f", "-", stdin="flush ruleset\n" + ruleset)

    def load_iptables_legacy(self, rules: str) -> None:
        """Replace the legacy iptables filter table with ``rules`` (iptables-save format)."""
        self.run("iptables-legacy-restore", stdin=rules)

    def clear(self) -> None:
        """No rule at all: nftables flushed, legacy filter table emptied and accepting."""
        self.run("nft", "flush", "ruleset")
        self.load_iptables_legacy("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
                                  ":OUTPUT ACCEPT [0:0]\nCOMMIT\n")

    def stop(self) -> None:
        """Delete the veth pair and the namespace; safe to call twice."""
        with contextlib.suppress(NetLabError):
            _ip("link", "del", self.host_side)
        with contextlib.suppress(NetLabError):
            _ip("netns", "delete", self.name)

    def __enter__(self) -> NetLab:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def start_netlab() -> NetLab:
    """Create the namespace, the veth pair and the addresses; torn down again on failure."""
    reason = netlab_unavailable_reason()
    if reason:
        raise NetLabError(reason)
    tag = secrets.token_hex(3)
    lab = NetLab(f"pst{tag}", _free_prefix(), f"pst{tag}h")
    inner = f"pst{tag}n"
    try:
        _ip("netns", "add", lab.name)
        _ip("link", "add", lab.host_side, "type", "veth", "peer", "name", inner)
        _ip("link", "set", inner, "netns", lab.name)
        for address in (lab.allowed, lab.outsider):  # the first one is the primary source
            _ip("addr", "add", f"{address}/24", "dev", lab.host_side)
        _ip("link", "set", lab.host_side, "up")
        for args in (("addr", "add", f"{lab.target}/24", "dev", inner),
                     ("link", "set", inner, "up"), ("link", "set", "lo", "up")):
            _ip("-n", lab.name, *args)
    except BaseException:
        lab.stop()
        raise
    return lab
