"""Where and as whom to connect: inventory settings merged over an OpenSSH client config.

Only the options that change *where* we connect are honoured (HostName, Port, User,
IdentityFile, ProxyJump, HostKeyAlias, UserKnownHostsFile), through ``Include`` and
``Host`` patterns (``*``, ``?``, ``!negated``); inventory values win. Policy
options of the file (StrictHostKeyChecking, ...) are ignored on purpose: host keys are
always verified. Configs that would run local commands are refused: ``ProxyCommand``
always, ``Match exec`` unless the user asks for it (``posture scan --allow-match-exec``),
because paramiko's lookup executes ``Match exec`` as it evaluates it.
"""

from __future__ import annotations

import getpass
import os
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import paramiko

from posture.errors import TransportError
from posture.inventory.model import Host
from posture.inventory.sshinclude import enable_match_exec, expand_includes

DEFAULT_CONFIG = "~/.ssh/config"
DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"
_MAX_HOPS = 8  # longer chains are a loop or a mistake
_CONTROL = re.compile(r"[\x00-\x20\x7f]")  # whitespace and control characters


@dataclass(frozen=True)
class SshTarget:
    """One SSH server to reach: the final host or a ProxyJump hop."""

    label: str  # how the user named it, for messages
    hostname: str
    port: int
    user: str
    identity_files: tuple[str, ...] = ()  # from ssh_config; the inventory key_file comes first
    host_key_alias: str | None = None

    @property
    def known_hosts_names(self) -> tuple[str, ...]:
        """Names this server's key is filed under in known_hosts."""
        name = self.host_key_alias or self.hostname
        return (name if self.port == 22 else f"[{name}]:{self.port}",)


@dataclass(frozen=True)
class Route:
    """The target and the hops before it, in connection order."""

    target: SshTarget
    hops: tuple[SshTarget, ...]
    known_hosts: Path


def validate_name(kind: str, value: str) -> str:
    """Reject names that a remote shell or ssh could read as options or split in two."""
    if not value or value.startswith("-") or _CONTROL.search(value):
        raise TransportError(f"invalid {kind} {value!r}: empty, starts with '-', or holds "
                             "whitespace/control characters")
    return value


def _unbracket(address: str) -> str:
    return address[1:-1] if address.startswith("[") and address.endswith("]") else address


def refuse_local_commands(text: str, origin: str, *, allow_match_exec: bool = False) -> None:
    """Raise if an ssh_config text holds ``Match exec`` (unless allowed) or ``ProxyCommand``."""
    for number, raw in enumerate(text.splitlines(), start=1):
        found = paramiko.SSHConfig.SETTINGS_REGEX.match(raw.strip())
        if not found:
            continue
        key, value = found.group(1).lower(), found.group(2)
        if key == "match" and not allow_match_exec:
            try:
                words = shlex.split(value)
            except ValueError:
                words = value.split()
            if any(w.lstrip("!").lower() == "exec" for w in words):
                raise TransportError(f"{origin}:{number}: 'Match exec' would run a local command "
                                     "while looking hosts up; posture refuses such configs")
        if key == "proxycommand" and value.strip().lower() != "none":
            raise TransportError(f"{origin}:{number}: ProxyCommand is not supported "
                                 "(it runs a local command); use ProxyJump")


def load_ssh_config(path: str | None, *, allow_match_exec: bool = False) -> paramiko.SSHConfig:
    """Parse the client config (``~/.ssh/config`` when ``path`` is None and it exists)."""
    file = Path(os.path.expanduser(path or DEFAULT_CONFIG))
    try:
        text = file.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        if path is None:
            return paramiko.SSHConfig()
        raise TransportError(f"ssh_config file {file} does not exist") from None
    except OSError as exc:
        raise TransportError(f"cannot read ssh_config file {file}: {exc.strerror}") from None
    refuse_local_commands(text, str(file), allow_match_exec=allow_match_exec)
    if allow_match_exec:
        enable_match_exec()
    text = expand_includes(text, str(file), partial(refuse_local_commands,
                                                    allow_match_exec=allow_match_exec))
    try:
        return paramiko.SSHConfig.from_text(text)
    except paramiko.ConfigParseError as exc:
        raise TransportError(f"{file}: {exc}") from None


