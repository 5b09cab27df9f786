"""The judge's fast paths give exactly what the plain code gave: compiled algorithm patterns,
pre-parsed end-of-life cycles, one read-only parameter copy per claim, the collector pause,
the status text of fact sources."""

from __future__ import annotations

import dataclasses
import gc
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from types import MappingProxyType

import pytest

from checks.base import Check, CheckContext, CheckMeta, Outcome
from checks.sshd import ssh
from checks.system import eol
from checks.system.versions import is_prefix, parts
from posture.gcpause import collector_paused
from posture.inventory.model import Claim, Scope
from posture.judge import evaluate as engine
from posture.models import Fact, FactSource, FactStatus, HostFacts, Msg, Severity, Status, msg

NOW = datetime(2026, 12, 1, tzinfo=UTC)

_NAMES = [
    "aes128-cbc", "aes256-cbc@lysator.liu.se", "3des-cbc", "arcfour256", "blowfish-cbc",
    "cast128-cbc", "none", "None", " none ", "nonex", "xnone", "hmac-md5", "hmac-md5-96",
    "hmac-md5-etm@openssh.com", "hmac-sha1-96", "hmac-sha1", "hmac-sha1-etm@openssh.com",
    "diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1",
    "diffie-hellman-group14-sha256", "diffie-hellman-group-exchange-sha1",
    "diffie-hellman-group-exchange-sha256", "ssh-dss", "ssh-dss-cert-v01@openssh.com",
    "ssh-rsa", "rsa-sha2-512", "ssh-ed25519", "chacha20-poly1305@openssh.com",
    "aes128-ctr", "aes128-cbc\n", "x\naes128-cbc", "aes128-cbc\nx", "-cbc", "cbc", "aes-cbc@",
    "aes-cbc@x", "aes-cbcx", "3des", "x3des-cbc", "umac-64@openssh.com", "arcfour",
    "curve25519-sha256", "sntrup761x25519-sha512@openssh.com", "Ã©-cbc", "\u202e-cbc", "*", "?",
    "[a]-cbc", "hmac-md5\x00", "",
]


@pytest.mark.parametrize("name", _NAMES)
def test_one_compiled_pattern_flags_what_each_fnmatch_pattern_flagged(name: str) -> None:
    expected = any(fnmatchcase(name, p) for p in ssh._WEAK)
    assert (ssh._WEAK_NAME.match(name) is not None) is expected


def test_classify_equals_the_pattern_by_pattern_reference() -> None:
    listed = ",".join(_NAMES[:-1])
    names = [a.strip().lower() for a in listed.split(",") if a.strip()]
    weak = [a for a in names if any(fnmatchcase(a, p) for p in ssh._WEAK)]
    legacy = [a for a in names if a not in weak and a in ssh._LEGACY]
    assert ssh.classify(listed) == (weak, legacy)
    assert weak and legacy  # the reference is not vacuous


def _slow_lookup(product: str, version: str) -> eol.EolEntry | None:
    wanted = parts(version)
    best: eol.EolEntry | None = None
    for entry in eol.entries(product):
        cycle = parts(entry.cycle)
        if is_prefix(cycle, wanted) and (best is None or len(cycle) > len(parts(best.cycle))):
            best = entry
    return best


def test_lookup_on_pre_parsed_cycles_equals_parsing_every_cycle_each_time() -> None:
    found = 0
    for product in eol.products():
        versions = {e.cycle for e in eol.entries(product)}
        versions |= {f"{c}.99" for c in versions} | {f"{c}.0.1" for c in versions}
        versions |= {"", "x", "0", "99999", "1", "2.4.62", "12.04.5", "10.1", "10.11.6"}
        for version in sorted(versions):
            slow = _slow_lookup(product, version)
            assert eol.lookup(product, version) is slow, (product, version)
            found += slow is not None
    assert found > 100
    assert eol.lookup("no-such-product", "1.0") is None


