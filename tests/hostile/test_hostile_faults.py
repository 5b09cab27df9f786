"""Faults posture must survive: host keys that do not match, injection attempts in the
inventory, output paths that try to escape, a check that raises, and SIGTERM mid-run."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import checks as catalogue
from posture.cli import main
from tests.exitcodes import expected_exit
from tests.hostile import inv
from tests.hostile.conftest import Ledger, Run, false_passes, leaks_of
from tests.hostile.fakessh import FakeSshServer, Script
from tests.hostile.targets import recorded


@pytest.fixture
def fakes() -> Iterator[list[FakeSshServer]]:
    """Fake servers a test starts; all stopped afterwards."""
    started: list[FakeSshServer] = []
    yield started
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def plain_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An unencrypted client key (the fake servers accept any key)."""
    path = tmp_path_factory.mktemp("key") / "id"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path


# -- host keys ---------------------------------------------------------------------------------

def test_unknown_changed_and_jump_host_keys_get_no_credential(
        tmp_path: Path, fakes: list[FakeSshServer], plain_key: Path, canaries: dict[str, str],
        posture_run: Callable[..., Run], ledger: Ledger) -> None:
    unknown, changed, jump, behind = (FakeSshServer(Script(facts=recorded())) for _ in range(4))
    fakes += [unknown, changed, jump, behind]
    impostor = FakeSshServer(Script())
    fakes.append(impostor)
    known = tmp_path / "known_hosts"  # changed: another server's key under its name
    known.write_text(impostor.known_hosts_line.replace(f"]:{impostor.port} ",
                                                       f"]:{changed.port} ")
                     + behind.known_hosts_line)
    auth = {"key_file": str(plain_key), "password_env": inv.ENV["password"]}
    hosts = [("unknown", unknown.port, auth), ("changed", changed.port, auth),
             ("viajump", behind.port, {**auth, "proxy_jump": f"auditor@127.0.0.1:{jump.port}"})]
    inventory = inv.write(tmp_path / "inv.yml", hosts, known_hosts=known,
                          claims=inv.claims_for(["unknown", "changed", "viajump"]))
    run = posture_run(["scan", "-i", str(inventory), "--format", "json", "--save-facts",
                       str(tmp_path / "out" / "facts.json")], env=inv.secret_env(canaries))
    assert run.code == 2
    for server in (unknown, changed, jump):
        assert server.connections == 1 and server.attempts == []  # no password, no signature
    assert behind.connections == 0  # never reached through an unverified hop
    errors = {h["name"]: " ".join(h["errors"]) for h in run.report()["hosts"]}
    assert "unknown host key" in errors["unknown"]
    assert "HOST KEY CHANGED" in errors["changed"]
    assert "ProxyJump" in errors["viajump"] or "unknown host key" in errors["viajump"]
    facts = json.loads((run.outdir / "facts.json").read_text())["hosts"]
    for name in ("unknown", "changed", "viajump"):
        mine = [f for f in run.report()["findings"]
                if f["target"] == name and f["check"] != "os.eol_claimed"]
        assert mine and false_passes(mine, facts[name]["facts"]) == []
    assert leaks_of(run, canaries) == []
    ledger.add("faults_injected", 3)


# -- inventory and command line ----------------------------------------------------------------

INJECTIONS = [
    ("address", "-oProxyCommand=touch /tmp/pwned"),
    ("address", "127.0.0.1;touch /tmp/pwned"),
    ("address", "$(touch /tmp/pwned)"),
    ("user", "root\nProxyCommand touch /tmp/pwned"),
    ("user", "-oProxyCommand=x"),
    ("proxy_jump", "-oProxyCommand=touch /tmp/pwned"),
    ("name", "a`id`"),
]


@pytest.mark.parametrize(("field", "value"), INJECTIONS)
def test_injection_in_the_inventory_is_refused_before_any_contact(
        tmp_path: Path, fakes: list[FakeSshServer], field: str, value: str,
        capsys: pytest.CaptureFixture[str], ledger: Ledger) -> None:
    server = FakeSshServer(Script())
    fakes.append(server)
    host: dict[str, Any] = {"name": "h", "address": "127.0.0.1",
                            "ssh": {"port": server.port, "key_file": "/nonexistent"}}
    if field in ("user", "proxy_jump"):
        host["ssh"][field] = value
    else:
        host[field] = value
    text = inv.raw_inventory(host, tmp_path / "known")
    (tmp_path / "inv.yml").write_text(text)
    code = main(["scan", "-i", str(tmp_path / "inv.yml"), "-o", str(tmp_path / "out"), "-q"])
    assert code == 3, capsys.readouterr().err
    assert server.connections == 0 and not (tmp_path / "out").exists()
    ledger.add("refusals")


@pytest.mark.parametrize("text", [
    "version: 1\norganisation: !!python/object/apply:os.system ['touch /tmp/pwned']\n",
    "version: 1\na: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n",
    "version: 1\norganisation: " + "[" * 5000 + "]" * 5000 + "\n",
])
def test_hostile_yaml_is_refused(tmp_path: Path, text: str, ledger: Ledger) -> None:
    (tmp_path / "inv.yml").write_text(text)
    started = time.monotonic()
    assert main(["scan", "-i", str(tmp_path / "inv.yml"), "-o", str(tmp_path / "o"), "-q"]) == 3
    assert time.monotonic() - started < 5 and not (tmp_path / "o").exists()
    ledger.add("refusals")


