"""Error hierarchy: each layer raises its own kind; only the CLI turns them into exit codes."""

from __future__ import annotations


class PostureError(Exception):
    """Base class of every error posture raises on purpose."""


class InventoryError(PostureError):
    """The inventory (or the command line) is invalid; nothing may be contacted."""

    def __init__(self, message: str, *, path: str = "", line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = path
        if line is not None:
            where = f"{path}:{line}" if path else f"line {line}"
        super().__init__(f"{where}: {message}" if where else message)


class UsageError(InventoryError):
    """The command line is invalid (same exit code as a bad inventory)."""


class TransportError(PostureError):
    """A connection to a target failed (network, protocol, timeout)."""


class HostKeyError(TransportError):
    """The server's host key is unknown or changed; no credential was offered."""


class AuthenticationError(TransportError):
    """The server refused our credentials (never retried)."""


class SudoError(TransportError):
    """Privilege escalation failed; ``kind`` says how."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind  # needs_password | wrong_password | not_allowed | requiretty | error
        super().__init__(message)


class CommandTimeout(TransportError):
    """A remote command exceeded its deadline."""


class FactsFileError(PostureError):
    """A saved facts file could not be read."""


class OutputError(PostureError):
    """An output file could not be written (disk full, permission, ...).

    The previous file of that name is left as it was; ``failures`` holds one line per file.
    """

    def __init__(self, failures: list[str]) -> None:
        self.failures = list(failures)
        super().__init__("; ".join(self.failures))
