"""One POSIX sh script per host: every fact a section between sentinels.

The script arrives on the remote shell's standard input (never on a command line). Each
section prints ``<marker> B <key>`` before and ``<marker> E <key> <exit status>`` after its
output, on stdout and on stderr alike, so both streams can be split without interleaving
them. The marker carries a per-run random nonce, so target output cannot forge a section
boundary by accident. Each snippet runs with stdin from /dev/null (it must not eat the rest of
the script), or from a quoted here-document of validated DATA lines when its fact takes data
(e.g. the source addresses of ``sshd.contexts``), and under ``timeout`` when the target has it.

Slow facts marked ``alongside`` (bounded text, no NUL bytes) run beside the others: the batch
is then a pipeline of two lanes, and the second lane's two streams are held on the target, in
shell variables, until the first lane has written both of its own. Each stream then carries
the first lane's sections followed by the second's, whole, so the splitter reads them as it
reads a batch run in sequence.
"""

from __future__ import annotations

import re
import secrets
import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from posture.collect.facts.parsers import MAX_LINES, ParseError
from posture.collect.facts.registry import FactSpec
from posture.models import Fact, FactStatus

SECTION_CAP = 1 << 20  # bytes of one section kept for parsing

# The watchdog ends what the batch started when posture is gone: once a second it writes a
# keep-alive line to stderr, which fails (EPIPE) when the SSH channel was closed (posture
# interrupted, killed, or its connection dropped). It then signals every descendant of the
# batch's shell (the lanes of a two-lane batch are subshells, their sections' ``timeout``
# one level further down; ``timeout`` leads a process group of its own and passes the signal
# on to it) and the batch's shell itself, so nothing keeps running on the target until its
# own timeout. Never the whole process group: where the batch shares one with others (a
# local run), only what the batch started may be ended.
# It ignores TERM itself, so it outlives its own signals; the epilogue ends it with KILL.
# The splitter drops the keep-alive lines.
_PRELUDE = """\
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH
LC_ALL=C; export LC_ALL; umask 077
if command -v timeout >/dev/null 2>&1; then T="timeout -k 2 {timeout}"; else T=""; fi
posture_kids() {{ for posture_k in $(pgrep -P "$1" 2>/dev/null); do
    echo "$posture_k"; posture_kids "$posture_k"; done; }}
( trap '' PIPE TERM; while kill -0 $$ 2>/dev/null; do
    sleep 1 </dev/null >/dev/null 2>&1
    printf '%s K\\n' {m} >&2 2>/dev/null || {{
      posture_all=$(posture_kids $$)
      pkill -TERM -P $$ 2>/dev/null; kill -TERM $posture_all 2>/dev/null
      kill -TERM $$ 2>/dev/null; exit 0; }}
  done ) </dev/null >/dev/null &
posture_watchdog=$!
"""

# The second lane of a two-lane batch. Its sections' stderr goes to fd 4 (the outer capture)
# while their stdout is captured inside; then a separator line and the stdout follow, so one
# variable holds both streams in that order, split again by sed at the separator (never by
# the shell's pattern removal, which is quadratic in some shells). The first lane's stdout
# arrives on this stage's stdin and is passed on by a ``cat`` started first, so the first
# lane never waits on a full pipe; an asynchronous command's stdin would be /dev/null, hence
# the copy on fd 5.
_SECOND_LANE = """\
}} | {{
exec 5<&0
cat <&5 &
posture_cat=$!
posture_held=$( {{ posture_out=$( {{
{sections}}} 2>&4 5<&- ); printf '\\n%s H\\n%s\\n' {m} "$posture_out"; }} 4>&1 5<&- )
wait "$posture_cat"
printf '%s\\n' "$posture_held" | sed '1,/^{m} H$/d'
printf '%s\\n' "$posture_held" | sed '/^{m} H$/,$d' >&2
}}
"""

_EPILOGUE = """\
kill -KILL "$posture_watchdog" 2>/dev/null
exit 0
"""

# The begin marker starts on a fresh line: start-up noise of a login shell (a .bashrc that
# prints without a final newline) must not swallow it.
_SECTION = """\
printf '\\n%s B %s\\n' {m} {key}; printf '\\n%s B %s\\n' {m} {key} >&2
$T sh -c {snippet} {stdin}
rc=$?
printf '\\n%s E %s %s\\n' {m} {key} "$rc"; printf '\\n%s E %s %s\\n' {m} {key} "$rc" >&2
"""


def new_marker() -> str:
    """A sentinel nobody on the target can predict."""
    return "__POSTURE_" + secrets.token_hex(12) + "__"


# What a line of DATA may hold (see FactSpec.data): tokens such as names and addresses only.
# The here-document delimiter holds a '%', which no data line can.
_DATA_LINE = re.compile(r"[A-Za-z0-9_.:/ -]{0,200}")
MAX_DATA_LINES = 500


