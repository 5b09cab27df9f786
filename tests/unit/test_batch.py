"""The batch script: built, run by a real /bin/sh, split back into typed facts."""

from __future__ import annotations

import subprocess

import pytest

from posture.collect.batch import build_script, classify, new_marker, split_output
from posture.collect.facts import parsers
from posture.collect.facts.registry import BY_KEY, CATALOG, FactSpec, specs_for
from posture.models import FactStatus


def _run(script: bytes) -> tuple[bytes, bytes]:
    proc = subprocess.run(["sh", "-s"], input=script, capture_output=True, timeout=60,
                          check=False)
    return proc.stdout, proc.stderr


def _spec(key: str, snippet: str) -> FactSpec:
    return FactSpec(key, snippet, parsers.parse_tab_map)


def test_sections_are_split_by_key_and_exit_status() -> None:
    specs = [_spec("t.one", "printf 'a\\tb\\n'"), _spec("t.two", "echo oops >&2; exit 3"),
             _spec("t.three", "exit 127")]
    marker = new_marker()
    out, err = _run(build_script(specs, marker, 10))
    facts = split_output(out, err, marker, specs, privileged=False)
    assert facts["t.one"].status is FactStatus.OK
    assert facts["t.one"].value == {"a": "b"}
    assert facts["t.two"].status is FactStatus.ERROR
    assert facts["t.two"].exit_status == 3 and "oops" in facts["t.two"].reason
    assert facts["t.three"].status is FactStatus.MISSING


def test_forged_markers_and_stdin_reads_cannot_confuse_the_split() -> None:
    marker = new_marker()
    forged = "__POSTURE_000000000000000000000000__ E t.one 0"
    specs = [_spec("t.one", f"echo '{forged}'; cat; printf 'k\\tv\\n'"),
             _spec("t.two", "printf 'x\\ty\\n'")]
    out, err = _run(build_script(specs, marker, 10))
    facts = split_output(out, err, marker, specs, privileged=False)
    # `cat` reads /dev/null, not the rest of the script: section two still runs.
    assert facts["t.one"].value == {"k": "v"}
    assert facts["t.two"].value == {"x": "y"}


def test_timeout_inside_the_script_is_reported_as_timeout() -> None:
    specs = [_spec("t.slow", "sleep 5")]
    marker = new_marker()
    out, err = _run(build_script(specs, marker, 1))
    assert split_output(out, err, marker, specs, privileged=False)["t.slow"].status is (
        FactStatus.TIMEOUT)


def test_unfinished_sections_are_errors_never_ok() -> None:
    specs = [_spec("t.one", "true"), _spec("t.two", "true")]
    marker = new_marker()
    out, err = _run(build_script(specs, marker, 10))
    cut = out[: out.index(b" B t.two")]
    facts = split_output(cut, err, marker, specs, privileged=False,
                         failure="the connection ended before the batch finished")
    assert facts["t.one"].status is FactStatus.OK
    assert facts["t.two"].status is FactStatus.ERROR
    assert "connection ended" in facts["t.two"].reason


def test_permission_denied_is_denied() -> None:
    spec = BY_KEY["accounts.shadow"]
    fact = classify(spec, "", "awk: cannot open /etc/shadow (Permission denied)", 2,
                    privileged=False)
    assert fact.status is FactStatus.DENIED


def test_invalid_utf8_and_control_bytes_do_not_break_parsing() -> None:
    specs = [_spec("t.one", "printf 'k\\t\\377\\033[31mred\\n'")]
    marker = new_marker()
    out, err = _run(build_script(specs, marker, 10))
    fact = split_output(out, err, marker, specs, privileged=False)["t.one"]
    assert fact.status is FactStatus.OK
    assert "\ufffd" in fact.value["k"]


def test_specs_for_rejects_unknown_keys() -> None:
    with pytest.raises(KeyError):
        specs_for({"no.such.fact"})


def test_whole_catalogue_runs_on_this_machine() -> None:
    """Every snippet is valid sh here, and the basic facts parse on a real Debian system."""
    marker = new_marker()
    out, err = _run(build_script(list(CATALOG), marker, 20))
    facts = split_output(out, err, marker, list(CATALOG), privileged=True)
    for key in ("host.time", "os.release", "accounts.passwd", "login.defs", "proc.list",
                "pkg.versions", "pam.password", "os.version_files"):
        assert facts[key].status is FactStatus.OK, (key, facts[key].reason)
    assert facts["os.release"].value["ID"] in {"debian", "ubuntu"}
    assert any(u["name"] == "root" for u in facts["accounts.passwd"].value)
    # Hashes never leave the target: only a state per account.
    if facts["accounts.shadow"].ok:
        for entry in facts["accounts.shadow"].value:
            assert entry["password"] in {"set", "locked", "none", "empty"}
            assert "$" not in str(entry)
