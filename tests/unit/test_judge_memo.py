"""The judge's outcome memo: an outcome is shared only between inputs no check can tell
apart, never one that read the target's name or raised, within its bounds; and a fleet
judged with it gives the very findings and reports it gives without."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from checks.base import Check, CheckContext, CheckMeta, Outcome
from posture.inventory import load_inventory
from posture.inventory.model import Claim, Scope
from posture.jsontext import content_key
from posture.judge import evaluate as engine
from posture.judge import memo as memo_module
from posture.judge.memo import OutcomeMemo, fact_key
from posture.models import (
    Fact,
    FactSource,
    FactsSnapshot,
    FactStatus,
    Finding,
    HostFacts,
    Msg,
    Severity,
    Status,
    msg,
)
from posture.render import render
from posture.store.factsfile import load

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ROOT = Path(__file__).parents[2]
CLAIM = Claim(id="c", type="os_version", says="s", scope=Scope(hosts=("a", "b")),
              expect={"version": "12"})
PARAMS = MappingProxyType(dict(CLAIM.expect))


def _check(calls: list[str], *, read_target: bool = False, raises: bool = False,
           ident: str = "test.memo") -> Check:
    meta = CheckMeta(id=ident, title="t", claim_types=("os_version",), severity=Severity.LOW, rationale="r", remediation="r",
                     references=("x",), needs=("os.release",))

    def judge(ctx: CheckContext) -> Outcome:
        value = ctx.fact("os.release").value
        calls.append(repr(value))
        if raises:
            raise RuntimeError("broken")
        name = ctx.target if read_target else "-"
        return Outcome(Status.PASS, msg("saw {value} on {name}", value=repr(value), name=name),
                       {"value": repr(value)})

    return Check(meta, judge)


def _host(name: str, value: Any, **fields: Any) -> HostFacts:
    fact = Fact("os.release", fields.pop("status", FactStatus.OK), value, **fields)
    return HostFacts(name, True, {"os.release": fact})


def _run(check: Check, hosts: list[HostFacts], memo: OutcomeMemo) -> list[str]:
    key = content_key(dict(CLAIM.expect))
    assert key is not None
    return [engine.run_check(check, h.host, h, CLAIM, NOW, PARAMS, (memo, key, {})).summary
            for h in hosts]


def test_equal_facts_are_judged_once_and_give_the_same_outcome() -> None:
    calls: list[str] = []
    memo = OutcomeMemo()
    summaries = _run(_check(calls), [_host(n, {"id": "debian"}) for n in "abc"], memo)
    assert calls == ["{'id': 'debian'}"]
    assert summaries == ["saw {'id': 'debian'} on -"] * 3


@pytest.mark.parametrize(("first", "second"), [
    (1, 1.0), (1, True), (0, False), ([1], (1,)), (None, float("nan")), ({"a": 1, "b": 2},
                                                                      {"b": 2, "a": 1}),
    ("x", "x "), (float("-0.0"), 0.0), (2 ** 70, 2 ** 70 + 1),
])
def test_values_that_differ_in_type_or_order_are_judged_each(first: Any, second: Any) -> None:
    calls: list[str] = []
    _run(_check(calls), [_host("a", first), _host("b", second)], OutcomeMemo())
    assert len(calls) == 2


@pytest.mark.parametrize("field", [
    {"reason": "r2"}, {"command": "cat /etc/os-release"}, {"exit_status": 1},
    {"privileged": True}, {"truncated": True}, {"status": FactStatus.MISSING},
])
def test_every_field_of_a_fact_is_part_of_the_input(field: dict[str, Any]) -> None:
    calls: list[str] = []
    _run(_check(calls), [_host("a", "v"), _host("b", "v", **field)], OutcomeMemo())
    assert len(calls) == 2


def test_a_subclass_value_or_message_reason_is_never_keyed() -> None:
    assert fact_key(Fact("k", FactStatus.OK, Msg("x"))) is None
    assert fact_key(Fact("k", FactStatus.OK, "x", reason=msg("r"))) is None
    assert fact_key(Fact("k", "ok", "x")) is None  # type: ignore[arg-type]
    assert fact_key(Fact("k", FactStatus.OK, "x")) is not None
    assert content_key(object()) is None
    calls: list[str] = []
    _run(_check(calls), [_host(n, Msg("debian")) for n in "ab"], OutcomeMemo())
    assert len(calls) == 2


def test_other_parameters_are_another_input() -> None:
    calls: list[str] = []
    check, memo = _check(calls), OutcomeMemo()
    host = _host("a", "v")
    for expect in ({"version": "12"}, {"version": "13"}, {"version": "12"}):
        key = content_key(expect)
        assert key is not None
        engine.run_check(check, "a", host, CLAIM, NOW, MappingProxyType(expect), (memo, key, {}))
    assert len(calls) == 2


def test_a_check_that_reads_the_target_name_is_judged_on_each_target() -> None:
    calls: list[str] = []
    summaries = _run(_check(calls, read_target=True), [_host(n, "v") for n in "ab"],
                     OutcomeMemo())
    assert summaries == ["saw 'v' on a", "saw 'v' on b"] and len(calls) == 2


def test_a_check_that_raised_is_not_kept() -> None:
    calls: list[str] = []
    memo = OutcomeMemo()
    hosts = [_host(n, "v") for n in "ab"]
    check = _check(calls, raises=True)
    key = content_key(dict(CLAIM.expect))
    assert key is not None
    found = [engine.run_check(check, h.host, h, CLAIM, NOW, PARAMS, (memo, key, {}))
             for h in hosts]
    assert [f.status for f in found] == [Status.ERROR, Status.ERROR] and len(calls) == 2


def test_a_check_whose_inputs_do_not_repeat_is_no_longer_looked_up(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memo_module, "TRIAL", 4)
    calls: list[str] = []
    memo, check = OutcomeMemo(), _check(calls)
    _run(check, [_host(str(n), n) for n in range(4)], memo)
    assert not memo.wanted(check)
    _run(check, [_host("x", 0)], memo)  # kept before, but no longer looked up
    assert len(calls) == 5
    other = _check([], ident="test.other")
    assert memo.wanted(other)
    repeated = OutcomeMemo()
    _run(check, [_host(str(n), n % 2) for n in range(8)], repeated)
    assert repeated.wanted(check)  # 6 hits of 8: well above a quarter


@pytest.mark.parametrize(("name", "extra"), [("KEPT", None), ("KEPT_BYTES", 1),
                                              ("KEPT_BYTES", 0), ("LARGEST_KEY", -1)])
def test_the_memo_stays_within_its_bounds(monkeypatch: pytest.MonkeyPatch, name: str,
                                          extra: int | None) -> None:
    size = len(fact_key(Fact("os.release", FactStatus.OK, "a" * 30)) or b"")
    assert size > 30
    monkeypatch.setattr(memo_module, name, 1 if extra is None else size + extra)
    calls: list[str] = []
    values = ["a" * 30, "b" * 30, "a" * 30, "b" * 30]
    _run(_check(calls), [_host(str(n), v) for n, v in enumerate(values)], OutcomeMemo())
    # At most the first value is kept: the second is judged again each time.
    assert calls.count(repr("b" * 30)) == 2
    assert calls.count(repr("a" * 30)) == (2 if name == "LARGEST_KEY" else 1)


def _fleet(size: int) -> tuple[Any, FactsSnapshot]:
    """The demo inventory's claims on ``size`` hosts holding the two recorded demo hosts'
    facts in turn (one host of each with a fact changed, so some inputs differ)."""
    template = load_inventory(ROOT / "inventory" / "demo.yml")
    recorded = [load(ROOT / "tests" / "data" / f"demo-facts-{w}.json").hosts["lab"]
                for w in ("before", "after")]
    hosts = {f"web-{i}": dataclasses.replace(recorded[i % 2], host=f"web-{i}")
             for i in range(size)}
    changed = hosts["web-2"]
    key = sorted(changed.facts)[0]
    hosts["web-2"] = dataclasses.replace(changed, facts={
        **changed.facts, key: dataclasses.replace(changed.facts[key], value=None)})
    names = tuple(hosts)
    snapshot = load(ROOT / "tests" / "data" / "demo-facts-before.json")
    snapshot = dataclasses.replace(snapshot, hosts=hosts)
    inventory = dataclasses.replace(
        template, hosts=tuple(dataclasses.replace(template.hosts[0], name=n) for n in names),
        claims=tuple(dataclasses.replace(c, scope=dataclasses.replace(c.scope, hosts=names))
                     for c in template.claims))
    return inventory, snapshot


def test_a_fleet_judged_with_the_memo_gives_what_it_gives_without(
        monkeypatch: pytest.MonkeyPatch) -> None:
    inventory, snapshot = _fleet(6)
    calls = 0
    real = OutcomeMemo.lookup

    def counted(self: OutcomeMemo, key: tuple[Any, ...], check: Check) -> Outcome | None:
        nonlocal calls
        found = real(self, key, check)
        calls += found is not None
        return found

    monkeypatch.setattr(OutcomeMemo, "lookup", counted)
    shared = engine.evaluate(inventory, snapshot)
    assert calls > len(shared.findings) // 3  # the memo did share outcomes
    monkeypatch.setattr(OutcomeMemo, "wanted", lambda self, check: False)
    alone = engine.evaluate(inventory, snapshot)
    assert shared == alone
    assert [f.summary.__class__ for f in shared.findings] == \
        [f.summary.__class__ for f in alone.findings]
    for fmt in ("html", "json", "sarif", "junit"):
        for lang in (("en", "nl") if fmt == "html" else ("en",)):
            assert render(shared, fmt, lang=lang) == render(alone, fmt, lang=lang)


def test_the_quick_finding_is_the_dataclass_one() -> None:
    assert tuple(f.name for f in dataclasses.fields(Finding)) == engine.FINDING_FIELDS
    assert not hasattr(Finding, "__post_init__")
    source = FactSource("k", "ok")
    parts: tuple[Any, ...] = ("a.b", "h", Status.FAIL, Severity.HIGH, msg("x"), {"e": [1]},
                              "fix", "title", (source,))
    quick, slow = engine.new_finding(*parts), Finding(*parts)
    assert quick == slow and vars(quick) == vars(slow) and hash(repr(quick)) == hash(repr(slow))
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.status = Status.PASS  # type: ignore[misc]
    assert dataclasses.replace(quick, target="g").target == "g"


def _findings(check: Check, hosts: list[HostFacts], memo: OutcomeMemo) -> list[Finding]:
    key = content_key(dict(CLAIM.expect))
    assert key is not None
    return [engine.run_check(check, h.host, h, CLAIM, NOW, PARAMS, (memo, key, {}))
            for h in hosts]


def test_findings_from_the_memo_share_the_kept_evidence_never_the_check_s_own() -> None:
    """Findings judged on equal inputs share one evidence object (read-only: a Mapping, which
    the renderers key once, ScanResult.evidence_key); it is a copy of what the check returned,
    so a check that changes its dict afterwards changes no finding."""
    calls: list[str] = []
    returned: list[dict[str, Any]] = []
    meta = CheckMeta(id="test.own", title="t", claim_types=("os_version",),
                     severity=Severity.LOW, rationale="r", remediation="r", references=("x",),
                     needs=("os.release",))

    def judge(ctx: CheckContext) -> Outcome:
        calls.append("judged")
        returned.append({"value": repr(ctx.fact("os.release").value)})
        return Outcome(Status.PASS, msg("seen"), returned[-1])

    memo = OutcomeMemo()
    first, second, third = _findings(Check(meta, judge), [_host(n, "v") for n in "abc"], memo)
    assert calls == ["judged"]  # one judgement for three equal inputs
    assert first.evidence is second.evidence is third.evidence
    assert isinstance(first.evidence, dict) and first.evidence is not returned[0]
    returned[0]["changed"] = True  # the check's own dict, changed after the judgement
    assert dict(third.evidence) == {"value": "'v'"}
    assert [f.target for f in (first, second, third)] == ["a", "b", "c"]
    assert first.sources == third.sources and third.title == "t"


def test_the_truncation_guard_follows_the_input() -> None:
    calls: list[str] = []
    memo, check = OutcomeMemo(), _check(calls)
    cut = [_host(n, "v", truncated=True) for n in "ab"]
    whole = [_host(n, "v") for n in "cd"]
    found = _findings(check, [cut[0], whole[0], cut[1], whole[1]], memo)
    assert [f.status for f in found] == [Status.ERROR, Status.PASS, Status.ERROR, Status.PASS]
    assert found[0].evidence == found[2].evidence and "truncated_facts" in found[0].evidence
    assert len(calls) == 2


def _reference(inventory: Any, snapshot: FactsSnapshot) -> tuple[list[Finding], list[list[str]]]:
    """Claim by claim, check by check, target by target, without a memo: the plain order."""
    import checks as catalogue

    scan_time = engine.parse_time(snapshot.scan_time)
    findings: dict[str, Finding] = {}
    claims: list[list[str]] = []
    for claim in engine.selected_claims(inventory):
        ids: list[str] = []
        params = MappingProxyType(dict(claim.expect))
        for check in catalogue.checks_for(claim.type):
            table = engine._targets(snapshot, check.meta.target)
            for name in engine.scope_of(claim, check.meta.target):
                found = engine.run_check(check, name, table.get(name), claim, scan_time, params)
                fid = found.id
                if fid in findings and findings[fid] != found:
                    fid = f"{fid}#{claim.id}"
                    found = dataclasses.replace(found, target=f"{found.target}#{claim.id}")
                findings[fid] = found
                ids.append(fid)
        claims.append(ids)
    return list(findings.values()), claims


def test_targets_judged_one_at_a_time_keep_the_claims_order() -> None:
    inventory, snapshot = _fleet(5)
    names = tuple(h.name for h in inventory.hosts)
    first, second, *rest = inventory.claims
    os_claim = next(c for c in inventory.claims if c.type == "os_version")
    claims = (
        dataclasses.replace(first, scope=dataclasses.replace(first.scope, hosts=names[::-1])),
        dataclasses.replace(second, scope=dataclasses.replace(
            second.scope, hosts=(names[2], *names, names[2]))),
        *rest,
        # The same check on the same hosts under other parameters: kept apart as id#claim.
        dataclasses.replace(os_claim, id="os-other", expect={**os_claim.expect,
                                                             "version": "11"}),
        dataclasses.replace(os_claim, id="os-none", scope=Scope()),
    )
    inventory = dataclasses.replace(inventory, claims=claims, waivers=())
    result = engine.evaluate(inventory, snapshot)
    findings, ids = _reference(inventory, snapshot)
    assert [f.id for f in result.findings] == [f.id for f in findings]
    assert list(result.findings) == findings
    assert [list(c.findings) for c in result.claims] == ids
    assert any("#os-other" in f.id for f in result.findings)
    assert result.claims[-1].findings == ()
    # web-2 listed first, in its place and last: judged three times, listed three times.
    assert result.claims[1].findings.count(result.claims[1].findings[0]) == 3
