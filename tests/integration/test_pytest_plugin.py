"""The pytest plugin, run by pytester against the local machine (connection: local)."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.integration

INVENTORY = """\
version: 1
hosts:
  - {name: me, address: localhost, connection: local, ssh: {sudo: true}}
claims:
  - {id: os, says: Debian., type: os_version, expect: {distribution: debian, version: "12"},
     scope: {hosts: [me]}}
  - {id: no-such-os, says: Windows., type: os_version,
     expect: {distribution: windows, version: "11"}, scope: {hosts: [me]}}
"""

TESTS = """\
def test_os_verified(posture_scan):
    run = posture_scan(INV)
    assert run.claim("os").verdict == "verified", run.explain("os")

def test_cached_per_session(posture_scan):
    assert posture_scan(INV) is posture_scan(INV)

def test_contradiction_fails_with_the_evidence(posture_scan):
    run = posture_scan(INV, only=["no-such-os"])
    assert run.claim("no-such-os").verdict == "verified", run.explain("no-such-os")

def test_option_fixture(posture_result):
    assert posture_result.claim("os").findings
"""


def _plugin_args() -> list[str]:
    installed = any(ep.value == "posture.cli.pytest_plugin"
                    for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "posture.cli.pytest_plugin"]


def test_plugin_asserts_claims(pytester: pytest.Pytester) -> None:
    if not Path("/etc/debian_version").exists():
        pytest.skip("the inventory claims Debian")
    inventory = pytester.path / "posture.yml"
    inventory.write_text(INVENTORY)
    pytester.makepyfile(test_claims=f"INV = {str(inventory)!r}\n" + TESTS)
    result = pytester.runpytest_inprocess(*_plugin_args(), "-p", "no:cacheprovider",
                                          f"--posture-inventory={inventory}")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*no-such-os: contradicted*", "*os.version_matches@me: fail*"])
    skipped = pytester.runpytest_inprocess(*_plugin_args(), "-p", "no:cacheprovider",
                                           "-k", "option_fixture")
    skipped.assert_outcomes(skipped=1)
