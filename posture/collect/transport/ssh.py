"""The SSH seam: one verified, authenticated connection per host, commands run over it.

Order of a connection, per hop (ProxyJump hops first, the target last): TCP (or a
``direct-tcpip`` channel through the previous hop), SSH key exchange, host-key check against
known_hosts or pinned fingerprints, and only then authentication. No credential is offered
to a server whose key we have not verified.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Mapping
from types import TracebackType

import paramiko

from posture.collect.transport import pacing
from posture.collect.transport import sudo as sudo_mod
from posture.collect.transport.hostkeys import (
    describe,
    load_known_hosts,
    preferred_algorithms,
    verify_host_key,
)
from posture.collect.transport.sshauth import Credentials, authenticate, gather, secret_from_env
from posture.collect.transport.sshio import ChannelPump, ExecResult, clean_error
from posture.errors import TransportError
from posture.inventory.model import Host
from posture.inventory.sshconfig import Route, SshTarget, resolve
from posture.secret import Secret

__all__ = ["ExecResult", "SshSession"]

# paramiko logs transport failures with tracebacks; users get our TransportError instead.
logging.getLogger("paramiko").addHandler(logging.NullHandler())

_WATCHDOG_GRACE = 2.0  # after the host deadline, connections are torn down whatever blocks


class _Dropped(Exception):  # a signal inside this module, never raised out of it
    """The server dropped a connection before authentication (``error`` says how)."""

    def __init__(self, error: TransportError) -> None:
        super().__init__(str(error))
        self.error = error


class SshSession:
    """An open SSH connection to one host; use as a context manager.

    Pinned fingerprints (``host_key_fingerprints``) apply to the target only; ProxyJump hops
    are checked against the same known_hosts file. :meth:`run` and :meth:`run_sudo` may be
    called from two threads at once: each uses its own channel of the one connection.
    """

    def __init__(self, host: Host, route: Route, deadline: float) -> None:
        self.host = host
        self.route = route
        self.host_key = ""  # "ssh-ed25519 SHA256:..." of the verified target key
        self.host_key_learned = False  # True when trust on first use recorded the key
        self.connections = 0
        self._deadline = deadline
        self._sudo_password: Secret | None = None
        self._pace_key = ""  # pacing destination of the last hop connected (pacing.py)
        self._transports: list[paramiko.Transport] = []
        self._lock = threading.Lock()
        self._closed = False
        self._watchdog = threading.Timer(max(0.0, deadline - time.monotonic()) + _WATCHDOG_GRACE,
                                         self.close)
        self._watchdog.daemon = True

    @classmethod
    def connect(cls, host: Host, *, trust_on_first_use: bool = False,
                environ: Mapping[str, str] | None = None,
                allow_match_exec: bool = False) -> SshSession:
        """Connect (through any ProxyJump hops), verify host keys, authenticate."""
        env = os.environ if environ is None else environ
        deadline = time.monotonic() + host.timeouts.host
        route = resolve(host, allow_match_exec=allow_match_exec)
        targets = [*route.hops, route.target]
        creds = [gather(host.ssh, t, env) for t in targets]  # env/key errors before any I/O
        session = cls(host, route, deadline)
        if host.ssh.sudo_password_env:
            session._sudo_password = secret_from_env(env, host.ssh.sudo_password_env,
                                                     "sudo password")
        session._watchdog.start()
        try:
            for target, cred in zip(targets, creds, strict=True):
                session._connect_hop(target, cred, final=target is route.target,
                                     tofu=trust_on_first_use)
        except BaseException:
            session.close()
            raise
        return session

    def _check_open(self) -> None:
        if self._closed:
            raise TransportError(f"{self.host.name}: the session was closed (host time budget "
                                 f"of {self.host.timeouts.host:g} s, or close())")

    def _budget(self, limit: float) -> float:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TransportError(f"{self.host.name}: host time budget "
                                 f"({self.host.timeouts.host:g} s) used up")
        return min(limit, remaining)

    def _open_socket(self, target: SshTarget, timeout: float,
                     via: paramiko.Transport | None) -> socket.socket | paramiko.Channel:
        where = f"{target.hostname}:{target.port}"
        if via is None:
            try:
                return socket.create_connection((target.hostname, target.port), timeout=timeout)
            except TimeoutError:
                raise TransportError(f"{target.label}: connecting to {where} timed out after "
                                     f"{timeout:g} s") from None
            except OSError as exc:
                raise TransportError(f"{target.label}: cannot connect to {where}: "
                                     f"{clean_error(exc)}") from None
        try:
            return via.open_channel("direct-tcpip", (target.hostname, target.port),
                                    ("127.0.0.1", 0), timeout=timeout)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise TransportError(f"{target.label}: the jump host could not connect to {where}: "
                                 f"{clean_error(exc)}") from None

    def _connect_hop(self, target: SshTarget, creds: Credentials, *, final: bool,
                     tofu: bool) -> None:
        """Connect, verify and authenticate one hop, paced per destination (pacing.py):
        a connection dropped before authentication is tried again, an auth failure never."""
        with self._lock:
            self._check_open()
            via = self._transports[-1] if self._transports else None  # None: the first hop
        key = pacing.destination(target.hostname, target.port, self._pace_key if via else "")
        attempt = 0
        while True:
            with pacing.handshake_slot(key, self._deadline, target.label):
                try:
                    transport, server_key = self._handshake(target, via)
                except _Dropped as drop:
                    failure = drop.error
                else:
                    learned = verify_host_key(
                        label=target.label, names=target.known_hosts_names,
                        key_type=server_key.get_name(), blob=server_key.asbytes(),
                        known_hosts=self.route.known_hosts,
                        pins=self.host.ssh.host_key_fingerprints if final else (),
                        trust_on_first_use=tofu)
                    authenticate(transport, target, creds)  # the key is verified: now secrets
                    break
            attempt += 1
            pause = pacing.backoff(attempt)
            if attempt > pacing.RETRIES or time.monotonic() + pause >= self._deadline:
                raise TransportError(f"{failure} (dropped before authentication, "
                                     f"{attempt} attempt{'s' if attempt > 1 else ''})")
            time.sleep(pause)
        self._pace_key = key
        if final:
            self.host_key = describe(server_key.get_name(), server_key.asbytes())
            self.host_key_learned = learned

    def _handshake(self, target: SshTarget, via: paramiko.Transport | None
                   ) -> tuple[paramiko.Transport, paramiko.PKey]:
        """TCP (or a channel of ``via``) and the SSH key exchange; the server's key.

        Raises :class:`_Dropped` when the server dropped the connection before its banner or
        during the key exchange (a retry may succeed), TransportError otherwise."""
        timeout = self._budget(self.host.timeouts.connect)
        transport = paramiko.Transport(self._open_socket(target, timeout, via))
        with self._lock:
            if self._closed:  # the watchdog fired meanwhile: do not leak this connection
                transport.close()
            self._check_open()
            self._transports.append(transport)
        self.connections += 1
        transport.banner_timeout = transport.handshake_timeout = timeout
        transport.auth_timeout = timeout
        pins = self.host.ssh.host_key_fingerprints if target is self.route.target else ()
        options = transport.get_security_options()
        if not pins:  # ask for the key types known_hosts already holds, like OpenSSH
            options.key_types = preferred_algorithms(
                load_known_hosts(self.route.known_hosts), target.known_hosts_names,
                options.key_types)
        where = f"{target.hostname}:{target.port}"
        done = threading.Event()
        try:
            transport.start_client(event=done)  # returns at once; we wait with our own bound
            if not done.wait(timeout):
                raise TransportError(f"{target.label}: no SSH handshake from {where} within "
                                     f"{timeout:g} s (is it an SSH server?)")
            failure = transport.get_exception()  # whatever the hostile peer made paramiko raise
            if failure is not None or not transport.is_active():
                detail = clean_error(failure) if failure else "negotiation failed"
                error = TransportError(f"{target.label}: SSH handshake with {where} failed: "
                                       f"{detail}")
                if pacing.dropped_before_auth(failure):
                    self._forget(transport)
                    raise _Dropped(error)
                raise error
            return transport, transport.get_remote_server_key()
        except (paramiko.SSHException, OSError, EOFError) as exc:
            error = TransportError(f"{target.label}: SSH handshake with {where} failed: "
                                   f"{clean_error(exc)}")
            if pacing.dropped_before_auth(exc):
                self._forget(transport)
                raise _Dropped(error) from None
            raise error from None

    def _forget(self, transport: paramiko.Transport) -> None:
        """Close a dropped connection and take it off the session's list."""
        with self._lock:
            if transport in self._transports:
                self._transports.remove(transport)
                self.connections -= 1
        transport.close()

    def _start(self, command: str, timeout: float, max_stdout: int,
               max_stderr: int) -> ChannelPump | None:
        """Open a channel and start ``command``; None when no time is left."""
        now = time.monotonic()
        limit = min(timeout, self._deadline - now)
        with self._lock:
            if not self._transports:
                if self._closed and self._deadline - now > 0:
                    raise TransportError(f"{self.host.name}: the session is closed")
                return None  # the host deadline passed and the watchdog closed the session
            transport = self._transports[-1]
        if limit <= 0:
            return None
        try:
            channel = transport.open_session(timeout=min(limit, self.host.timeouts.connect))
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise TransportError(f"{self.host.name}: cannot open a channel: {clean_error(exc)}") \
                from None
        # exec_command waits for the server's answer without a timeout: bound it by closing.
        guard = threading.Timer(limit, channel.close)
        guard.daemon = True
        guard.start()
        try:
            channel.exec_command(command)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            if time.monotonic() - now >= limit:
                return None
            raise TransportError(f"{self.host.name}: the server refused to run the command: "
                                 f"{clean_error(exc)}") from None
        finally:
            guard.cancel()
        return ChannelPump(channel, deadline=now + limit, max_stdout=max_stdout,
                           max_stderr=max_stderr)

    def run(self, command: str, *, stdin: bytes = b"", timeout: float,
            max_stdout: int = 8 << 20, max_stderr: int = 2 << 20) -> ExecResult:
        """Run ``command`` (passed verbatim to the remote shell) and collect its output.

        Never exceeds ``timeout`` nor the host's remaining budget: on either the result has
        ``timed_out`` set. Output beyond a cap ends the command with ``truncated`` set.
        """
        pump = self._start(command, timeout, max_stdout, max_stderr)
        if pump is None:
            return ExecResult(b"", b"", None, True, False, 0.0)
        pump.send(stdin, then_close=True)
        return pump.finish()

    def run_sudo(self, script: bytes, *, timeout: float, max_stdout: int = 8 << 20,
                 max_stderr: int = 2 << 20) -> ExecResult:
        """Run ``script`` with ``sh -s`` as root through sudo; raise SudoError when refused."""
        plan = sudo_mod.plan(with_password=self._sudo_password is not None)
        pump = self._start(plan.command, timeout, max_stdout, max_stderr)
        if pump is None:
            return ExecResult(b"", b"", None, True, False, 0.0)
        return sudo_mod.run_as_root(pump, plan, script, self._sudo_password,
                                    answer_within=max(15.0, self.host.timeouts.connect))

    def direct_connection(self) -> tuple[str, str, int] | None:
        """(local address, peer address, peer port) of the target's connection when it is a
        TCP connection of this machine that completed its SSH handshake (no jump host), else
        None: what :class:`posture.collect.witness.SshWitness` is told."""
        with self._lock:
            if self.route.hops or not self._transports or self._closed:
                return None
            transport = self._transports[-1]
        sock = transport.sock
        if not (transport.is_active() and isinstance(sock, socket.socket)):
            return None
        try:
            local, peer = sock.getsockname(), sock.getpeername()
        except OSError:
            return None
        return str(local[0]), str(peer[0]), int(peer[1])

    def close(self) -> None:
        """Close every connection (target first, then the hops); safe to call again."""
        with self._lock:
            self._closed = True
            transports, self._transports = self._transports, []
        self._watchdog.cancel()
        for transport in reversed(transports):
            transport.close()

    def __enter__(self) -> SshSession:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