def _valid_inventory(tmp_path: Path) -> Path:
    return inv.write(tmp_path / "inv.yml", [("h", 1, {"agent": True})], known_hosts=tmp_path / "kh",
                     claims="  []")


def test_output_paths_that_escape_are_refused(tmp_path: Path, ledger: Ledger,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    inventory = _valid_inventory(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "linkdir").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    out = tmp_path / "out"
    out.mkdir(mode=0o700)
    (out / "report.json").symlink_to(victim)
    (tmp_path / "facts-link.json").symlink_to(victim)
    monkeypatch.chdir(tmp_path)
    cases = [
        ["-o", str(out)],  # a planted report.json link
        ["-o", str(tmp_path / "linkdir")],  # the folder itself is a link
        ["-o", "sub/../../escape"],
        ["-o", str(tmp_path / "ok"), "--save-facts", "x/../../facts.json"],
        ["-o", str(tmp_path / "ok"), "--save-facts", str(tmp_path / "facts-link.json")],
    ]
    for extra in cases:
        code = main(["scan", "-i", str(inventory), "--format", "json", "-q", *extra])
        assert code == 3, extra
        ledger.add("refusals")
    assert victim.read_text() == "keep me"
    assert not (tmp_path / "elsewhere").exists() and not (tmp_path.parent / "escape").exists()


# -- a check that raises -----------------------------------------------------------------------

def test_a_check_that_raises_is_one_error_and_the_report_is_written(
        tmp_path: Path, fakes: list[FakeSshServer], plain_key: Path,
        monkeypatch: pytest.MonkeyPatch, ledger: Ledger) -> None:
    server = FakeSshServer(Script(facts=recorded()))
    fakes.append(server)
    known = tmp_path / "kh"
    known.write_text(server.known_hosts_line)
    inventory = inv.write(tmp_path / "inv.yml", [("h", server.port, {"key_file": str(plain_key)})],
                          known_hosts=known, claims=inv.claims_for(["h"]))
    broken = catalogue.by_id("os.version_matches")

    def boom(ctx: object) -> object:
        raise RuntimeError("<script>boom</script>")

    original = catalogue.checks_for

    def with_broken(claim_type: str) -> Any:
        return [dataclasses.replace(c, evaluate=boom) if c is broken else c
                for c in original(claim_type)]

    monkeypatch.setattr(catalogue, "checks_for", with_broken)
    code = main(["scan", "-i", str(inventory), "-o", str(tmp_path / "out"), "--format",
                 "json,html", "-q"])
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert code == expected_exit(report)
    status = {f["id"]: f["status"] for f in report["findings"]}
    assert status["os.version_matches@h"] == "error"
    assert "boom" not in (tmp_path / "out" / "report.html").read_text()
    others = [s for i, s in status.items() if i != "os.version_matches@h"]
    assert "pass" in others or "fail" in others or "warn" in others
    ledger.add("faults_injected")


# -- SIGTERM -----------------------------------------------------------------------------------

def test_sigterm_writes_an_incomplete_report_and_exits_non_zero(
        tmp_path: Path, fakes: list[FakeSshServer], plain_key: Path, canaries: dict[str, str],
        posture_run: Callable[..., Run], ledger: Ledger) -> None:
    good = FakeSshServer(Script(facts=recorded()))
    stuck = FakeSshServer(Script(mode="hang"))
    fakes += [good, stuck]
    known = tmp_path / "kh"
    known.write_text(good.known_hosts_line + stuck.known_hosts_line)
    inventory = inv.write(tmp_path / "inv.yml",
                          [("good", good.port, {}), ("stuck", stuck.port, {})],
                          known_hosts=known, claims=inv.claims_for(["good", "stuck"]),
                          timeouts={"connect": 5, "command": 60, "host": 120},
                          defaults={"key_file": str(plain_key), "sudo": True})
    sent: list[float] = []

    def terminate_when_stuck(proc: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(stuck.commands) < 2:
            time.sleep(0.05)
        time.sleep(1.0)  # the good host finishes meanwhile
        sent.append(time.monotonic())
        os.kill(proc.pid, signal.SIGTERM)

    run = posture_run(["scan", "-i", str(inventory), "--format", "json,html"],
                      on_start=terminate_when_stuck, timeout=60)
    stopped_in = time.monotonic() - sent[0]
    assert run.code == expected_exit(run.report()), run.stderr.decode()[-2000:]
    assert stopped_in < 6, stopped_in
    report = run.report()
    assert report["incomplete"] is True
    hosts = {h["name"]: h for h in report["hosts"]}
    assert hosts["good"]["reachable"] is True
    assert "SIGTERM" in " ".join(hosts["stuck"]["errors"])
    verdicts = {c["id"]: c["verdict"] for c in report["claims"]}
    assert verdicts["os-good"] == "verified"
    assert all(verdicts[f"{k}-stuck"] != "verified" for k in ("os", "rotation", "channels"))
    assert (run.outdir / "report.html").exists()
    assert leaks_of(run, canaries) == []
    ledger.add("faults_injected")
    ledger.note("sigterm_stop_s", round(stopped_in, 2))
