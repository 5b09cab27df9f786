"""Statement promises kept, on real servers: every claim type judged verified for the right reason.

The counterpart of test_statement_scan.py (where the same claim types are contradicted). sshd,
MariaDB and Apache run in a fresh network namespace, so the shop install posture finds there
is this lab's alone (it looks only at web servers of the session's namespace). The shop keeps
every promise (tests/labs/kept.py) and each verdict is asserted with the evidence that decides
it, including the near misses planted beside it. A second scan of the same servers holds the
web-server and attestation promises that are broken: a claimed Apache 2.2 and an attested
document changed after it was hashed.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from posture.cli import main
from tests.conftest import LabUsers, require_lab_part
from tests.exitcodes import expected_exit
from tests.labs.base import Lab, LabSshd
from tests.labs.kept import (
    ADMIN_FOLDER,
    COOKIE_VALUE,
    KEPT_TEXT_COLUMNS,
    NEAR_CARD,
    OLDEST_DAYS,
    OPENCART_VERSION,
    RETENTION_DAYS,
    SUBSCRIBERS,
    plant_kept_rows,
    plant_kept_site,
)
from tests.labs.mariadb import LabMariaDB, mariadb_unavailable_reason, start_mariadb
from tests.labs.netns import NetLab, netlab_unavailable_reason, start_netlab
from tests.labs.shop import create_reader
from tests.labs.web import LabApache, apache_unavailable_reason, start_apache

pytestmark = pytest.mark.integration

PASSWORD_ENV = "PST_KEPT_DB_PW"
# The machine's own nginx package (setup.sh installs Debian 12's nginx 1.22 for the nginx lab;
# none runs in the namespace) is judged under every web-server claim: its upstream branch has
# ended, Debian 12 still back-ports fixes to it, which is a warning. Where no nginx is
# installed there is nothing to judge.
NGINX_EOL = "warn" if shutil.which("nginx", path="/usr/sbin:/usr/bin") else "not_applicable"


@dataclass(frozen=True)
class KeptShop:
    """The namespace and what runs in it."""

    net: NetLab
    sshd: LabSshd
    apache: LabApache
    db: LabMariaDB
    user: str
    password: str
    workdir: Path


@pytest.fixture(scope="module")
def kept(lab: Lab, lab_users: LabUsers) -> Iterator[KeptShop]:
    """sshd, MariaDB (the kept rows) and Apache (the kept site) in a fresh namespace."""
    require_lab_part(netlab_unavailable_reason() or apache_unavailable_reason()
                     or mariadb_unavailable_reason())
    # Apache's workers (www-data) must traverse the folder: not pytest's private tmp.
    workdir = Path(tempfile.mkdtemp(prefix="pst-kept-", dir="/var/tmp"))
    workdir.chmod(0o755)
    stops: list[Callable[[], object]] = [partial(shutil.rmtree, workdir, ignore_errors=True)]
    try:
        net = start_netlab()
        stops.insert(0, net.stop)
        inner = Lab(workdir / "ssh", address=net.target)
        stops.insert(0, inner.stop)
        with net.inside():
            sshd = inner.start_sshd("kept", options={"PasswordAuthentication": "no"})
            db = start_mariadb(workdir / "db")
            stops.insert(0, db.stop)
            site = plant_kept_site(workdir / "site", admin_allowed=net.allowed)
            apache = start_apache(workdir / "apache", address=net.target, site=site)
            stops.insert(0, apache.stop)
        plant_kept_rows(db, "shop_prod")
        user, password = f"pst{secrets.token_hex(3)}ro", secrets.token_urlsafe(16)
        create_reader(db, user, password, ("shop_prod",))
        yield KeptShop(net, sshd, apache, db, user, password, workdir)
    finally:
        for stop in stops:
            stop()


def _evidence_file(folder: Path, text: str) -> tuple[str, str]:
    """An attestation document in ``folder``: (file name, SHA-256 of ``text``)."""
    path = folder / "iso-certificate.txt"
    path.write_text(text)
    return path.name, hashlib.sha256(text.encode()).hexdigest()


def _head(shop: KeptShop, users: LabUsers) -> str:
    return f"""\
