"""A real, throwaway lab on loopback: OpenSSH servers, users and sudo rules.

Used by the integration tests and by the demo. It needs root (it creates users and starts
``/usr/sbin/sshd``) and undoes everything it did on :meth:`Lab.stop`: it kills only the
processes it started and removes only the users (all prefixed ``pst``), sudoers drop-ins and
other files it created outside its work directory. The work directory (throwaway keys,
configs, server logs) belongs to the caller, so logs survive for a failing test's post-mortem.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Final

from posture.secret import Secret

SSHD: Final = "/usr/sbin/sshd"
USER_PREFIX: Final = "pst"
SUDOERS_DIR: Final = Path("/etc/sudoers.d")
PRIVSEP_DIR: Final = Path("/run/sshd")
_SUDO_RULES: Final = {"nopasswd": "ALL=(ALL:ALL) NOPASSWD: ALL", "password": "ALL=(ALL:ALL) ALL"}


class LabError(RuntimeError):
    """The lab could not be set up (not root, a tool missing, a server did not start)."""


@dataclass(frozen=True)
class LabSshd:
    """One running lab sshd."""

    name: str
    address: str
    port: int
    pid: int
    known_hosts: Path  # a known_hosts file holding this server's keys ([addr]:port form)
    host_key_fingerprint: str  # "SHA256:..." of the ed25519 host key
    config_path: Path
    log_path: Path  # sshd's stderr (-e), for tests that read what the server saw

    def log_text(self) -> str:
        """Everything this sshd has logged so far."""
        return self.log_path.read_text(errors="replace")


def lab_unavailable_reason() -> str:
    """Why a lab cannot run here, or "" when it can."""
    if os.geteuid() != 0:
        return "the lab needs root (it creates users and starts sshd)"
    for tool in (SSHD, "ssh-keygen", "useradd", "userdel", "chpasswd", "chage", "visudo"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian packages openssh-server, sudo, passwd)"
    return ""


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[:2]
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def _bindable(address: str, family: socket.AddressFamily, port: int, *,
              absent_ok: bool = False) -> bool:
    try:
        with socket.socket(family) as sock:
            sock.bind((address, port))
    except OSError as exc:
        # an address this machine does not have (IPv6 off) cannot be taken by anyone
        return absent_ok and exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT)
    return True


def free_port(address: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago, chosen OUTSIDE the kernel's ephemeral range.

    A port from the ephemeral range can be handed to an outgoing connection (an SSH client,
    a forwarded channel) between this call and the server's bind; a server listening on
    ``localhost`` then silently keeps only one of its addresses. Ports below the range are
    never given out implicitly, so only another lab could take one (random choice, checked).
    """
    low, high = _ephemeral_range()
    candidates = [p for p in range(20000, 65000) if not low <= p <= high] or list(range(20000, 32000))
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    others = [("::1", socket.AF_INET6)] if address == "127.0.0.1" and socket.has_ipv6 else []
    for _ in range(200):
        port = secrets.choice(candidates)
        if _bindable(address, family, port) and all(
                _bindable(addr, fam, port, absent_ok=True) for addr, fam in others):
            return port
    raise LabError("no free TCP port outside the ephemeral range")


