"""Facts a check reads for evidence only (``CheckMeta.optional``): never gathered for that
check alone, read when another check of the scan needed them, and never deciding a verdict."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from facts_samples import HOSTS, SCAN_TIME, host_facts

import checks
from checks.base import Check
from posture.inventory import load_inventory
from posture.inventory.model import Claim, Scope
from posture.judge.evaluate import CUT_OPTIONAL, NOT_GATHERED, collection_plan, run_check
from posture.models import Fact, FactStatus, HostFacts
from posture.store.factsfile import load

ROOT = Path(__file__).resolve().parents[2]
OPTIONAL = [c for c in checks.CATALOGUE if c.meta.optional]
PARAMS: dict[str, dict[str, Any]] = {"password_rotation": {"max_age_days": 90}}


def _hosts() -> list[HostFacts]:
    """Every recorded host: the samples of the unit tests and the two demo scans."""
    made = [HostFacts(name, True, host_facts(name)) for name in HOSTS]
    for name in ("before", "after"):
        made.extend(load(ROOT / "tests" / "data" / f"demo-facts-{name}.json").hosts.values())
    return made


def _claim(check: Check, target: str) -> Claim:
    kind = check.meta.claim_types[0]
    return Claim("c", kind, "A promise.", Scope(hosts=(target,)), PARAMS.get(kind, {}))


def test_password_age_reads_the_ssh_contexts_for_evidence_only() -> None:
    """The case that made the list: without it, a scan of the password claim alone ran one
    ``sshd -T`` per connection context only to write one line of context."""
    age = checks.by_id("accounts.password_age")
    assert "sshd.contexts" in age.meta.optional and "sshd.contexts" not in age.meta.needs


@pytest.mark.parametrize("check", OPTIONAL, ids=lambda c: c.meta.id)
def test_a_verdict_never_depends_on_an_optional_fact(check: Check) -> None:
    """Judged with and without its optional facts, on every recorded host: the same status,
    severity and summary (only the evidence may differ)."""
    judged = 0
    for target in _hosts():
        if not set(check.meta.optional) & set(target.facts):
            continue
        claim = _claim(check, target.host)
        whole = run_check(check, target.host, target, claim, SCAN_TIME)
        cut = dataclasses.replace(target, facts={k: f for k, f in target.facts.items()
                                                 if k not in check.meta.optional})
        alone = run_check(check, target.host, cut, claim, SCAN_TIME)
        assert (alone.status, alone.severity, alone.summary) == \
            (whole.status, whole.severity, whole.summary), target.host
        capped = dataclasses.replace(target, facts={  # cut at a cap: no guard, no error
            k: dataclasses.replace(f, truncated=True) if k in check.meta.optional else f
            for k, f in target.facts.items()})
        partial = run_check(check, target.host, capped, claim, SCAN_TIME)
        assert (partial.status, partial.severity, partial.summary) == \
            (whole.status, whole.severity, whole.summary), target.host
        judged += 1
    assert judged >= 3  # recorded hosts that hold the optional facts were found


def test_an_optional_fact_left_out_is_an_error_fact_and_no_source() -> None:
    check = checks.by_id("accounts.password_age")
    target = load(ROOT / "tests" / "data" / "demo-facts-after.json").hosts["lab"]
    claim = _claim(check, "lab")
    whole = run_check(check, "lab", target, claim, SCAN_TIME)
    assert str(whole.evidence["ssh_password_logins"]).startswith("no: ")
    assert "sshd.contexts" in [s.key for s in whole.sources]
    cut = dataclasses.replace(target, facts={k: f for k, f in target.facts.items()
                                             if k != "sshd.contexts"})
    alone = run_check(check, "lab", cut, claim, SCAN_TIME)
    text = str(alone.evidence["ssh_password_logins"])
    assert text.startswith("unknown: ") and NOT_GATHERED in text
    assert "sshd.contexts" not in [s.key for s in alone.sources]
    # Gathered but failed: that fact's own reason, and it is a source.
    broken = dataclasses.replace(target, facts={
        **target.facts, "sshd.contexts": Fact("sshd.contexts", FactStatus.TIMEOUT,
                                              reason="command exceeded 60 s")})
    failed = run_check(check, "lab", broken, claim, SCAN_TIME)
    assert "exceeded 60 s" in str(failed.evidence["ssh_password_logins"])
    assert "sshd.contexts" in [s.key for s in failed.sources]


def test_optional_facts_are_gathered_only_for_a_check_that_needs_them() -> None:
    inventory = load_inventory(ROOT / "inventory" / "demo.yml")
    by_type = {c.type: c for c in inventory.claims}
    password = by_type["password_rotation"]
    alone = collection_plan(inventory, [password])["host"]
    assert alone and all("sshd.contexts" not in keys for keys in alone.values())
    assert all("accounts.shadow" in keys for keys in alone.values())
    admin = by_type["encrypted_admin_channels"]
    both = collection_plan(inventory, [password, admin])["host"]
    assert any("sshd.contexts" in keys for keys in both.values())


def test_an_optional_fact_cut_at_a_cap_gives_no_evidence_and_no_error() -> None:
    """The verdict never reads it, so the engine's guard of cut facts does not apply: the
    evidence says unknown instead of judging a part, and the verdict stays what it is."""
    check = checks.by_id("accounts.password_age")
    target = load(ROOT / "tests" / "data" / "demo-facts-after.json").hosts["lab"]
    claim = _claim(check, "lab")
    whole = run_check(check, "lab", target, claim, SCAN_TIME)
    cut = dataclasses.replace(target, facts={
        **target.facts, "sshd.contexts": dataclasses.replace(target.facts["sshd.contexts"],
                                                             truncated=True)})
    partial = run_check(check, "lab", cut, claim, SCAN_TIME)
    assert (partial.status, partial.summary) == (whole.status, whole.summary)
    text = str(partial.evidence["ssh_password_logins"])
    assert text.startswith("unknown: ") and CUT_OPTIONAL in text
    assert "truncated_facts" not in partial.evidence