version: 1
organisation: Kept shop
defaults:
  ssh: {{user: {users.auditor}, key_file: {users.key}, known_hosts: {shop.sshd.known_hosts},
         ssh_config: /dev/null, sudo: true}}
  timeouts: {{connect: 5, command: 30, host: 90}}
hosts:
  - {{name: shop-host, address: {shop.net.target}, ssh: {{port: {shop.sshd.port}}}}}
"""


def _kept_inventory(path: Path, shop: KeptShop, users: LabUsers) -> Path:
    document, digest = _evidence_file(path.parent, "ISO/IEC 27001 certificate (lab)\n")
    port = shop.apache.https_port
    path.write_text(_head(shop, users) + f"""\
endpoints:
  - {{name: shop, url: "https://shop.posture.test:{port}/",
     connect_to: "{shop.net.target}:{port}"}}
databases:
  - {{name: shop-prod, host: shop-host, engine: mariadb, port: {shop.db.port},
     database: shop_prod, user: {shop.user}, password_env: {PASSWORD_ENV},
     environment: production}}
claims:
  - {{id: cookies, type: cookies_functional_only, says: Only functional cookies.,
     scope: {{endpoints: [shop]}}}}
  - {{id: parties, type: third_parties_declared, says: Named third parties only.,
     scope: {{endpoints: [shop]}}, expect: {{declared: [smartsupp, mollie, google-analytics]}}}}
  - {{id: retention, type: retention, says: Data is kept seven years.,
     scope: {{databases: [shop-prod]}}, expect: {{max_age_days: {RETENTION_DAYS}}}}}
  - {{id: cards, type: no_card_data_stored, says: No card data on our servers.,
     scope: {{databases: [shop-prod]}}}}
  - {{id: newsletter, type: newsletter_opt_in, says: No newsletter unless asked.,
     scope: {{databases: [shop-prod]}}}}
  - {{id: app, type: application_version, says: The shop runs OpenCart 4.0.,
     scope: {{hosts: [shop-host]}}, expect: {{product: opencart, version: "4.0"}}}}
  - {{id: web, type: web_server_version, says: The web server is Apache 2.4.,
     scope: {{hosts: [shop-host]}}, expect: {{product: apache, version: "2.4"}}}}
  - {{id: iso, type: attestation, says: The data centre is ISO 27001 certified.,
     expect: {{document: {document}, sha256: "{digest}", attested_by: Lab auditor,
              expires: 2999-01-01}}}}
""")
    return path


def _broken_inventory(path: Path, shop: KeptShop, users: LabUsers) -> Path:
    document, digest = _evidence_file(path.parent, "ISO/IEC 27001 certificate (lab)\n")
    (path.parent / document).write_text("ISO/IEC 27001 certificate (lab), scope widened\n")
    path.write_text(_head(shop, users) + f"""\
claims:
  - {{id: web-old, type: web_server_version, says: The web server is Apache 2.2.,
     scope: {{hosts: [shop-host]}}, expect: {{product: apache, version: "2.2"}}}}
  - {{id: iso-changed, type: attestation, says: The data centre is ISO 27001 certified.,
     expect: {{document: {document}, sha256: "{digest}", attested_by: Lab auditor,
              expires: 2999-01-01}}}}
""")
    return path


@dataclass(frozen=True)
class Scan:
    """One finished scan: exit code, report and its output folder."""

    code: int
    report: dict[str, Any]
    out: Path

    def verdict(self, claim: str) -> str:
        return str(next(c["verdict"] for c in self.report["claims"] if c["id"] == claim))

    def findings(self, claim: str) -> dict[str, dict[str, Any]]:
        """The claim's findings by check id."""
        ids = next(c["findings"] for c in self.report["claims"] if c["id"] == claim)
        by_id = {f["id"]: f for f in self.report["findings"]}
        return {by_id[i]["check"]: by_id[i] for i in ids}


def _scan(inventory: Path, shop: KeptShop) -> Scan:
    out = inventory.parent / "out"
    os.environ[PASSWORD_ENV] = shop.password
    try:
        code = main(["scan", "-i", str(inventory), "-o", str(out), "-q", "--format",
                     "html,json", "--save-facts", str(out / "facts.json")])
    finally:
        del os.environ[PASSWORD_ENV]
    return Scan(code, json.loads((out / "report.json").read_text()), out)


