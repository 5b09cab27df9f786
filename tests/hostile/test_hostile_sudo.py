"""The sudo matrix against the real OpenSSH lab: the sudo password travels only on the
channel's stdin after sudo's own prompt, and every refusal is an error, never a pass."""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.exitcodes import expected_exit
from tests.hostile import inv
from tests.hostile.conftest import Ledger, Run, leaks_of
from tests.labs.base import SUDOERS_DIR, Lab, LabSshd

pytestmark = pytest.mark.integration

ROOT_FACTS = ("sshd.config", "accounts.shadow")
# kind -> (sudoers rule, extra Defaults, whether root facts must come back)
MATRIX = {
    "nopasswd": ("NOPASSWD: ALL", "", True),
    "password": ("ALL", "", True),
    "wrongpw": ("ALL", "", False),
    "requiretty": ("NOPASSWD: ALL", "requiretty", False),
    "nosudoers": ("", "", False),
    "lecture": ("ALL", "lecture=always, lecture_file={lecture}", True),
}
LECTURE = "<b>Read this</b> {{ 7191*7 }}\n\x1b[31mline two\n\u202eline three\n\n"


@pytest.fixture(scope="module")
def sudo_users(lab: Lab, lab_sshd: LabSshd, canaries: dict[str, str],
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One lab user per sudo situation (password = the canary sudo password)."""
    tag = secrets.token_hex(3)
    lecture = tmp_path_factory.mktemp("lecture") / "lecture.txt"
    lecture.write_text(LECTURE)
    lecture.parent.chmod(0o755)
    lecture.chmod(0o644)
    users: dict[str, str] = {}
    dropins: list[Path] = []
    try:
        for kind, (rule, defaults, _) in MATRIX.items():
            name = f"pst{tag}{kind[:6]}"
            lab.add_user(name, password=canaries["sudo_password"], authorized_key=lab.client_key())
            text = f"{name} ALL=(ALL:ALL) {rule}\n" if rule else ""
            if defaults:
                text = f"Defaults:{name} {defaults.format(lecture=lecture)}\n" + text
            if text:
                dropins.append(_install(f"posture-hostile-{name}", text))
            users[kind] = name
        yield users
    finally:
        for path in dropins:
            path.unlink(missing_ok=True)


def _install(name: str, text: str) -> Path:
    staging = SUDOERS_DIR / f".{name}.tmp"  # sudo ignores names with a dot
    staging.write_text(text)
    staging.chmod(0o440)
    try:
        subprocess.run(["visudo", "-cf", str(staging)], check=True, capture_output=True)
        target = SUDOERS_DIR / name
        staging.replace(target)
        return target
    finally:
        staging.unlink(missing_ok=True)


@pytest.mark.parametrize("kind", list(MATRIX))
def test_sudo_matrix(kind: str, tmp_path: Path, lab: Lab, lab_sshd: LabSshd,
                     sudo_users: dict[str, str], canaries: dict[str, str],
                     posture_run: Callable[..., Run], ledger: Ledger) -> None:
    user = sudo_users[kind]
    env = inv.secret_env(canaries)
    secrets_here = dict(canaries)
    if kind == "wrongpw":
        env[inv.ENV["sudo"]] = secrets_here["wrong_sudo_password"] = "Wr0ng+" + secrets.token_hex(6)
    ssh = {"user": user, "key_file": str(lab.client_key()), "sudo": True}
    if kind != "nopasswd" and kind != "requiretty":
        ssh["sudo_password_env"] = inv.ENV["sudo"]
    inventory = inv.write(tmp_path / "inv.yml", [("lab", lab_sshd.port, ssh)],
                          known_hosts=lab_sshd.known_hosts,
                          claims=inv.claims_for(["lab"]),
                          timeouts={"connect": 5, "command": 20, "host": 60})
    facts_path = tmp_path / "out" / "facts.json"
    run = posture_run(["scan", "-i", str(inventory), "--format", "json,html,sarif,junit",
                       "--save-facts", str(facts_path)], env=env)
    assert run.code == expected_exit(run.report()), run.stderr.decode()[-2000:]
    facts = json.loads(facts_path.read_text())["hosts"]["lab"]["facts"]
    expect_root = MATRIX[kind][2]
    for key in ROOT_FACTS:
        status = facts[key]["status"]
        assert (status == "ok") is expect_root, (kind, key, status, facts[key]["reason"])
    if not expect_root:
        findings = run.report()["findings"]
        root_checks = [f for f in findings if f["check"] == "ssh.password_authentication"]
        assert root_checks and all(f["status"] == "error" for f in root_checks)
        ledger.add("faults_injected")
    assert leaks_of(run, secrets_here, extra=[lab_sshd.log_path]) == []
    assert "line two" not in run.stderr.decode() or "\x1b" not in run.stderr.decode()
    ledger.add("canary_searches", len(secrets_here) * 4)
    ledger.add("proc_samples", run.proc_samples)
