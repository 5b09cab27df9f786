"""The second lab: a Debian 13 (trixie) shop server of another shape than the first lab.

A real trixie root file system (:mod:`tests.labs.rootfs`) runs in its own network, mount, PID,
IPC and UTS namespaces behind a veth pair (:mod:`tests.labs.netns`). Inside it run trixie's own
sshd, nginx and PostgreSQL 17, behind ufw. What it plants (see :data:`PLANTED`):

- sshd: passwords off globally, turned back on by a ``Match Address`` block of a drop-in in
  ``/etc/ssh/sshd_config.d`` for the lab network (the one the auditor connects from), and
  keyboard-interactive (PAM: a password prompt) by a ``Match User shopadmin`` block;
- nginx: a right vhost (443: TLS 1.2+, ``server_tokens off``, HSTS, ``/admin/`` with
  ``allow <auditor>; deny all;``, port 80 redirects) and a wrong one (8443/8080: TLS 1.0 and
  1.1 accepted, ``server_tokens on``, ``/admin/`` open to all, also over plain HTTP);
- PostgreSQL 17: ``listen_addresses`` from a ``conf.d`` drop-in, a ``host`` (not ``hostssl``)
  ``pg_hba`` rule from 0.0.0.0/0, a test database holding three rows copied from production;
- ufw: incoming denied but for SSH from the auditor, the web ports and 5432 from anywhere;
- accounts: ``auditor`` (throwaway key, sudo NOPASSWD, a login shell that prints noise without
  a final newline) and ``shopadmin`` whose password is 200 days old.
"""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Final

from tests.labs import trixie_conf as conf
from tests.labs.netns import NetLab, netlab_unavailable_reason, start_netlab
from tests.labs.registry import reap_stale, register, unregister
from tests.labs.rootfs import (
    ROOTFS_MARKER,
    WORK_MARKER,
    Chroot,
    RootfsError,
    ensure_rootfs,
    rootfs_unavailable_reason,
    start_chroot,
)

PG_VERSION: Final = "17"
WRONG_HTTPS: Final = 8443
WRONG_HTTP: Final = 8080
SHOP_NAME: Final = "shop.lab2.test"
OLD_PASSWORD_DAYS: Final = 200
NOISE: Final = "Welcome to shop-db-2, authorised use only. Load: 0.42"  # no final newline

class TrixieLabError(RuntimeError):
    """The trixie lab could not be built or started."""


def trixie_unavailable_reason() -> str:
    """Why the trixie lab cannot run here, or ''."""
    return rootfs_unavailable_reason() or netlab_unavailable_reason()


