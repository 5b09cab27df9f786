"""nginx end to end: a real nginx master with workers in a network namespace, judged as nginx.

sshd and nginx run inside the namespace; the auditor connects from the allowlisted address
and probes from a second one. The planted lab has a right server (TLS 1.2+, HSTS, no version,
/admin/ and /feed/ behind allow/deny) and a wrong one in an included file (server_tokens on,
TLS 1.0, no HSTS); the open lab has workers running as root and no access rules. Every nginx
verdict is asserted exactly; a web_server_version claim about Apache is judged on the loopback
lab's Apache.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

import checks
from checks.base import CheckContext
from posture.cli import main
from posture.collect.collector import run_probes
from posture.collect.probes.registry import ProbeContext
from posture.inventory.model import Endpoint, Inventory
from posture.models import Fact, Status
from tests.conftest import LabUsers
from tests.labs.base import Lab, LabSshd
from tests.labs.netns import NetLab, netlab_unavailable_reason, start_netlab
from tests.labs.nginx import LabNginx, nginx_unavailable_reason, nginx_version, start_nginx
from tests.labs.web import apache_unavailable_reason, start_apache

pytestmark = pytest.mark.integration


@dataclass
class Target:
    """The namespace with its sshd; nginx is started per test."""

    net: NetLab
    sshd: LabSshd
    lab: Lab


def _require(reason: str) -> None:
    if reason:
        if os.environ.get("CI") or os.environ.get("POSTURE_REQUIRE_LAB"):
            pytest.fail(f"the nginx lab is required here but unavailable: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def target(lab: Lab, lab_users: LabUsers,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """sshd inside a fresh namespace (only the allowlisted address may use SSH)."""
    _require(netlab_unavailable_reason() or nginx_unavailable_reason())
    net = start_netlab()
    inner = Lab(tmp_path_factory.mktemp("nginxlab") / "ssh", address=net.target)
    try:
        with net.inside():
            sshd = inner.start_sshd("nginxlab", options={"PasswordAuthentication": "no"})
        yield Target(net, sshd, inner)
    finally:
        inner.stop()
        net.stop()


@contextlib.contextmanager
def _nginx(t: Target, **options: object) -> Iterator[LabNginx]:
    # Workers (www-data) must traverse the folder: not pytest's private tmp.
    root = Path(tempfile.mkdtemp(prefix="pstnginx-"))
    root.chmod(0o755)
    try:
        with t.net.inside():
            server = start_nginx(root / "srv", address=t.net.target,
                                 **options)  # type: ignore[arg-type]
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _firewall(t: Target, server: LabNginx) -> None:
    # The web ports are open to everyone: only nginx's allow/deny protects the admin paths.
    t.net.clear()
    t.net.load_nft(f"""table inet filter {{
  chain input {{
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    iifname "lo" accept
    tcp dport {{ {server.https_port}, {server.http_port} }} accept
    ip saddr {t.net.allowed} tcp dport {t.sshd.port} accept
  }}
}}
""")


def _inventory(path: Path, t: Target, users: LabUsers, server: LabNginx, version: str) -> Path:
    allowed = f"{t.net.allowed}/32"
    base = f"https://{t.net.target}:{server.https_port}"
    path.write_text(f"""\
version: 1
organisation: nginx lab
defaults:
  ssh: {{user: {users.auditor}, key_file: "{users.key}", known_hosts: "{t.sshd.known_hosts}",
         sudo: true, ssh_config: /dev/null}}
  timeouts: {{connect: 5, command: 30, host: 120}}
vantage_points:
  - name: outside
    source_address: {t.net.outsider}
hosts:
  - name: target
    address: {t.net.target}
    ssh: {{port: {t.sshd.port}}}
endpoints:
  - name: shop
    url: {base}/
    kind: web
    http_port: {server.http_port}
  - name: admin
    url: {base}/admin/
    kind: admin
    http_port: {server.http_port}
  - name: feed
    url: {base}/feed/
    kind: integration
claims:
  - id: web
    says: The web server is nginx {version}.
    type: web_server_version
    expect: {{product: nginx, version: "{version}"}}
    scope: {{hosts: [target]}}
  - id: allowlist
    says: Administration and links with other systems only from known IP addresses.
    type: ip_allowlist
    expect: {{ssh: [{allowed}], admin: [{allowed}], integrations: [{allowed}]}}
    scope: {{hosts: [target]}}
  - id: channels
    says: Administration only over SFTP or HTTPS.
    type: encrypted_admin_channels
    scope: {{hosts: [target]}}
  - id: links
    says: Every connection is encrypted with current TLS.
    type: tls_all_links
    scope: {{hosts: [target]}}
