"""End to end: `posture scan` against real lab servers (sshd, Apache) on loopback."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from posture.cli import main
from tests.conftest import LabUsers, require_lab_part
from tests.labs.base import Lab, LabSshd, free_port
from tests.labs.web import LabApache, apache_unavailable_reason, start_apache

pytestmark = pytest.mark.integration

STRONG = {
    "PasswordAuthentication": "no",
    "KbdInteractiveAuthentication": "no",
    "Ciphers": "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,"
               "aes256-ctr,aes128-ctr",
    "MACs": "hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512,"
            "hmac-sha2-256",
    "KexAlgorithms": "sntrup761x25519-sha512@openssh.com,curve25519-sha256,"
                     "curve25519-sha256@libssh.org,diffie-hellman-group16-sha512",
    "HostKeyAlgorithms": "ssh-ed25519,rsa-sha2-512,rsa-sha2-256",
    "PubkeyAcceptedAlgorithms": "ssh-ed25519,rsa-sha2-512,rsa-sha2-256",
}


def _os_release() -> dict[str, str]:
    values = {}
    for line in Path("/etc/os-release").read_text().splitlines():
        key, _, value = line.partition("=")
        values[key] = value.strip('"')
    return values


@pytest.fixture(scope="module")
def clean_sshd(lab: Lab, lab_users: LabUsers) -> LabSshd:
    """sshd configured as a careful admin would: keys only, modern algorithms, SFTP."""
    return lab.start_sshd("clean", options=STRONG)


@pytest.fixture(scope="module")
def dirty_sshd(lab: Lab, lab_users: LabUsers) -> LabSshd:
    """sshd that accepts passwords and offers CBC ciphers."""
    return lab.start_sshd("dirty", options={
        "PasswordAuthentication": "yes",
        "Ciphers": "aes128-ctr,aes256-ctr,aes128-cbc",
    })


@pytest.fixture(scope="module")
def apache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabApache | None]:
    """The lab Apache (skipped parts when apache2 is not installed outside CI)."""
    if apache_unavailable_reason():
        yield None
        return
    root = tmp_path_factory.mktemp("apache")
    root.chmod(0o755)
    server = start_apache(root)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def rotation_policy(lab_users: LabUsers) -> Iterator[None]:
    """Make the machine's policy keep a 90-day promise for our accounts, then restore it."""
    login_defs = Path("/etc/login.defs")
    saved = login_defs.read_bytes()
    text = re.sub(r"(?m)^PASS_MAX_DAYS\s+\d+", "PASS_MAX_DAYS\t90", saved.decode())
    login_defs.write_text(text)
    for user in (lab_users.sudoer, lab_users.nosudo):
        subprocess.run(["chage", "-M", "90", user], check=True)
    try:
        yield
    finally:
        login_defs.write_bytes(saved)


def _inventory(path: Path, sshd: LabSshd, users: LabUsers, claims: str, *,
               user: str | None = None, known_hosts: Path | None = None,
               port: int | None = None, sudo: bool = True) -> Path:
    path.write_text(f"""\
version: 1
organisation: Lab shop
defaults:
  ssh:
    user: {user or users.auditor}
    key_file: {users.key}
    known_hosts: {known_hosts or sshd.known_hosts}
    ssh_config: /dev/null
    sudo: {'true' if sudo else 'false'}
  timeouts: {{connect: 3, command: 20, host: 60}}
hosts:
  - name: lab
    address: {sshd.address}
    ssh: {{port: {port or sshd.port}}}
claims:
{claims}""")
    return path


def _claims(os_id: str, os_version: str, apache_version: str, accounts: str) -> str:
    return f"""\
  - id: os
    says: The shop runs on the claimed system.
    type: os_version
    expect: {{distribution: "{os_id}", version: "{os_version}"}}
    scope: {{hosts: [lab]}}
  - id: web
    says: The web server is the claimed Apache.
    type: apache_version
    expect: {{version: "{apache_version}"}}
    scope: {{hosts: [lab]}}
  - id: rotation
    says: Passwords change every three months.
    type: password_rotation
    expect: {{max_age_days: 90, accounts: ["{accounts}"]}}
    scope: {{hosts: [lab]}}
  - id: channels
    says: Administration only over SFTP or HTTPS.
    type: encrypted_admin_channels
    scope: {{hosts: [lab]}}
"""


