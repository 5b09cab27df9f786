"""The lab's FTP server: a real vsftpd (Debian's package) with plain FTP on loopback.

vsftpd runs in the foreground as our child with its own configuration file in the lab
folder (``background=NO``), listening on one loopback port; stopping it is ending that PID.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from tests.labs.base import free_port

VSFTPD: Final = "/usr/sbin/vsftpd"

_CONF = """\
listen=YES
listen_ipv6=NO
listen_address={address}
listen_port={port}
background=NO
anonymous_enable=NO
local_enable=YES
ssl_enable={ssl}
secure_chroot_dir={root}/empty
pam_service_name=vsftpd
xferlog_enable=NO
seccomp_sandbox=NO
vsftpd_log_file={root}/vsftpd.log
"""


class LabFtpError(RuntimeError):
    """vsftpd could not be started."""


@dataclass
class LabFtp:
    """A running lab vsftpd; :meth:`stop` ends it (idempotent)."""

    address: str
    port: int
    config: Path
    proc: subprocess.Popen[bytes]

    def stop(self) -> None:
        """Stop the server we started and the per-connection children it forked.

        vsftpd serves each connection from a child in its process group (ours: it was started
        in a session of its own); a child still alive after the master would keep showing a
        plaintext FTP daemon on this machine.
        """
        group = self.proc.pid
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and _group_alive(group):
                time.sleep(0.02)
            if not _group_alive(group):
                return


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def vsftpd_unavailable_reason() -> str:
    """Why the lab vsftpd cannot run here, or ''."""
    return "" if shutil.which(VSFTPD) else "vsftpd is not installed (Debian package vsftpd)"


def start_vsftpd(root: Path, *, address: str = "127.0.0.1", port: int | None = None,
                 ssl_enable: bool = False) -> LabFtp:
    """Start vsftpd (plain FTP unless ``ssl_enable``) and wait until it greets."""
    reason = vsftpd_unavailable_reason()
    if reason:
        raise LabFtpError(reason)
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)  # readable config, as /etc/vsftpd.conf is
    (root / "empty").mkdir(mode=0o755, exist_ok=True)
    port = port or free_port(address)
    config = root / "vsftpd.conf"
    config.write_text(_CONF.format(address=address, port=port, root=root,
                                   ssl="YES" if ssl_enable else "NO"))
    config.chmod(0o644)
    proc = subprocess.Popen([VSFTPD, str(config)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    server = LabFtp(address, port, config, proc)
    try:
        _wait(server)
    except LabFtpError:
        server.stop()
        raise
    return server


def _wait(server: LabFtp) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            err = server.proc.stderr.read().decode(errors="replace") if server.proc.stderr else ""
            raise LabFtpError(f"vsftpd exited ({server.proc.returncode}): {err[-500:]}")
        with contextlib.suppress(OSError), socket.create_connection(
                (server.address, server.port), 0.5) as sock:
            sock.settimeout(2)
            if sock.recv(64).startswith(b"220"):
                return
        time.sleep(0.05)
    raise LabFtpError(f"vsftpd did not greet on {server.address}:{server.port} within 10 s")
