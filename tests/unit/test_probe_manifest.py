"""The probe manifest names every probe of every family, with its kind, as the families do."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

from posture.collect.probes.registry import BY_KEY, MANIFEST, all_probes, before_ssh


def _families() -> tuple[str, ...]:
    """Every module of posture/collect/probes (and tls/) that defines PROBES: found, not listed,
    so a new family cannot be forgotten here as well as in the manifest."""
    root = Path(__file__).resolve().parents[2] / "posture" / "collect" / "probes"
    names = [p.stem for p in root.glob("*.py")] + [f"tls.{p.stem}" for p in root.glob("tls/*.py")]
    return tuple(n for n in sorted(names) if "PROBES =" in (root / f"{n.replace('.', '/')}.py")
                 .read_text() or "PROBES: " in (root / f"{n.replace('.', '/')}.py").read_text())


FAMILIES = _families()


def test_manifest_matches_the_families() -> None:
    found = {}
    for family in FAMILIES:
        module = importlib.import_module(f"posture.collect.probes.{family}")
        for probe in module.PROBES:
            found[probe.key] = (module.__name__, probe.kind, probe.after_ssh)
    assert {k: tuple(e) for k, e in MANIFEST.items()} == found
    assert {p.key for p in all_probes()} == set(MANIFEST)
    assert all(BY_KEY[k].key == k for k in MANIFEST)
    assert before_ssh({"net.reach", "admin.plaintext_reach", "os.release"}) == {
        "net.reach", "os.release"}


def test_a_family_is_imported_only_when_one_of_its_probes_runs() -> None:
    code = ("import sys\n"
            "from posture.collect.probes.registry import BY_KEY, before_ssh\n"
            "import posture.collect.collector\n"
            "assert before_ssh({'admin.plaintext_reach', 'net.reach'}) == {'net.reach'}\n"
            "assert 'net.reach' in BY_KEY\n"
            "heavy = [m for m in ('posture.collect.probes.tls.probe', 'requests', "
            "'posture.collect.probes.dbtls', 'posture.collect.probes.net') if m in sys.modules]\n"
            "assert heavy == [], heavy\n"
            "BY_KEY['net.reach']\n"
            "assert 'posture.collect.probes.net' in sys.modules\n"
            "assert 'posture.collect.probes.tls.probe' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
