"""A login shell that prints a banner without a final newline must not cost the first fact.

Found on the trixie lab (tests/labs/trixie.py): the auditor's .bashrc printed text before the
script ran, the first begin marker ended up in the middle of that line, and the first fact
(host.time) came back "no answer"."""

from __future__ import annotations

import subprocess

import pytest

from posture.collect.batch import build_script, new_marker, split_output
from posture.collect.facts import parsers
from posture.collect.facts.registry import FactSpec
from posture.models import FactStatus


@pytest.mark.parametrize("noise", ["Welcome to shop-db-2. Load: 0.42", "", "line\nno end"])
@pytest.mark.parametrize("stream", ["out", "err"])
def test_banner_before_the_script_is_outside_every_section(noise: str, stream: str) -> None:
    specs = [FactSpec("t.first", "printf 'a\\tb\\n'", parsers.parse_tab_map),
             FactSpec("t.second", "printf 'c\\td\\n'", parsers.parse_tab_map)]
    marker = new_marker()
    redirect = " >&2" if stream == "err" else ""
    # What sshd runs: the user's shell prints its banner, then reads the script on stdin.
    shell = f"printf '%s' '{noise}'{redirect}; exec sh -s"
    done = subprocess.run(["sh", "-c", shell], input=build_script(specs, marker, 10),
                          capture_output=True, timeout=60, check=False)
    facts = split_output(done.stdout, done.stderr, marker, specs, privileged=False)
    assert facts["t.first"].status is FactStatus.OK, facts["t.first"]
    assert facts["t.first"].value == {"a": "b"}
    assert facts["t.second"].value == {"c": "d"}
