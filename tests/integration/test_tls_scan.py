"""``tls_all_links`` and ``encrypted_admin_channels`` end to end: a real scan (child process)
of real Apache endpoints, a real MariaDB through the SSH tunnel and a real plain-FTP vsftpd;
contradicted with exact evidence when weakened, verified when clean."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LabUsers, require_lab_part
from tests.exitcodes import expected_exit
from tests.integration.test_scan import STRONG
from tests.labs.base import Lab, LabSshd
from tests.labs.ftp import start_vsftpd, vsftpd_unavailable_reason
from tests.labs.mariadb import LabMariaDB, mariadb_unavailable_reason, start_mariadb
from tests.labs.shop import create_reader
from tests.labs.tls import LAB_HOSTNAME, LabCA, expired, make_ca
from tests.labs.web import LabApache, TlsOptions, apache_unavailable_reason, start_apache

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Site:
    """Everything the scans point at."""

    sshd: LabSshd
    ca: LabCA
    clean: LabApache
    weak: LabApache
    db: LabMariaDB
    db_user: str
    db_password: str


@pytest.fixture(scope="module")
def site(lab: Lab, lab_users: LabUsers, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Site]:
    """Clean and weak endpoints, a MariaDB offering TLS and a keys-only sshd."""
    for reason in (apache_unavailable_reason(), mariadb_unavailable_reason(),
                   vsftpd_unavailable_reason()):
        require_lab_part(reason)
    base = tmp_path_factory.mktemp("tlsscan")
    base.chmod(0o755)
    ca = make_ca(base / "pki")
    good, stale = ca.issue("good"), expired(ca)
    servers: list[Any] = []
    try:
        servers.append(start_apache(base / "clean", tls=TlsOptions(
            protocols="-all +TLSv1.2 +TLSv1.3", cert=good.cert, key=good.key,
            hsts="max-age=31536000", redirect_to=f"https://{LAB_HOSTNAME}/")))
        servers.append(start_apache(base / "weak", tls=TlsOptions(
            protocols="all -SSLv3", ciphers="ALL:@SECLEVEL=0", cert=stale.cert,
            key=stale.key)))
        servers.append(start_mariadb(base / "db", tls=True))
        user, password = f"pst{secrets.token_hex(3)}tls", secrets.token_urlsafe(16)
        servers[2].sql("CREATE DATABASE shop;")
        create_reader(servers[2], user, password, ("shop",))
        sshd = lab.start_sshd("tlsscan", options=STRONG)
        yield Site(sshd, ca, servers[0], servers[1], servers[2], user, password)
    finally:
        for server in reversed(servers):
            server.stop()


def _inventory(path: Path, site: Site, users: LabUsers, endpoint: LabApache) -> Path:
    path.write_text(f"""\
version: 1
organisation: TLS lab
defaults:
  ssh: {{user: {users.auditor}, key_file: {users.key}, known_hosts: {site.sshd.known_hosts},
         ssh_config: /dev/null, sudo: true}}
  timeouts: {{connect: 3, command: 20, host: 60}}
hosts:
  - {{name: lab, address: {site.sshd.address}, ssh: {{port: {site.sshd.port}}}}}
endpoints:
  - {{name: shop, url: "https://{LAB_HOSTNAME}/", connect_to: "127.0.0.1:{endpoint.https_port}",
     http_port: {endpoint.http_port}, ca_file: {site.ca.ca_file}, kind: admin}}
databases:
  - {{name: db, host: lab, engine: mariadb, port: {site.db.port}, database: shop,
     user: {site.db_user}, password_env: PST_TLS_DB_PW}}
claims:
  - {{id: tls, says: Everything is encrypted., type: tls_all_links,
     scope: {{endpoints: [shop], databases: [db]}}}}
  - {{id: admin, says: Administration only over SFTP or HTTPS., type: encrypted_admin_channels,
     scope: {{hosts: [lab], endpoints: [shop]}}}}
""")
    return path


def _scan(tmp: Path, site: Site, users: LabUsers, endpoint: LabApache) -> dict[str, Any]:
    inventory = _inventory(tmp / "inv.yml", site, users, endpoint)
    env = {**os.environ, "PST_TLS_DB_PW": site.db_password, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "posture", "scan", "-i", str(inventory),
                           "-o", str(tmp / "out"), "--format", "json", "-q"], env=env,
                          capture_output=True, timeout=120, check=False)
    report = dict(json.loads((tmp / "out" / "report.json").read_text()))
    assert done.returncode == expected_exit(report), done.stderr.decode()[-2000:]
    return report


def _findings(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in report["findings"]}


def _verdicts(report: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["verdict"] for c in report["claims"]}


def test_weak_setup_is_contradicted_with_evidence(tmp_path: Path, site: Site,
                                                  lab_users: LabUsers) -> None:
    site.db.sql("SET GLOBAL require_secure_transport = OFF;")
    ftp = start_vsftpd(tmp_path / "ftp")
    try:
        report = _scan(tmp_path, site, lab_users, site.weak)
    finally:
        ftp.stop()
    assert _verdicts(report) == {"tls": "contradicted", "admin": "contradicted"}
    found = _findings(report)
    assert {"TLSv1", "TLSv1.1"} <= set(found["tls.protocols@shop"]["evidence"]["accepted"])
    cert = found["tls.certificate@shop"]
    assert cert["status"] == "fail" and "expired on" in cert["summary"]
    assert found["http.redirect@shop"]["status"] == "fail"
    assert found["http.hsts@shop"]["status"] == "fail"
    db = found["db.tls_required@db"]
    assert db["status"] == "fail" and db["evidence"]["require_secure_transport"] == "OFF"
    assert db["evidence"]["plain_session"] == "accepted"
    ftp_finding = found["services.ftp_plaintext@lab"]
    assert ftp_finding["status"] == "fail"
    assert ftp.port in [p["port"] for p in ftp_finding["evidence"]["plaintext_reachable"]]


def test_clean_setup_is_verified(tmp_path: Path, site: Site, lab_users: LabUsers) -> None:
    site.db.sql("SET GLOBAL require_secure_transport = ON;")
    try:
        report = _scan(tmp_path, site, lab_users, site.clean)
    finally:
        site.db.sql("SET GLOBAL require_secure_transport = OFF;")
    found = _findings(report)
    bad = {k: (f["status"], f["summary"]) for k, f in found.items()
           if f["status"] in ("fail", "error")}
    assert _verdicts(report) == {"tls": "verified", "admin": "verified"}, bad
    db = found["db.tls_required@db"]
    assert db["evidence"]["plain_session"] == "refused"
    assert db["evidence"]["own_tls_session"]["version"].startswith("TLSv1.")