def data_stdin(lines: Sequence[str], marker: str) -> str:
    """A quoted here-document carrying ``lines`` to a snippet's standard input.

    Raises ``ValueError`` for a line outside the strict character set (the producers validate
    first; this is the last gate before the target's shell).
    """
    if len(lines) > MAX_DATA_LINES:
        raise ValueError(f"{len(lines)} data lines (at most {MAX_DATA_LINES})")
    for line in lines:
        if not _DATA_LINE.fullmatch(line):
            raise ValueError(f"data line {line[:60]!r} has characters outside [A-Za-z0-9_.:/ -]")
    delimiter = f"{marker}%DATA"
    return "<<'" + delimiter + "'\n" + "".join(f"{line}\n" for line in lines) + delimiter


def build_script(specs: Sequence[FactSpec], marker: str, command_timeout: float,
                 data: Mapping[str, Sequence[str]] | None = None) -> bytes:
    """Return the script that gathers ``specs`` in order.

    ``data`` maps a fact key to the lines its snippet reads on standard input (a quoted
    here-document); every other snippet reads /dev/null.
    """
    def sections(lane: Sequence[FactSpec]) -> str:
        out = []
        for spec in lane:
            lines = (data or {}).get(spec.key)
            stdin = data_stdin(lines, marker) if lines is not None else "</dev/null"
            out.append(_SECTION.format(m=marker, key=spec.key, stdin=stdin,
                                       snippet=shlex.quote(spec.snippet)))
        return "".join(out)

    first = [spec for spec in specs if not spec.alongside]
    second = [spec for spec in specs if spec.alongside]
    prelude = _PRELUDE.format(timeout=max(1, int(command_timeout)), m=marker)
    if not (first and second):  # one lane: the sections in sequence
        return (prelude + sections(specs) + _EPILOGUE).encode()
    return (prelude + "{\n" + sections(first)
            + _SECOND_LANE.format(m=marker, sections=sections(second)) + _EPILOGUE).encode()


@dataclass
class _Raw:
    out: list[str]
    err: list[str]
    rc: int | None = None
    over_cap: bool = False  # stdout of the section went past SECTION_CAP


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
    keepalive = mark + b" K"
    current: str | None = None
    size = 0
    for start, end in _lines(data):
        if data.startswith(mark, start) and end - start < len(mark) + 120:
            if data[start:end] == keepalive:
                continue
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
            getattr(raws[current], stream).append(data[start:end].decode(errors="replace"))
        elif stream == "out":
            raws[current].over_cap = True


def _strip_closing_newline(lines: list[str]) -> str:
    # The end marker starts with a newline of its own; drop the empty line it leaves.
    if lines and lines[-1] == "":
        lines = lines[:-1]
    return "\n".join(lines)


_DENIED = re.compile(r"permission denied|operation not permitted|must be run as root|"
                     r"no hostkeys available|are you root", re.I)
_MISSING = re.compile(r"not found|no such file or directory", re.I)


def classify(spec: FactSpec, out: str, err: str, rc: int | None, *, privileged: bool,
             over_cap: bool = False) -> Fact:
    """Turn one section's output into a :class:`Fact` with an honest status.

    A value parsed from output that went past a cap (``over_cap``: the section's bytes; or
    :data:`MAX_LINES` lines, which line-based parsers keep) is marked ``truncated``.
    """
    truncated = over_cap or out.count("\n") + 1 > MAX_LINES

    def fact(status: FactStatus, reason: str, value: object = None) -> Fact:
        return Fact(spec.key, status, value, reason[:500], spec.snippet.strip()[:2000],
                    rc, privileged, truncated and status is FactStatus.OK)

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


def split_sections(stdout: bytes, stderr: bytes, marker: str, keys: Sequence[str]
                   ) -> dict[str, tuple[bytes, bytes, int | None]]:
    """The raw sections of ``keys``: (stdout, stderr, exit status) each, as the target sent
    them (used to record a host; judging goes through :func:`split_output`)."""
    raws = {key: _Raw([], []) for key in keys}
    _split(stdout, marker, "out", raws)
    _split(stderr, marker, "err", raws)

    def text(lines: list[str]) -> bytes:
        body = _strip_closing_newline(lines)
        return (body + "\n").encode() if body else b""

    return {key: (text(raw.out), text(raw.err), raw.rc) for key, raw in raws.items()}


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
                        raw.rc, privileged=privileged, over_cap=raw.over_cap)
        if raw.rc is None and failure:
            status = FactStatus.TIMEOUT if "time" in failure else FactStatus.ERROR
            fact = Fact(spec.key, status, None, failure[:500], fact.command, None, privileged)
        facts[spec.key] = fact
    return facts
