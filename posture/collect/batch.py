"""One POSIX sh script per host: every fact a section between sentinels.

The script arrives on the remote shell's standard input (never on a command line). Each
section prints ``<marker> B <key>`` before and ``<marker> E <key> <exit status>`` after its
output, on stdout and on stderr alike, so both streams can be split without interleaving
them. The marker carries a per-run random nonce, so target output cannot forge a section
boundary by accident. Each snippet runs with stdin from /dev/null (it must not eat the rest of
the script) and under ``timeout`` when the target has it.
"""

from __future__ import annotations

import re
import secrets
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from posture.collect.catalog import FactSpec
from posture.collect.parsers import ParseError
from posture.models import Fact, FactStatus

SECTION_CAP = 1 << 20  # bytes of one section kept for parsing

_PRELUDE = """\
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH
LC_ALL=C; export LC_ALL; umask 077
if command -v timeout >/dev/null 2>&1; then T="timeout -k 2 {timeout}"; else T=""; fi
"""

_SECTION = """\
printf '%s B %s\\n' {m} {key}; printf '%s B %s\\n' {m} {key} >&2
$T sh -c {snippet} </dev/null
rc=$?
printf '\\n%s E %s %s\\n' {m} {key} "$rc"; printf '\\n%s E %s %s\\n' {m} {key} "$rc" >&2
"""


def new_marker() -> str:
    """A sentinel nobody on the target can predict."""
    return "__POSTURE_" + secrets.token_hex(12) + "__"


def build_script(specs: Sequence[FactSpec], marker: str, command_timeout: float) -> bytes:
    """Return the script that gathers ``specs`` in order."""
    parts = [_PRELUDE.format(timeout=max(1, int(command_timeout)))]
    for spec in specs:
        parts.append(_SECTION.format(m=marker, key=spec.key, snippet=shlex.quote(spec.snippet)))
    parts.append("exit 0\n")
    return "".join(parts).encode()


@dataclass
class _Raw:
    out: list[str]
    err: list[str]
    rc: int | None = None
    cut: bool = False  # stdout went over SECTION_CAP: what was kept is only a part


def _lines(data: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of each line of ``data``, without copying it."""
    pos, size = 0, len(data)
    while pos <= size:
        nl = data.find(b"\n", pos)
        end = size if nl < 0 else nl
        yield pos, end
        pos = end + 1


def _split(data: bytes, marker: str, stream: str, raws: dict[str, _Raw]) -> None:
    # Works on the raw bytes: only lines kept for a section are sliced and decoded, so a flood
    # of output costs its own size once, not several decoded copies of it.
    mark = marker.encode()
    pattern = re.compile(rb"^" + re.escape(mark) + rb" ([BE]) ([a-z0-9_.]+)(?: (\d+))?$")
    current: str | None = None
    size = 0
    for start, end in _lines(data):
        if data.startswith(mark, start) and end - start < len(mark) + 120:
            match = pattern.match(data[start:end])
            if match:
                kind, key_b, rc = match.groups()
                key = key_b.decode()
                if kind == b"B" and key in raws:
                    current, size = key, 0
                elif kind == b"E" and key == current:
                    if stream == "out" and rc is not None:
                        raws[key].rc = int(rc)
                    current = None
                continue
        if current is None:
            continue
        size += end - start + 1
        if size <= SECTION_CAP:
            # Hostile output may hold any bytes: decode leniently, never fail.
            getattr(raws[current], stream).append(data[start:end].decode("utf-8", "replace"))
        elif stream == "out":
            raws[current].cut = True


def _strip_closing_newline(lines: list[str]) -> str:
    # The end marker starts with a newline of its own; drop the empty line it leaves.
    if lines and lines[-1] == "":
        lines = lines[:-1]
    return "\n".join(lines)


_DENIED = re.compile(r"permission denied|operation not permitted|must be run as root|"
                     r"no hostkeys available|are you root", re.I)
_MISSING = re.compile(r"not found|no such file or directory", re.I)


def classify(spec: FactSpec, out: str, err: str, rc: int | None, *, privileged: bool) -> Fact:
    """Turn one section's output into a :class:`Fact` with an honest status."""
    def fact(status: FactStatus, reason: str = "", value: object = None) -> Fact:
        return Fact(spec.key, status, value, reason[:500], spec.snippet.strip()[:2000],
                    rc, privileged)

    first_err = err.strip().splitlines()[0][:300] if err.strip() else ""
    if rc is None:
        return fact(FactStatus.ERROR, "no answer: the connection or the script ended early")
    if rc in (124, 137):
        return fact(FactStatus.TIMEOUT, "the command ran out of time on the target")
    if rc not in spec.ok_exits or not out.strip():
        if _DENIED.search(err):
            return fact(FactStatus.DENIED, first_err or "permission denied")
        if rc == 127 or (_MISSING.search(err) and not out.strip()):
            return fact(FactStatus.MISSING, first_err or "command or file not present")
        if rc not in spec.ok_exits:
            return fact(FactStatus.ERROR, f"exit status {rc}: {first_err}".strip(": "))
    try:
        return fact(FactStatus.OK, "", spec.parse(out))
    except ParseError as exc:
        return fact(FactStatus.ERROR, f"unexpected output: {exc}")


def split_output(stdout: bytes, stderr: bytes, marker: str, specs: Sequence[FactSpec], *,
                 privileged: bool, failure: str = "") -> dict[str, Fact]:
    """Split both streams into sections and classify each fact.

    ``failure`` explains sections that never finished (timeout, truncation, dropped link).
    """
    raws = {spec.key: _Raw([], []) for spec in specs}
    _split(stdout, marker, "out", raws)
    _split(stderr, marker, "err", raws)
    facts: dict[str, Fact] = {}
    for spec in specs:
        raw = raws[spec.key]
        fact = classify(spec, _strip_closing_newline(raw.out), _strip_closing_newline(raw.err),
                        raw.rc, privileged=privileged)
        if raw.rc is None and failure:
            status = FactStatus.TIMEOUT if "time" in failure else FactStatus.ERROR
            fact = Fact(spec.key, status, None, failure[:500], fact.command, None, privileged)
        elif raw.cut:
            # A part of the output is not the fact: judging it could pass what the rest fails.
            fact = Fact(spec.key, FactStatus.ERROR, None, f"output over the section cap of "
                        f"{SECTION_CAP} bytes: not judged on a part of it", fact.command,
                        raw.rc, privileged)
        facts[spec.key] = fact
    return facts
