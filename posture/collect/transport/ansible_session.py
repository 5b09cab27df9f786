"""``connection: ansible``: reach a host the way the team's Ansible does.

Built on pytest-testinfra's Ansible backend (``ansible://``): the batch script travels as the
``stdin`` of one ``shell`` task per privilege level (``sh -s``; root through Ansible's
``become``), so a host still costs one batched script per level, not a command per fact.
Ansible reads its own inventory (``ansible_inventory:`` of the host; the host's ``address``
is its name there), its connection plugin, ``ansible.cfg`` and vaulted variables.

What Ansible decides, posture cannot vouch for: host keys are checked by Ansible's
connection (OpenSSH's ``StrictHostKeyChecking`` with ``host_key_checking = True``, its
default), so ``host_key`` stays empty in the report. The script is a constant (no secret), yet
it is visible on the auditor's process list while ``ansible`` runs. The ``ansible`` program
has no time bound of its own here: posture stops waiting at the deadline and reports a
timeout; every section of the script is bounded on the target by ``timeout`` as usual.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from posture.collect.transport import sudo as sudo_mod
from posture.collect.transport.execresult import DEFAULT_MAX_STDERR, DEFAULT_MAX_STDOUT, ExecResult
from posture.errors import SudoError, TransportError
from posture.inventory.model import Host


def _text(value: object, limit: int = 300) -> str:
    shown = " ".join(str(value or "").split())[:limit]
    return "".join(c if c.isprintable() else "?" for c in shown)


def _capped(value: object, cap: int) -> tuple[bytes, bool]:
    data = str(value or "").encode("utf-8", "replace")
    return data[:cap], len(data) > cap


class AnsibleSession:
    """One Ansible-managed host as a :class:`posture.collect.transport.session.Session`."""

    def __init__(self, host: Host, backend: Any) -> None:
        self.host = host
        self.host_key = ""  # verified (or not) by Ansible's connection plugin, not by us
        self.connections = 0
        self._backend = backend
        self._deadline = time.monotonic() + host.timeouts.host

    @classmethod
    def connect(cls, host: Host, *, trust_on_first_use: bool = False,
                environ: Mapping[str, str] | None = None,
                allow_match_exec: bool = False) -> AnsibleSession:
        """Prepare the backend; Ansible connects per task, so nothing is contacted yet."""
        if shutil.which("ansible") is None:
            raise TransportError(f"{host.name}: connection ansible needs the 'ansible' program "
                                 "on PATH (pip install ansible-core)")
        try:
            from testinfra.backend.ansible import AnsibleBackend
        except ImportError:
            raise TransportError(f"{host.name}: connection ansible needs pytest-testinfra "
                                 "(pip install pytest-testinfra)") from None
        backend = AnsibleBackend(host.address, ansible_inventory=host.ansible_inventory,
                                 force_ansible=True)
        return cls(host, backend)

    def _call(self, command: str, stdin: bytes, timeout: float,
              become: bool) -> dict[str, Any] | None:
        """Run one task in a thread; None when it did not finish in time."""
        args = json.dumps({"cmd": command, "stdin": stdin.decode("utf-8", "replace"),
                           "stdin_add_newline": False})
        # Extra vars outrank the inventory: an unprivileged task must not inherit a host's
        # ansible_become=true, or the user batch would run as root (or fail on a password).
        extra = {"ansible_timeout": max(1, int(self.host.timeouts.connect)),
                 "ansible_become": become}
        box: dict[str, Any] = {}

        def task() -> None:
            try:
                box["out"] = self._backend.run_ansible("shell", module_args=args, check=False,
                                                       become=become, extra_vars=extra)
            except Exception as exc:  # noqa: BLE001 - reported below as a transport failure
                box["error"] = exc

        worker = threading.Thread(target=task, daemon=True)
        worker.start()
        worker.join(max(0.0, min(timeout, self._deadline - time.monotonic())))
        self.connections += 1
        if worker.is_alive():
            return None
        if "error" in box:
            raise TransportError(f"{self.host.name}: ansible failed: "
                                 f"{_text(type(box['error']).__name__)}")
        out = box.get("out")
        return out if isinstance(out, dict) else {}

    def _result(self, out: dict[str, Any] | None, started: float, max_stdout: int,
                max_stderr: int) -> ExecResult:
        if out is None:
            return ExecResult(b"", b"", None, True, False, round(time.monotonic() - started, 3))
        if out.get("unreachable"):
            raise TransportError(f"{self.host.name}: unreachable through Ansible: "
                                 f"{_text(out.get('msg'))}")
        if "module_stdout" in out and "stdout" not in out:  # the module itself broke
            try:
                out = {**out, **json.loads(out["module_stdout"])}
            except ValueError:
                raise TransportError(f"{self.host.name}: ansible module failed: "
                                     f"{_text(out.get('msg'))}") from None
        if "rc" not in out:
            raise TransportError(f"{self.host.name}: ansible task failed: {_text(out.get('msg'))}")
        stdout, cut_out = _capped(out.get("stdout"), max_stdout)
        stderr, cut_err = _capped(out.get("stderr"), max_stderr)
        truncated = cut_out or cut_err
        return ExecResult(stdout + b"\n", stderr + b"\n", None if truncated else int(out["rc"]),
                          False, truncated, round(time.monotonic() - started, 3))

    def run(self, command: str, *, stdin: bytes = b"", timeout: float,
            max_stdout: int = DEFAULT_MAX_STDOUT,
            max_stderr: int = DEFAULT_MAX_STDERR) -> ExecResult:
        """Run ``command`` through Ansible's ``shell`` module with ``stdin``."""
        started = time.monotonic()
        out = self._call(command, stdin, timeout, become=False)
        return self._result(out, started, max_stdout, max_stderr)

    def run_sudo(self, script: bytes, *, timeout: float, max_stdout: int = DEFAULT_MAX_STDOUT,
                 max_stderr: int = DEFAULT_MAX_STDERR) -> ExecResult:
        """Run ``script`` as root through Ansible's ``become``; SudoError when refused."""
        started = time.monotonic()
        out = self._call("sh -s", script, timeout, become=True)
        if out is not None and "rc" not in out and not out.get("unreachable"):
            message = str(out.get("msg") or "")
            lowered = message.lower()
            if "sudo" in lowered or "become" in lowered or "password" in lowered:
                kind = sudo_mod.classify(message.encode())
                if "missing" in lowered and "password" in lowered:
                    kind = "needs_password"
                raise SudoError(kind, f"{self.host.name}: Ansible become failed: "
                                      f"{_text(message)}")
        return self._result(out, started, max_stdout, max_stderr)

    def close(self) -> None:
        """Nothing held open between tasks (Ansible's ControlPersist is its own)."""

    def __enter__(self) -> AnsibleSession:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