@pytest.fixture(scope="module")
def kept_scan(kept: KeptShop, lab_users: LabUsers,
              tmp_path_factory: pytest.TempPathFactory) -> Scan:
    base = tmp_path_factory.mktemp("kept-scan")
    return _scan(_kept_inventory(base / "inv.yml", kept, lab_users), kept)


@pytest.fixture(scope="module")
def broken_scan(kept: KeptShop, lab_users: LabUsers,
                tmp_path_factory: pytest.TempPathFactory) -> Scan:
    base = tmp_path_factory.mktemp("broken-scan")
    return _scan(_broken_inventory(base / "inv.yml", kept, lab_users), kept)


def test_every_kept_promise_is_verified_and_the_scan_exits_0(kept_scan: Scan) -> None:
    not_passed = {f["id"]: (f["status"], f["summary"]) for f in kept_scan.report["findings"]
                  if f["status"] not in ("pass", "not_applicable")}
    warned = {fid: status for fid, (status, _) in not_passed.items()}
    assert {c["id"]: c["verdict"] for c in kept_scan.report["claims"]} == {
        "cookies": "verified", "parties": "verified", "retention": "verified",
        "cards": "verified", "newsletter": "verified", "app": "verified", "web": "verified",
        "iso": "verified"}, not_passed
    # Verified by passes; the one warning is about the machine's nginx package, not the shop.
    assert warned == ({"nginx.eol@shop-host": "warn"} if NGINX_EOL == "warn" else {})
    assert kept_scan.code == expected_exit(kept_scan.report) == 0


def test_kept_cookie_promise_is_verified(kept_scan: Scan) -> None:
    assert kept_scan.verdict("cookies") == "verified"
    finding = kept_scan.findings("cookies")["web.cookies_functional_only"]
    assert finding["status"] == "pass", finding
    evidence = finding["evidence"]
    assert evidence["pages"] == 2
    assert {c["name"]: c["category"] for c in evidence["cookies"]} == {
        "OCSESSID": "strictly_necessary", "language": "functional"}
    assert evidence["trackers_before_interaction"] == []
    assert evidence["insecure_cookies"] == []


def test_kept_third_party_promise_is_verified(kept_scan: Scan) -> None:
    assert kept_scan.verdict("parties") == "verified"
    finding = kept_scan.findings("parties")["web.third_parties_declared"]
    assert finding["status"] == "pass", finding
    evidence = finding["evidence"]
    assert {(s["host"], s["party"], s["declared"]) for s in evidence["third_parties"]} == {
        ("widget.smartsupp.com", "smartsupp", True), ("www.mollie.com", "mollie", True)}
    assert evidence["undeclared"] == []
    assert evidence["declared_not_seen"] == ["google-analytics"]  # named, never loaded
    assert "elsewhere.test" not in json.dumps(evidence)  # a link, not a loaded resource


def test_kept_retention_promise_is_verified(kept_scan: Scan) -> None:
    assert kept_scan.verdict("retention") == "verified"
    finding = kept_scan.findings("retention")["data.retention"]
    assert finding["status"] == "pass", finding
    assert finding["evidence"] == {"max_age_days": RETENTION_DAYS, "tables": {
        "customer": {"rows": 3, "oldest_age_days": OLDEST_DAYS, "rows_older": 0},
        "order": {"rows": 3, "oldest_age_days": 2400, "rows_older": 0}}}


def test_kept_card_data_promise_is_verified(kept_scan: Scan) -> None:
    assert kept_scan.verdict("cards") == "verified"
    finding = kept_scan.findings("cards")["data.no_card_numbers"]
    assert finding["status"] == "pass", finding
    # Every text column read, the card-shaped reference among them, none Luhn-valid.
    assert finding["evidence"] == {"columns": KEPT_TEXT_COLUMNS,
                                   "columns_scanned": KEPT_TEXT_COLUMNS,
                                   "columns_with_card_numbers": [], "rows": 0}


