"""The built-in demo target: a real lab on loopback that ``inventory/demo.yml`` describes.

OpenSSH on 127.0.0.1:22220 and Apache (HTTP + TLS) from Debian's packages, a throwaway key and
three users: ``pstauditor`` (key, passwordless sudo: the audit account), ``pstadmin`` (password
changed 10 days ago) and ``pstlegacy`` (password unchanged for 200 days: a planted breach of a
90-day rotation promise). sshd accepts passwords: a planted breach of "admin access is keys
only". Everything lives in /var/tmp/posture-lab and is removed on stop.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Final

from posture.lab import Lab, LabSshd
from posture.labweb import LabApache, start_apache
from posture.secret import Secret

DEMO_DIR: Final = Path("/var/tmp/posture-lab")  # noqa: S108 - fixed: inventory/demo.yml names it
DEMO_ADDRESS: Final = "127.0.0.1"
DEMO_SSH_PORT: Final = 22220


@dataclass
class DemoTarget:
    """The running demo lab; a context manager that tears it down."""

    lab: Lab
    sshd: LabSshd
    apache: LabApache | None

    def stop(self) -> None:
        """Stop servers, remove users and files (idempotent)."""
        if self.apache is not None:
            self.apache.stop()
        self.lab.stop()

    def __enter__(self) -> DemoTarget:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def start_demo(workdir: Path = DEMO_DIR, *, ssh_port: int = DEMO_SSH_PORT,
               with_apache: bool = True,
               sshd_options: dict[str, str] | None = None) -> DemoTarget:
    """Start the demo lab that ``inventory/demo.yml`` points at."""
    if workdir.exists():
        shutil.rmtree(workdir)  # a leftover of an interrupted demo: ours to replace
    # Readable by the audit account (like /etc/apache2 is); keys inside stay 0600.
    workdir.mkdir(mode=0o755, parents=True)
    lab = Lab(workdir, address=DEMO_ADDRESS)
    apache: LabApache | None = None
    try:
        options = {"PasswordAuthentication": "yes", **(sshd_options or {})}
        sshd = lab.start_sshd("demo", port=ssh_port, options=options)
        key = lab.client_key()
        lab.add_user("pstauditor", sudo="nopasswd", authorized_key=key)
        lab.add_user("pstadmin", password=Secret(secrets.token_urlsafe(18)),
                     password_age_days=10)
        lab.add_user("pstlegacy", password=Secret(secrets.token_urlsafe(18)),
                     password_age_days=200)
        known_hosts = workdir / "known_hosts"
        known_hosts.write_text(sshd.known_hosts.read_text())
        known_hosts.chmod(0o600)
        if with_apache:
            apache = start_apache(workdir / "apache", address=DEMO_ADDRESS)
    except BaseException:
        if apache is not None:
            apache.stop()
        lab.stop()
        raise
    return DemoTarget(lab, sshd, apache)
