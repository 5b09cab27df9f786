"""A pytest plugin: assert posture claims from a team's own (testinfra) test suite.

Registered under the ``pytest11`` entry point ``posture``; without the installed entry point,
load it with ``-p posture.cli.pytest_plugin``. It adds:

* the fixture ``posture_scan``: a callable ``posture_scan(inventory, only=(), ...)`` that
  scans once per inventory and claim selection per test session and returns a
  :class:`PostureRun`;
* the option ``--posture-inventory FILE`` and the fixture ``posture_result``: that
  inventory's run (the test is skipped when the option is not given).

Example::

    def test_promises(posture_scan):
        run = posture_scan("inventory/shop.yml")
        assert run.claim("os-version").verdict == "verified", run.explain("os-version")
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from posture.models import ClaimResult, FactsSnapshot, Finding, ScanResult

ScanFunction = Callable[..., "PostureRun"]


@dataclass(frozen=True)
class PostureRun:
    """The outcome of one scan: the judged result and the facts it was judged on."""

    result: ScanResult
    snapshot: FactsSnapshot

    def claim(self, claim_id: str) -> ClaimResult:
        """The judged claim ``claim_id`` (its ``verdict`` compares equal to a string)."""
        for claim in self.result.claims:
            if claim.id == claim_id:
                return claim
        known = ", ".join(c.id for c in self.result.claims)
        raise KeyError(f"no claim {claim_id!r} in this run (claims: {known})")

    def findings(self, claim_id: str) -> list[Finding]:
        """The findings behind one claim."""
        wanted = set(self.claim(claim_id).findings)
        return [f for f in self.result.findings if f.id in wanted]

    def explain(self, claim_id: str) -> str:
        """A short text for assertion messages: each finding's status and summary."""
        claim = self.claim(claim_id)
        lines = [f"{claim.id}: {claim.verdict.value} {claim.reason}".rstrip()]
        lines += [f"  {f.id}: {f.status.value}: {f.summary}" for f in self.findings(claim_id)]
        return "\n".join(lines)

    @property
    def exit_code(self) -> int:
        """The exit code ``posture scan`` would return."""
        from posture.judge.evaluate import exit_code

        return exit_code(self.result)


def run_scan(inventory: str | os.PathLike[str], *, only: Sequence[str] = (),
             trust_on_first_use: bool = False, concurrency: int = 8) -> PostureRun:
    """Load, collect and judge, as ``posture scan`` does (no report files written)."""
    from posture.collect.collector import CollectOptions, collect, now_iso
    from posture.inventory import load_inventory
    from posture.judge.evaluate import collection_plan, evaluate, selected_claims

    loaded = load_inventory(Path(inventory))
    plan = collection_plan(loaded, selected_claims(loaded, only))
    snapshot = collect(loaded, plan, CollectOptions(trust_on_first_use=trust_on_first_use,
                                                    concurrency=concurrency))
    result = evaluate(loaded, snapshot, only=only, finished_at=now_iso())
    return PostureRun(result, snapshot)


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--posture-inventory FILE``."""
    group = parser.getgroup("posture")
    group.addoption("--posture-inventory", default=None, metavar="FILE",
                    help="posture inventory scanned once for the posture_result fixture")


@pytest.fixture(scope="session")
def posture_scan() -> ScanFunction:
    """Scan an inventory (cached per session by path and claim selection)."""
    cache: dict[tuple[str, tuple[str, ...], bool], PostureRun] = {}

    def scan(inventory: str | os.PathLike[str], only: Sequence[str] = (),
             trust_on_first_use: bool = False, concurrency: int = 8) -> PostureRun:
        key = (str(Path(inventory).resolve()), tuple(only), trust_on_first_use)
        if key not in cache:
            cache[key] = run_scan(inventory, only=only, trust_on_first_use=trust_on_first_use,
                                  concurrency=concurrency)
        return cache[key]

    return scan


@pytest.fixture(scope="session")
def posture_result(request: pytest.FixtureRequest, posture_scan: ScanFunction) -> PostureRun:
    """The run of ``--posture-inventory``; skips the test when the option is not given."""
    path = request.config.getoption("--posture-inventory")
    if not path:
        pytest.skip("no --posture-inventory given")
    return posture_scan(path)
