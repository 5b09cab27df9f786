"""OpenSSH ``Include`` for client configs, which paramiko's parser does not implement.

Included files are inlined before paramiko parses the text, following OpenSSH's rules:
several paths per line, ``~`` and glob wildcards (matches in lexical order, no match is not
an error), relative paths taken from ``~/.ssh`` (as OpenSSH does for user configs and
``ssh -F`` files), nesting up to 16 levels. An ``Include`` at the top level applies to every
host; one inside a ``Host``/``Match`` block applies only when that block matches. Each
included file is screened for local-command options like the main file.

One case is refused rather than approximated: a *conditional* include (inside a block) of a
file that opens blocks of its own, whose OpenSSH meaning flat inlining cannot express.

``Match exec`` (only when the user allows it) is run by :class:`MatchExecRunner`, which
paramiko calls in place of the optional ``invoke`` package.
"""

from __future__ import annotations

import glob
import os
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import paramiko

from posture.errors import TransportError

MAX_DEPTH = 16  # OpenSSH's READCONF_MAX_DEPTH
MAX_BYTES = 1 << 20  # a client config is hand-written; anything larger is a mistake
_BLOCK_KEYS = ("host", "match")

Screen = Callable[[str, str], None]  # (text, origin) -> raise TransportError if refused


def _setting(line: str) -> tuple[str, str] | None:
    found = paramiko.SSHConfig.SETTINGS_REGEX.match(line.strip())
    if not found or line.strip().startswith("#"):
        return None
    return found.group(1).lower(), found.group(2)


def _paths(value: str, origin: str) -> list[Path]:
    try:
        words = shlex.split(value)
    except ValueError:
        raise TransportError(f"{origin}: cannot parse the Include line {value!r}") from None
    base = Path(os.path.expanduser("~/.ssh"))
    found: list[Path] = []
    for word in words:
        pattern = os.path.expanduser(word)
        if not os.path.isabs(pattern):
            pattern = str(base / pattern)
        found.extend(Path(p) for p in sorted(glob.glob(pattern)))
    return found


def _read(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except IsADirectoryError:
        return ""  # OpenSSH skips what it cannot read as a file
    except OSError as exc:
        raise TransportError(f"cannot read included ssh_config file {path}: "
                             f"{exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise TransportError(f"included ssh_config file {path} is larger than {MAX_BYTES} bytes")
    return data.decode("utf-8", errors="replace")


def _opens_blocks(text: str) -> bool:
    return any((s := _setting(line)) is not None and s[0] in _BLOCK_KEYS
               for line in text.splitlines())


def expand_includes(text: str, origin: str, screen: Screen, *, depth: int = 0) -> str:
    """Return ``text`` with every ``Include`` replaced by the files it names.

    ``screen`` is called on each included file's own text before it is used (the caller has
    screened ``text`` itself).
    """
    out: list[str] = []
    block: str | None = None  # the Host/Match line we are inside, if any
    for number, line in enumerate(text.splitlines(), start=1):
        setting = _setting(line)
        if setting is None or setting[0] != "include":
            if setting is not None and setting[0] in _BLOCK_KEYS:
                block = line.strip()
            out.append(line)
            continue
        where = f"{origin}:{number}"
        if depth >= MAX_DEPTH:
            raise TransportError(f"{where}: Include nested more than {MAX_DEPTH} levels deep")
        for path in _paths(setting[1], where):
            inner = _read(path)
            screen(inner, str(path))
            inner = expand_includes(inner, str(path), screen, depth=depth + 1)
            if block is not None and _opens_blocks(inner):
                raise TransportError(f"{where}: a conditional Include (inside '{block}') of "
                                     f"{path}, which opens Host/Match blocks of its own, is "
                                     "not supported; include it at the top level instead")
            out.append(inner)
        # Back in the including file: its own context resumes after the included text.
        out.append(block if block is not None else "Host *")
    return "\n".join(out) + "\n"


MATCH_EXEC_TIMEOUT = 10.0


@dataclass(frozen=True)
class _Outcome:
    ok: bool


class MatchExecRunner:
    """Runs ``Match exec`` commands for paramiko in place of the ``invoke`` package.

    Only installed when the user allowed ``Match exec``. Unlike invoke, it never reads our
    stdin (hosts are looked up from worker threads) and bounds each command in time.
    """

    @staticmethod
    def run(command: str, hide: str = "", warn: bool = True) -> _Outcome:
        """Run ``command`` with ``sh -c``; ok when it exits 0 in time."""
        try:
            done = subprocess.run(["/bin/sh", "-c", command], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  timeout=MATCH_EXEC_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return _Outcome(False)
        return _Outcome(done.returncode == 0)


def enable_match_exec() -> None:
    """Let paramiko evaluate ``Match exec`` (through :class:`MatchExecRunner`)."""
    import paramiko.config

    paramiko.config.invoke = MatchExecRunner  # type: ignore[attr-defined]
