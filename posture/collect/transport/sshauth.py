"""Client credentials: read at the point of use, offered once each, never shown.

Credentials are gathered (environment variables read, key files decrypted) before any
connection is made, so a missing variable is reported without touching the network. They
are offered only after the server's host key was verified (see
:mod:`posture.collect.transport.ssh`).
The SSH agent is found through ``SSH_AUTH_SOCK`` of the process environment (paramiko reads
``os.environ`` itself).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

import paramiko

from posture.collect.transport.sshio import clean_error
from posture.errors import AuthenticationError, TransportError
from posture.inventory.model import SshSettings
from posture.inventory.sshconfig import SshTarget
from posture.secret import Secret

_MAX_AGENT_KEYS = 5  # sshd's MaxAuthTries defaults to 6; never get locked out by an agent


def secret_from_env(environ: Mapping[str, str], variable: str, what: str) -> Secret:
    """The value of ``variable`` as a Secret; a missing one is named (its value never is)."""
    value = environ.get(variable)
    if not value:
        raise AuthenticationError(f"environment variable {variable} ({what}) is not set")
    return Secret(value)


@dataclass
class Credentials:
    """What we may offer one server, in the order it is offered."""

    keys: list[tuple[str, paramiko.PKey]] = field(default_factory=list)
    agent: bool = False
    password: Secret | None = None
    password_env: str = ""
    notes: list[str] = field(default_factory=list)  # e.g. identities skipped

    @property
    def empty(self) -> bool:
        """True when there is nothing to offer."""
        return not (self.keys or self.agent or self.password is not None)


def _load_key(path: str, passphrase: Secret | None) -> paramiko.PKey:
    # paramiko hands the passphrase to cryptography, which takes bytes only: a str fails
    # every encrypted key as if the passphrase were wrong.
    clear = passphrase.reveal().encode() if passphrase is not None else None
    try:
        return paramiko.PKey.from_path(path, clear)  # type: ignore[arg-type]  # stubs say str
    except FileNotFoundError:
        raise AuthenticationError(f"key file {path} does not exist") from None
    except paramiko.PasswordRequiredException:
        raise AuthenticationError(f"key file {path} is encrypted; set key_passphrase_env") \
            from None
    except (paramiko.SSHException, OSError, ValueError, TypeError):
        # The library's message could echo file content; keep ours generic.
        raise AuthenticationError(f"cannot load key file {path}: wrong passphrase or "
                                  "unsupported key format") from None


def gather(settings: SshSettings, target: SshTarget,
           environ: Mapping[str, str]) -> Credentials:
    """Read the configured credentials for ``target`` (inventory first, then ssh_config)."""
    creds = Credentials(agent=settings.agent)
    passphrase = None
    if settings.key_passphrase_env:
        passphrase = secret_from_env(environ, settings.key_passphrase_env, "key passphrase")
    if settings.key_file:
        path = os.path.expanduser(settings.key_file)
        creds.keys.append((f"key file {path}", _load_key(path, passphrase)))
    else:
        for path in target.identity_files:  # from ssh_config: skip the unusable ones
            if not os.path.exists(path):
                continue
            try:
                creds.keys.append((f"key file {path}", _load_key(path, passphrase)))
            except AuthenticationError as exc:
                creds.notes.append(str(exc))
    if settings.password_env:
        creds.password = secret_from_env(environ, settings.password_env, "SSH password")
        creds.password_env = settings.password_env
    if creds.empty:
        raise AuthenticationError(
            f"{target.label}: no usable authentication method (set key_file, agent: true or "
            "password_env)" + (f"; {'; '.join(creds.notes)}" if creds.notes else ""))
    return creds


def _try(attempt: str, tried: list[str], allowed: list[str],
         call: Callable[[], list[str]]) -> list[str] | None:
    """Run one auth call once; return the methods allowed next, or None when refused."""
    try:
        result = call()
    except paramiko.BadAuthenticationType:
        tried.append(f"{attempt} (not accepted by the server)")
        return None
    except paramiko.AuthenticationException:
        tried.append(f"{attempt} (rejected)")
        return None
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise TransportError(f"connection failed during authentication: {clean_error(exc)}") \
            from None
    tried.append(attempt)
    return list(result) or allowed  # non-empty: partial success, these methods come next


def authenticate(transport: paramiko.Transport, target: SshTarget, creds: Credentials) -> None:
    """Offer each configured credential once, stopping at the first that gets us in."""
    user = target.user
    try:
        transport.auth_none(user)  # learns the accepted methods; offers nothing
        return  # a server that lets anyone in: nothing more to offer
    except paramiko.BadAuthenticationType as exc:
        allowed = list(exc.allowed_types)
    except paramiko.AuthenticationException:
        allowed = ["publickey", "password", "keyboard-interactive"]
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise TransportError(f"{target.label}: connection failed before authentication: "
                             f"{clean_error(exc)}") from None
    tried: list[str] = []
    attempts = [(name, key) for name, key in creds.keys]
    if creds.agent:
        try:
            agent_keys = list(paramiko.Agent().get_keys())[:_MAX_AGENT_KEYS]
        except (paramiko.SSHException, OSError):
            agent_keys = []
        attempts += [(f"agent key {k.get_name()} {k.fingerprint}", k) for k in agent_keys]
        if not agent_keys:
            tried.append("agent (unreachable, no keys, or SSH_AUTH_SOCK not set)")
    for name, key in attempts:
        if transport.is_authenticated():
            return
        if "publickey" not in allowed:
            tried.append(f"{name} (publickey not accepted by the server)")
            continue
        nxt = _try(f"publickey with {name}", tried, allowed,
                   partial(transport.auth_publickey, user, key))
        allowed = nxt if nxt is not None else allowed
    if creds.password is not None and not transport.is_authenticated():
        _password(transport, user, creds, tried, allowed)
    if not transport.is_authenticated():
        raise AuthenticationError(
            f"{target.label}: authentication as {user}@{target.hostname} failed; tried: "
            f"{', '.join(tried) or 'nothing'}; the server accepts: {', '.join(allowed)}")


def _password(transport: paramiko.Transport, user: str, creds: Credentials,
              tried: list[str], allowed: list[str]) -> None:
    assert creds.password is not None
    secret = creds.password
    attempt = f"password from ${creds.password_env}"
    if "password" in allowed:
        _try(attempt, tried, allowed,
             lambda: transport.auth_password(user, secret.reveal(), fallback=False))
    elif "keyboard-interactive" in allowed:
        answered: list[bool] = []

        def handler(_title: str, _instr: str, prompts: list[tuple[str, bool]]) -> list[str]:
            # Answer hidden prompts once; another round after that means it was refused,
            # and answering again would be a second attempt.
            hidden = [not echo for _, echo in prompts]
            if answered or not any(hidden):
                return ["" for _ in prompts]
            answered.append(True)
            return [secret.reveal() if h else "" for h in hidden]

        _try(f"{attempt} (keyboard-interactive)", tried, allowed,
             lambda: transport.auth_interactive(user, handler))
    else:
        tried.append(f"{attempt} (password not accepted by the server)")