def test_lookup_keeps_the_first_of_cycles_with_the_same_numbers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    template = eol.entries("debian")[0]
    rows = tuple(dataclasses.replace(template, product="synthetic", cycle=c, codename=f"n{i}")
                 for i, c in enumerate(("12.04", "12.4", "12", "stream", "1.2.3", "1.02")))
    monkeypatch.setattr(eol, "entries", lambda product: rows if product == "synthetic" else ())
    for version in ("12.04.5", "12.4", "12.04", "12", "12.7", "1.2.3.4", "1.2", "1.2.4",
                    "1", "stream", "", "x12.04"):
        assert eol.lookup("synthetic", version) is _slow_lookup("synthetic", version)
    assert eol.lookup("synthetic", "12.4.1") is rows[0]
    assert eol.lookup("synthetic", "1.2.9") is rows[5]
    assert eol._cycles("synthetic") is eol._cycles("synthetic")  # parsed once per table
    other = rows[2:]
    monkeypatch.setattr(eol, "entries", lambda product: other)
    assert eol.lookup("synthetic", "12.4.1") is rows[2]  # another table: indexed anew
    assert eol.lookup("synthetic", "1.2.9") is rows[5]


def test_the_cycle_index_of_the_real_table_is_built_once() -> None:
    index = eol._cycles("debian")
    assert eol._cycles("debian") is index and eol.lookup("debian", "12.7") is index[(12,)]
    assert set(index) == {parts(e.cycle) for e in eol.entries("debian") if parts(e.cycle)} \
        | ({()} if any(not parts(e.cycle) for e in eol.entries("debian")) else set())


def _recording_check(seen: list[object]) -> Check:
    meta = CheckMeta(id="test.params", title="t", claim_types=("os_version",),
                     severity=Severity.LOW, rationale="r", remediation="r", references=("x",),
                     needs=("os.release",))

    def judge(ctx: CheckContext) -> Outcome:
        seen.append(ctx.params)
        ctx.params["extra"] = 1  # type: ignore[index]  # a check must not change the claim
        return Outcome(Status.PASS, "fine")

    return Check(meta, judge)


def test_one_parameter_copy_per_claim_is_read_only() -> None:
    seen: list[object] = []
    claim = Claim(id="c", type="os_version", says="s", scope=Scope(hosts=("a", "b")),
                  expect={"version": "12"})
    shared = MappingProxyType(dict(claim.expect))
    host = HostFacts("a", True, {"os.release": Fact("os.release", FactStatus.OK, {})})
    for name in ("a", "b"):
        finding = engine.run_check(_recording_check(seen), name, host, claim, NOW, shared)
        assert finding.status is Status.ERROR  # the write raised: an error, never a pass
        assert finding.evidence == {"exception": "TypeError"}
    assert seen == [shared, shared] and dict(shared) == {"version": "12"}
    # Without a copy handed in, the check gets a fresh dict of its own, as before.
    finding = engine.run_check(_recording_check(seen), "a", host, claim, NOW)
    assert finding.status is Status.PASS and seen[-1] == {"version": "12", "extra": 1}
    assert claim.expect == {"version": "12"}


def test_fact_sources_carry_the_plain_status_text() -> None:
    facts = {s.value: Fact(s.value, s, reason=f"r-{s.value}") for s in FactStatus}
    host = HostFacts("h", True, facts)
    meta = CheckMeta(id="test.sources", title="t", claim_types=("os_version",),
                     severity=Severity.LOW, rationale="r", remediation="r", references=("x",),
                     needs=tuple(facts))
    check = Check(meta, lambda ctx: Outcome(Status.FAIL, "no"))
    claim = Claim(id="c", type="os_version", says="s", scope=Scope(hosts=("h",)), expect={})
    finding = engine.run_check(check, "h", host, claim, NOW)
    assert [(s.key, s.status, s.reason) for s in finding.sources] == [
        (s.value, s.value, f"r-{s.value}") for s in FactStatus]
    assert all(type(s.status) is str for s in finding.sources)


