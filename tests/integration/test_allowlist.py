"""ip_allowlist end to end: a target in a network namespace behind real firewall rules.

sshd, MariaDB and Apache run inside the namespace; the auditor connects from the allowlisted
address and probes from a second, non-allowlisted one. Each test loads its own rule set.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from posture.cli import main
from tests.conftest import LabUsers
from tests.labs.base import Lab, LabSshd
from tests.labs.mariadb import LabMariaDB, mariadb_unavailable_reason, start_mariadb
from tests.labs.netns import NetLab, netlab_unavailable_reason, start_netlab
from tests.labs.web import LabApache, apache_unavailable_reason, start_apache

pytestmark = pytest.mark.integration

ADMIN_CONF = """\
<IfModule !authz_host_module>
LoadModule authz_host_module /usr/lib/apache2/modules/mod_authz_host.so
</IfModule>
<Location /admin>
    Require ip {allowed}
</Location>
<Location /feed>
    Require ip {allowed}
</Location>
"""


@dataclass
class Target:
    """The running namespace target."""

    net: NetLab
    sshd: LabSshd
    db: LabMariaDB
    apache: LabApache

    def ports(self) -> str:
        """The three service ports, for rule sets."""
        return f"{self.sshd.port}, {self.db.port}, {self.apache.http_port}"


def _unavailable() -> str:
    return (netlab_unavailable_reason() or mariadb_unavailable_reason()
            or apache_unavailable_reason())


def _start_apache(net: NetLab) -> tuple[LabApache, Path]:
    # Apache's workers (www-data) must traverse the folder: not pytest's private tmp.
    root = Path(tempfile.mkdtemp(prefix="pstnetlab-"))
    root.chmod(0o755)
    (root / "conf-enabled").mkdir()
    (root / "conf-enabled" / "admin.conf").write_text(ADMIN_CONF.format(allowed=net.allowed))
    (root / "htdocs" / "admin").mkdir(parents=True)
    (root / "htdocs" / "admin" / "index.html").write_text("admin\n")
    (root / "htdocs" / "feed").mkdir()
    (root / "htdocs" / "feed" / "index.html").write_text("feed\n")
    return start_apache(root, address=net.target), root


@pytest.fixture(scope="module")
def target(lab: Lab, lab_users: LabUsers,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """sshd, MariaDB (bound to every address) and Apache inside a fresh namespace."""
    reason = _unavailable()
    if reason:
        if os.environ.get("CI") or os.environ.get("POSTURE_REQUIRE_LAB"):
            pytest.fail(f"the namespace lab is required here but unavailable: {reason}")
        pytest.skip(reason)
    net = start_netlab()
    work = tmp_path_factory.mktemp("netlab")
    inner = Lab(work / "ssh", address=net.target)
    stops = [inner.stop, net.stop]
    try:
        with net.inside():
            sshd = inner.start_sshd("netlab", options={"PasswordAuthentication": "no"})
            db = start_mariadb(work / "db", address="0.0.0.0")
            stops.insert(0, db.stop)
            apache, root = _start_apache(net)
            stops[:0] = [apache.stop, lambda: shutil.rmtree(root, ignore_errors=True)]
        yield Target(net, sshd, db, apache)
    finally:
        for stop in stops:
            stop()


def _inventory(path: Path, t: Target, users: LabUsers) -> Path:
    allowed = f"{t.net.allowed}/32"
    path.write_text(f"""\
version: 1
organisation: Namespace lab
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
  - name: admin
    url: http://{t.net.target}:{t.apache.http_port}/admin/
    kind: admin
databases:
  - name: shopdb
    host: target
    engine: mariadb
    port: {t.db.port}
    database: mysql
    user: posture_ro
claims:
  - id: allowlist
    says: Direct connections are only possible from known IP addresses.
    type: ip_allowlist
    expect: {{ssh: [{allowed}], database: [{allowed}], admin: [{allowed}]}}
    scope: {{hosts: [target]}}
