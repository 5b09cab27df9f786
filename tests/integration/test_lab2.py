"""The second lab: a Debian 13 (trixie) server with nginx, ufw, an sshd drop-in with a Match
block, PostgreSQL 17 and noisy login shells (tests/labs/trixie.py), started once per module.

Three groups:

- the lab itself: it really is trixie in its own namespaces, and each planted control and
  violation is in effect (asked of the lab's own servers, not of posture);
- what posture judges today: exact verdicts of every claim and every finding;
- sshd judged per connection (the Match block fails with its file:line), nginx as deep as
  Apache (version, end of life, disclosure, worker user, admin allowlist) and PostgreSQL
  (TLS required by pg_hba, production rows copied into test, listen address): exact verdicts
  against the planted violations.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from posture.cli import main
from tests.labs.rootfs import rootfs_path
from tests.labs.trixie import (
    NOISE,
    OLD_PASSWORD_DAYS,
    PG_VERSION,
    WRONG_HTTP,
    TrixieLab,
    TrixieLabError,
    start_trixie_lab,
    trixie_unavailable_reason,
)
from tests.labs.trixie_inventory import DB_PASSWORD_ENV, current_inventory, future_inventory

pytestmark = pytest.mark.integration

Findings = dict[str, dict[str, Any]]
_SCANS: dict[str, tuple[dict[str, str], Findings, float]] = {}
_FACTS: dict[str, dict[str, Any]] = {}
_FAILED: dict[str, str] = {}
MATCH_LOCATION = "/etc/ssh/sshd_config.d/50-hardening.conf:7"  # Match Address <lab /24>
MATCH_USER_LOCATION = "/etc/ssh/sshd_config.d/50-hardening.conf:11"  # Match User shopadmin


def _required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("POSTURE_REQUIRE_LAB"))


@pytest.fixture(scope="module")
def trixie(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrixieLab]:
    """The running trixie lab; under CI a lab that cannot be built or started is a failure."""
    reason = trixie_unavailable_reason()
    if reason:
        if _required():
            pytest.fail(f"the trixie lab is required here but unavailable: {reason}")
        pytest.skip(reason)
    try:
        lab = start_trixie_lab(tmp_path_factory.mktemp("lab2") / "run")
    except TrixieLabError as exc:
        if _required():
            pytest.fail(f"the trixie lab could not be started: {exc}")
        pytest.skip(f"the trixie lab could not be started: {exc}")
    print(f"\nlab2: root file system {lab.timings['rootfs']:.1f} s, "
          f"start {lab.timings['start']:.1f} s")
    try:
        yield lab
    finally:
        lab.stop()


def _scan(name: str, lab: TrixieLab, folder: Path) -> tuple[dict[str, str], Findings, float]:
    """Scan once per inventory kind and module; (claim verdicts, findings by id, seconds).

    Runs inside the calling test (not a fixture), so a scan that fails today because a claim
    type does not exist yet makes an xfail test fail, not error."""
    if name in _FAILED:
        raise AssertionError(_FAILED[name])
    if name not in _SCANS:
        make = current_inventory if name == "current" else future_inventory
        folder.mkdir(parents=True, exist_ok=True)
        inventory = make(folder / "inventory.yml", lab)
        os.environ[DB_PASSWORD_ENV] = lab.db_password
        start = time.monotonic()
        try:
            code = main(["scan", "-i", str(inventory), "-o", str(folder / "out"), "--format",
                         "json", "-q", "--save-facts", str(folder / "facts.json")])
        finally:
            os.environ.pop(DB_PASSWORD_ENV, None)
        seconds = time.monotonic() - start
        print(f"lab2: {name} scan {seconds:.1f} s (exit {code})")
        if not (folder / "out" / "report.json").is_file():
            _FAILED[name] = f"the {name} scan wrote no report (exit {code}): see its stderr"
            raise AssertionError(_FAILED[name])
        report = json.loads((folder / "out" / "report.json").read_text())
        _FACTS[name] = json.loads((folder / "facts.json").read_text())["hosts"]["trixie"]
        verdicts = {c["id"]: c["verdict"] for c in report["claims"]}
        _SCANS[name] = (verdicts, {f["id"]: f for f in report["findings"]}, seconds)
    return _SCANS[name]


def _statuses(findings: Findings) -> dict[str, str]:
    return {fid: f["status"] for fid, f in findings.items()}


# -- the lab itself ------------------------------------------------------------------------------


def test_lab_is_trixie_in_its_own_namespaces(trixie: TrixieLab) -> None:
    c = trixie.chroot
    assert 'VERSION_ID="13"' in c.run("cat", "/etc/os-release")
    assert c.run("dpkg-query", "-W", "-f", "${Version}", f"postgresql-{PG_VERSION}")
    procs = c.run("ps", "-eo", "pid=,comm=").split("\n")
    assert procs[0].split() == ["1", "sh"]  # its own PID namespace: our init is PID 1
    assert {"sshd", "nginx", "postgres"} <= {p.split()[1] for p in procs if p.strip()}
    # Not one lab mount in the machine's own mount table: they live in the lab's namespace.
    assert str(trixie.chroot.work) not in Path("/proc/self/mountinfo").read_text()
    assert (rootfs_path() / ".posture-lab-rootfs").is_file()
    assert not (rootfs_path() / "home" / trixie.auditor).exists()  # the cache stays pristine


def test_planted_sshd_match_block_is_in_effect(trixie: TrixieLab) -> None:
    c, net = trixie.chroot, trixie.net
    assert "passwordauthentication no" in c.run("sshd", "-T").splitlines()
    inside = c.run("sshd", "-T", "-C", f"user=auditor,host=x,addr={net.allowed}")
    assert "passwordauthentication yes" in inside.splitlines()
    outside = c.run("sshd", "-T", "-C", "user=auditor,host=x,addr=198.51.100.7")
    assert "passwordauthentication no" in outside.splitlines()
    admin = c.run("sshd", "-T", "-C", f"user={trixie.admin},host=x,addr=198.51.100.7")
    assert "kbdinteractiveauthentication yes" in admin.splitlines()
    assert "kbdinteractiveauthentication no" in outside.splitlines()
    lines = c.path(MATCH_LOCATION.split(":")[0]).read_text().splitlines()
    assert lines[6].startswith("Match Address ") and lines[10] == f"Match User {trixie.admin}"


def test_planted_nginx_postgresql_ufw_and_noise(trixie: TrixieLab) -> None:
    c = trixie.chroot
    dump = c.run("nginx", "-T")
    assert "server_tokens on;" in dump and f"allow {trixie.net.allowed};" in dump
    assert re.search(r"^user www-data;", dump, re.M)
    assert trixie.psql("SHOW listen_addresses").strip() == "*"
    source = trixie.psql("SELECT sourcefile FROM pg_settings WHERE name='listen_addresses'")
    assert source.strip().endswith("/conf.d/50-listen.conf")
    rules = trixie.psql("SELECT type, address FROM pg_hba_file_rules").split()
    assert "host|0.0.0.0" in rules
    copied = trixie.psql("SELECT count(*) FROM customers WHERE email LIKE '%@mail.lab2.test'",
                         database="shop_test")
    assert copied.strip() == "3"
    status = c.run("ufw", "status")
    assert "Status: active" in status and "22/tcp" in status
    noise = c.run("runuser", "-l", trixie.auditor, "-c", "true")
    # Printed by the login shell (.profile, and .bashrc which it sources), no final newline.
    assert noise.startswith(NOISE) and not noise.endswith("\n")


def test_planted_postgresql_offers_tls_without_requiring_it(trixie: TrixieLab) -> None:
    def as_reader(sslmode: str, sql: str, database: str = "shop_test") -> str:
        conninfo = (f"host={trixie.address} port=5432 dbname={database} user=posture_ro "
                    f"sslmode={sslmode}")
        return trixie.chroot.run("psql", "-X", "-At", "-d", conninfo, "-c", sql, check=False,
                                 env={"PGPASSWORD": trixie.db_password})

    assert as_reader("require", "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") \
        .strip() == "t"
    assert as_reader("disable", "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") \
        .strip() == "f"  # the host 0.0.0.0/0 rule admits a plain connection
    assert as_reader("disable", "SELECT count(*) FROM customers").strip() == "8"
    assert as_reader("disable", "SELECT count(*) FROM customers", "shop_prod").strip() == "40"
    # The reader cannot see pg_hba_file_rules: posture must read pg_hba.conf another way.
    assert as_reader("disable", "SELECT count(*) FROM pg_hba_file_rules") == ""


# -- what posture judges today -------------------------------------------------------------------

CURRENT_CLAIMS = {
    "os-version": "verified",
    "password-rotation": "contradicted",
    "admin-channels": "contradicted",
    "allowlist": "verified",
    "tls-shop": "verified",
    "tls-legacy": "contradicted",
}

# Every finding of the current scan but ssh.password_authentication (see the xfail group).
CURRENT_FINDINGS = {
    "os.version_matches@trixie": "pass",
    "os.eol_actual@trixie": "pass",
    "os.eol_claimed@trixie": "pass",
    "accounts.password_age@trixie": "fail",
    "accounts.max_days_policy@trixie": "fail",
    "accounts.password_quality@trixie": "warn",
    "ssh.root_login@trixie": "pass",
    "ssh.weak_algorithms@trixie": "warn",
    "ssh.sftp_subsystem@trixie": "pass",
    "services.plaintext_admin@trixie": "pass",
    "services.ftp_plaintext@trixie": "pass",
    "allowlist.ssh@trixie": "pass",
    "allowlist.database@trixie": "not_applicable",
    "allowlist.admin@trixie": "not_applicable",
    "allowlist.integrations@trixie": "not_applicable",  # no integration declared
    "web.admin_plain_http@trixie": "fail",  # planted: the legacy vhost serves /admin/ in clear
    "allowlist.undeclared_services@trixie": "warn",
    "tls.https_required@shop": "pass",
    "tls.protocols@shop": "pass",
    "tls.ciphers@shop": "pass",
    "tls.certificate@shop": "pass",
    "tls.grade@shop": "pass",
    "http.redirect@shop": "pass",
    "http.hsts@shop": "pass",
    "http.cookies@shop": "pass",
    "http.mixed_content@shop": "pass",
    "http.server_disclosure@shop": "pass",
    "tls.https_required@shop-admin": "pass",
    "tls.protocols@shop-admin": "pass",
    "tls.ciphers@shop-admin": "pass",
    "tls.certificate@shop-admin": "pass",
    "http.redirect@shop-admin": "pass",
    "http.hsts@shop-admin": "pass",
    "http.cookies@shop-admin": "pass",
    "http.mixed_content@shop-admin": "pass",
    "tls.https_required@legacy": "pass",
    "tls.protocols@legacy": "fail",
    "tls.ciphers@legacy": "fail",
    "tls.certificate@legacy": "pass",
    "tls.grade@legacy": "fail",
    "http.redirect@legacy": "fail",
    "http.hsts@legacy": "fail",
    "http.cookies@legacy": "pass",
    "http.mixed_content@legacy": "pass",
    "http.server_disclosure@legacy": "warn",
    "tls.https_required@legacy-admin": "pass",
    "tls.protocols@legacy-admin": "fail",
    "tls.ciphers@legacy-admin": "fail",
    "tls.certificate@legacy-admin": "pass",
    "http.redirect@legacy-admin": "fail",
    "http.hsts@legacy-admin": "fail",
    "http.cookies@legacy-admin": "pass",
    "http.mixed_content@legacy-admin": "pass",
}

# Planted to fail: none of these may pass, today or later.
PLANTED_FAILURES = (
    "accounts.password_age@trixie", "tls.protocols@legacy", "tls.ciphers@legacy",
    "http.redirect@legacy-admin", "http.server_disclosure@legacy",
)


def test_current_verdicts_are_exact(trixie: TrixieLab, tmp_path_factory: pytest.TempPathFactory
                                    ) -> None:
    verdicts, findings, _ = _scan("current", trixie, tmp_path_factory.mktemp("scan-current"))
    assert verdicts == CURRENT_CLAIMS
    statuses = _statuses(findings)
    statuses.pop("ssh.password_authentication@trixie")
    assert statuses == CURRENT_FINDINGS
    for fid in PLANTED_FAILURES:
        assert findings[fid]["status"] != "pass", fid


def test_current_evidence_names_what_was_planted(
        trixie: TrixieLab, tmp_path_factory: pytest.TempPathFactory) -> None:
    _, findings, _ = _scan("current", trixie, tmp_path_factory.mktemp("scan-current"))
    age = findings["accounts.password_age@trixie"]
    assert f"{trixie.admin}, {OLD_PASSWORD_DAYS} days" in age["summary"]
    ssh = findings["allowlist.ssh@trixie"]["evidence"]
    assert ssh["reachable_from"] == [f"{trixie.net.allowed}/32"]
    assert any("ufw-user-input" in rule for rule in ssh["layers"]["firewall"]["accepted_by"])
    assert f"http://{trixie.address}:{WRONG_HTTP}/" in findings["http.redirect@legacy"]["summary"]
    assert "nginx/1.26" in findings["http.server_disclosure@legacy"]["summary"]
    undeclared = findings["allowlist.undeclared_services@trixie"]["evidence"]["undeclared"]
    assert undeclared == [80, 443, 5432, 8080, 8443]


def test_login_noise_costs_no_fact(trixie: TrixieLab,
                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    # The auditor's shell prints a banner without a newline before posture's script runs.
    _scan("current", trixie, tmp_path_factory.mktemp("scan-current"))
    facts = _FACTS["current"]["facts"]
    assert facts["host.time"]["status"] == "ok", facts["host.time"]
    assert abs(facts["host.time"]["value"] - time.time()) < 600
    # Only facts about software this server does not have (Apache, MariaDB) may be missing.
    not_ok = {k: (f["status"], f["reason"]) for k, f in facts.items() if f["status"] != "ok"}
    assert {status for status, _ in not_ok.values()} <= {"missing"}, not_ok
    assert all(k.startswith(("apache.", "db.mysql")) for k in not_ok), not_ok
    assert not any(NOISE in json.dumps(f["value"]) for f in facts.values())


def test_the_ssh_port_is_answered_by_the_audit_session(
        trixie: TrixieLab, tmp_path_factory: pytest.TempPathFactory) -> None:
    """OpenSSH 10 penalises a source address for each connection closed before
    authentication: from the auditor's address the probes take the session's own connection
    (a real paramiko session to a real sshd) instead of connecting to port 22 again."""
    _scan("current", trixie, tmp_path_factory.mktemp("scan-current"))
    facts = _FACTS["current"]["facts"]
    ssh = next(s for s in facts["net.reach"]["value"]["services"] if s["service"] == "ssh")
    auditor = next(r for r in ssh["results"] if r["source"] == "auditor")
    assert auditor == {"source": "auditor", "local": auditor["local"], "state": "open",
                       "answer": "ssh", "seen_by": "audit-session"}, auditor
    assert auditor["local"] == trixie.net.allowed  # the session's own source address
    assert [r.get("seen_by") for r in ssh["results"] if r["source"] != "auditor"] == \
        [None] * (len(ssh["results"]) - 1)  # vantage points still connect themselves
    assert 22 in facts["net.scan"]["value"]["open"]


# -- sshd per connection, nginx and PostgreSQL, as issues 13 and 14 demand them ----------------


def _of_target(findings: Findings, pattern: str, target: str) -> list[dict[str, Any]]:
    return [f for f in findings.values()
            if f["target"] == target and re.search(pattern, f["check"])]


def test_match_block_enabling_passwords_fails_with_its_location(
        trixie: TrixieLab, tmp_path_factory: pytest.TempPathFactory) -> None:
    _, findings, _ = _scan("current", trixie, tmp_path_factory.mktemp("scan-current"))
    finding = findings["ssh.password_authentication@trixie"]
    assert finding["status"] == "fail", finding
    text = json.dumps(finding["evidence"]) + finding["summary"]
    assert MATCH_LOCATION in text and MATCH_USER_LOCATION in text
    age = findings["accounts.password_age@trixie"]["evidence"]
    assert age.get("ssh_password_logins") != "no"



def test_web_server_version_judges_nginx(trixie: TrixieLab,
                                         tmp_path_factory: pytest.TempPathFactory) -> None:
    verdicts, findings, _ = _scan("future", trixie, tmp_path_factory.mktemp("scan-future"))
    # the version matches; server_tokens on in the legacy vhost breaks the claim
    assert verdicts["web-server"] == "contradicted"
    judged = _of_target(findings, r"^(?!os\.).*version_matches", "trixie")
    assert [f["status"] for f in judged] == ["pass"], judged
    assert "1.26" in judged[0]["summary"]
    # nginx 1.26 from a supported Debian release: judged (a branch past its upstream end
    # kept alive by the distribution is a warning), never n/a or error; Apache, absent, is n/a.
    eol = _of_target(findings, r"^nginx\.eol$", "trixie")
    assert [f["status"] for f in eol] == ["warn"], eol
    assert eol[0]["evidence"]["distribution"]["release"] == "Debian 13", eol
    assert findings["apache.eol@trixie"]["status"] == "not_applicable"



def test_nginx_disclosure_and_worker_user_are_judged(
        trixie: TrixieLab, tmp_path_factory: pytest.TempPathFactory) -> None:
    _, findings, _ = _scan("future", trixie, tmp_path_factory.mktemp("scan-future"))
    disclosure = _of_target(findings, r"^nginx\..*(version_disclosure|server_tokens)", "trixie")
    # server_tokens on in the legacy vhost: the configuration discloses the version.
    assert [f["status"] for f in disclosure] == ["fail"], disclosure
    assert "legacy" in json.dumps(disclosure[0]["evidence"])
    workers = _of_target(findings, r"^nginx\..*(workers?_not_root|worker_user)", "trixie")
    assert [f["status"] for f in workers] == ["pass"], workers
    assert "www-data" in json.dumps(workers[0]["evidence"])



def test_nginx_admin_allowlist_is_judged(trixie: TrixieLab,
                                         tmp_path_factory: pytest.TempPathFactory) -> None:
    # shop-admin: allow <auditor>; deny all. legacy-admin: open to all (and over plain HTTP).
    # The claim's verdict also depends on the database layer (issue 14): not asserted here.
    _, findings, _ = _scan("future", trixie, tmp_path_factory.mktemp("scan-future"))
    admin = findings["allowlist.admin@trixie"]
    assert admin["status"] == "fail", admin
    text = json.dumps(admin["evidence"])
    assert f"{trixie.net.allowed}/32" in text and "legacy-admin" in text
    assert any(trixie.net.outsider in p for p in admin["evidence"]["contradicting_probes"])



def test_postgresql_plain_host_rule_fails_tls_required(
        trixie: TrixieLab, tmp_path_factory: pytest.TempPathFactory) -> None:
    verdicts, findings, _ = _scan("future", trixie, tmp_path_factory.mktemp("scan-future"))
    tls = findings["db.tls_required@shop-prod"]
    assert tls["status"] == "fail", tls
    assert "host all all 0.0.0.0" in json.dumps(tls["evidence"])  # the plain rule, as read
    assert verdicts["db-tls"] == "contradicted"



def test_postgresql_copied_rows_and_allowlist(trixie: TrixieLab,
                                              tmp_path_factory: pytest.TempPathFactory) -> None:
    verdicts, findings, _ = _scan("future", trixie, tmp_path_factory.mktemp("scan-future"))
    overlap = findings["testdata.no_production_records@shop-test"]
    assert overlap["status"] == "fail", overlap
    assert re.search(r"\b3\b", overlap["summary"]), overlap["summary"]
    assert verdicts["test-data"] == "contradicted"
    database = findings["allowlist.database@trixie"]
    assert database["status"] == "fail", database
    text = json.dumps(database["evidence"]).lower()
    assert "postgresql" in text and "conf.d/50-listen.conf" in text
    assert not any(f["status"] == "error" and "not supported" in f["summary"]
                   for f in findings.values())