def test_the_collector_pause_is_undone_even_on_an_error() -> None:
    assert gc.isenabled()
    with collector_paused(long_lived=True):
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused(long_lived=True):
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:  # a caller that paused the collector itself keeps it paused
        with collector_paused(long_lived=True):
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_what_the_pause_made_goes_to_the_oldest_generation_unless_someone_froze() -> None:
    assert gc.get_freeze_count() == 0
    with collector_paused(long_lived=True):
        made = [[1], [2]]
    assert gc.get_freeze_count() == 0  # nothing stays frozen
    assert any(o is made for o in gc.get_objects(2))
    with collector_paused():  # a report: what it made is dropped, not moved
        young = [[4]]
    assert not any(o is young for o in gc.get_objects(2))
    gc.freeze()  # a caller that froze objects on purpose (before forking, say)
    try:
        frozen = gc.get_freeze_count()
        with collector_paused(long_lived=True):
            assert [[3]]
        assert gc.get_freeze_count() == frozen  # still frozen: not undone by the pause
    finally:
        gc.unfreeze()


def _password_status_reference(options: dict[str, object]) -> tuple[Status, str]:
    """password_status as it was: every option normalised first."""
    from checks.sshd.ssh_logins import keys_required
    get = {k: str(v).strip().lower() for k, v in options.items()}
    if "authenticationmethods" in get and keys_required(get["authenticationmethods"]):
        return Status.PASS, "authenticationmethods"
    if get.get("passwordauthentication") == "yes":
        return Status.FAIL, "passwordauthentication"
    kbd = ("kbdinteractiveauthentication" if "kbdinteractiveauthentication" in get
           else "challengeresponseauthentication")
    if get.get(kbd) == "yes" and get.get("challengeresponseauthentication") != "no" \
            and get.get("usepam") in ("yes", "1"):
        return Status.WARN, kbd
    return Status.PASS, "passwordauthentication"


def test_password_status_reads_only_its_options_with_the_same_verdicts() -> None:
    import itertools

    from checks.sshd.ssh_logins import password_status
    values: dict[str, tuple[object, ...]] = {
        "authenticationmethods": (None, "publickey", " PublicKey,password ", "any", ""),
        "passwordauthentication": (None, "yes", " YES ", "no"),
        "kbdinteractiveauthentication": (None, "yes", "no"),
        "challengeresponseauthentication": (None, "yes", "No"),
        "usepam": (None, "yes", 1, "no"),
    }
    seen = set()
    for combo in itertools.product(*values.values()):
        options: dict[str, object] = {k: v for k, v in zip(values, combo, strict=True)
                                      if v is not None}
        options |= {"port": "22", "PasswordAuthentication": "yes", "x11forwarding": "no"}
        verdict = password_status(options)  # type: ignore[arg-type]
        assert verdict == _password_status_reference(options), options
        seen.add(verdict)
    assert len(seen) >= 5  # every verdict and deciding option occurs


_VERSIONS = ["", "x", "1", "1.2", "1.2.3", "12.04.5 LTS", "Ubuntu 12.04.5", "1:9.2p1-2+deb12u3",
             "2.4.62", "v10.11.6-MariaDB", "0.0.0", "007.010", "1..2", ".5", "9" * 40,
             "\u0661\u0662.\u0663", "a1b2", "bookworm/sid", "2.4.6-99.el7_9.1"]


def _parts_reference(version: str) -> tuple[int, ...]:
    from checks.system.versions import first_version
    found = first_version(version)
    return tuple(int(p) for p in found.split(".")) if found else ()


def test_remembered_version_parts_equal_the_parsed_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    from checks.system import versions
    monkeypatch.setattr(versions, "_PARTS", {})
    for version in _VERSIONS * 2:  # the second round is answered from the memo
        assert versions.parts(version) == _parts_reference(version), version
        assert versions._PARTS[version] == _parts_reference(version)
    assert set(versions._PARTS) == set(_VERSIONS)


