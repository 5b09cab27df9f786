"""Parsers: raw section text (hostile, already size-bounded) -> JSON-able fact values.

Each parser is pure and raises :class:`ParseError` when the text is not what the command
prints. Values are bounded again here (line counts, string lengths) so one odd target cannot
blow up a facts file.
"""

from __future__ import annotations

import re
import shlex

from posture.models import JSON

MAX_LINES = 5000
MAX_VALUE = 400


class ParseError(ValueError):
    """The output does not have the expected shape."""


def _clip(text: str, limit: int = MAX_VALUE) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _lines(text: str) -> list[str]:
    return [line.rstrip("\r") for line in text.splitlines()[:MAX_LINES]]


def _int_or_none(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.lstrip("-").isdecimal() else None


def parse_int(text: str) -> JSON:
    """A single integer."""
    value = _int_or_none(text.strip().splitlines()[0] if text.strip() else "")
    if value is None:
        raise ParseError("expected an integer")
    return value


def parse_env_file(text: str) -> JSON:
    """``KEY=value`` lines with shell quoting (os-release)."""
    out: dict[str, str] = {}
    # A file saved by an editor that writes a byte-order mark would otherwise hide its first
    # key (usually NAME or ID) behind U+FEFF.
    for line in _lines(text.removeprefix("\ufeff")):
        if "=" not in line or line.lstrip().startswith("#"):
            continue
        key, _, raw = line.partition("=")
        key = key.strip()
        if not re.fullmatch(r"[A-Z0-9_]{1,64}", key):
            continue
        try:
            parts = shlex.split(raw)
        except ValueError:
            parts = [raw.strip("\"'")]
        out[key] = _clip(" ".join(parts))
    if "ID" not in out and "NAME" not in out:
        raise ParseError("no ID or NAME in os-release")
    return out


def parse_lsb(text: str) -> JSON:
    """``lsb_release -a``: ``Distributor ID:\tUbuntu`` lines."""
    names = {"distributor id": "distributor_id", "description": "description",
             "release": "release", "codename": "codename"}
    out: dict[str, str] = {}
    for line in _lines(text):
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() in names:
            out[names[key.strip().lower()]] = _clip(value.strip())
    if not out:
        raise ParseError("no lsb_release fields")
    return out


def parse_tab_map(text: str) -> JSON:
    """``key<TAB>value`` lines."""
    out: dict[str, str] = {}
    for line in _lines(text):
        key, sep, value = line.partition("\t")
        if sep:
            out[_clip(key)] = _clip(value.strip())
    return out


def parse_count_map(text: str) -> JSON:
    """``name<TAB>count`` lines, counts summed per name."""
    out: dict[str, int] = {}
    for line in _lines(text):
        key, sep, value = line.partition("\t")
        count = _int_or_none(value)
        if sep and count is not None:
            out[_clip(key, 64)] = out.get(_clip(key, 64), 0) + count
    return out


def parse_packages(text: str) -> JSON:
    """First line ``manager dpkg|rpm``, then ``name<TAB>version``."""
    lines = _lines(text)
    if not lines or not lines[0].startswith("manager "):
        raise ParseError("no package manager line")
    packages: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, version = line.partition("\t")
        if sep and name:
            packages[_clip(name, 100)] = _clip(version.strip(), 100)
    return {"manager": lines[0].split(" ", 1)[1].strip(), "packages": packages}


_APACHE_RE = re.compile(r"Server version:\s*(?P<sv>\S+(?:\s+\([^)]*\))?)")


def parse_apache_version(text: str) -> JSON:
    """``apache2 -v``: ``Server version: Apache/2.4.62 (Debian)`` and ``Server built:``."""
    match = _APACHE_RE.search(text)
    if not match:
        raise ParseError("no 'Server version:' line")
    server_version = _clip(match.group("sv"))
    ver = re.search(r"/(\d+(?:\.\d+){1,3})", server_version)
    built = re.search(r"Server built:\s*(.+)", text)
    return {
        "server_version": server_version,
        "version": ver.group(1) if ver else "",
        "built": _clip(built.group(1).strip()) if built else "",
    }


_INC = re.compile(r"inc (?P<indent>\s*)\((?P<line>\*|\d+)\) (?P<path>.+)")
_GREP_LINE = re.compile(r"(?P<file>[^:]+):(?P<line>\d+):")
OrderKey = tuple[tuple[int, int], ...]


def _include_keys(entries: list[str]) -> dict[str, OrderKey]:
    """Apache's ``DUMP_INCLUDES`` tree (``inc`` lines: indentation = depth, ``(N)`` = the
    line of the parent that includes the file) -> a key per file that sorts in read order."""
    keys: dict[str, OrderKey] = {}
    stack: list[tuple[int, OrderKey]] = []
    for index, raw in enumerate(entries):
        match = _INC.fullmatch(raw)
        if not match:
            continue
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else ()
        line = 0 if match["line"] == "*" else int(match["line"])
        key = (*parent, (line, index))
        keys.setdefault(match["path"], key)
        stack.append((indent, key))
    return keys


def apache_read_order(lines: list[str]) -> list[str]:
    """Put ``file:line:text`` lines of each Apache root (after its ``root`` line) in the order
    the server reads them, from the ``inc`` lines of its ``DUMP_INCLUDES`` listing: a directive
    after an ``Include`` comes after the included files, so "the last one wins" holds. A root
    without that listing (older Apache: globbed files) keeps its order."""
    out: list[str] = []
    segment: list[str] = []

    def flush() -> None:
        keys = _include_keys(segment)
        if not keys:
            out.extend(segment)
            return
        head = [raw for raw in segment if not _GREP_LINE.match(raw)]
        body = [raw for raw in segment if _GREP_LINE.match(raw)]

        def key(raw: str) -> OrderKey:
            match = _GREP_LINE.match(raw)
            assert match is not None
            base = keys.get(match["file"], ((1 << 30, 0),))
            return (*base, (int(match["line"]), -1))
        out.extend(head + sorted(body, key=key))

    for raw in lines:
        if raw.startswith("root ") and segment:
            flush()
            segment = []
        segment.append(raw)
    flush()
    return out


def parse_apache_directives(text: str) -> JSON:
    """``root DIR`` lines, then ``grep -Hn`` output: ``file:line:   Directive args``.

    ``read_from`` says per root how its file list was made: ``dump_includes N`` (the running
    server's own list) or ``glob N`` (enabled files under the root, older Apache).
    """
    directives: list[dict[str, JSON]] = []
    roots: list[str] = []
    read_from: list[JSON] = []
    for line in apache_read_order(_lines(text)):
        if line.startswith("root "):
            roots.append(_clip(line[5:]))
            continue
        if line.startswith("read ") and len(read_from) < 5:
            read_from.append(_clip(line[5:], 60))
            continue
        match = re.match(r"(?P<file>[^:]+):(?P<line>\d+):\s*(?P<name>\S+)\s*(?P<args>.*)$", line)
        if match:
            directives.append({
                "file": _clip(match.group("file")), "line": int(match.group("line")),
                "name": match.group("name")[:40], "args": _clip(match.group("args").strip()),
            })
    return {"roots": roots, "read_from": read_from, "directives": directives}


def parse_ps(text: str) -> JSON:
    """``ps -eo stat=,user=,pid=,ppid=,comm=`` (or the same without ``stat``).

    Zombies are left out: a defunct process is not a running daemon, and on a host whose init
    does not reap orphans they would otherwise stand for services long gone.
    """
    procs: list[dict[str, JSON]] = []
    for line in _lines(text):
        parts = line.split(None, 4)
        if len(parts) == 5 and parts[2].isdecimal() and parts[3].isdecimal():
            state, user, pid, ppid, comm = parts
        else:
            parts = line.split(None, 3)
            if not (len(parts) == 4 and parts[1].isdecimal() and parts[2].isdecimal()):
                continue
            state, (user, pid, ppid, comm) = "", parts
        if state.startswith("Z"):
            continue
        procs.append({"user": _clip(user, 64), "pid": int(pid), "ppid": int(ppid),
                      "comm": _clip(comm, 64)})
    if not procs:
        raise ParseError("no processes listed")
    return procs


def parse_sshd_t(text: str) -> JSON:
    """``sshd -T``: ``key value`` lines; each occurrence kept (subsystem, listenaddress...)."""
    options: dict[str, list[str]] = {}
    for line in _lines(text):
        key, _, value = line.strip().partition(" ")
        if re.fullmatch(r"[a-z0-9]{2,64}", key):
            options.setdefault(key, []).append(_clip(value.strip(), 2000))
    if "port" not in options and "ciphers" not in options:
        raise ParseError("not sshd -T output")
    return options


def parse_passwd(text: str) -> JSON:
    """``/etc/passwd`` without the GECOS field (it holds people's names)."""
    users: list[dict[str, JSON]] = []
    for line in _lines(text):
        parts = line.split(":")
        if len(parts) >= 7 and parts[2].isdecimal():
            users.append({"name": _clip(parts[0], 64), "uid": int(parts[2]),
                          "gid": _int_or_none(parts[3]), "home": _clip(parts[5]),
                          "shell": _clip(parts[6])})
    if not users:
        raise ParseError("no passwd entries")
    return users


def parse_shadow(text: str) -> JSON:
    """Our awk rendering of /etc/shadow: ``name:state:lastchg:min:max:warn:inactive:expire``."""
    names = ("last_change", "min", "max", "warn", "inactive", "expire")
    accounts: list[dict[str, JSON]] = []
    for line in _lines(text):
        parts = line.split(":")
        if len(parts) != 8 or parts[1] not in {"set", "locked", "none", "empty"}:
            continue
        entry: dict[str, JSON] = {"name": _clip(parts[0], 64), "password": parts[1]}
        entry.update({name: _int_or_none(v) for name, v in zip(names, parts[2:], strict=True)})
        accounts.append(entry)
    if not accounts:
        raise ParseError("no shadow entries")
    return accounts


def parse_login_defs(text: str) -> JSON:
    """``NAME value`` lines of /etc/login.defs."""
    out: dict[str, str] = {}
    for line in _lines(text):
        parts = line.split(None, 1)
        if len(parts) == 2 and re.fullmatch(r"[A-Z_]{1,64}", parts[0]):
            out[parts[0]] = _clip(parts[1].strip())
    return out


def _options(words: list[str]) -> dict[str, str]:
    opts: dict[str, str] = {}
    for word in words:
        key, sep, value = word.partition("=")
        opts[_clip(key, 64)] = _clip(value) if sep else ""
    return opts


def parse_pam(text: str) -> JSON:
    """``file<TAB>line`` from PAM password stacks and pwquality.conf files."""
    modules: list[dict[str, JSON]] = []
    pwquality: dict[str, str] = {}
    for line in _lines(text):
        path, sep, rest = line.partition("\t")
        if not sep:
            continue
        if "pwquality.conf" in path:
            key, eq, value = rest.partition("=")
            if eq:
                pwquality[_clip(key.strip(), 64)] = _clip(value.strip())
            continue
        words = rest.split()
        if len(words) < 3 or words[0].lstrip("-") != "password":
            continue
        control, index = words[1], 2
        if control.startswith("["):  # [success=1 default=ignore] spans words
            while not words[index - 1].endswith("]") and index < len(words):
                index += 1
            control = " ".join(words[1:index])
        if index >= len(words):
            continue
        modules.append({"file": _clip(path), "type": "password", "control": _clip(control),
                        "module": _clip(words[index], 100),
                        "options": _options(words[index + 1:])})
    return {"modules": modules, "pwquality": pwquality}


def parse_ss(text: str) -> JSON:
    """``ss -tlnpH``: state recv send local peer [process]."""
    sockets: list[dict[str, JSON]] = []
    for line in _lines(text):
        parts = line.split(None, 5)
        if len(parts) < 5:
            continue
        local = parts[3]
        address, _, port = local.rpartition(":")
        if not port.isdecimal():
            continue
        process = ""
        if len(parts) == 6:
            names = re.findall(r'\("([^"]{1,64})"', parts[5])
            process = ",".join(sorted(set(names)))
        sockets.append({"address": _clip(address.strip("[]"), 100), "port": int(port),
                        "process": process})
    return sockets
