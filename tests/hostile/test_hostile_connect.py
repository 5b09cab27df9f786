"""Endpoints whose TCP connects never complete end within ``timeouts.connect``.

One real ``posture scan`` probes a black-holed port (SYNs dropped) and a refused one, each
with a 1 s connect timeout (on the endpoint, or from ``defaults``) and a 10 s endpoint
deadline: every probe (TLS ClientHellos, the pyOpenSSL handshake, HTTPS, plain HTTP, the
crawl) must give up after about the connect timeout, in ``error``, never ``pass``.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from posture.inventory.loader import load_inventory
from tests.exitcodes import expected_exit
from tests.hostile.conftest import Ledger, Run, false_passes, leaks_of, run_posture
from tests.hostile.netjunk import BlackHole

CONNECT = 1.0
DEADLINE = 10.0
BOUND = 3.0  # seconds an endpoint may take: the connect timeout plus scheduling slack


def _refused_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _inventory(path: Path, hole: int, refused: int) -> Path:
    def entry(name: str, port: int, timeouts: dict[str, float]) -> str:
        # Plain HTTP always goes to the black hole: a refused plain port is real evidence
        # (nothing serves plaintext) and would rightly pass http.redirect.
        return "  - " + json.dumps({"name": name, "url": f"https://{name}.pst.test/",
                                    "connect_to": f"127.0.0.1:{port}", "http_port": hole,
                                    "timeouts": timeouts})
    names = ["hole", "holedefault", "refused"]
    lines = ["version: 1", "organisation: x", "defaults:",
             "  timeouts: " + json.dumps({"connect": CONNECT}), "hosts: []", "endpoints:",
             entry("hole", hole, {"connect": CONNECT, "host": DEADLINE}),
             entry("holedefault", hole, {"host": DEADLINE}),
             entry("refused", refused, {"connect": CONNECT, "host": DEADLINE}),
             "claims:",
             "  - " + json.dumps({"id": "tls", "says": "Everything is encrypted.",
                                  "type": "tls_all_links", "scope": {"endpoints": names}}),
             "  - " + json.dumps({"id": "cookies", "says": "Functional cookies only.",
                                  "type": "cookies_functional_only",
                                  "scope": {"endpoints": names}})]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def hole() -> Iterator[BlackHole]:
    """A port whose SYNs go unanswered."""
    server = BlackHole()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def scan(hole: BlackHole, tmp_path_factory: pytest.TempPathFactory,
         canaries: dict[str, str]) -> Run:
    """The one scan of this module."""
    work = tmp_path_factory.mktemp("connect")
    inventory = _inventory(work / "inv.yml", hole.port, _refused_port())
    out = work / "out"
    return run_posture(["scan", "-i", str(inventory), "-o", str(out), "--format", "json",
                        "--save-facts", str(out / "facts.json")], workdir=work,
                       canaries=canaries, timeout=60)


def test_connect_timeout_comes_from_the_endpoint_then_the_defaults(tmp_path: Path) -> None:
    inventory = load_inventory(str(_inventory(tmp_path / "inv.yml", 1, 2)))
    assert {e.name: e.connect_s for e in inventory.endpoints} == {
        "hole": CONNECT, "holedefault": CONNECT, "refused": CONNECT}
    bare = tmp_path / "bare.yml"
    bare.write_text("version: 1\norganisation: x\nhosts: []\nendpoints:\n"
                    "  - {name: e, url: 'https://e.pst.test/', timeouts: {connect: 3}}\n"
                    "  - {name: f, url: 'https://f.pst.test/'}\nclaims: []\n")
    assert [e.connect_s for e in load_inventory(str(bare)).endpoints] == [3.0, 10.0]


def test_unreachable_endpoints_end_within_the_connect_timeout_in_error(
        scan: Run, canaries: dict[str, str], ledger: Ledger) -> None:
    assert scan.code == expected_exit(scan.report()), scan.stderr.decode()[-3000:]
    facts: dict[str, Any] = json.loads((scan.outdir / "facts.json").read_text())["endpoints"]
    durations = {name: facts[name]["duration_s"] for name in facts}
    assert set(durations) == {"hole", "holedefault", "refused"}
    assert all(d < BOUND for d in durations.values()), durations
    findings = scan.report()["findings"]
    for name in durations:
        mine = [f for f in findings
                if f["target"] == name and f["check"] != "tls.https_required"]
        assert mine and {f["status"] for f in mine} == {"error"}, (name, mine[:2])
        assert false_passes(mine, facts[name]["facts"]) == []
        assert not facts[name]["reachable"]
        probed = {k: v for k, v in facts[name]["facts"].items() if k != "endpoint.info"}
        assert probed and all(v["status"] in ("error", "timeout") for v in probed.values())
    assert leaks_of(scan, canaries) == []
    ledger.peak("slowest_unreachable_endpoint_s", max(durations.values()))
    ledger.note("endpoint_connect_timeout_s", CONNECT)
