"""Fuzzing the parsers and the section splitter with hypothesis: whatever a target prints,
a parser returns bounded JSON data or raises ParseError, and nothing else happens."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posture.collect.batch import build_script, new_marker, split_output
from posture.collect.facts.parsers import ParseError
from posture.collect.facts.registry import CATALOG, FactSpec
from posture.models import FactStatus
from tests.hostile.conftest import Ledger

EXAMPLES = 150
COUNTS: dict[str, int] = {}

# Lines shaped like real output, mixed with hostile characters, so parsers get past their
# first checks and their inner code is exercised too.
_WORD = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_TOKENS = st.sampled_from(["ID=", "NAME=", "port ", "ciphers ", "password", "\t", ":", "=",
                           " ", "\n", "[", "]", '"', "'", "(", ")", "0", "19000", "-",
                           "Server version: Apache/", "manager dpkg\n", "/etc/x\t",
                           "root 1 0 ", "pst:x:1000:1000:", "set", "\x1b[31m", "\u202e"])
_OUTPUT = st.lists(st.one_of(_TOKENS, _WORD), max_size=60).map("".join)


def _bounded(value: object) -> None:
    text = json.dumps(value)  # JSON-serialisable
    assert len(text) < 4 << 20


@pytest.mark.parametrize("spec", CATALOG, ids=[s.key for s in CATALOG])
def test_parsers_never_raise_anything_but_parse_error(spec: FactSpec, ledger: Ledger) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(_OUTPUT)
    def run(text: str) -> None:
        COUNTS[spec.key] = COUNTS.get(spec.key, 0) + 1
        try:
            value = spec.parse(text)
        except ParseError:
            return
        _bounded(value)

    run()
    ledger.add("fuzz_examples", COUNTS.get(spec.key, 0))
    ledger.add("fuzzed_parsers")


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=4000), st.binary(max_size=2000), st.integers(0, 3))
def test_section_splitter_never_invents_an_ok_fact(noise: bytes, err: bytes, cut: int) -> None:
    COUNTS["split"] = COUNTS.get("split", 0) + 1
    specs = list(CATALOG[:4])
    marker = new_marker()
    build_script(specs, marker, 5)
    # A target that prints noise and an end marker it cannot know: nothing may come out ok.
    forged = noise + b"\n__POSTURE_" + b"0" * 24 + b"__ E host.time 0\n"
    facts = split_output(forged[: len(forged) - cut], err, marker, specs, privileged=False)
    assert all(f.status is not FactStatus.OK for f in facts.values())


def test_fuzz_count(ledger: Ledger) -> None:
    ledger.add("fuzz_examples", COUNTS.get("split", 0))
    assert sum(COUNTS.values()) >= EXAMPLES
