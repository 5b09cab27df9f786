"""Whole scans against hostile TLS/HTTP endpoints: certificates, headers, redirects, stalls.

One real ``posture scan`` (a child process) probes, through ``connect_to`` on 127.0.0.1, a
TLS server whose certificate subject and SANs carry the payloads, whose HTTP answers carry
hostile headers, cookies, pages and redirects (to the metadata address, to a loopback port
that records every connection, to ``javascript:`` and ``file:``, an endless chain), and
ports that stall, drip, close at once or drop SYNs. Every output must hold the payloads
only as text, no redirect may be followed, every stall must end in ``error`` within the
endpoint's deadline, and a good endpoint in the same scan must finish quickly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.exitcodes import expected_exit
from tests.hostile.conftest import Ledger, Run, false_passes, leaks_of, run_posture
from tests.hostile.netjunk import BlackHole, JunkPort
from tests.hostile.payloads import PAYLOADS, output_problems, payloads_in
from tests.hostile.tlsjunk import Answer, ClosePort, HttpServer, ascii_payloads, hostile_cert

OUTPUTS = {"report.html": "html", "report.json": "json", "report.sarif": "json",
           "report.junit.xml": "xml", "facts.json": "json"}
HOST = "evil.pst.test"
DEADLINE = 6.0  # the endpoints' own deadline (timeouts.host)
META = "http://169.254.169.254/latest/meta-data/"
STALLS = ("stall", "drip", "closer", "blackhole")
LOOPS = 60
PAGES = 8
CRAWLED = ("evil", "toloop", "chain")
# Checks that judge the inventory's own words (the URL's scheme), not what the target said.
INVENTORY_ONLY = frozenset({"tls.https_required"})


def _p(index: int) -> bytes:
    return PAYLOADS[index % len(PAYLOADS)][0].encode()


def _page(canary_port: int) -> bytes:
    """A page whose embedded resources and links point where the auditor must never go."""
    return b"".join([
        b"<html><head><title>", _p(0), b"</title>",
        f'<script src="{META}x.js"></script>'.encode(),
        f'<iframe src="http://127.0.0.1:{canary_port}/frame"></iframe>'.encode(),
        b'<script src="javascript:alert(1)"></script><iframe src="file:///etc/passwd">',
        b'<script src="//cdn.', _p(2).replace(b" ", b""), b'.example/a.js"></script>',
        b'<img src="http://x.example/', _p(1), b'">',
        b'<script>var s="https://tracker.example/"; // ', _p(3), b"</script>",
        f'<a href="http://127.0.0.1:{canary_port}/">x</a><a href="/loop/0">loop</a>'.encode(),
        b"<a href='javascript:alert(1)'>j</a><a href='file:///etc/passwd'>f</a>",
        b"</head><body>", _p(4), b"</body></html>",
    ])


def _routes(canary_port: int) -> dict[str, Answer]:
    cookies = tuple(b"Set-Cookie: " + _p(i).replace(b";", b"").replace(b"\r\n", b"") +
                    b"=v; Path=/; SameSite=" + _p(i + 7) for i in range(6))
    root = Answer(200, (b"Server: Apache/2.4.1 " + _p(0) + b"\x1b[31m" + _p(7),
                        b"X-Powered-By: " + _p(2), b"Strict-Transport-Security: max-age=" +
                        _p(12), b"Content-Type: text/html", *cookies), _page(canary_port))
    loops = {f"/loop/{i}": Answer(302, (f"Location: /loop/{i + 1}".encode(),))
             for i in range(LOOPS)}
    return {"/": root, **loops,
            "/meta": Answer(302, (f"Location: {META}".encode(),)),
            "/loopback": Answer(302, (f"Location: http://127.0.0.1:{canary_port}/a".encode(),)),
            "/js": Answer(302, (b"Location: javascript:alert(1)",)),
            "/file": Answer(301, (b"Location: file:///etc/passwd",)),
            "/bigheader": Answer(200, (b"X-Big: " + b"A" * (1 << 20), b"Server: " + _p(5)))}


@dataclass
class Lab:
    """The servers of the scan; ``endpoints`` maps name -> inventory entry."""

    tls: HttpServer
    good: HttpServer
    canary: HttpServer
    plains: dict[str, HttpServer]
    junk: dict[str, Any]
    endpoints: dict[str, dict[str, Any]]


_PATHS = {"evil": "/", "toloop": "/loopback", "tometa": "/meta", "tojs": "/js",
          "tofile": "/file", "chain": "/loop/0", "bighdr": "/bigheader"}


def _plain(location: bytes) -> HttpServer:
    # Plain HTTP is asked for the endpoint's own path: every path answers the same redirect.
    answer = Answer(301, (b"Location: " + location, b"Server: " + _p(9)))
    return HttpServer({path: answer for path in ("/", *_PATHS.values())})


def _endpoints(lab_tls: HttpServer, good: HttpServer, plains: dict[str, HttpServer],
               junk: dict[str, Any]) -> dict[str, dict[str, Any]]:
    via = f"127.0.0.1:{lab_tls.port}"
    eps = {name: {"url": f"https://{HOST}{path}", "connect_to": via,
                  "http_port": plains[name].port} for name, path in _PATHS.items()}
    for name, port in ((n, s.port) for n, s in junk.items()):
        eps[name] = {"url": f"https://{name}.pst.test/", "connect_to": f"127.0.0.1:{port}",
                     "http_port": port}
    eps["good"] = {"url": "https://good.pst.test/", "connect_to": f"127.0.0.1:{good.port}",
                   "http_port": plains["good"].port}
    return eps


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """Every server of the scan, started once for the module."""
    base = tmp_path_factory.mktemp("tlsjunk")
    canary = HttpServer({})
    sans = (*ascii_payloads(), HOST, "x" * 3000 + ".example")
    cert = hostile_cert(base / "evil", sans, _p(0).decode() + _p(2).decode(),
                        _p(8).decode() + _p(7).decode() + _p(10).decode())
    tls = HttpServer(_routes(canary.port), cert)
    good = HttpServer({"/": Answer(200, (b"Strict-Transport-Security: max-age=63072000",),
                                   b"<html>ok</html>")},
                      hostile_cert(base / "good", ("good.pst.test",), "good.pst.test", "Good"))
    locations = {"evil": META.encode(), "toloop": f"http://127.0.0.1:{canary.port}/".encode(),
                 "tometa": META.encode(), "tojs": b"javascript:alert(1)",
                 "tofile": b"file:///etc/passwd", "chain": b"/",
                 "bighdr": b"https://" + _p(0) + b"/", "good": b"https://good.pst.test/"}
    plains = {name: _plain(loc) for name, loc in locations.items()}
    junk: dict[str, Any] = {"stall": JunkPort("silent"),
                            "drip": JunkPort("drip", b"\x16\x03\x03\x40\x00\x02", interval=1.0),
                            "closer": ClosePort(), "blackhole": BlackHole()}
    servers = [canary, tls, good, *plains.values(), *junk.values()]
    try:
        yield Lab(tls, good, canary, plains, junk, _endpoints(tls, good, plains, junk))
    finally:
        for server in servers:
            server.stop()


def _inventory(path: Path, lab: Lab) -> Path:
    names = list(lab.endpoints)
    crawled = list(CRAWLED)
    lines = ["version: 1", f"organisation: {json.dumps(_p(6).decode())}", "hosts: []",
             "endpoints:"]
    for name, entry in lab.endpoints.items():
        lines.append("  - " + json.dumps({"name": name, **entry, "kind": "web",
                                          "timeouts": {"host": DEADLINE}}))
    lines += ["claims:", "  - " + json.dumps(
        {"id": "tls", "says": "Everything is encrypted.", "type": "tls_all_links",
         "scope": {"endpoints": names}}),
        "  - " + json.dumps({"id": "cookies", "says": "Functional cookies only.",
                             "type": "cookies_functional_only", "expect": {"max_pages": PAGES},
                             "scope": {"endpoints": crawled}}),
        "  - " + json.dumps({"id": "parties", "says": "No third parties.",
                             "type": "third_parties_declared",
                             "expect": {"declared": [], "max_pages": PAGES},
                             "scope": {"endpoints": crawled}})]
    path.write_text("\n".join(lines) + "\n")
    return path


def _check_outputs(run: Run, ledger: Ledger) -> dict[str, set[int]]:
    reached: dict[str, set[int]] = {}
    files = {name: (run.outdir / name).read_bytes() for name in OUTPUTS}
    for name, raw in {"stdout": run.stdout, "stderr": run.stderr, **files}.items():
        problems = output_problems(OUTPUTS.get(name, "text"), raw)
        assert problems == [], f"{name}: {problems[:5]}"
        reached[name] = payloads_in(raw.decode())
        ledger.add("payload_output_pairs", len(reached[name]))
        ledger.add("outputs_checked")
    return reached


@pytest.fixture(scope="module")
def scan(lab: Lab, tmp_path_factory: pytest.TempPathFactory, canaries: dict[str, str]
         ) -> Run:
    """The one scan every test of this module judges."""
    work = tmp_path_factory.mktemp("tlsscan")
    inventory = _inventory(work / "inv.yml", lab)
    out = work / "out"
    return run_posture(["scan", "-i", str(inventory), "-o", str(out), "--format",
                        "html,json,sarif,junit", "--save-facts", str(out / "facts.json"),
                        "--concurrency", "16"], workdir=work, canaries=canaries, timeout=60)


def _facts(run: Run) -> dict[str, Any]:
    return json.loads((run.outdir / "facts.json").read_text())["endpoints"]  # type: ignore[no-any-return]


def test_hostile_certificates_headers_and_pages_are_text_everywhere(
        scan: Run, canaries: dict[str, str], ledger: Ledger) -> None:
    assert scan.code == expected_exit(scan.report()), scan.stderr.decode()[-3000:]
    reached = _check_outputs(scan, ledger)
    assert leaks_of(scan, canaries) == []
    evil = _facts(scan)["evil"]["facts"]
    leaf = evil["tls.certificate"]["value"]["chain"][0]
    assert "hx00" in leaf["subject"] and "hx08" in leaf["subject"]
    assert len(leaf["subject"]) <= 300 and len(leaf["san_dns"]) == len(ascii_payloads()) + 2
    assert all(len(n) <= 255 for n in leaf["san_dns"])
    https = evil["http.https"]["value"]
    assert "hx00" in https["server"] and len(https["cookies"]) == 6
    assert _facts(scan)["bighdr"]["facts"]["http.https"]["status"] == "error"  # 1 MB header
    # The payloads reached the reports as text: the scan exercised the outputs.
    assert len(reached["report.html"]) >= 5 and len(reached["report.json"]) >= 5
    ledger.note("tls_endpoints", len(_facts(scan)))


def test_redirects_are_recorded_and_never_followed(scan: Run, lab: Lab,
                                                   ledger: Ledger) -> None:
    facts = _facts(scan)
    assert lab.canary.connections == 0 and lab.canary.requests == []
    asked = {path for path, _ in lab.tls.requests}
    allowed = {"/", "/meta", "/loopback", "/js", "/file", "/bigheader",
               *(f"/loop/{i}" for i in range(LOOPS))}
    assert asked <= allowed, asked - allowed
    assert {host for _, host in lab.tls.requests} == {HOST}
    for name in CRAWLED:  # the endless chain is cut at the crawl's page budget
        assert facts[name]["facts"]["web.crawl"]["value"]["page_count"] <= PAGES, name
    assert len([p for p in asked if p.startswith("/loop/")]) <= PAGES * len(CRAWLED)
    for name, server in lab.plains.items():
        assert [p for p, _ in server.requests] in ([], [_PATHS.get(name, "/")]), name
    plain = {n: facts[n]["facts"]["http.plain"]["value"] for n in lab.plains}
    assert plain["tometa"]["location"] == META and plain["tojs"]["status"] == 301
    assert plain["tofile"]["location"] == "file:///etc/passwd"
    https = {n: facts[n]["facts"]["http.https"]["value"] for n in ("tometa", "toloop", "tojs")}
    assert https["tometa"]["location"] == META
    assert str(lab.canary.port) in https["toloop"]["location"]
    crawl = facts["toloop"]["facts"]["web.crawl"]["value"]
    assert crawl["offsite_redirects"] == ["127.0.0.1"]
    evidence = (scan.outdir / "report.json").read_text()
    assert META in evidence and "file:///etc/passwd" in evidence
    ledger.note("redirects_not_followed", 9)  # 4 https + 4 plain + 1 crawl (and the chain)


def test_stalls_end_in_error_within_the_deadline_and_the_good_endpoint_is_quick(
        scan: Run, lab: Lab, ledger: Ledger) -> None:
    report = scan.report()
    facts = _facts(scan)
    durations = {name: facts[name]["duration_s"] for name in lab.endpoints}
    assert durations["good"] < DEADLINE / 2, durations
    assert all(d <= DEADLINE + 3 for d in durations.values()), durations
    for name in STALLS:
        mine = [f for f in report["findings"]
                if f["target"] == name and f["check"] not in INVENTORY_ONLY]
        assert mine and {f["status"] for f in mine} == {"error"}, (name, mine[:2])
        assert false_passes(mine, facts[name]["facts"]) == []
        assert not facts[name]["reachable"]
        ledger.add("endpoint_faults")
    good = [f for f in report["findings"] if f["target"] == "good"]
    assert good and "error" not in {f["status"] for f in good}, good
    assert scan.duration < DEADLINE + 15
    assert scan.max_rss_kib < 300 * 1024, scan.max_rss_kib
    ledger.peak("slowest_endpoint_s", max(durations.values()))
    ledger.note("endpoint_deadline_s", DEADLINE)
    ledger.peak("peak_rss_mib", round(scan.max_rss_kib / 1024, 1))
