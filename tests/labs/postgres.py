"""The lab's PostgreSQL: a real server from Debian's postgresql-15 package on loopback.

``initdb`` makes a throwaway cluster in a folder of its own, owned by a throwaway OS user
(``pstpg...``, created here and removed at :meth:`LabPostgres.stop`); ``postgres`` runs as
our child process under that user on a free loopback port. Nothing under /etc/postgresql or
/var/lib/postgresql is touched. The lab's own statements go through ``psql`` on the private
unix socket with peer authentication; passwords travel on stdin, never argv.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from tests.labs.base import free_port
from tests.labs.tls import make_ca

PG_BIN: Final = Path("/usr/lib/postgresql/15/bin")
USER_PREFIX: Final = "pstpg"
MARKER: Final = "posture-lab-postgres"  # the GECOS field of lab users and a file in the root


class LabPgError(RuntimeError):
    """The lab PostgreSQL could not be set up or refused a statement."""


def postgres_unavailable_reason() -> str:
    """Why a lab PostgreSQL cannot run here, or ''."""
    if os.geteuid() != 0:
        return "the lab PostgreSQL needs root (it creates a throwaway OS user)"
    for tool in ("initdb", "postgres", "psql"):
        if not (PG_BIN / tool).exists():
            return f"{PG_BIN / tool} is missing (Debian package postgresql-15)"
    return ""


@dataclass
class LabPostgres:
    """A running lab PostgreSQL; :meth:`stop` ends it and removes what it made."""

    port: int
    address: str
    root: Path
    os_user: str
    ca_file: Path | None
    proc: subprocess.Popen[bytes] | None = field(repr=False, default=None)

    @property
    def data(self) -> Path:
        """The cluster's data directory."""
        return self.root / "data"

    @property
    def pid(self) -> int:
        """The postmaster's process id."""
        return self.proc.pid if self.proc else 0

    def sql(self, statement: str, *, database: str = "postgres") -> str:
        """Run ``statement`` as the cluster's superuser over the unix socket (stdin)."""
        entry = pwd.getpwnam(self.os_user)
        done = subprocess.run(
            [str(PG_BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At",
             "-h", str(self.root / "sock"), "-p", str(self.port), "-d", database],
            input=statement.encode(), capture_output=True, timeout=600, check=False,
            user=entry.pw_uid, group=entry.pw_gid, cwd=self.root,
            env={"PATH": "/usr/bin:/bin", "HOME": str(self.root), "LC_ALL": "C.UTF-8"})
        if done.returncode != 0:
            raise LabPgError(f"psql failed ({done.returncode}): "
                             f"{done.stderr.decode(errors='replace').strip()[:500]}")
        return done.stdout.decode(errors="replace")

    def reload(self) -> None:
        """Make the server read its configuration again (pg_hba.conf included)."""
        self.sql("SELECT pg_reload_conf()")
        time.sleep(0.3)

    def stop(self) -> None:
        """Stop the server we started, remove its OS user and its folder; idempotent."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        _remove_user(self.os_user)
        if (self.root / MARKER).exists():
            shutil.rmtree(self.root, ignore_errors=True)


def _remove_user(name: str) -> None:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return
    if entry.pw_gecos == MARKER and name.startswith(USER_PREFIX):  # only ours
        subprocess.run(["userdel", name], capture_output=True, timeout=60, check=False)


def _run_as(user: pwd.struct_passwd, argv: list[str], cwd: Path) -> None:
    done = subprocess.run(argv, capture_output=True, timeout=180, check=False,
                          user=user.pw_uid, group=user.pw_gid, cwd=cwd,
                          env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"})
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).decode(errors="replace").strip()[-1500:]
        raise LabPgError(f"{argv[0]} failed ({done.returncode}): {detail}")


def _config(port: int, ssl_on: bool) -> str:
    lines = ["listen_addresses = 'localhost'", f"port = {port}",
             "unix_socket_directories = '../sock'", "max_connections = 40",
             "shared_buffers = 32MB", "password_encryption = 'scram-sha-256'",
             f"ssl = {'on' if ssl_on else 'off'}", "ssl_cert_file = '../tls/server.pem'",
             "ssl_key_file = '../tls/server.key'", "ssl_min_protocol_version = 'TLSv1.2'",
             "log_destination = 'stderr'", "fsync = off", "include_dir = 'conf.d'"]
    if not ssl_on:
        lines = [line for line in lines if not line.startswith("ssl_")]
    return "\n".join(lines) + "\n"


def start_postgres(workdir: Path | None = None, *, ssl_on: bool = True,
                   hba: Sequence[str] = ("host all all 127.0.0.1/32 scram-sha-256",),
                   listen_dropin: str | None = None, address: str = "127.0.0.1",
                   port: int | None = None) -> LabPostgres:
    """Create a cluster and start it; ``hba`` are the TCP lines of pg_hba.conf (after one
    ``local`` peer line for the lab itself); ``listen_dropin`` goes to conf.d/10-listen.conf.

    ``workdir`` is ignored for the data (a folder the OS user can reach is made under /tmp);
    it is accepted so that every lab starts the same way.
    """
    del workdir
    reason = postgres_unavailable_reason()
    if reason:
        raise LabPgError(reason)
    root = Path(tempfile.mkdtemp(prefix="posture-pglab-"))
    (root / MARKER).write_text("made by tests/labs/postgres.py\n")
    name = f"{USER_PREFIX}{os.urandom(3).hex()}"
    done = subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                           "/usr/sbin/nologin", "--comment", MARKER, name],
                          capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise LabPgError(f"useradd failed: {done.stderr.decode(errors='replace')[:300]}")
    port = port or free_port(address)
    server = LabPostgres(port, address, root, name, None)
    try:
        entry = pwd.getpwnam(name)
        root.chmod(0o755)
        for sub in ("sock", "tls"):
            (root / sub).mkdir(mode=0o700)
            os.chown(root / sub, entry.pw_uid, entry.pw_gid)
        os.chown(root, entry.pw_uid, entry.pw_gid)
        _run_as(entry, [str(PG_BIN / "initdb"), "-D", str(root / "data"), "-U", name,
                        "-A", "peer", "-E", "UTF8", "--locale=C.UTF-8", "-N"], root)
        if ssl_on:
            ca = make_ca(root / "ca")
            files = ca.issue("server", hostnames=(address, "localhost"))
            shutil.copy(files.cert, root / "tls" / "server.pem")
            shutil.copy(files.key, root / "tls" / "server.key")
            for part in ("server.pem", "server.key"):
                (root / "tls" / part).chmod(0o600)
                os.chown(root / "tls" / part, entry.pw_uid, entry.pw_gid)
            server.ca_file = ca.ca_file
        data = root / "data"
        (data / "postgresql.conf").write_text(_config(port, ssl_on))
        (data / "conf.d").mkdir()
        if listen_dropin is not None:
            (data / "conf.d" / "10-listen.conf").write_text(
                f"listen_addresses = '{listen_dropin}'\n")
        (data / "pg_hba.conf").write_text(f"local all {name} peer\n" + "".join(
            f"{line}\n" for line in hba))
        for path in (data / "postgresql.conf", data / "pg_hba.conf", data / "conf.d"):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        with (root / "postgres.log").open("ab") as log:
            os.chown(root / "postgres.log", entry.pw_uid, entry.pw_gid)
            server.proc = subprocess.Popen(
                [str(PG_BIN / "postgres"), "-D", str(data)], stdin=subprocess.DEVNULL,
                stdout=log, stderr=log, user=entry.pw_uid, group=entry.pw_gid, cwd=root,
                env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"})
        wanted = [a.strip() for a in (listen_dropin or "localhost").split(",")]
        _wait_ready(server, tcp=bool({"*", "localhost", address} & set(wanted)))
    except BaseException:
        server.stop()
        raise
    return server


def _tcp_open(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait_ready(server: LabPostgres, limit: float = 60.0, *, tcp: bool = True) -> None:
    deadline = time.monotonic() + limit
    sock = server.root / "sock" / f".s.PGSQL.{server.port}"
    while time.monotonic() < deadline:
        if server.proc is not None and server.proc.poll() is not None:
            log = (server.root / "postgres.log").read_text(errors="replace")[-2000:]
            raise LabPgError(f"postgres exited ({server.proc.returncode}): {log}")
        # ready means the unix socket answers AND the TCP port the tests use accepts: a
        # cluster that lost its TCP bind would otherwise look ready and fail later
        if sock.exists() and (not tcp or _tcp_open(server.address, server.port)):
            with contextlib.suppress(LabPgError):
                server.sql("SELECT 1")
                return
        time.sleep(0.2)
    raise LabPgError(f"postgres did not accept connections within {limit:.0f} s")


def create_role(server: LabPostgres, role: str, password: str, databases: Sequence[str], *,
                read_hba: bool = False) -> None:
    """A login role with SELECT on every table of ``databases`` (public schema); with
    ``read_hba`` it may also read ``pg_hba_file_rules``. The password travels on stdin."""
    quoted = password.replace("'", "''")
    server.sql(f"CREATE ROLE {role} LOGIN PASSWORD '{quoted}';")
    for db in databases:
        if read_hba:  # the view and its function exist in every database
            server.sql(f"GRANT SELECT ON pg_hba_file_rules TO {role};"
                       f"GRANT EXECUTE ON FUNCTION pg_hba_file_rules() TO {role};", database=db)
        server.sql(f"GRANT CONNECT ON DATABASE {db} TO {role};")
        server.sql(f"GRANT USAGE ON SCHEMA public TO {role};"
                   f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};", database=db)