""")
    return path


def _scan(tmp_path: Path, t: Target, users: LabUsers, server: LabNginx
          ) -> dict[str, dict[str, object]]:
    version = ".".join(nginx_version().split(".")[:2])
    inventory = _inventory(tmp_path / "inventory.yml", t, users, server, version)
    main(["scan", "-i", str(inventory), "-o", str(tmp_path / "out"), "--format", "json", "-q"])
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    findings = {f["check"]: f for f in report["findings"]}
    for finding in findings.values():  # shown by pytest when an assertion fails
        print(finding["check"], finding["status"], finding["summary"])
    return findings


def _judged(findings: dict[str, dict[str, object]]) -> dict[str, object]:
    names = ("web.server_version_matches", "nginx.version_disclosure",
             "nginx.workers_not_root", "allowlist.admin", "allowlist.integrations",
             "web.admin_plain_http", "nginx.tls_config")
    return {name: findings[name]["status"] for name in names}


def test_planted_lab_is_judged_as_nginx(tmp_path: Path, target: Target,
                                        lab_users: LabUsers) -> None:
    t = target
    with _nginx(t, admin_allowed=t.net.allowed, feed_allowed=t.net.allowed,
                shop_admin="beheer", shop_allowed=t.net.allowed) as server:
        _firewall(t, server)
        findings = _scan(tmp_path, t, lab_users, server)
    assert _judged(findings) == {
        "web.server_version_matches": "pass", "nginx.version_disclosure": "fail",
        "nginx.workers_not_root": "pass", "allowlist.admin": "pass",
        "allowlist.integrations": "pass", "web.admin_plain_http": "pass",
        "nginx.tls_config": "fail"}
    assert "wrong.conf:7" in str(findings["nginx.tls_config"]["summary"])
    disclosure = findings["nginx.version_disclosure"]
    assert "wrong.conf:4" in str(disclosure["summary"])
    assert "nginx 1." in str(findings["web.server_version_matches"]["summary"])
    workers = findings["nginx.workers_not_root"]["evidence"]
    assert workers["worker_users"] == ["www-data"]  # type: ignore[index]
    assert workers["workers"] == 2  # type: ignore[index]
    eol = findings["nginx.eol"]
    # Debian's nginx: its upstream branch has ended, the distribution still back-ports fixes
    assert eol["status"] == "warn", eol
    assert eol["evidence"]["support"]["phase"] != "supported"  # type: ignore[index]
    assert eol["evidence"]["distribution"]["release"]  # type: ignore[index]
    admin = findings["allowlist.admin"]["evidence"]
    layer = admin["layers"]["nginx access"]  # type: ignore[index]
    assert layer["allows"] == [f"{t.net.allowed}/32"]
    assert "right.conf" in layer["location"] and "/admin/" in layer["location"]
    assert any(t.net.outsider in p and "403" in p
               for p in admin["probes"])  # type: ignore[index]
    plain = findings["web.admin_plain_http"]["evidence"]
    assert plain["application_folders"] == ["beheer"]  # type: ignore[index]
    assert sorted(plain["asked"]) == [  # type: ignore[index]
        f"/admin/ on port {server.http_port} (inventory): HTTP 301 to "
        f"https://lab.posture.test:{server.https_port}/admin/",
        f"/beheer/ on port {server.http_port} (application): HTTP 301 to "
        f"https://lab.posture.test:{server.https_port}/beheer/"]
    feed = findings["allowlist.integrations"]["evidence"]
    assert feed["layers"]["nginx access"]["allows"] == [f"{t.net.allowed}/32"]  # type: ignore[index]


def test_open_lab_with_root_workers_is_contradicted(tmp_path: Path, target: Target,
                                                    lab_users: LabUsers) -> None:
    t = target
    with _nginx(t, user="root", wrong=False, admin_allowed=t.net.allowed, feed_allowed=None,
                shop_admin="beheer", plain_redirect=False) as server:
        _firewall(t, server)
        findings = _scan(tmp_path, t, lab_users, server)
    assert _judged(findings) == {
        "web.server_version_matches": "pass", "nginx.version_disclosure": "pass",
        "nginx.workers_not_root": "fail", "allowlist.admin": "fail",
        "allowlist.integrations": "fail", "web.admin_plain_http": "fail",
        "nginx.tls_config": "pass"}
    # /admin/ of the inventory is protected: the renamed folder the shop revealed is not
    admin = findings["allowlist.admin"]
    assert "open to the world" in str(admin["summary"])
    assert "beheer" in str(admin["evidence"]["endpoint"])  # type: ignore[index]
    assert admin["evidence"]["path_from"] == "application"  # type: ignore[index]
    plain = findings["web.admin_plain_http"]
    assert "answer over plain HTTP" in str(plain["summary"])
    assert f"/beheer/ on port {server.http_port} (application): HTTP 200" in \
        plain["evidence"]["asked"]  # type: ignore[index]
    assert any(t.net.outsider in p and "200" in p
               for p in admin["evidence"]["contradicting_probes"])  # type: ignore[index]
    users = findings["nginx.workers_not_root"]["evidence"]["configured_user"]  # type: ignore[index]
    assert users[0]["user"] == "root" and "nginx.conf:1" in users[0]["at"]


def _plain(t: Target, server: LabNginx, http_port: int | None) -> dict[str, Fact]:
    endpoint = Endpoint(name="feed", url=f"https://lab.posture.test:{server.https_port}/feed/",
                        kind="integration", connect_to=f"{t.net.target}:{server.https_port}",
                        http_port=http_port)
    inventory = Inventory(path="t.yml", sha256="0", organisation="t", hosts=(), claims=(),
                          endpoints=(endpoint,))
    ctx = ProbeContext(inventory, "feed", time.monotonic() + 20, {}, endpoint=endpoint)
    return run_probes(["http.plain"], ctx)


def test_plain_http_is_asked_for_the_endpoints_own_path_and_port(target: Target) -> None:
    t = target
    with _nginx(t, other_site=True) as server:
        t.net.clear()
        paired = _plain(t, server, server.http_port)
        unpaired = _plain(t, server, None)
    redirect = checks.by_id("http.redirect")
    own = paired["http.plain"].value
    assert (own["path"], own["port"], own["status"]) == ("/feed/", server.http_port, 301)
    assert own["location"] == f"https://lab.posture.test:{server.https_port}/feed/"
    outcome = redirect.evaluate(CheckContext("feed", paired, {}, datetime.now(UTC)))
    assert outcome.status is Status.PASS, outcome
    other = unpaired["http.plain"].value
    assert (other["port"], other["status"], other["same_resource"]) == (80, 200, False)
    outcome = redirect.evaluate(CheckContext("feed", unpaired, {}, datetime.now(UTC)))
    assert outcome.status is Status.NOT_APPLICABLE, outcome
    assert "another site answers" in outcome.summary
    assert "Server nginx" in str(outcome.evidence["answered"])


def test_web_server_version_judges_apache(tmp_path: Path, lab_sshd: LabSshd,
                                          lab_users: LabUsers) -> None:
    _require(apache_unavailable_reason())
    root = Path(tempfile.mkdtemp(prefix="pstapache-"))
    root.chmod(0o755)
    apache = start_apache(root / "srv")
    try:
        inventory = tmp_path / "inventory.yml"
        inventory.write_text(f"""\