def test_the_version_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from checks.system import versions
    monkeypatch.setattr(versions, "_PARTS", {})
    monkeypatch.setattr(versions, "PARTS_MEMO_CAP", 3)
    for version in _VERSIONS:
        assert versions.parts(version) == _parts_reference(version)
    assert list(versions._PARTS) == _VERSIONS[:3]  # full: later texts are parsed, not kept
    assert versions.PARTS_MEMO_CAP == 3 and len(versions._PARTS) == 3


def test_remembered_classification_equals_the_computed_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ssh, "_CLASSIFIED", {})
    lists = [",".join(_NAMES[:-1]), "aes128-ctr,chacha20-poly1305@openssh.com", "",
             "ssh-rsa, 3DES-CBC ,,hmac-sha1", "none"]
    for listed in lists * 2:
        names = [a.strip().lower() for a in listed.split(",") if a.strip()]
        weak = [a for a in names if any(fnmatchcase(a, p) for p in ssh._WEAK)]
        legacy = [a for a in names if a not in weak and a in ssh._LEGACY]
        first = ssh.classify(listed)
        assert first == (weak, legacy)
        assert ssh._CLASSIFIED[listed] == (tuple(weak), tuple(legacy))
        first[0].append("changed")  # the caller owns the lists it got
        first[1].append("changed")
        assert ssh.classify(listed) == (weak, legacy)
    assert len(ssh._CLASSIFIED) == len(lists)


def test_the_classification_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ssh, "_CLASSIFIED", {})
    monkeypatch.setattr(ssh, "CLASSIFY_MEMO_CAP", 2)
    for listed in ("3des-cbc", "ssh-rsa", "none,hmac-sha1", "aes128-ctr"):
        assert ssh.classify(listed)
        ssh.classify(listed)
    assert list(ssh._CLASSIFIED) == ["3des-cbc", "ssh-rsa"]
    assert ssh.classify("none,hmac-sha1") == (["none"], ["hmac-sha1"])


def test_the_memos_are_consulted_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A remembered answer is returned as remembered (seeded here with a marker no parser
    gives), so the memos really spare the parsing."""
    from checks.system import versions
    monkeypatch.setattr(versions, "_PARTS", {"seeded 1.2": (7, 7, 7)})
    assert versions.parts("seeded 1.2") == (7, 7, 7)
    assert versions.parts("other 1.2") == (1, 2)
    monkeypatch.setattr(ssh, "_CLASSIFIED", {"seeded": (("marker",), ("legacy",))})
    assert ssh.classify("seeded") == (["marker"], ["legacy"])
    assert ssh.classify("3des-cbc") == (["3des-cbc"], [])


def test_fact_sources_are_shared_only_between_equal_plain_facts() -> None:
    def fact(reason: str = "", **kw: object) -> Fact:
        base: dict[str, object] = {"key": "sshd.config", "status": FactStatus.ERROR,
                                   "value": None, "reason": reason, "command": "sshd -T"}
        base.update(kw)
        return Fact(**base)  # type: ignore[arg-type]

    first, again = engine.fact_source(fact("timed out")), engine.fact_source(fact("timed out"))
    assert first is again
    assert first == FactSource("sshd.config", "error", "sshd -T", False, "timed out")
    for other in (fact("timed out", privileged=True), fact("timed out", command="sshd -G"),
                  fact("timed out", status=FactStatus.DENIED), fact("cut"), fact()):
        made = engine.fact_source(other)
        assert made is not first and made == FactSource(
            other.key, other.status.value, other.command, other.privileged, other.reason)
    translated = engine.fact_source(fact(msg("timed out")))
    assert translated is not first and type(translated.reason) is Msg
    assert type(engine.fact_source(fact("timed out")).reason) is str
