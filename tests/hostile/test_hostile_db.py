"""Hostile database peers reached through the real SSH tunnel of the lab sshd.

One real ``posture scan`` audits, through ``direct-tcpip`` channels of the lab host's SSH
connection, fake MySQL-protocol servers (:mod:`tests.hostile.fakemysql`) that echo canary
personal data, markup and ANSI in their error messages (at login and per query), stall after
the greeting, drip, send too many rows or one huge row, or close in the middle of a result.
Every database must end in ``error`` within the host's deadline, with only an error code and
fixed text in facts, reports and logs, and without the auditor's memory blowing up.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LabUsers
from tests.exitcodes import expected_exit
from tests.hostile import inv
from tests.hostile.conftest import Ledger, Run, false_passes, leaks_of, run_posture
from tests.hostile.fakemysql import FakeMysql
from tests.hostile.payloads import output_problems
from tests.labs.base import Lab, LabSshd

DEADLINE = 8.0  # the host's timeouts.host: every database probe of the host within it
CONNECT = 2.0  # timeouts.connect: the login must be over by then
ROWS = 200_000  # more than the 50,000 rows the column listing accepts
HUGE = 48 << 20  # one value of 48 MiB where at most 256 characters were asked for
OUTPUTS = {"report.html": "html", "report.json": "json", "report.sarif": "json",
           "report.junit.xml": "xml", "facts.json": "json"}


def _hostile_text(personal: str) -> bytes:
    return (f"Duplicate entry '{personal}' <script>alert(1)</script> "
            "\x1b[31mred\x1b[0m\r\nline two").encode()


@pytest.fixture(scope="module")
def peers(canaries: dict[str, str]) -> Iterator[dict[str, FakeMysql]]:
    """One fake server per hostile behaviour."""
    text = _hostile_text(canaries["personal_data"])
    servers = {"echo": FakeMysql("echo", text=text),
               "loginecho": FakeMysql("login_echo", text=text),
               "stall": FakeMysql("stall"),
               "drip": FakeMysql("drip", interval=0.3),
               "many": FakeMysql("many", rows=ROWS, text=b"varchar"),
               "huge": FakeMysql("huge", size=HUGE),
               "closer": FakeMysql("closer", text=canaries["personal_data"].encode())}
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def _inventory(path: Path, lab: Lab, sshd: LabSshd, peers: dict[str, FakeMysql],
               user: str) -> Path:
    ssh = {"user": user, "known_hosts": str(sshd.known_hosts), "ssh_config": "/dev/null",
           "key_file": str(lab.client_key()), "port": sshd.port}
    lines = ["version: 1", "organisation: x", "defaults:",
             "  timeouts: " + json.dumps({"connect": CONNECT, "command": 2, "host": DEADLINE}),
             "hosts:"]
    # One host entry (one SSH connection, one deadline) per database: a stall of one
    # database must not eat the time of the others.
    lines += ["  - " + json.dumps({"name": f"lab-{name}", "address": "127.0.0.1", "ssh": ssh})
              for name in peers]
    lines.append("databases:")
    for name, server in peers.items():
        lines.append("  - " + json.dumps({
            "name": name, "host": f"lab-{name}", "engine": "mysql", "port": server.port,
            "database": "shop", "user": "posture_ro", "password_env": inv.ENV["db"],
            "environment": "test"}))
    lines += ["claims:", "  - " + json.dumps({
        "id": "fictitious", "says": "Test systems hold fictitious data only.",
        "type": "test_data_fictitious", "scope": {"databases": list(peers)}})]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def scan(lab: Lab, lab_sshd: LabSshd, lab_users: LabUsers, peers: dict[str, FakeMysql],
         tmp_path_factory: pytest.TempPathFactory, canaries: dict[str, str]) -> Run:
    """The one scan of this module (as the lab's auditor account; its log is stderr)."""
    work = tmp_path_factory.mktemp("dbscan")
    inventory = _inventory(work / "inv.yml", lab, lab_sshd, peers, lab_users.auditor)
    out = work / "out"
    return run_posture(["scan", "-i", str(inventory), "-o", str(out), "--format",
                        "html,json,sarif,junit", "--save-facts", str(out / "facts.json"),
                        "--concurrency", "8"],
                       workdir=work, canaries=canaries, env=inv.secret_env(canaries),
                       timeout=60)


def _facts(run: Run) -> dict[str, Any]:
    return json.loads((run.outdir / "facts.json").read_text())  # type: ignore[no-any-return]


def test_every_hostile_database_ends_in_error_within_the_deadline(
        scan: Run, peers: dict[str, FakeMysql], ledger: Ledger) -> None:
    assert scan.code == expected_exit(scan.report()), scan.stderr.decode()[-3000:]
    facts = _facts(scan)["databases"]
    assert set(facts) == set(peers)
    findings = scan.report()["findings"]
    for name in peers:
        mine = [f for f in findings if f["target"] == name
                and f["check"] == "testdata.fictitious_values"]  # no compare_with: n/a
        assert mine and {f["status"] for f in mine} == {"error"}, (name, mine[:2])
        assert false_passes(mine, facts[name]["facts"]) == []
        fact = facts[name]["facts"]["db.pii_scan"]
        assert fact["status"] in ("error", "timeout", "denied"), (name, fact)
        assert facts[name]["duration_s"] <= DEADLINE + 2, (name, facts[name]["duration_s"])
        ledger.add("database_faults")
    reasons = {n: facts[n]["facts"]["db.pii_scan"]["reason"] for n in peers}
    assert "more than 50000 rows" in reasons["many"], reasons["many"]
    assert facts["stall"]["duration_s"] < CONNECT + 2.5  # not the read timeout
    assert facts["drip"]["duration_s"] < DEADLINE  # the statement limit + 5 s, not the host's
    assert "longer than 64 characters" in reasons["huge"], reasons["huge"]
    sent_back = [q for q in peers["huge"].queries  # the huge name never went into a query
                 if not q.startswith(b"SET") and b"information_schema" not in q]
    assert sent_back == []
    assert peers["many"].rows_sent < ROWS  # the oversized result was not drained
    assert scan.duration < DEADLINE + 20
    assert scan.max_rss_kib < 300 * 1024, scan.max_rss_kib
    ledger.peak("slowest_database_s", max(f["duration_s"] for f in facts.values()))
    ledger.peak("db_peak_rss_mib", round(scan.max_rss_kib / 1024, 1))


def test_database_messages_never_reach_any_output(
        scan: Run, canaries: dict[str, str], lab_sshd: LabSshd) -> None:
    assert leaks_of(scan, canaries, extra=[lab_sshd.log_path]) == []
    files = {name: (scan.outdir / name).read_bytes() for name in OUTPUTS}
    for name, raw in {"stdout": scan.stdout, "stderr": scan.stderr, **files}.items():
        assert output_problems(OUTPUTS.get(name, "text"), raw) == [], name
        for marker in (b"<script>alert", b"\x1b[31m", b"line two", b"Duplicate entry"):
            assert marker not in raw, (name, marker)
    reasons = {n: f["facts"]["db.pii_scan"]["reason"]
               for n, f in _facts(scan)["databases"].items()}
    assert "(error 1146)" in reasons["echo"] and "(error 1045)" in reasons["loginecho"]