version: 1
defaults:
  ssh: {{user: {lab_users.auditor}, key_file: "{lab_users.key}",
         known_hosts: "{lab_sshd.known_hosts}", sudo: true, ssh_config: /dev/null}}
  timeouts: {{connect: 3, command: 20, host: 60}}
hosts:
  - name: lab
    address: {lab_sshd.address}
    ssh: {{port: {lab_sshd.port}}}
claims:
  - id: apache
    says: The web server is Apache 2.4.
    type: web_server_version
    expect: {{product: apache, version: "2.4"}}
    scope: {{hosts: [lab]}}
  - id: legacy
    says: The web server is Apache 2.4.
    type: apache_version
    expect: {{version: "2.4"}}
    scope: {{hosts: [lab]}}
""")
        main(["scan", "-i", str(inventory), "-o", str(tmp_path / "out"), "--format", "json",
              "-q"])
    finally:
        apache.stop()
        shutil.rmtree(root, ignore_errors=True)
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    findings = {f["id"]: f for f in report["findings"]}
    by_claim = {(c["id"], findings[i]["check"]): findings[i]
                for c in report["claims"] for i in c["findings"]}
    web = by_claim[("apache", "web.server_version_matches")]
    assert web["status"] == "pass", web
    assert "Apache 2.4" in web["summary"]
    assert by_claim[("legacy", "apache.version_matches")]["status"] == "pass"
