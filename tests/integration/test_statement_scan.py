"""The statement claim types end to end: a real Apache shop site, a real MariaDB, the lab sshd.

The site sets cookies and loads third parties by host name (the crawler never fetches them);
the shop is reached by name through ``connect_to``. The database holds old rows, a test card
number and pre-subscribed customers. The scan must give every new claim type a verdict with
evidence, and no report or facts file may carry a cookie value, a card number, a customer
address or a secret from the shop's config.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from posture.cli import main
from tests.conftest import LabUsers
from tests.labs.base import LabSshd
from tests.labs.mariadb import LabMariaDB, mariadb_unavailable_reason, start_mariadb
from tests.labs.shop import create_reader
from tests.labs.statement import (
    COOKIE_VALUE,
    DB_PASSWORD_MARK,
    TEST_CARD,
    plant_shop_rows,
    plant_site,
)
from tests.labs.web import LabApache, apache_unavailable_reason, start_apache

pytestmark = pytest.mark.integration


def _require(reason: str) -> None:
    if reason:
        if os.environ.get("CI") or os.environ.get("POSTURE_REQUIRE_LAB"):
            pytest.fail(f"required lab part unavailable: {reason}")
        pytest.skip(reason)


@dataclass(frozen=True)
class Shop:
    """The running site and database."""

    apache: LabApache
    db: LabMariaDB
    user: str
    password: str
    workdir: Path


@pytest.fixture(scope="module")
def shop(lab_sshd: LabSshd) -> Iterator[Shop]:
    """Apache serving the planted site (readable by www-data), MariaDB with the shop rows."""
    _require(apache_unavailable_reason() or mariadb_unavailable_reason())
    workdir = Path(tempfile.mkdtemp(prefix="pst-statement-", dir="/var/tmp"))
    workdir.chmod(0o755)
    apache: LabApache | None = None
    db: LabMariaDB | None = None
    try:
        site = plant_site(workdir / "site")
        apache = start_apache(workdir / "apache", site=site)
        db = start_mariadb(workdir / "db")
        plant_shop_rows(db, "shop_prod")
        user, password = f"pst{secrets.token_hex(3)}ro", secrets.token_urlsafe(16)
        create_reader(db, user, password, ("shop_prod",))
        yield Shop(apache, db, user, password, workdir)
    finally:
        if apache is not None:
            apache.stop()
        if db is not None:
            db.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _inventory(path: Path, sshd: LabSshd, users: LabUsers, shop: Shop) -> Path:
    evidence = path.parent / "iso-certificate.txt"
    evidence.write_text("ISO/IEC 27001 certificate of the lab data centre\n")
    digest = hashlib.sha256(evidence.read_bytes()).hexdigest()
    path.write_text(f"""\
version: 1
organisation: Lab shop
defaults:
  ssh: {{user: {users.auditor}, key_file: {users.key}, known_hosts: {sshd.known_hosts},
         ssh_config: /dev/null, sudo: true}}
  timeouts: {{connect: 3, command: 20, host: 60}}
hosts:
  - {{name: lab, address: {sshd.address}, ssh: {{port: {sshd.port}}}}}
endpoints:
  - {{name: shop, url: "https://shop.posture.test:{shop.apache.https_port}/",
     connect_to: "127.0.0.1:{shop.apache.https_port}"}}
databases:
  - {{name: shop-prod, host: lab, engine: mariadb, port: {shop.db.port}, database: shop_prod,
     user: {shop.user}, password_env: PST_STATEMENT_DB_PW, environment: production}}
claims:
  - {{id: cookies, type: cookies_functional_only, says: Only functional cookies.,
     scope: {{endpoints: [shop]}}, source: {{section: "9", sentence: S081}}}}
  - {{id: parties, type: third_parties_declared, says: Named third parties only.,
     scope: {{endpoints: [shop]}}, expect: {{declared: [smartsupp, mollie, google-analytics]}}}}
  - {{id: retention, type: retention, says: Data is kept seven years.,
     scope: {{databases: [shop-prod]}}, expect: {{max_age_days: 2555}}}}
  - {{id: cards, type: no_card_data_stored, says: No card data on our servers.,
     scope: {{databases: [shop-prod]}}}}
  - {{id: newsletter, type: newsletter_opt_in, says: No newsletter unless asked.,
     scope: {{databases: [shop-prod]}}}}
  - {{id: app, type: application_version, says: The shop runs OpenCart.,
     scope: {{hosts: [lab]}}, expect: {{product: opencart}}}}
  - {{id: iso, type: attestation, says: The data centre is ISO 27001 certified.,
     expect: {{document: {evidence.name}, sha256: "{digest}", attested_by: Lab auditor,
              expires: 2999-01-01}}}}
  - {{id: old-iso, type: attestation, says: An expired certificate.,
     expect: {{document: {evidence.name}, sha256: "{digest}", attested_by: Lab auditor,
              expires: 2000-01-01}}}}