def _scan(inventory: Path, out: Path, *extra: str) -> tuple[int, dict[str, object]]:
    code = main(["scan", "-i", str(inventory), "-o", str(out), "--format",
                 "html,json,sarif,junit", "-q", *extra])
    report = out / "report.json"
    return code, json.loads(report.read_text()) if report.exists() else {}


def _verdicts(report: dict[str, object]) -> dict[str, str]:
    return {c["id"]: c["verdict"] for c in report["claims"]}  # type: ignore[attr-defined, index]


def _findings(report: dict[str, object]) -> dict[str, dict[str, object]]:
    return {f["id"]: f for f in report["findings"]}  # type: ignore[attr-defined, index]


def test_clean_setup_is_verified(tmp_path: Path, clean_sshd: LabSshd, lab_users: LabUsers,
                                 apache: LabApache | None, rotation_policy: None) -> None:
    if apache is None:
        require_lab_part(apache_unavailable_reason() or "the lab Apache did not start")
    osr = _os_release()
    claims = _claims(osr["ID"], osr["VERSION_ID"], "2.4", lab_users.sudoer[:-4] + "*")
    inv = _inventory(tmp_path / "inv.yml", clean_sshd, lab_users, claims)
    facts = tmp_path / "facts.json"
    before = clean_sshd.log_text().count("Accepted publickey")
    code, report = _scan(inv, tmp_path / "out", "--save-facts", str(facts))
    verdicts = _verdicts(report)
    bad = {i: (f["status"], f["summary"]) for i, f in _findings(report).items()
           if f["status"] in ("fail", "error")}
    assert verdicts == {"os": "verified", "web": "verified", "rotation": "verified",
                        "channels": "verified"}, bad
    assert code == 0
    # One connection and at most two execs for the whole host.
    host = json.loads(facts.read_text())["hosts"]["lab"]
    assert host["connections"] == 1 and host["round_trips"] <= 2
    assert clean_sshd.log_text().count("Accepted publickey") - before == 1
    for name in ("report.html", "report.json", "report.sarif", "report.junit.xml"):
        assert (tmp_path / "out" / name).stat().st_mode & 0o077 == 0


def test_planted_violations_are_contradicted_with_evidence(
        tmp_path: Path, lab: Lab, dirty_sshd: LabSshd, lab_users: LabUsers,
        apache: LabApache | None) -> None:
    stale = lab_users.auditor[:-3] + "old"
    lab.add_user(stale, password="not-used-" + stale, password_age_days=200)
    claims = _claims("ubuntu", "12.04.4", "2.2.22", lab_users.auditor[:-3] + "*")
    inv = _inventory(tmp_path / "inv.yml", dirty_sshd, lab_users, claims)
    code, report = _scan(inv, tmp_path / "out")
    assert code == 1
    verdicts = _verdicts(report)
    assert verdicts["os"] == "contradicted"
    assert verdicts["rotation"] == "contradicted"
    assert verdicts["channels"] == "contradicted"
    findings = _findings(report)
    age = findings["accounts.password_age@lab"]
    assert age["status"] == "fail"
    assert {"account": stale, "age_days": 200} in age["evidence"]["stale"]
    assert findings["ssh.password_authentication@lab"]["status"] == "fail"
    assert findings["ssh.weak_algorithms@lab"]["evidence"]["weak"]["ciphers"] == ["aes128-cbc"]
    assert findings["os.version_matches@lab"]["status"] == "fail"
    assert findings["os.eol_claimed@lab"]["status"] == "fail"  # 12.04 is itself unsupported
    if apache is None:  # judged above without it; the Apache promise needs the lab Apache
        require_lab_part(apache_unavailable_reason() or "the lab Apache did not start")
    assert verdicts["web"] == "contradicted"
    web = findings["apache.version_matches@lab"]
    assert web["status"] == "fail" and "2.2.22" in web["summary"], web