""")
    return path


def _scan(tmp_path: Path, t: Target, users: LabUsers) -> tuple[str, dict[str, dict[str, object]]]:
    inventory = _inventory(tmp_path / "inventory.yml", t, users)
    main(["scan", "-i", str(inventory), "-o", str(tmp_path / "out"), "--format", "json", "-q"])
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    findings = {f["check"]: f for f in report["findings"]}
    for finding in findings.values():  # shown by pytest when an assertion fails
        print(finding["check"], finding["status"], finding["summary"],
              json.dumps(finding["evidence"].get("probes")))
    return report["claims"][0]["verdict"], findings


def _accounts(t: Target, host: str) -> None:
    t.db.sql("DROP USER IF EXISTS 'shop'@'%';" f"DROP USER IF EXISTS 'shop'@'{t.net.allowed}';"
             f"CREATE USER 'shop'@'{host}' IDENTIFIED BY 'x{os.getpid()}';")


def _nft(t: Target, db_from: str) -> None:
    t.net.clear()
    t.net.load_nft(f"""table inet filter {{
  chain input {{
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iifname "lo" accept
    ip saddr {t.net.allowed} tcp dport {{ {t.sshd.port}, {t.apache.http_port} }} accept
    {db_from} tcp dport {t.db.port} accept
  }}
}}
""")


def test_everything_allowlisted_is_verified(tmp_path: Path, target: Target,
                                            lab_users: LabUsers) -> None:
    _nft(target, f"ip saddr {target.net.allowed}")
    _accounts(target, target.net.allowed)
    verdict, findings = _scan(tmp_path, target, lab_users)
    assert {k: findings[k]["status"] for k in findings} == {
        "allowlist.ssh": "pass", "allowlist.database": "pass", "allowlist.admin": "pass",
        "allowlist.integrations": "not_applicable", "allowlist.undeclared_services": "pass"}, \
        findings
    assert any(s.startswith("MariaDB 10.") for s in  # the server software beside the verdict
               findings["allowlist.database"]["evidence"]["server_software"])
    assert verdict == "verified"
    probes = findings["allowlist.database"]["evidence"]["probes"]
    assert any(target.net.outsider in p and "filtered" in p for p in probes)


def test_database_open_to_all_with_any_host_account_is_contradicted(
        tmp_path: Path, target: Target, lab_users: LabUsers) -> None:
    _nft(target, "")
    _accounts(target, "%")
    verdict, findings = _scan(tmp_path, target, lab_users)
    assert verdict == "contradicted"
    assert findings["allowlist.ssh"]["status"] == "pass"
    assert findings["allowlist.admin"]["status"] == "pass"
    db = findings["allowlist.database"]
    assert db["status"] == "fail"
    assert "open to the world" in db["summary"]
    evidence = db["evidence"]
    assert "0.0.0.0/0" in evidence["layers"]["firewall"]["allows"]
    assert "'shop'@'%'" in evidence["layers"]["database accounts"]["any_host"]
    assert any(target.net.outsider in p and "database-handshake" in p
               for p in evidence["contradicting_probes"])


def test_any_host_account_behind_the_firewall_is_a_warning(
        tmp_path: Path, target: Target, lab_users: LabUsers) -> None:
    _nft(target, f"ip saddr {target.net.allowed}")
    _accounts(target, "%")
    verdict, findings = _scan(tmp_path, target, lab_users)
    assert findings["allowlist.database"]["status"] == "warn"
    assert "'shop'@'%'" in findings["allowlist.database"]["summary"]
    assert verdict == "verified"


def test_iptables_legacy_rules_are_evaluated(tmp_path: Path, target: Target,
                                             lab_users: LabUsers) -> None:
    target.net.clear()
    _accounts(target, target.net.allowed)
    t = target
    target.net.load_iptables_legacy(f"""*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m tcp --dport {t.sshd.port} -m comment --comment "ssh for all" -j ACCEPT
-A INPUT -s {t.net.allowed}/32 -p tcp -m multiport --dports {t.db.port},{t.apache.http_port} -j ACCEPT
COMMIT
""")
    try:
        verdict, findings = _scan(tmp_path, target, lab_users)
    finally:
        target.net.clear()
    ssh = findings["allowlist.ssh"]
    assert ssh["status"] == "fail", ssh
    assert any("iptables-legacy filter" in a
               for a in ssh["evidence"]["layers"]["firewall"]["accepted_by"])
    assert any(target.net.outsider in p and "ssh" in p
               for p in ssh["evidence"]["contradicting_probes"])
    assert findings["allowlist.database"]["status"] == "pass"
    assert verdict == "contradicted"


def test_admin_path_restricted_by_require_ip(tmp_path: Path, target: Target,
                                             lab_users: LabUsers) -> None:
    # The firewall lets everyone reach the web port: only Apache's Require ip protects /admin.
    t = target
    t.net.clear()
    t.net.load_nft(f"""table inet counting {{
  chain input {{ type filter hook input priority 10; policy accept; counter; }}
}}
table inet filter {{
  chain input {{
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    tcp dport {t.apache.http_port} accept
    ip saddr {t.net.allowed} tcp dport {{ {t.sshd.port}, {t.db.port} }} accept
  }}
}}
""")
    _accounts(t, t.net.allowed)
    verdict, findings = _scan(tmp_path, t, lab_users)
    admin = findings["allowlist.admin"]
    assert admin["status"] == "pass", admin
    layers = admin["evidence"]["layers"]
    assert "0.0.0.0/0" in layers["firewall"]["allows"]
    assert layers["apache access"]["allows"] == [f"{t.net.allowed}/32"]
    assert any(t.net.outsider in p and "403" in p for p in admin["evidence"]["probes"])
    assert verdict == "verified"


def test_integration_endpoint_judged_by_apache_require_ip(tmp_path: Path, target: Target,
                                                          lab_users: LabUsers) -> None:
    # expect.integrations: the statement's "links with other systems only from known IPs"
    t = target
    t.net.clear()
    t.net.load_nft(f"""table inet filter {{
  chain input {{
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    tcp dport {t.apache.http_port} accept
    ip saddr {t.net.allowed} tcp dport {{ {t.sshd.port}, {t.db.port} }} accept
  }}
}}
""")
    _accounts(t, t.net.allowed)
    inventory = _inventory(tmp_path / "inventory.yml", t, lab_users)
    text = inventory.read_text().replace("""    kind: admin
""", f"""    kind: admin
  - name: feed
    url: http://{t.net.target}:{t.apache.http_port}/feed/
    kind: integration
""").replace("admin: [", f"integrations: [{t.net.allowed}/32], admin: [")
    inventory.write_text(text)
    main(["scan", "-i", str(inventory), "-o", str(tmp_path / "out"), "--format", "json", "-q"])
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    feed = next(f for f in report["findings"] if f["check"] == "allowlist.integrations")
    assert feed["status"] == "pass", feed
    layers = feed["evidence"]["layers"]
    assert "0.0.0.0/0" in layers["firewall"]["allows"]
    assert layers["apache access"]["allows"] == [f"{t.net.allowed}/32"]
    assert "<location /feed>" in layers["apache access"]["section"]
    assert any(t.net.outsider in p and "403" in p for p in feed["evidence"]["probes"])