ledger:
  - {{sentence: S001, section: "0", not_verifiable: contact details}}
  - {{sentence: S002, section: "9", claims: [cookies, parties]}}
  - {{sentence: S003, section: "13.4", claims: [iso]}}
  - {{sentence: S004, section: "5", claims: [retention]}}
""")
    return path


@pytest.fixture(scope="module")
def scanned(shop: Shop, lab_sshd: LabSshd, lab_users: LabUsers,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], Path]:
    base = tmp_path_factory.mktemp("statement-scan")
    inventory = _inventory(base / "inv.yml", lab_sshd, lab_users, shop)
    os.environ["PST_STATEMENT_DB_PW"] = shop.password
    try:
        code = main(["scan", "-i", str(inventory), "-o", str(base / "out"), "-q",
                     "--format", "html,json,sarif,junit", "--save-facts",
                     str(base / "facts.json")])
    finally:
        del os.environ["PST_STATEMENT_DB_PW"]
    report = json.loads((base / "out" / "report.json").read_text())
    return code, report, base


def _claim(report: dict[str, Any], cid: str) -> dict[str, Any]:
    return next(c for c in report["claims"] if c["id"] == cid)


def _finding(report: dict[str, Any], check: str) -> dict[str, Any]:
    return next(f for f in report["findings"] if f["check"] == check)


def test_every_new_claim_type_gets_a_verdict(scanned: tuple[int, dict[str, Any], Path]) -> None:
    code, report, _ = scanned
    assert code == 1
    verdicts = {c["id"]: c["verdict"] for c in report["claims"]}
    assert verdicts == {"cookies": "contradicted", "parties": "contradicted",
                        "retention": "contradicted", "cards": "contradicted",
                        "newsletter": "contradicted", "app": "contradicted",
                        "iso": "verified", "old-iso": "inconclusive"}


def test_evidence_of_the_web_checks(scanned: tuple[int, dict[str, Any], Path]) -> None:
    _, report, _ = scanned
    cookies = _finding(report, "web.cookies_functional_only")["evidence"]
    assert cookies["pages"] == 2
    assert {c["name"]: c["category"] for c in cookies["cookies"]} == {
        "OCSESSID": "strictly_necessary", "language": "functional", "_fbp": "marketing"}
    assert [t["party"] for t in cookies["trackers_before_interaction"]] == ["google-analytics"]
    parties = _finding(report, "web.third_parties_declared")["evidence"]
    assert parties["undeclared"] == ["frames.undeclared-tracker.test"]
    assert "elsewhere.test" not in json.dumps(parties)  # a link, not a loaded resource


def test_evidence_of_the_database_and_shop_checks(
        scanned: tuple[int, dict[str, Any], Path]) -> None:
    _, report, _ = scanned
    retention = _finding(report, "data.retention")["evidence"]["tables"]
    assert retention == {"customer": {"rows": 3, "oldest_age_days": 3000, "rows_older": 1},
                         "order": {"rows": 3, "oldest_age_days": 2900, "rows_older": 1}}
    cards = _finding(report, "data.no_card_numbers")["evidence"]
    assert cards["rows"] == 1 and cards["columns_with_card_numbers"][0]["column"] == "comment"
    news = _finding(report, "data.newsletter_opt_in")["evidence"]
    assert news["default"] == "1" and news["subscribers"] == 2
    admin = _finding(report, "shop.admin_protection")["evidence"]["admin_folders"]
    assert admin == [{"folder": "admin", "renamed": False, "ip_rules": 0, "tls": False}]
    support = _finding(report, "shop.opencart_support")
    assert support["status"] == "fail"
    assert [(i["version"], i["status"]) for i in support["evidence"]["installs"]] == [
        ("2.3.0.2", "unsupported")]
    assert _finding(report, "shop.admin_protection")["status"] == "fail"


def test_ledger_in_the_report(scanned: tuple[int, dict[str, Any], Path]) -> None:
    _, report, base = scanned
    assert [r["verdict"] for r in report["ledger"]] == [
        "not_verifiable_remotely", "contradicted", "attested", "contradicted"]
    assert "S003" in (base / "out" / "report.html").read_text()


def test_no_personal_or_secret_value_anywhere(scanned: tuple[int, dict[str, Any], Path],
                                              shop: Shop) -> None:
    _, _, base = scanned
    texts = [p.read_text(errors="replace") for p in (base / "out").iterdir()]
    texts.append((base / "facts.json").read_text())
    card = TEST_CARD.replace(" ", "")
    for text in texts:
        for value in (COOKIE_VALUE, DB_PASSWORD_MARK, card, TEST_CARD, "c1@shop.invalid",
                      "customer 1", shop.password, "back door"):
            assert value not in text


def test_replay_gives_the_same_verdicts(scanned: tuple[int, dict[str, Any], Path]) -> None:
    _, report, base = scanned
    code = main(["evaluate", "--facts", str(base / "facts.json"), "-i", str(base / "inv.yml"),
                 "-o", str(base / "replay"), "-q", "--format", "json"])
    replay = json.loads((base / "replay" / "report.json").read_text())
    assert code == 1
    assert [c["verdict"] for c in replay["claims"]] == [c["verdict"] for c in report["claims"]]