def fingerprint_of_pubfile(path: Path) -> str:
    """The ``SHA256:...`` fingerprint of an OpenSSH public key file."""
    blob = base64.b64decode(path.read_text().split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _run(argv: list[str], *, stdin: bytes = b"") -> None:
    """Run a local admin tool; a failure becomes a LabError with its stderr."""
    done = subprocess.run(argv, input=stdin, capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip()
        raise LabError(f"{argv[0]} failed ({done.returncode}): {detail}")


def _sshd_running(wait: float = 0.0) -> bool:
    """Whether an sshd process still runs on this machine (whoever started it) after up to
    ``wait`` seconds; the per-connection children of a stopped server take a moment to go."""
    deadline = time.monotonic() + wait
    while True:
        found = False
        for exe in Path("/proc").glob("[0-9]*/exe"):
            with contextlib.suppress(OSError):
                found = found or os.readlink(exe) == SSHD
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(0.05)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@dataclass
class Lab:
    """Owns lab servers and users; a context manager whose exit tears everything down."""

    workdir: Path
    address: str = "127.0.0.1"
    sshds: dict[str, LabSshd] = field(default_factory=dict, init=False)
    # What this lab made, so that stop() undoes exactly that and nothing else.
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list, init=False, repr=False)
    _users: list[str] = field(default_factory=list, init=False, repr=False)
    _files: list[Path] = field(default_factory=list, init=False, repr=False)
    _made_privsep: bool = field(default=False, init=False, repr=False)
    _client_key: Path | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        reason = lab_unavailable_reason()
        if reason:
            raise LabError(reason)
        self.workdir = Path(self.workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- sshd -------------------------------------------------------------------------------

    def start_sshd(self, name: str, *, port: int | None = None,
                   options: Mapping[str, str] | None = None,
                   argv_prefix: Sequence[str] = ()) -> LabSshd:
        """Start ``sshd -D -e`` with throwaway host keys on a free (or given) port.

        ``argv_prefix`` runs sshd through a wrapper that ends by exec'ing it (e.g. ``unshare``
        into a private mount namespace where the sessions see other files)."""
        home = self.workdir / f"sshd-{name}"
        home.mkdir(mode=0o700, exist_ok=True)
        for kind, extra in (("ed25519", []), ("rsa", ["-b", "2048"])):
            key = home / f"ssh_host_{kind}_key"
            if not key.exists():
                _run(["ssh-keygen", "-q", "-t", kind, *extra, "-N", "", "-C", f"lab-{name}",
                      "-f", str(key)])
        if not PRIVSEP_DIR.exists():  # sshd refuses to start without its privsep chroot
            PRIVSEP_DIR.mkdir(mode=0o755)
            self._made_privsep = True
        port = port or free_port(self.address)
        config = home / "sshd_config"
        config.write_text(self._sshd_config(home, port, options or {}))
        log_path = home / "sshd.log"
        with log_path.open("ab") as log:
            proc = subprocess.Popen([*argv_prefix, SSHD, "-D", "-e", "-f", str(config)],
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self._procs.append(proc)
        self._wait_listening(proc, self.address, port, log_path)
        host = self.address if port == 22 else f"[{self.address}]:{port}"
        lines = []
        for kind in ("ed25519", "rsa"):
            kind_, blob = (home / f"ssh_host_{kind}_key.pub").read_text().split()[:2]
            lines.append(f"{host} {kind_} {blob}\n")
        known_hosts = home / "known_hosts"
        known_hosts.write_text("".join(lines))
        sshd = LabSshd(name, self.address, port, proc.pid, known_hosts,
                       fingerprint_of_pubfile(home / "ssh_host_ed25519_key.pub"), config, log_path)
        self.sshds[name] = sshd
        return sshd

    def _sshd_config(self, home: Path, port: int, options: Mapping[str, str]) -> str:
        settings: dict[str, str] = {
            "Port": str(port),
            "ListenAddress": self.address,
            "HostKey": f"{home}/ssh_host_ed25519_key\nHostKey {home}/ssh_host_rsa_key",
            "PidFile": "none",
            "UsePAM": "yes",
            "PasswordAuthentication": "yes",
            "KbdInteractiveAuthentication": "no",
            "PubkeyAuthentication": "yes",
            "PermitRootLogin": "no",
            "AuthorizedKeysFile": ".ssh/authorized_keys",
            "LogLevel": "VERBOSE",
            "Subsystem": "sftp internal-sftp",
        }
        lowered = {k.lower(): k for k in settings}
        for key, value in options.items():  # options win, whatever their spelling
            settings[lowered.get(key.lower(), key)] = value
        return "".join(f"{k} {v}\n" for k, v in settings.items())

    @staticmethod
    def _wait_listening(proc: subprocess.Popen[bytes], address: str, port: int, log_path: Path,
                        limit: float = 10.0) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise LabError(f"sshd exited ({proc.returncode}): {log_path.read_text()[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection((address, port), 0.5):
                return
            time.sleep(0.05)
        raise LabError(f"sshd did not listen on port {port} within {limit:.0f} s")

    # -- users ------------------------------------------------------------------------------

    def client_key(self) -> Path:
        """A throwaway ed25519 private key (no passphrase) for lab clients; ``.pub`` beside it."""
        if self._client_key is None:
            key = self.workdir / "client_ed25519"
            if not key.exists():
                _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "posture-lab",
                      "-f", str(key)])
            self._client_key = key
        return self._client_key

    def add_user(self, name: str, *, password: str | Secret | None = None,
                 password_age_days: int | None = None, sudo: str | None = None,
                 authorized_key: Path | None = None, shell: str = "/bin/bash") -> None:
        """Create a lab user (name must start with ``pst``); an existing one is recreated.

        ``sudo`` is None, ``"nopasswd"`` or ``"password"``; ``authorized_key`` is a public key
        file (or its private half, whose ``.pub`` is used).
        """
        if not name.startswith(USER_PREFIX) or not name.isalnum():
            raise LabError(f"lab user names are alphanumeric and start with {USER_PREFIX!r}")
        if sudo is not None and sudo not in _SUDO_RULES:
            raise LabError(f"sudo must be one of {sorted(_SUDO_RULES)} or None")
        if _user_exists(name):  # a leftover of an interrupted run: pst* users are lab-owned
            self._remove_user(name)
        _run(["useradd", "-m", "-s", shell, name])
        self._users.append(name)
        if password is not None:
            clear = password.reveal() if isinstance(password, Secret) else password
            _run(["chpasswd"], stdin=f"{name}:{clear}\n".encode())  # stdin, never argv
        if password_age_days is not None:
            day = (datetime.now(UTC) - timedelta(days=password_age_days)).strftime("%Y-%m-%d")
            _run(["chage", "-d", day, name])
        if sudo is not None:
            self._install_sudoers(name, f"{name} {_SUDO_RULES[sudo]}\n")
        if authorized_key is not None:
            self._authorize(name, authorized_key)

    def _install_sudoers(self, name: str, rule: str) -> None:
        target = SUDOERS_DIR / f"posture-lab-{name}"
        staging = SUDOERS_DIR / f".posture-lab-{name}.tmp"  # sudo ignores names with a dot
        staging.write_text(rule)
        staging.chmod(0o440)
        try:
            _run(["visudo", "-cf", str(staging)])
            os.replace(staging, target)
        finally:
            staging.unlink(missing_ok=True)
        self._files.append(target)

    @staticmethod
    def _authorize(name: str, key: Path) -> None:
        pub = key if key.suffix == ".pub" else key.with_name(key.name + ".pub")
        entry = pwd.getpwnam(name)
        ssh_dir = Path(entry.pw_dir) / ".ssh"
        ssh_dir.mkdir(mode=0o700, exist_ok=True)
        keys = ssh_dir / "authorized_keys"
        keys.write_text(pub.read_text())
        keys.chmod(0o600)
        for path in (ssh_dir, keys):
            os.chown(path, entry.pw_uid, entry.pw_gid)

    @staticmethod
    def _remove_user(name: str) -> None:
        # The lab user's own processes first (sessions of sshds we already stopped outlive
        # their listener); then -f: anything left; -r: its home goes too.
        subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True, timeout=30,
                       check=False)
        subprocess.run(["userdel", "-f", "-r", name], capture_output=True, timeout=60, check=False)
        for leftover in (Path("/var/lib/sudo/lectured") / name, Path("/run/sudo/ts") / name):
            leftover.unlink(missing_ok=True)

    # -- teardown ---------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop every server, remove every user and file this lab made; safe to call twice."""
        for proc in self._procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
        self._procs.clear()
        for name in self._users:
            self._remove_user(name)
        self._users.clear()
        for path in self._files:
            path.unlink(missing_ok=True)
        self._files.clear()
        if self._made_privsep and not _sshd_running(wait=2.0):
            # Only when no sshd is left (another lab's, or one started meanwhile): sshd
            # needs the directory for every new connection.
            with contextlib.suppress(OSError):
                PRIVSEP_DIR.rmdir()
            self._made_privsep = False
        self.sshds.clear()


# -- the demo lab -------------------------------------------------------------------------------

DEMO_INVENTORY_TEMPLATE: Final = """\
# Generated by tests.labs.base.start_demo_lab for a throwaway lab on {address}.
version: 1
organisation: Posture demo lab
defaults:
  ssh:
    user: {user}
    key_file: {key_file}
    known_hosts: {known_hosts}
    sudo: true
  timeouts: {{connect: 5, command: 30, host: 120}}
hosts:
  - name: lab1
    address: {address}
    ssh: {{port: {port}}}
    roles: [web]
{claims}"""


@dataclass
class DemoLab:
    """A running demo lab: one sshd, an audit user and an admin with an old password."""

    lab: Lab
    sshd: LabSshd
    key_file: Path
    known_hosts: Path
    inventory: Path
    auditor: str = "pstauditor"
    admin: str = "pstadmin"
    admin_password: Secret = field(default_factory=lambda: Secret(""))

    def stop(self) -> None:
        """Tear the lab down (idempotent)."""
        self.lab.stop()

    def __enter__(self) -> DemoLab:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def render_demo_inventory(sshd: LabSshd, key_file: Path, known_hosts: Path, *,
                          user: str = "pstauditor", claims: str = "claims: []\n") -> str:
    """Fill :data:`DEMO_INVENTORY_TEMPLATE`; values are JSON-quoted, which YAML reads as-is."""
    return DEMO_INVENTORY_TEMPLATE.format(
        address=sshd.address, port=sshd.port, user=user, key_file=json.dumps(str(key_file)),
        known_hosts=json.dumps(str(known_hosts)), claims=claims)


def start_demo_lab(workdir: Path, *, claims: str = "claims: []\n") -> DemoLab:
    """Start the demo lab in ``workdir`` and write ``known_hosts`` and ``inventory.yml`` there.

    ``claims`` is the YAML ``claims:`` block appended to the generated inventory.
    """
    lab = Lab(Path(workdir))
    try:
        sshd = lab.start_sshd("demo")
        key = lab.client_key()
        password = Secret(secrets.token_urlsafe(18))
        lab.add_user("pstauditor", sudo="nopasswd", authorized_key=key)
        lab.add_user("pstadmin", password=password, password_age_days=10)
        known_hosts = lab.workdir / "known_hosts"
        known_hosts.write_text(sshd.known_hosts.read_text())
        known_hosts.chmod(0o600)
        inventory = lab.workdir / "inventory.yml"
        inventory.write_text(render_demo_inventory(sshd, key, known_hosts, claims=claims))
    except BaseException:
        lab.stop()
        raise
    return DemoLab(lab, sshd, key, known_hosts, inventory, admin_password=password)
