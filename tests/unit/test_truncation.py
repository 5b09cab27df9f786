"""Caps never turn into a pass: truncated facts, the engine's guard, the account summary."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime

import pytest

from checks.base import Check, CheckContext, CheckMeta, Outcome
from checks.system import accounts as account_checks
from posture.collect import batch
from posture.collect.facts.accounts import SUMMARY_SNIPPET, parse_password_summary
from posture.collect.facts.parsers import MAX_LINES, ParseError
from posture.collect.facts.registry import BY_KEY, FactSpec
from posture.inventory.model import Claim, Scope
from posture.judge.evaluate import run_check
from posture.models import Fact, FactStatus, HostFacts, Severity, Status

NOW = datetime(2026, 12, 1, tzinfo=UTC)
TODAY = (NOW.date() - datetime(1970, 1, 1).date()).days


def _section(key: str, body: bytes, marker: str = "__M__") -> bytes:
    return (b"\n" + f"{marker} B {key}\n".encode() + body
            + f"\n{marker} E {key} 0\n".encode())


@pytest.mark.parametrize(("lines", "truncated"), [
    (MAX_LINES - 1, False), (MAX_LINES, False), (MAX_LINES + 1, True)])
def test_line_cap_marks_the_fact_truncated(lines: int, truncated: bool) -> None:
    spec = BY_KEY["accounts.passwd"]
    body = "\n".join(f"u{i}:x:{1000 + i}:1000::/home/u{i}:/bin/sh" for i in range(lines))
    facts = batch.split_output(_section(spec.key, body.encode()), b"", "__M__", [spec],
                               privileged=False)
    fact = facts[spec.key]
    assert fact.ok and fact.truncated is truncated


def test_section_byte_cap_marks_the_fact_truncated_and_resets_for_the_next() -> None:
    big, small = BY_KEY["accounts.passwd"], BY_KEY["os.release"]
    line = b"u:x:1000:1000::/home/u:" + b"/bin/sh" * 20 + b"\n"
    body = line * (batch.SECTION_CAP // len(line) + 10)
    out = _section(big.key, body) + _section(small.key, b"ID=debian\nVERSION_ID=12")
    facts = batch.split_output(out, b"", "__M__", [big, small], privileged=False)
    assert facts[big.key].truncated
    assert facts[small.key].ok and not facts[small.key].truncated
    assert facts[small.key].value == {"ID": "debian", "VERSION_ID": "12"}


def test_noise_without_newline_does_not_hide_the_first_section() -> None:
    spec = BY_KEY["os.release"]
    script = batch.build_script([spec], "__M__", 5).decode()
    assert "'\\n%s B %s\\n'" in script
    out = b"Welcome to the server (no final newline)" + _section(spec.key, b"ID=debian")
    assert batch.split_output(out, b"", "__M__", [spec], privileged=False)[spec.key].ok


def _check(status: Status, partial_ok: tuple[str, ...] = ()) -> Check:
    meta = CheckMeta(id="test.guard", title="t", claim_types=("os_version",),
                     severity=Severity.LOW, rationale="r", remediation="r",
                     references=("x",), needs=("proc.list",), partial_ok=partial_ok)
    return Check(meta, lambda ctx: Outcome(status, f"judged {status.value}"))


@pytest.mark.parametrize(("status", "expected"), [
    (Status.PASS, Status.ERROR), (Status.WARN, Status.ERROR),
    (Status.NOT_APPLICABLE, Status.ERROR), (Status.FAIL, Status.FAIL),
    (Status.ERROR, Status.ERROR)])
def test_engine_never_passes_on_a_truncated_fact(status: Status, expected: Status) -> None:
    facts = HostFacts("h", True, {"proc.list": Fact("proc.list", FactStatus.OK, [],
                                                      truncated=True)})
    claim = Claim(id="c", type="os_version", says="s", scope=Scope(hosts=("h",)), expect={})
    finding = run_check(_check(status), "h", facts, claim, NOW)
    assert finding.status is expected
    if expected is Status.ERROR and status is not Status.ERROR:
        assert finding.evidence["truncated_facts"] == ["proc.list"]


def test_engine_trusts_a_check_that_handles_truncation_itself() -> None:
    facts = HostFacts("h", True, {"proc.list": Fact("proc.list", FactStatus.OK, [],
                                                      truncated=True)})
    claim = Claim(id="c", type="os_version", says="s", scope=Scope(hosts=("h",)), expect={})
    finding = run_check(_check(Status.PASS, ("proc.list",)), "h", facts, claim, NOW)
    assert finding.status is Status.PASS


def _run_summary(tmp_path: object, passwd: str, shadow: str) -> str:
    from pathlib import Path
    folder = Path(str(tmp_path))
    (folder / "passwd").write_text(passwd)
    (folder / "shadow").write_text(shadow)
    snippet = (SUMMARY_SNIPPET.replace("getent passwd 2>/dev/null || cat /etc/passwd",
                                       f"cat {folder / 'passwd'}")
               .replace("cat /etc/shadow", f"cat {folder / 'shadow'}"))
    done = subprocess.run(["sh", "-c", snippet], capture_output=True, text=True, timeout=60,
                          check=True)
    return done.stdout


def test_summary_of_20000_accounts_finds_the_stale_one(tmp_path: object) -> None:
    today = int(time.time()) // 86400
    n, stale = 20000, 12345
    passwd = "".join(f"a{i}:x:{10000 + i}:100::/home/a{i}:/bin/bash\n" for i in range(n))
    passwd += "svc:x:999:999::/:/usr/sbin/nologin\n"
    shadow = "".join(f"a{i}:$6$s$h:{today - (400 if i == stale else 5)}:0:"
                     f"{'' if i == 7 else 99999}:7:::\n" for i in range(n))
    shadow += "svc:*:19000:0:99999:7:::\n"
    out = _run_summary(tmp_path, passwd, shadow)
    assert len(out) < 40_000  # bounded whatever the number of accounts
    value = parse_password_summary(out)
    assert value["accounts"] == n + 1 and value["judged"] == n
    assert value["no_login_shell"] == 1
    assert value["oldest"][0] == {"name": f"a{stale}", "last_change": today - 400}
    assert value["longest_max"][0] == {"name": "a7", "max_days": None}
    ctx = CheckContext("h", {"accounts.password_summary": Fact(
        "accounts.password_summary", FactStatus.OK, value)}, {"max_age_days": 90}, NOW)
    outcome = account_checks.PASSWORD_AGE.evaluate(ctx)
    assert outcome.status is Status.FAIL and f"a{stale}" in outcome.summary


@pytest.mark.parametrize(("age", "status"), [(89, Status.PASS), (90, Status.PASS),
                                             (91, Status.FAIL)])
def test_summary_boundary(age: int, status: Status) -> None:
    value = parse_password_summary(
        f"today\t{TODAY}\naccounts\t3\nwith_shadow_entry\t3\nno_login_shell\t2\njudged\t1\n"
        f"empty_count\t0\nunknown_count\t0\nforced_count\t0\n"
        f"oldest\t{TODAY - age}\talice\nmaxage\t90\talice\t90\nend\tsummary\n")
    ctx = CheckContext("h", {"accounts.password_summary": Fact(
        "accounts.password_summary", FactStatus.OK, value)}, {"max_age_days": 90}, NOW)
    assert account_checks.PASSWORD_AGE.evaluate(ctx).status is status


def test_summary_without_its_end_line_is_an_error() -> None:
    with pytest.raises(ParseError):
        parse_password_summary("today\t1\naccounts\t5\n")


def test_narrow_scope_refuses_truncated_account_lists() -> None:
    passwd = Fact("accounts.passwd", FactStatus.OK,
                  [{"name": "a", "uid": 1000, "gid": 1, "home": "/", "shell": "/bin/sh"}],
                  truncated=True)
    shadow = Fact("accounts.shadow", FactStatus.OK,
                  [{"name": "a", "password": "set", "last_change": TODAY - 1, "min": 0,
                    "max": 99999, "warn": 7, "inactive": None, "expire": None}])
    ctx = CheckContext("h", {"accounts.passwd": passwd, "accounts.shadow": shadow},
                       {"max_age_days": 90, "accounts": ["a*"]}, NOW)
    outcome = account_checks.PASSWORD_AGE.evaluate(ctx)
    assert outcome.status is Status.ERROR and "cap" in outcome.summary


def test_the_byte_cap_adds_up_every_line_of_a_section() -> None:
    # Few lines (far below the line cap), each well below the byte cap, over it together.
    spec = FactSpec("t.wide", "true", len)
    line = b"x" * 20_000 + b"\n"
    body = line * (batch.SECTION_CAP // len(line) + 5)
    facts = batch.split_output(_section(spec.key, body), b"", "__M__", [spec],
                               privileged=False)
    assert facts[spec.key].truncated
    assert isinstance(facts[spec.key].value, int) and facts[spec.key].value <= batch.SECTION_CAP