def test_kept_newsletter_promise_is_verified(kept_scan: Scan) -> None:
    assert kept_scan.verdict("newsletter") == "verified"
    finding = kept_scan.findings("newsletter")["data.newsletter_opt_in"]
    assert finding["status"] == "pass", finding
    assert finding["evidence"] == {"default": "0", "customers": 3, "subscribers": SUBSCRIBERS,
                                   "opt_in_column": "newsletter_date",
                                   "subscribers_without_record": 0}


def test_kept_application_version_promise_is_verified(kept_scan: Scan) -> None:
    assert kept_scan.verdict("app") == "verified"
    findings = kept_scan.findings("app")
    assert {c: f["status"] for c, f in findings.items()} == {
        "shop.opencart_version": "pass", "shop.opencart_support": "pass",
        "shop.admin_protection": "pass"}
    installs = findings["shop.opencart_version"]["evidence"]["installs"]
    assert [i["version"] for i in installs] == [OPENCART_VERSION]  # this lab's shop alone
    support = findings["shop.opencart_support"]["evidence"]["installs"]
    assert [i["status"] for i in support] == ["supported"]
    admin = findings["shop.admin_protection"]["evidence"]["admin_folders"]
    assert admin == [{"folder": ADMIN_FOLDER, "renamed": True, "ip_rules": 1, "tls": True}]


def test_kept_web_server_version_promise_is_verified(kept_scan: Scan, kept: KeptShop) -> None:
    assert kept_scan.verdict("web") == "verified"
    findings = kept_scan.findings("web")
    matches = findings["web.server_version_matches"]
    assert matches["status"] == "pass", matches
    assert "Apache 2.4" in matches["summary"]
    assert {c: f["status"] for c, f in findings.items()} == {
        "web.server_version_matches": "pass", "apache.eol": "pass",
        "apache.version_disclosure": "pass", "apache.workers_not_root": "pass",
        "nginx.eol": NGINX_EOL, "nginx.version_disclosure": "not_applicable",
        "nginx.workers_not_root": "not_applicable"}
    assert matches["evidence"]["relations"] == {"apache": "claim_broader"}  # 2.4 covers 2.4.x
    tokens = findings["apache.version_disclosure"]["evidence"]["servertokens"]
    assert (tokens["value"], tokens["at"].startswith(str(kept.workdir))) == ("Prod", True)
    workers = findings["apache.workers_not_root"]["evidence"]
    assert (workers["worker_users"], workers["root_workers"]) == (["www-data"], [])



def test_kept_attestation_is_verified(kept_scan: Scan) -> None:
    assert kept_scan.verdict("iso") == "verified"
    evidence = kept_scan.findings("iso")["attestation.evidence"]["evidence"]
    assert evidence["sha256_found"] == evidence["sha256_expected"]
    assert evidence["expired"] is False


def test_wrong_web_server_version_is_contradicted(broken_scan: Scan) -> None:
    assert broken_scan.verdict("web-old") == "contradicted"
    findings = broken_scan.findings("web-old")
    failed = {c for c, f in findings.items() if f["status"] == "fail"}
    assert failed == {"web.server_version_matches"}  # the version alone decides
    evidence = findings["web.server_version_matches"]["evidence"]
    assert evidence["claimed"] == {"product": "apache", "version": "2.2"}
    assert evidence["relations"] == {"apache": "different"}
    assert evidence["actual"]["apache"]["version"].startswith("2.4.")


def test_changed_attested_document_is_contradicted(broken_scan: Scan) -> None:
    assert broken_scan.verdict("iso-changed") == "contradicted"
    finding = broken_scan.findings("iso-changed")["attestation.evidence"]
    assert finding["status"] == "fail"
    evidence = finding["evidence"]
    assert evidence["sha256_found"] != evidence["sha256_expected"]
    assert evidence["expired"] is False  # not the expiry: the changed document decides
    assert broken_scan.code == expected_exit(broken_scan.report) == 1


def test_no_personal_or_secret_value_in_the_kept_reports(kept_scan: Scan,
                                                        kept: KeptShop) -> None:
    texts = [p.read_text(errors="replace") for p in kept_scan.out.iterdir() if p.is_file()]
    for text in texts:
        for value in (COOKIE_VALUE, NEAR_CARD, NEAR_CARD.replace(" ", ""), "k1@shop.invalid",
                      "customer 2", kept.password):
            assert value not in text