def test_replaying_saved_facts_gives_the_same_result(
        tmp_path: Path, dirty_sshd: LabSshd, lab_users: LabUsers) -> None:
    claims = _claims("debian", "12", "2.4", "pst*")
    inv = _inventory(tmp_path / "inv.yml", dirty_sshd, lab_users, claims)
    facts = tmp_path / "facts.json"
    code, scanned = _scan(inv, tmp_path / "a", "--save-facts", str(facts))
    replay_code = main(["evaluate", "--facts", str(facts), "-i", str(inv), "-o",
                        str(tmp_path / "b"), "--format", "json", "-q"])
    replayed = json.loads((tmp_path / "b" / "report.json").read_text())
    assert replay_code == code
    for key in ("claims", "findings", "score", "hosts"):
        assert replayed[key] == scanned[key]
    assert "$y$" not in facts.read_text() and "$6$" not in facts.read_text()  # no hashes


def test_unreachable_host_is_error_and_exit_2(tmp_path: Path, clean_sshd: LabSshd,
                                              lab_users: LabUsers) -> None:
    claims = _claims("debian", "12", "2.4", "pst*").split("  - id: web")[0]
    inv = _inventory(tmp_path / "inv.yml", clean_sshd, lab_users, claims, port=free_port())
    code, report = _scan(inv, tmp_path / "out")
    assert code == 2
    assert report["hosts"][0]["reachable"] is False  # type: ignore[index]
    statuses = {f["check"]: f["status"] for f in _findings(report).values()}
    assert statuses["os.version_matches"] == "error"
    assert statuses["os.eol_actual"] == "error"
    assert _verdicts(report)["os"] == "inconclusive"


def test_changed_host_key_is_a_host_error_and_no_credential_is_offered(
        tmp_path: Path, clean_sshd: LabSshd, jump_sshd: LabSshd, lab_users: LabUsers) -> None:
    # known_hosts holds another server's key under the clean server's [addr]:port name.
    wrong = tmp_path / "known_hosts"
    other = jump_sshd.known_hosts.read_text().replace(f":{jump_sshd.port}]",
                                                      f":{clean_sshd.port}]")
    wrong.write_text(other)
    claims = _claims("debian", "12", "2.4", "pst*").split("  - id: web")[0]
    inv = _inventory(tmp_path / "inv.yml", clean_sshd, lab_users, claims, known_hosts=wrong)
    log_before = clean_sshd.log_text()
    code, report = _scan(inv, tmp_path / "out")
    assert code == 2
    host = report["hosts"][0]  # type: ignore[index]
    assert host["reachable"] is False and "changed" in " ".join(host["errors"]).lower()
    new_log = clean_sshd.log_text()[len(log_before):]
    assert "Accepted" not in new_log and "Failed" not in new_log
    assert lab_users.auditor not in new_log


def test_sudo_refused_makes_root_facts_errors_not_passes(
        tmp_path: Path, clean_sshd: LabSshd, lab_users: LabUsers) -> None:
    claims = """\
  - id: channels
    says: Administration only over SFTP or HTTPS.
    type: encrypted_admin_channels
    scope: {hosts: [lab]}
"""
    inv = _inventory(tmp_path / "inv.yml", clean_sshd, lab_users, claims, user=lab_users.nosudo)
    code, report = _scan(inv, tmp_path / "out")
    findings = _findings(report)
    assert findings["ssh.password_authentication@lab"]["status"] == "error"
    # sudo -n cannot tell "not in sudoers" before authenticating: it asks for a password.
    assert "sudo needs_password" in findings["ssh.password_authentication@lab"]["summary"]
    assert _verdicts(report)["channels"] == "inconclusive"
    assert code == 2


def test_bad_inventory_exits_3_with_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                             ) -> None:
    inv = tmp_path / "bad.yml"
    inv.write_text("version: 1\nhosts:\n  - name: a\n    adress: 127.0.0.1\nclaims: []\n")
    assert main(["scan", "-i", str(inv), "-o", str(tmp_path / "out")]) == 3
    err = capsys.readouterr().err
    assert f"{inv}:4" in err and "did you mean 'address'" in err
    assert not (tmp_path / "out").exists()  # nothing was contacted or written


def test_demo_inventory_is_valid() -> None:
    assert main(["inventory", "validate", "inventory/demo.yml"]) == 0
    assert shutil.which("sh")
