"""A scan loads only what it uses, loads the renderers while it waits, and exits at once.

Each test runs a fresh interpreter (what is imported is a property of a process) on the
recorded demo facts, so nothing here needs a network.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

from posture.collect.interrupt import run_interruptible
from posture.collect.transport.stopflag import Interrupt

ROOT = Path(__file__).parents[2]
FACTS = ROOT / "tests" / "data" / "demo-facts-after.json"
INVENTORY = ROOT / "inventory" / "demo.yml"
REPORT_ONLY = ("jinja2", "markupsafe", "xml.etree.ElementTree", "posture.render.html",
               "posture.render.junit", "posture.render.sarif", "posture.store.history")
NEVER_FOR_ONE_CLAIM = ("rich", "sqlite3", "babel", "requests", "urllib3", "pg8000", "pymysql",
                       "posture.collect.probes.tls.probe", "posture.collect.probes.db",
                       "posture.statement", "posture.inventory.ansible", "crossplane")


def _modules(code: str) -> set[str]:
    """The modules loaded after ``code`` runs in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout.splitlines()[-1]))


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if n in modules or any(m.startswith(n + ".")
                                                           for m in modules))


def test_a_scan_starts_without_the_renderers_or_what_it_does_not_need() -> None:
    # Everything a scan imports before it connects: the command line, the collector, the plan.
    modules = _modules(
        "from posture.cli import without_invoke\n"
        "block = without_invoke()  # kept: the block lasts while the command runs\n"
        "block.__enter__()\n"
        "import paramiko  # what a scan of a host loads before it connects\n"
        "from posture.cli.app import build_parser\n"
        "args = build_parser().parse_args(['scan', '-i', 'x.yml', '--only', 'os', '-q',\n"
        "                                  '--format', 'html,json,sarif,junit'])\n"
        "import posture.cli.commands, posture.collect.collector, posture.collect.interrupt\n"
        "import posture.judge.evaluate, posture.cli.progress\n"
        "posture.cli.progress.ProgressReporter(live=False).__enter__()\n")
    assert "paramiko" in modules and "posture.collect.collector" in modules  # not vacuous
    # The block holds invoke's place (as None) while it lasts; what invoke would load is absent.
    assert _loaded(modules, REPORT_ONLY + NEVER_FOR_ONE_CLAIM + ("unittest.mock",)) == []


def _evaluate(*extra: str) -> str:
    return ("from posture.cli import main\n"
            f"code = main(['evaluate', '--facts', {str(FACTS)!r}, '-i', {str(INVENTORY)!r},\n"
            f"             '--only', 'os-version', '-q', {', '.join(map(repr, extra))}])\n"
            "assert code in (0, 1, 2), code\n")


def test_an_english_report_without_history_loads_neither_babel_nor_sqlite_nor_rich(
        tmp_path: Path) -> None:
    modules = _modules(_evaluate("-o", str(tmp_path / "en"), "--no-history",
                                 "--format", "html,json,sarif,junit"))
    assert _loaded(modules, ("jinja2", "posture.render.junit")) == ["jinja2",
                                                                    "posture.render.junit"]
    assert _loaded(modules, ("babel", "sqlite3", "rich")) == []
    assert (tmp_path / "en" / "report.html").read_text(encoding="utf-8").count("<html") == 1


def test_what_is_left_out_still_loads_when_it_is_asked_for(tmp_path: Path) -> None:
    # Dutch needs the catalog (Babel), a history SQLite, a console summary rich.
    code = _evaluate("-o", str(tmp_path / "nl"), "--lang", "nl", "--format", "html",
                     "--history", str(tmp_path / "h.sqlite")).replace("'-q', ", "")
    modules = _modules(code)
    assert _loaded(modules, ("babel", "sqlite3", "rich")) == ["babel", "rich", "sqlite3"]
    assert "Score" in (tmp_path / "nl" / "report.html").read_text(encoding="utf-8")


