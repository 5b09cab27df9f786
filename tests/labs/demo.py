"""The built-in demo target: a real lab on loopback that ``inventory/demo.yml`` describes.

OpenSSH on 127.0.0.1:22220 and Apache (HTTP + TLS) from Debian's packages, a throwaway key and
three users: ``pstauditor`` (key, passwordless sudo: the audit account), ``pstadmin`` (password
changed 10 days ago) and ``pstlegacy`` (password unchanged for 200 days: a planted breach of a
90-day rotation promise). sshd accepts passwords: a planted breach of "admin access is keys
only". A MariaDB on 127.0.0.1:23306 holds shop_prod and shop_test, with 7 production
customers copied into test (a planted breach of "test data is fictitious"); its read-only
account's password reaches the scan through POSTURE_DEMO_DB_PASSWORD only. Everything lives in
/var/tmp/posture-lab and is removed on stop.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Final

from posture.secret import Secret
from tests.labs.base import Lab, LabSshd
from tests.labs.demotls import DemoTls, start_demo_tls
from tests.labs.mariadb import LabMariaDB
from tests.labs.shop import DEMO_READER, start_demo_shop
from tests.labs.statement import plant_demo_statement, plant_site
from tests.labs.web import LabApache, start_apache

DEMO_DIR: Final = Path("/var/tmp/posture-lab")
DEMO_ADDRESS: Final = "127.0.0.1"
DEMO_SSH_PORT: Final = 22220
DEMO_WEB_PORT: Final = 22446  # the lab Apache's https: shop pages with cookies, trackers
DEMO_DB_PORT: Final = 23306  # the lab MariaDB (shop_prod, shop_test), reached over SSH
DEMO_DB_PASSWORD_ENV: Final = "POSTURE_DEMO_DB_PASSWORD"
MARKER: Final = ".posture-demo-lab"
"""A file the demo writes into its folder first: only a folder holding it is ever deleted."""


class DemoDirError(RuntimeError):
    """The demo folder exists but was not made by the demo: it is left alone."""


def _claim_workdir(workdir: Path) -> None:
    if workdir.exists() or workdir.is_symlink():
        if workdir.is_symlink() or not (workdir / MARKER).is_file():
            raise DemoDirError(f"{workdir} exists and was not made by posture's demo (no "
                               f"{MARKER} in it); move it away or choose another folder")
        shutil.rmtree(workdir)  # a leftover of an interrupted demo: ours to replace
    # Readable by the audit account (like /etc/apache2 is); keys inside stay 0600.
    workdir.mkdir(mode=0o755, parents=True)
    (workdir / MARKER).write_text("made by posture's demo lab; removed when it stops\n")


def _release_workdir(workdir: Path) -> None:
    """Remove the demo folder (database files, TLS keys, logs) if it is ours."""
    if (workdir / MARKER).is_file() and not workdir.is_symlink():
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class DemoTarget:
    """The running demo lab; a context manager that tears it down."""

    lab: Lab
    sshd: LabSshd
    apache: LabApache | None
    database: LabMariaDB | None = None
    db_password: Secret | None = None  # of the read-only demo account posture_ro
    tls: DemoTls | None = None  # web endpoints and FTP with planted TLS weaknesses

    def stop(self) -> None:
        """Stop servers, remove users and the demo folder with its data and keys
        (idempotent)."""
        if self.tls is not None:
            self.tls.stop()
        if self.database is not None:
            self.database.stop()
        if self.apache is not None:
            self.apache.stop()
        self.lab.stop()
        _release_workdir(self.lab.workdir)

    def __enter__(self) -> DemoTarget:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def start_demo(workdir: Path = DEMO_DIR, *, ssh_port: int = DEMO_SSH_PORT,
               with_apache: bool = True, with_database: bool = True,
               db_port: int = DEMO_DB_PORT,
               sshd_options: dict[str, str] | None = None) -> DemoTarget:
    """Start the demo lab that ``inventory/demo.yml`` points at."""
    _claim_workdir(workdir)
    lab = Lab(workdir, address=DEMO_ADDRESS)
    apache: LabApache | None = None
    database: tuple[LabMariaDB, Secret] | None = None
    tls: DemoTls | None = None
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
            apache = start_apache(workdir / "apache", address=DEMO_ADDRESS,
                                  https_port=DEMO_WEB_PORT, site=plant_site(workdir / "site"))
        if with_database:
            database = start_demo_shop(workdir / "mariadb", db_port)
        plant_demo_statement(database[0] if database else None, DEMO_READER, workdir)
        if with_apache:
            tls = start_demo_tls(workdir / "tls", DEMO_ADDRESS)
    except BaseException:
        if database is not None:
            database[0].stop()
        if apache is not None:
            apache.stop()
        lab.stop()
        _release_workdir(workdir)
        raise
    if database is None:
        return DemoTarget(lab, sshd, apache, tls=tls)
    return DemoTarget(lab, sshd, apache, *database, tls=tls)