@dataclass
class TrixieLab:
    """A running trixie lab; a context manager whose exit tears it down."""

    net: NetLab
    chroot: Chroot
    key: Path  # the auditor's throwaway private key (``.pub`` beside it)
    known_hosts: Path
    ca_file: Path  # the throwaway CA of the nginx and PostgreSQL certificates
    db_password: str = field(repr=False, default="")
    timings: dict[str, float] = field(default_factory=dict)
    auditor: str = "auditor"
    admin: str = "shopadmin"

    @property
    def address(self) -> str:
        """The lab server's address."""
        return self.net.target

    def psql(self, sql: str, *, database: str = "postgres") -> str:
        """Run SQL as the ``postgres`` superuser over the unix socket (SQL on stdin)."""
        return self.chroot.run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-d",
                               database, stdin=sql, user="postgres")

    def stop(self) -> None:
        """Kill the lab's namespaces and processes, then the network; idempotent."""
        self.chroot.stop()
        self.net.stop()
        unregister(self.net.name)

    def __enter__(self) -> TrixieLab:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _openssl(*args: str) -> None:
    done = subprocess.run(["openssl", *args], capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        raise TrixieLabError(f"openssl {args[0]} failed: {done.stderr.decode()[-500:]}")


def _pki(folder: Path, names: dict[str, str]) -> Path:
    """A throwaway CA and one certificate per name (SAN: DNS name plus IP); the CA path."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    ca_key, ca = folder / "ca.key", folder / "ca.pem"
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-days", "90", "-subj", "/CN=posture lab2 CA", "-keyout", str(ca_key),
             "-out", str(ca))
    for stem, san in names.items():
        key, csr, cert = (folder / f"{stem}{s}" for s in (".key", ".csr", ".pem"))
        ext = folder / f"{stem}.ext"
        ext.write_text(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\n")
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-subj", f"/CN={stem}.lab2.test", "-keyout", str(key), "-out", str(csr))
        _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
                 "-CAcreateserial", "-days", "90", "-extfile", str(ext), "-out", str(cert))
    return ca


def _wait_port(lab: TrixieLab, port: int, what: str, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        out = lab.chroot.run("ss", "-Htln", f"sport = :{port}", check=False)
        if out.strip():
            return
        time.sleep(0.1)
    raise TrixieLabError(f"{what} did not listen on port {port} within {limit:.0f} s")


def _accounts(lab: TrixieLab) -> None:
    c = lab.chroot
    c.run("useradd", "-m", "-s", "/bin/bash", lab.auditor)
    c.run("useradd", "-m", "-s", "/bin/bash", lab.admin)
    c.run("chpasswd", stdin=f"{lab.admin}:{secrets.token_urlsafe(18)}\n")  # stdin, never argv
    day = (datetime.now(UTC) - timedelta(days=OLD_PASSWORD_DAYS)).strftime("%Y-%m-%d")
    c.run("chage", "-d", day, lab.admin)
    c.write(f"/etc/sudoers.d/{lab.auditor}", f"{lab.auditor} ALL=(ALL:ALL) NOPASSWD: ALL\n",
            mode=0o440)
    c.run("visudo", "-cf", f"/etc/sudoers.d/{lab.auditor}")
    home = f"/home/{lab.auditor}"
    c.write(f"{home}/.ssh/authorized_keys", Path(f"{lab.key}.pub").read_text(), mode=0o600)
    # Noise on every login shell, without a final newline, before Debian's interactive guard.
    for rc in (".bashrc", ".profile"):
        old = c.path(f"{home}/{rc}").read_text() if c.path(f"{home}/{rc}").exists() else ""
        c.write(f"{home}/{rc}", f"printf '%s' '{NOISE}'\n{old}")
    c.run("chown", "-R", f"{lab.auditor}:{lab.auditor}", home)
    c.run("chmod", "700", f"{home}/.ssh")


def _sshd(lab: TrixieLab) -> None:
    c = lab.chroot
    c.run("sh", "-c", "rm -f /etc/ssh/ssh_host_*_key* && ssh-keygen -A")  # not the cached keys
    c.write("/etc/ssh/sshd_config.d/50-hardening.conf",
            conf.SSHD_DROPIN.format(network=f"{lab.net.prefix}.0/24"))
    c.run("mkdir", "-p", "-m", "0755", "/run/sshd")
    c.run("/usr/sbin/sshd", "-t")
    c.run("/usr/sbin/sshd")
    _wait_port(lab, 22, "sshd")
    lines = []
    for kind in ("ed25519", "ecdsa", "rsa"):
        kind_, blob = c.path(f"/etc/ssh/ssh_host_{kind}_key.pub").read_text().split()[:2]
        lines.append(f"{lab.address} {kind_} {blob}\n")
    lab.known_hosts.write_text("".join(lines))
    lab.known_hosts.chmod(0o600)


def _nginx(lab: TrixieLab, pki: Path) -> None:
    c = lab.chroot
    for stem in ("shop", "legacy"):
        for ext, mode in ((".pem", 0o644), (".key", 0o600)):
            c.write(f"/etc/nginx/lab/{stem}{ext}", (pki / f"{stem}{ext}").read_text(), mode=mode)
    c.path("/etc/nginx/sites-enabled/default").unlink(missing_ok=True)
    c.write("/etc/nginx/sites-enabled/shop.conf",
            conf.NGINX_SHOP.format(name=SHOP_NAME, allowed=lab.net.allowed))
    c.write("/etc/nginx/sites-enabled/legacy.conf",
            conf.NGINX_LEGACY.format(http=WRONG_HTTP, https=WRONG_HTTPS))
    for site in ("shop", "legacy"):
        c.write(f"/var/www/{site}/index.html", f"<!doctype html><title>{site}</title>\n")
        c.write(f"/var/www/{site}/admin/index.html", f"<!doctype html><title>{site} admin</title>\n")
    c.run("nginx", "-t")
    c.run("nginx")
    _wait_port(lab, 443, "nginx")


def _postgresql(lab: TrixieLab, pki: Path) -> None:
    c = lab.chroot
    etc = f"/etc/postgresql/{PG_VERSION}/main"
    if not c.path(etc).is_dir():
        raise TrixieLabError(f"no PostgreSQL {PG_VERSION} cluster in the root file system")
    for ext, mode in ((".pem", 0o644), (".key", 0o600)):
        c.write(f"{etc}/lab/server{ext}", (pki / f"postgres{ext}").read_text(), mode=mode)
    c.run("chown", "-R", "postgres:postgres", f"{etc}/lab")
    c.write(f"{etc}/conf.d/50-listen.conf", conf.PG_CONF.format(v=PG_VERSION))
    c.write(f"{etc}/pg_hba.conf", conf.PG_HBA.format(allowed=lab.net.allowed), mode=0o640)
    c.run("chown", "postgres:postgres", f"{etc}/pg_hba.conf")
    c.run("install", "-d", "-o", "postgres", "-g", "postgres", "-m", "2775", "/run/postgresql")
    c.run("pg_ctlcluster", PG_VERSION, "main", "start", timeout=120)
    _wait_port(lab, 5432, "PostgreSQL")
    lab.psql(f"CREATE ROLE posture_ro LOGIN PASSWORD '{lab.db_password}';"
             "CREATE DATABASE shop_prod; CREATE DATABASE shop_test;")
    rows = [(i, f"Klant{i:03d} Achternaam{i * 7 % 100:02d}", f"klant{i:03d}@mail.lab2.test",
             f"+31 6 {10000000 + i * 7919:08d}", ("Utrecht", "Zwolle", "Delft")[i % 3])
            for i in range(1, 41)]
    values = ",".join(f"({i},'{n}','{e}','{p}','{t}')" for i, n, e, p, t in rows)
    lab.psql(conf.PG_DATA + f"INSERT INTO customers VALUES {values};", database="shop_prod")
    fake = [(1001 + i, f"Test Persoon {i}", f"test{i}@example.invalid", "+31 6 00000000",
             "Teststad") for i in range(5)]
    copied = [r for r in rows if r[0] in (3, 17, 29)]  # three production rows, copied as-is
    values = ",".join(f"({i},'{n}','{e}','{p}','{t}')" for i, n, e, p, t in fake + copied)
    lab.psql(conf.PG_DATA + f"INSERT INTO customers VALUES {values};", database="shop_test")
    for db in ("shop_prod", "shop_test"):
        lab.psql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO posture_ro;", database=db)


def _ufw(lab: TrixieLab) -> None:
    c = lab.chroot
    c.run("ufw", "default", "deny", "incoming")
    c.run("ufw", "allow", "from", f"{lab.net.allowed}", "to", "any", "port", "22", "proto",
          "tcp")
    for port in ("80", "443", str(WRONG_HTTP), str(WRONG_HTTPS), "5432"):
        c.run("ufw", "allow", f"{port}/tcp")
    c.run("ufw", "--force", "enable")


def start_trixie_lab(work: Path) -> TrixieLab:
    """Build (or reuse) the root file system and start the lab; ``work`` must not exist.

    The timings (seconds) are in :attr:`TrixieLab.timings`: ``rootfs`` (build or cache
    check) and ``start`` (namespaces, accounts and servers).
    """
    reason = trixie_unavailable_reason()
    if reason:
        raise TrixieLabError(reason)
    try:
        lower, build_seconds, _ = ensure_rootfs()
    except (RootfsError, subprocess.TimeoutExpired) as exc:
        raise TrixieLabError(str(exc)) from exc
    reap_stale(ROOTFS_MARKER, WORK_MARKER)  # labs of sessions that died without teardown
    start = time.monotonic()
    work.mkdir(parents=True, exist_ok=True)
    net = start_netlab()
    try:
        chroot = start_chroot(lower, work / "lab", net.name)
    except BaseException:
        net.stop()
        raise
    client = work / "client"
    key = client / "auditor_ed25519"
    lab = TrixieLab(net, chroot, key, client / "known_hosts", client / "pki" / "ca.pem",
                    db_password=secrets.token_urlsafe(18))
    lab.timings["rootfs"] = build_seconds
    try:
        register(net.name, net.host_side, chroot.init_pid, chroot.work)
        client.mkdir(mode=0o700)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "posture-lab2",
                        "-f", str(key)], check=True, capture_output=True, timeout=60)
        pki = client / "pki"
        _pki(pki, {"shop": f"DNS:{SHOP_NAME},IP:{net.target}",
                   "legacy": f"DNS:legacy.lab2.test,IP:{net.target}",
                   "postgres": f"DNS:db.lab2.test,IP:{net.target}"})
        chroot.write("/etc/resolv.conf", "nameserver 127.0.0.1\n")
        chroot.write("/etc/hosts", f"127.0.0.1 localhost\n{net.target} posture-lab2 "
                     f"{SHOP_NAME}\n")
        with contextlib.suppress(RootfsError):
            chroot.run("hostname", "posture-lab2")
        _accounts(lab)
        _sshd(lab)
        _nginx(lab, pki)
        _postgresql(lab, pki)
        _ufw(lab)
    except BaseException:
        lab.stop()
        raise
    lab.timings["start"] = time.monotonic() - start
    return lab
