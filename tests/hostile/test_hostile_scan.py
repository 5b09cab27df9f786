"""Whole scans against hostile SSH targets: text stays text, secrets stay secret, stalls end.

Each test runs posture as a real process against fake servers on 127.0.0.1 and then searches
every artefact (streams, reports, facts file, temp folder, other processes' command lines and
environments) for canaries, raw control characters and evaluated templates.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.exitcodes import expected_exit
from tests.hostile import inv
from tests.hostile.conftest import Ledger, Run, false_passes, leaks_of
from tests.hostile.fakessh import FakeSshServer, Script
from tests.hostile.netjunk import BlackHole, JunkPort
from tests.hostile.payloads import PAYLOADS, output_problems, payloads_in
from tests.hostile.targets import hostile, recorded

OUTPUTS = {"report.html": "html", "report.json": "json", "report.sarif": "json",
           "report.junit.xml": "xml", "facts.json": "json"}
# Checks that judge the claim's own words (the claimed release's end of life), not the target.
CLAIM_ONLY = frozenset({"os.eol_claimed"})
TIMEOUTS = {"connect": 2, "command": 4, "host": 8}


@pytest.fixture(scope="module")
def client_key(tmp_path_factory: pytest.TempPathFactory, canaries: dict[str, str]) -> Path:
    """An ed25519 key encrypted with the canary passphrase."""
    key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
        serialization.BestAvailableEncryption(canaries["key_passphrase"].encode()))
    path = tmp_path_factory.mktemp("client") / "id_ed25519"
    path.write_bytes(key)
    path.chmod(0o600)
    return path


@pytest.fixture
def servers() -> Iterator[list[Any]]:
    """Servers a test starts; all stopped afterwards."""
    started: list[Any] = []
    yield started
    for server in started:
        server.stop()


def _scan_args(inventory: Path, out: Path) -> list[str]:
    return ["scan", "-i", str(inventory), "-o", str(out), "--format", "html,json,sarif,junit",
            "--save-facts", str(out / "facts.json"), "--concurrency", "16"]


def _check_outputs(run: Run, ledger: Ledger) -> dict[str, set[int]]:
    """Assert every output is neutralised; return which payloads reached which output."""
    reached: dict[str, set[int]] = {}
    streams = {"stdout": run.stdout, "stderr": run.stderr}
    files = {name: (run.outdir / name).read_bytes() for name in OUTPUTS}
    for name, raw in {**streams, **files}.items():
        problems = output_problems(OUTPUTS.get(name, "text"), raw)
        assert problems == [], f"{name}: {problems[:5]}"
        reached[name] = payloads_in(raw.decode())
        ledger.add("payload_output_pairs", len(reached[name]))
        ledger.add("outputs_checked")
    return reached


def test_hostile_strings_are_text_everywhere_and_no_secret_leaks(
        tmp_path: Path, servers: list[Any], client_key: Path, canaries: dict[str, str],
        posture_run: Callable[..., Run], ledger: Ledger) -> None:
    facts = hostile(canaries["personal_data"])
    target = FakeSshServer(Script(facts=facts, sudo="password", banner="SSH-2.0-" + "<b>x</b>"))
    pw_host = FakeSshServer(Script(facts=facts))
    servers += [target, pw_host]
    known = tmp_path / "known_hosts"
    known.write_text(target.known_hosts_line + pw_host.known_hosts_line)
    hosts = [("evil", target.port, {"key_file": str(client_key),
                                    "key_passphrase_env": inv.ENV["passphrase"], "sudo": True,
                                    "sudo_password_env": inv.ENV["sudo"]}),
             ("pwhost", pw_host.port, {"password_env": inv.ENV["password"]})]
    inventory = inv.write(tmp_path / "inv.yml", hosts, known_hosts=known,
                          claims=inv.claims_for(["evil", "pwhost"], says_prefix=PAYLOADS[2][0]),
                          organisation=PAYLOADS[0][0], database_on="evil", timeouts=TIMEOUTS)
    out = tmp_path / "out"
    run = posture_run(_scan_args(inventory, out), env=inv.secret_env(canaries))
    assert run.code == expected_exit(run.report()), run.stderr.decode()[-2000:]
    reached = _check_outputs(run, ledger)
    # The secrets went where they belong, and only there.
    assert [a.method for a in target.attempts] == ["publickey"]
    assert [(a.method, a.secret) for a in pw_host.attempts] == [
        ("password", canaries["ssh_password"])]
    assert all(canaries["sudo_password"] not in c for c in target.commands)
    leaks = leaks_of(run, canaries)
    assert leaks == [], leaks
    # The payloads did reach the reports (as text): the test exercised something.
    everywhere = set().union(*reached.values())
    assert len(everywhere) >= len(PAYLOADS) - 2, sorted(everywhere)
    assert len(reached["report.html"]) >= 5 and len(reached["report.json"]) >= 5
    ledger.note("payloads", len(PAYLOADS))
    ledger.note("outputs", len(reached))
    ledger.add("canary_searches", len(canaries) * 4)
    ledger.add("proc_samples", run.proc_samples)


def _hostile_fleet(servers: list[Any]) -> dict[str, tuple[int, Any]]:
    """Name -> (port, server) of targets that each misbehave differently, plus a good one."""
    honest = recorded()
    line_10mb = (b"PRETTY_NAME=\"" + b"\x1b[31m" * 10 + b"L" * (10 << 20) + b"\"\n", b"", 0)
    denied = {k: (b"", b"cat: /etc/x: Permission denied\n", 1) for k in honest}
    fleet: dict[str, Any] = {
        "good": FakeSshServer(Script(facts=dict(honest))),
        "silent": JunkPort("silent"),
        "dripbanner": JunkPort("drip", b"SSH-2.0-OpenSSH_9.2\r\n", interval=0.4),
        "junkbanner": JunkPort("banner", PAYLOADS[0][0].encode() + b"\x1b[31m{{ 7191*7 }}\r\n"
                               + b"\xff\xfe\r\n" * 3),
        "blackhole": BlackHole(),
        "hang": FakeSshServer(Script(mode="hang")),
        "dripout": FakeSshServer(Script(mode="drip", drip_s=0.2)),
        "flood": FakeSshServer(Script(mode="flood", flood_bytes=3 << 20)),
        "endless": FakeSshServer(Script(mode="endless")),
        "drop": FakeSshServer(Script(mode="drop")),
        "longline": FakeSshServer(Script(facts={**honest, "os.release": line_10mb,
                                                "net.listening": line_10mb})),
        "missing": FakeSshServer(Script(facts={})),
        "denied": FakeSshServer(Script(facts=denied, sudo="refuse")),
    }
    servers += list(fleet.values())
    return {name: (server.port, server) for name, server in fleet.items()}


def test_stalls_floods_and_faults_end_in_error_within_the_deadline(
        tmp_path: Path, servers: list[Any], client_key: Path, canaries: dict[str, str],
        posture_run: Callable[..., Run], ledger: Ledger) -> None:
    fleet = _hostile_fleet(servers)
    known = tmp_path / "known_hosts"
    known.write_text("".join(s.known_hosts_line for _, s in fleet.values()
                             if isinstance(s, FakeSshServer)))
    hosts = [(name, port, {}) for name, (port, _) in fleet.items()]
    inventory = inv.write(tmp_path / "inv.yml", hosts, known_hosts=known,
                          claims=inv.claims_for(list(fleet)), timeouts=TIMEOUTS,
                          defaults={"key_file": str(client_key), "sudo": True,
                                    "key_passphrase_env": inv.ENV["passphrase"]})
    out = tmp_path / "out"
    run = posture_run(_scan_args(inventory, out), env=inv.secret_env(canaries), timeout=60)
    assert run.code == expected_exit(run.report()), run.stderr.decode()[-3000:]
    _check_outputs(run, ledger)
    assert leaks_of(run, canaries) == []
    report = run.report()
    facts = json.loads((out / "facts.json").read_text())
    verdicts = {c["id"]: c["verdict"] for c in report["claims"]}
    assert verdicts["os-good"] == "verified"
    deadline = TIMEOUTS["host"]
    durations = {name: facts["hosts"][name]["duration_s"] for name in fleet}
    # The neighbours did not hold it up: it finished long before the stalled ones gave up.
    assert durations["good"] < deadline, durations
    for name in fleet:
        if name == "good":
            continue
        mine = [f for f in report["findings"]
                if f["target"].split("#")[0] == name and f["check"] not in CLAIM_ONLY]
        assert mine and false_passes(mine, facts["hosts"][name]["facts"]) == [], name
        # the host deadline, plus the watchdog's 2 s grace and slack for a loaded CI box
        assert durations[name] <= deadline + 4, (name, durations[name])
        assert not any(verdicts[f"{kind}-{name}"] == "verified"
                       for kind in ("os", "rotation", "channels"))
        ledger.add("faults_injected")
    assert run.duration < deadline + 20  # not the sum of the stalls: they ran in parallel
    assert run.max_rss_kib < 300 * 1024, run.max_rss_kib
    ledger.peak("slowest_host_s", max(durations.values()))
    ledger.note("host_deadline_s", deadline)
    ledger.peak("peak_rss_mib", round(run.max_rss_kib / 1024, 1))
    ledger.add("canary_searches", len(canaries) * 4)