def test_prepared_renderers_need_no_further_import_to_render() -> None:
    code = (
        "import sys\n"
        "from posture.inventory import load_inventory\n"
        "from posture.judge.evaluate import evaluate\n"
        "from posture.render import Format, render\n"
        "from posture.render.prepare import prepare\n"
        "from posture.store.factsfile import load\n"
        f"result = evaluate(load_inventory({str(INVENTORY)!r}), load({str(FACTS)!r}))\n"
        "formats = [Format.HTML, Format.JSON, Format.SARIF, Format.JUNIT]\n"
        "prepare(formats, ['en'])\n"
        "before = set(sys.modules)\n"
        "for fmt in formats:\n"
        "    assert render(result, fmt, lang='en')\n"
        "new = sorted(set(sys.modules) - before)\n"
        "assert new == [], new\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]


def test_meanwhile_runs_while_the_work_waits() -> None:
    prepared = threading.Event()

    def work() -> str:
        # Ends only if ``meanwhile`` ran during it (after it, the wait would time out).
        return "overlapped" if prepared.wait(10) else "after"

    finished, value = run_interruptible(work, Interrupt(), meanwhile=prepared.set)
    assert (finished, value) == (True, "overlapped")


def test_the_program_exits_with_main_s_code_and_its_output_flushed(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "posture", "evaluate", "--facts", str(FACTS), "-i",
            str(INVENTORY), "--only", "os-version", "-o", str(tmp_path / "r"), "--no-history",
            "--format", "json"]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=ROOT)
    in_process = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom posture.cli import main\n"
         f"sys.exit(main({argv[3:]!r}))"], capture_output=True, text=True, check=False,
        cwd=ROOT)
    assert done.returncode == in_process.returncode
    assert done.returncode in (0, 1, 2)
    assert done.stdout == in_process.stdout and "wrote" in done.stdout
    bad = subprocess.run([*argv[:3], "evaluate", "--facts", str(tmp_path / "none.json"), "-i",
                          str(INVENTORY), "-o", str(tmp_path / "r2")], capture_output=True,
                         text=True, check=False, cwd=ROOT)
    assert bad.returncode == 3 and "none.json" in bad.stderr


def test_a_scan_of_endpoints_only_never_loads_an_ssh_library(tmp_path: Path) -> None:
    # A closed loopback port: the TLS probes run (and fail), nothing connects over SSH.
    inventory = tmp_path / "endpoints.yml"
    inventory.write_text(
        "version: 1\norganisation: t\n"
        "endpoints:\n  - name: shop\n    url: https://shop.posture.test/\n"
        "    connect_to: 127.0.0.1:9\n"
        "claims:\n  - id: tls\n    says: every link uses TLS\n    type: tls_all_links\n"
        "    scope: {endpoints: [shop]}\n", encoding="utf-8")
    code = ("from posture.cli import main\n"
            f"code = main(['scan', '-i', {str(inventory)!r}, '-o', {str(tmp_path / 'r')!r},\n"
            "             '-q', '--no-history', '--format', 'json'])\n"
            "assert code in (1, 2), code\n")
    modules = _modules(code)
    assert "posture.collect.probes.tls.probe" in modules  # not vacuous: the probes ran
    assert _loaded(modules, ("paramiko", "invoke", "posture.collect.transport.ssh")) == []
    report = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    status = {f["check"]: f["status"] for f in report["findings"]}
    assert status["tls.protocols"] == status["tls.certificate"] == "error"  # nothing answered


def test_a_scan_of_a_host_loads_paramiko_without_invoke(tmp_path: Path) -> None:
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                   check=True, capture_output=True)
    (tmp_path / "known_hosts").write_text("", encoding="utf-8")
    inventory = tmp_path / "host.yml"
    inventory.write_text(
        "version: 1\norganisation: t\n"
        "hosts:\n  - name: web\n    address: 127.0.0.1\n"
        f"    ssh: {{port: 9, user: audit, key_file: {key}, known_hosts: {tmp_path}/known_hosts}}\n"
        "claims:\n  - id: os\n    says: Debian 12\n    type: os_version\n"
        "    expect: {distribution: debian, version: '12'}\n    scope: {hosts: [web]}\n",
        encoding="utf-8")
    code = ("from posture.cli import main\n"
            f"code = main(['scan', '-i', {str(inventory)!r}, '-o', {str(tmp_path / 'r')!r},\n"
            "             '-q', '--no-history', '--format', 'json'])\n"
            "assert code == 2, code\n")  # unreachable: an error, never a pass
    modules = _modules(code)
    assert "paramiko" in modules and "posture.collect.transport.ssh" in modules
    assert _loaded(modules, ("invoke", "unittest.mock")) == []


def test_the_transport_loads_before_collection_only_for_a_visit_over_ssh() -> None:
    setup = ("from posture.collect.collector import load_transport\n"
             "from posture.inventory.model import Database, Host, Inventory, SshSettings, "
             "Timeouts\n"
             "ssh = Host('web', '127.0.0.1', SshSettings(), Timeouts())\n"
             "here = Host('me', '127.0.0.1', SshSettings(), Timeouts(), connection='local')\n"
             "db = Database('shop', 'web', 'mysql', 'shop', 'ro')\n"
             "inventory = Inventory(path='i.yml', sha256='0', organisation='t',\n"
             "                      hosts=(ssh, here), claims=(), databases=(db,))\n")
    for plan, loaded in (("{'host': {'me': {'os.release'}, 'web': set()}}", False),
                         ("{'endpoint': {'shop': {'tls.protocols'}}}", False),
                         ("{'host': {'web': {'os.release'}}}", True),
                         ("{'database': {'shop': {'db.tls'}}}", True)):  # through its host
        modules = _modules(setup + f"load_transport(inventory, {plan})\n")
        assert ("paramiko" in modules) is loaded, plan