def local_user() -> str:
    """The local login name: OpenSSH's default remote user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        raise TransportError("cannot tell the local user name; set ssh.user") from None


def _lookup(config: paramiko.SSHConfig, name: str) -> dict[str, object]:
    try:
        return dict(config.lookup(name))
    except (paramiko.SSHException, OSError, ValueError, KeyError) as exc:
        # e.g. CouldNotCanonicalize, or paramiko failing to tell the local user
        raise TransportError(f"ssh_config lookup of {name!r} failed: {exc}") from None


def _port(value: object, origin: str) -> int:
    try:
        port = int(str(value))
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise TransportError(f"invalid port {value!r} ({origin})")
    return port


def parse_jump(spec: str) -> list[tuple[str | None, str, int | None]]:
    """Split a ProxyJump value ``[user@]host[:port],...`` (``[v6]:port`` allowed)."""
    hops: list[tuple[str | None, str, int | None]] = []
    for part in spec.split(","):
        part = part.strip()
        if part.startswith("ssh://"):
            part = part[6:]
        user, _, hostport = part.rpartition("@")
        port: int | None = None
        if hostport.startswith("["):
            host, _, rest = hostport[1:].partition("]")
            if rest.startswith(":"):
                port = _port(rest[1:], f"ProxyJump {spec!r}")
        elif hostport.count(":") == 1:
            host, _, raw = hostport.partition(":")
            port = _port(raw, f"ProxyJump {spec!r}")
        else:
            host = hostport
        hops.append((user or None, validate_name("ProxyJump host", host), port))
    return hops


def _target(config: paramiko.SSHConfig, name: str, *, user: str | None, port: int | None,
            label: str, default_user: str) -> tuple[SshTarget, dict[str, object]]:
    options = _lookup(config, name)
    hostname = validate_name("host name", _unbracket(str(options.get("hostname", name))))
    chosen_user = user or str(options.get("user") or "") or default_user
    chosen_port = port or _port(options.get("port", 22), f"ssh_config for {name}")
    identities = options.get("identityfile")
    files = identities if isinstance(identities, list) else []
    alias = options.get("hostkeyalias")
    return SshTarget(
        label=label, hostname=hostname, port=chosen_port,
        user=validate_name("user name", chosen_user),
        identity_files=tuple(os.path.expanduser(str(i)) for i in files),
        host_key_alias=str(alias) if alias else None,
    ), options


def resolve(host: Host, *, allow_match_exec: bool = False) -> Route:
    """Work out the route to ``host``: ssh_config first, inventory settings on top."""
    settings = host.ssh
    address = validate_name("host address", _unbracket(host.address))
    config = load_ssh_config(settings.ssh_config, allow_match_exec=allow_match_exec)
    target, options = _target(config, address, user=settings.user, port=settings.port,
                              label=host.name, default_user=local_user())
    jump = settings.proxy_jump or str(options.get("proxyjump") or "")
    hops = _hops(config, jump, host.name, target.user, depth=0)
    known = settings.known_hosts or _first(options.get("userknownhostsfile")) or DEFAULT_KNOWN_HOSTS
    return Route(target, tuple(hops), Path(os.path.expanduser(known)))


def _hops(config: paramiko.SSHConfig, jump: str, label: str, user: str, *,
          depth: int) -> list[SshTarget]:
    """The hops of a ProxyJump value, in connection order.

    As with OpenSSH, the first hop is reached through its own ProxyJump from ssh_config
    (``ssh -J a,b`` connects to ``a`` as ``ssh a`` would), so chains written across Host
    blocks unfold; the other hops are reached through the one before them. A hop's user
    defaults to the target's: audit accounts usually exist on bastions too.
    """
    if not jump or jump.lower() == "none":
        return []
    if depth >= _MAX_HOPS:
        raise TransportError(f"{label}: ProxyJump chain longer than {_MAX_HOPS} hops "
                             "(a loop in ssh_config?)")
    hops: list[SshTarget] = []
    for index, (hop_user, name, port) in enumerate(parse_jump(jump)):
        hop, options = _target(config, name, user=hop_user, port=port, default_user=user,
                               label=f"{label} (ProxyJump {name})")
        if index == 0:
            own = str(options.get("proxyjump") or "")
            hops.extend(_hops(config, own, label, user, depth=depth + 1))
        hops.append(hop)
    if len(hops) > _MAX_HOPS:
        raise TransportError(f"{label}: ProxyJump chain longer than {_MAX_HOPS} hops")
    return hops


def _first(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.split()[0]
    if isinstance(value, Sequence) and value and isinstance(value[0], str):
        return value[0]
    return None
