"""The lab's database server: a real MariaDB (Debian's mariadb-server) on loopback.

A throwaway data directory is created with ``mariadb-install-db`` in the caller's work folder
and ``mariadbd`` runs as our child process, listening on a free loopback port and a private
unix socket. Nothing under /etc/mysql or /var/lib/mysql is touched (``--no-defaults``), and
stopping the server means ending the one PID we started.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from tests.labs.base import free_port

MARIADBD: Final = "/usr/sbin/mariadbd"
INSTALL_DB: Final = "mariadb-install-db"
CLIENT: Final = "mariadb"


class LabDbError(RuntimeError):
    """The lab MariaDB could not be set up or refused a statement."""


def mariadb_unavailable_reason() -> str:
    """Why a lab MariaDB cannot run here, or ''."""
    if os.geteuid() != 0:
        return "the lab MariaDB needs root (it runs mariadbd with --user=root)"
    for tool in (MARIADBD, INSTALL_DB, CLIENT, "openssl"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian packages mariadb-server, mariadb-client)"
    return ""


@dataclass
class LabMariaDB:
    """A running lab MariaDB; :meth:`stop` ends it (idempotent)."""

    port: int
    socket: Path
    address: str
    ca_file: Path | None
    pid: int
    root: Path = field(repr=False, default=Path())
    proc: subprocess.Popen[bytes] | None = field(repr=False, default=None)

    def sql(self, statement: str, *, database: str | None = None) -> str:
        """Run ``statement`` as root over the unix socket; return the client's tab output.

        The statement travels on stdin, so passwords in ``CREATE USER`` never reach argv.
        """
        argv = [CLIENT, "--no-defaults", f"--socket={self.socket}", "--user=root",
                "--batch", "--skip-column-names"]
        if database:
            argv.append(f"--database={database}")
        done = subprocess.run(argv, input=statement.encode(), capture_output=True,
                              timeout=300, check=False)
        if done.returncode != 0:
            # The client echoes the failing statement's error, never the statement itself.
            raise LabDbError(f"mariadb client failed ({done.returncode}): "
                             f"{done.stderr.decode(errors='replace').strip()[:500]}")
        return done.stdout.decode(errors="replace")

    def stop(self) -> None:
        """Stop the server we started (SIGTERM is a clean shutdown, then kill)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


def _run(argv: list[str], *, cwd: Path | None = None) -> None:
    done = subprocess.run(argv, capture_output=True, timeout=120, check=False, cwd=cwd)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).decode(errors="replace").strip()[-1500:]
        raise LabDbError(f"{argv[0]} failed ({done.returncode}): {detail}")


def make_tls_files(folder: Path, address: str) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for ``address``: (ca, cert, key) paths."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    ca_key, ca, key, csr, cert = (folder / n for n in
                                  ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem"))
    _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
          "-subj", "/CN=posture lab database CA", "-keyout", str(ca_key), "-out", str(ca)])
    _run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={address}",
          "-keyout", str(key), "-out", str(csr)])
    ext = folder / "server.ext"
    san = f"IP:{address}" if address.replace(".", "").isdigit() or ":" in address \
        else f"DNS:{address}"
    ext.write_text(f"subjectAltName={san},DNS:localhost\nbasicConstraints=CA:FALSE\n")
    _run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
          "-CAcreateserial", "-days", "2", "-extfile", str(ext), "-out", str(cert)])
    return ca, cert, key


# A my.cnf whose only socket setting is in a drop-in folder, as distributions ship it.
_MY_CNF = "[client-server]\n# socket and the rest: see the drop-ins\n!includedir {folder}\n"
_SOCKET_DROPIN = "[mysqld]\nsocket = {socket}\n"


def _write_config(root: Path) -> tuple[Path, Path]:
    """(my.cnf, socket path): the socket is set only in ``conf.d/50-server.cnf``."""
    folder, sock = root / "conf.d", root / "run" / "server.sock"
    folder.mkdir(parents=True, exist_ok=True)
    sock.parent.mkdir(exist_ok=True)
    (folder / "50-server.cnf").write_text(_SOCKET_DROPIN.format(socket=sock))
    cnf = root / "my.cnf"
    cnf.write_text(_MY_CNF.format(folder=folder))
    return cnf, sock


def _server_args(root: Path, address: str, port: int, tls: tuple[Path, Path, Path] | None,
                 require_secure_transport: bool, defaults_file: Path | None = None) -> list[str]:
    # --defaults-file must come first; without it the socket is on the command line.
    first = [f"--defaults-file={defaults_file}"] if defaults_file else \
        ["--no-defaults", f"--socket={root / 'mysqld.sock'}"]
    args = [MARIADBD, *first, f"--datadir={root / 'data'}", f"--pid-file={root / 'mysqld.pid'}",
            f"--port={port}", f"--bind-address={address}", "--user=root",
            f"--log-error={root / 'error.log'}", "--skip-name-resolve",
            "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M",
            "--skip-log-bin", "--performance-schema=OFF", "--max-connections=50",
            "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci"]
    if tls is not None:
        ca, cert, key = tls
        args += [f"--ssl-ca={ca}", f"--ssl-cert={cert}", f"--ssl-key={key}"]
    if require_secure_transport:
        args.append("--require-secure-transport=ON")
    return args


def _wait_ready(proc: subprocess.Popen[bytes], sock: Path, root: Path,
                limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = (root / "error.log").read_text(errors="replace")[-2000:] \
                if (root / "error.log").exists() else ""
            raise LabDbError(f"mariadbd exited ({proc.returncode}): {log}")
        if sock.exists():
            with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as probe:
                probe.settimeout(1.0)
                probe.connect(str(sock))
                return
        time.sleep(0.1)
    raise LabDbError(f"mariadbd did not accept connections within {limit:.0f} s")


def start_mariadb(workdir: Path, *, address: str = "127.0.0.1", port: int | None = None,
                  tls: bool = False, require_secure_transport: bool = False,
                  socket_in_config: bool = False) -> LabMariaDB:
    """Create a data directory in ``workdir`` and start ``mariadbd`` on ``address``.

    ``tls`` makes a throwaway CA and server certificate (``ca_file`` is the CA);
    ``require_secure_transport`` makes the server refuse TCP clients without TLS;
    ``socket_in_config`` starts it with ``--defaults-file=my.cnf`` whose ``!includedir``
    drop-in alone sets the unix socket (nothing about it on the command line).
    """
    reason = mariadb_unavailable_reason()
    if reason:
        raise LabDbError(reason)
    root = Path(workdir)
    (root / "data").mkdir(parents=True, exist_ok=True)
    if not (root / "data" / "mysql").exists():
        _run([INSTALL_DB, "--no-defaults", f"--datadir={root / 'data'}", "--user=root",
              "--auth-root-authentication-method=socket", "--skip-test-db"], cwd=root)
    tls_files = make_tls_files(root / "tls", address) if tls else None
    port = port or free_port(address)
    cnf, sock = _write_config(root) if socket_in_config else (None, root / "mysqld.sock")
    with (root / "mariadbd.out").open("ab") as out:
        proc = subprocess.Popen(_server_args(root, address, port, tls_files,
                                             require_secure_transport, cnf),
                                stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    server = LabMariaDB(port, sock, address, tls_files[0] if tls_files else None, proc.pid,
                        root, proc)
    try:
        _wait_ready(proc, sock, root)
    except BaseException:
        server.stop()
        raise
    return server
