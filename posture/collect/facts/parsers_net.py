"""Parsers of the network family's SSH facts (see :mod:`posture.collect.facts.network`).

Like :mod:`posture.collect.facts.parsers`: pure, bounded, and raising :class:`ParseError` when the
text is not what the command prints.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

from posture.collect.facts.parsers import ParseError, _clip, _lines, apache_read_order
from posture.models import JSON

MAX_OBJECTS = 20000
MAX_RULES = 5000
_GREP = re.compile(r"^(?P<file>[^\n]*?):(?P<line>\d+):(?P<text>.*)$")
_NFT_KINDS = frozenset({"table", "chain", "rule", "set", "map"})


def parse_nft(text: str) -> JSON:
    """``nft -j list ruleset``: the table/chain/rule/set/map objects, at most 20000."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ParseError(f"not nft JSON ({exc.__class__.__name__})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("nftables"), list):
        raise ParseError("no 'nftables' list")
    objects = [o for o in doc["nftables"]
               if isinstance(o, dict) and len(o) == 1 and next(iter(o)) in _NFT_KINDS]
    return {"objects": objects[:MAX_OBJECTS], "truncated": len(objects) > MAX_OBJECTS}


def _split_args(text: str) -> list[str]:
    try:
        return [_clip(a, 200) for a in shlex.split(text)][:200]
    except ValueError:
        return [_clip(a, 200) for a in text.split()][:200]


# What iptables-save prints (stderr is merged into the section) when it cannot read a table:
# permission problems and libiptc/nft failures. "Table does not exist" (a module not loaded)
# is not among them: that table has no rules.
_SAVE_FAILED = re.compile(r"Cannot initialize|Can't initialize|Permission denied|you must be "
                          r"root|Failed to list table names|Could not fetch rule set", re.I)


def parse_iptables(text: str) -> JSON:
    """Sections ``### BACKEND FAMILY`` of iptables-save output, parsed per table.

    Value: ``{"backends": {backend: {family: {table: {"policies": {chain: policy},
    "rules": [{"chain", "args"}]}}}}, "incompatible": [[backend, family, table]]}``.
    """
    backends: dict[str, dict[str, dict[str, Any]]] = {}
    incompatible: list[list[str]] = []
    current: dict[str, Any] | None = None
    section: tuple[str, str] | None = None
    count = 0
    for line in _lines(text):
        head = re.match(r"^### (legacy|nft) (ipv4|ipv6)$", line)
        if head:
            section = (head.group(1), head.group(2))
            backends.setdefault(section[0], {}).setdefault(section[1], {})
            current = None
            continue
        if section is None:
            continue
        failed = not line.startswith(("-A ", ":", "*", "#")) and _SAVE_FAILED.search(line)
        if failed:
            # The save tool could not read a table: a missing table would read as "no rules".
            raise ParseError(f"{section[0]} {section[1]}: {_clip(line.strip(), 200)}")
        bad = re.match(r"^# Table `(\w+)' (?:contains|is) incompatible", line)
        if bad:
            incompatible.append([section[0], section[1], bad.group(1)])
        elif line.startswith("*") and re.fullmatch(r"\*\w{1,32}", line):
            current = {"policies": {}, "rules": []}
            backends[section[0]][section[1]][line[1:]] = current
        elif current is not None and line.startswith(":"):
            parts = line[1:].split()
            if len(parts) >= 2:
                current["policies"][_clip(parts[0], 64)] = _clip(parts[1], 16)
        elif current is not None and line.startswith("-A ") and count < MAX_RULES:
            args = _split_args(line[3:])
            if args:
                current["rules"].append({"chain": args[0], "args": args[1:]})
                count += 1
    if not backends:
        raise ParseError("no iptables-save section")
    return {"backends": backends, "incompatible": incompatible, "truncated": count >= MAX_RULES}


def parse_frontends(text: str) -> JSON:
    """ufw and firewalld: installed, enabled/state, and their rule lines (evidence only)."""
    out: dict[str, dict[str, Any]] = {}
    for line in _lines(text):
        word, _, rest = line.partition(" ")
        if word not in ("ufw", "firewalld"):
            continue
        entry = out.setdefault(word, {"installed": True, "lines": []})
        kind, _, value = rest.partition(" ")
        if kind == "conf" and value.startswith("ENABLED="):
            entry["enabled"] = value.split("=", 1)[1].strip().strip('"').lower() == "yes"
        elif kind == "state":
            entry["state"] = _clip(value.strip(), 60)
        elif kind in ("status", "zone") and len(entry["lines"]) < 300:
            entry["lines"].append(_clip(value, 300))
    return out


def grep_lines(text: str, limit: int = 2000) -> list[dict[str, Any]]:
    """``grep -Hn`` output as ``[{"file", "line", "text"}]``."""
    out: list[dict[str, Any]] = []
    for raw in _lines(text):
        match = _GREP.match(raw)
        if match and len(out) < limit:
            out.append({"file": _clip(match["file"], 300), "line": int(match["line"]),
                        "text": _clip(match["text"].strip(), 400)})
    return out


def parse_sshd_access(text: str) -> JSON:
    """sshd access lines (Match, Allow*/Deny*, ListenAddress, Port) with file:line, the
    TCP-wrapper files, and whether sshd is linked with libwrap."""
    lines = grep_lines(text)
    wrappers = [e for e in lines if e["file"] in ("/etc/hosts.allow", "/etc/hosts.deny")]
    config = [e for e in lines if e not in wrappers]
    libwrap = None
    for line in _lines(text):
        if line.startswith("libwrap "):
            libwrap = line.split()[1] == "yes"
    return {"config": config, "tcp_wrappers": wrappers, "libwrap": libwrap}


_SECTION_OPEN = re.compile(r"^<\s*(\w+)\s*(.*?)\s*>$")
_SECTION_CLOSE = re.compile(r"^</\s*(\w+)\s*>$")
SECTIONS = frozenset({"location", "locationmatch", "directory", "directorymatch", "files",
                      "filesmatch", "virtualhost", "if", "limit", "limitexcept"})
AUTHZ = frozenset({"require", "order", "allow", "deny", "satisfy"})
CONTAINERS = frozenset({"requireall", "requireany", "requirenone"})


def parse_apache_access(text: str) -> JSON:
    """Access-control directives of the running Apache by section, with file:line.

    Value: ``{"roots": [dir], "listen": [{"root", "address"}], "sections": [{"root", "file",
    "line", "kind", "arg", "parents": [str], "rules": [{"line", "name", "args"}]}]}``
    (several Apache instances may run: each line belongs to the root printed before it);
    authorization containers
    (``<RequireAll>`` ...) appear in ``rules`` as ``<requireall>``/``</requireall>``.
    """
    roots: list[str] = []
    read_from: list[str] = []  # per root: "dump_includes N" (the server's list) or "glob N"
    listen: list[dict[str, str]] = []
    sections: list[dict[str, Any]] = []
    stacks: dict[str, list[dict[str, Any]]] = {}
    for raw in apache_read_order(_lines(text)):
        if raw.startswith("root ") and len(roots) < 5:
            roots.append(_clip(raw[5:], 300))
            continue
        if raw.startswith("read ") and len(read_from) < 5:
            read_from.append(_clip(raw[5:], 60))
            continue
        found = grep_lines(raw, 1)
        if not found:
            continue
        entry = found[0]
        stack = stacks.setdefault(entry["file"], [])
        line = entry["text"]
        opened, closed = _SECTION_OPEN.match(line), _SECTION_CLOSE.match(line)
        tag = opened or closed
        name = tag[1].lower() if tag else (line.split() or [""])[0].lower()
        if opened and name in SECTIONS:
            section = {"root": roots[-1] if roots else "", "file": entry["file"],
                       "line": entry["line"], "kind": name,
                       "arg": _clip(opened[2].strip('"'), 200),
                       "parents": [f"{s['kind']} {s['arg']}" for s in stack], "rules": []}
            stack.append(section)
            sections.append(section)
        elif closed and name in SECTIONS:
            if stack:
                stack.pop()
        elif name in CONTAINERS and stack:
            stack[-1]["rules"].append({"line": entry["line"],
                                       "name": f"</{name}>" if closed else f"<{name}>",
                                       "args": []})
        elif name in AUTHZ and stack:
            stack[-1]["rules"].append({"line": entry["line"], "name": name,
                                       "args": _split_args(line)[1:50]})
        elif name == "listen" and len(listen) < 50:
            listen.extend({"root": roots[-1] if roots else "", "address": a}
                          for a in _split_args(line)[1:2])
    return {"roots": roots, "read_from": read_from, "listen": listen,
            "sections": sections[:2000]}


def parse_mysql_access(text: str) -> JSON:
    """MariaDB/MySQL: server options, live variables and account host patterns."""
    out: dict[str, Any] = {"pids": [], "args": [], "config": [], "listening": [],
                           "socket": "", "variables": {}, "accounts": [], "client_error": ""}
    names = ("bind_address", "skip_networking", "port")
    for line in _lines(text):
        word, _, rest = line.partition(" ")
        if word == "pid" and rest.isdecimal():
            out["pids"].append(int(rest))
        elif word in ("arg", "conf"):
            bucket = out["args" if word == "arg" else "config"]
            if len(bucket) < 40:
                bucket.append(_clip(rest, 200))
        elif word == "listen" and len(out["listening"]) < 5:
            out["listening"].append(_clip(rest, 200))
        elif word == "socket" and not out["socket"]:
            out["socket"] = _clip(rest, 200)
        elif line.startswith("var\t"):
            out["variables"] = dict(zip(names, (_clip(v, 200) for v in line.split("\t")[1:4]),
                                        strict=False))
        elif line.startswith("acct\t") and len(out["accounts"]) < 500:
            parts = line.split("\t")
            if len(parts) >= 3:
                out["accounts"].append({"user": _clip(parts[1], 80), "host": _clip(parts[2], 255)})
        elif line.startswith("ERROR") and not out["client_error"]:
            out["client_error"] = _clip(line, 300)
    return out


_PG_RULE_FIELDS = ("line", "type", "database", "user", "address", "netmask", "method", "error")


def _pg_row(cluster: dict[str, Any], line: str) -> None:
    parts = line.split("\t")
    if parts[0] == "set" and len(parts) >= 5:
        name = _clip(parts[1], 60)
        cluster["settings"][name] = _clip(parts[2], 200)
        cluster["from_server"] = True
        cluster["sources"][name] = _clip(f"{parts[3]}:{parts[4]}", 300) if parts[3] \
            else "built-in default or command line"
    elif parts[0] == "rule" and len(parts) >= 9 and len(cluster["rules"]) < 500:
        rule: dict[str, Any] = dict(zip(_PG_RULE_FIELDS, (_clip(v, 200) for v in parts[1:9]),
                                        strict=True))
        rule["line"] = int(rule["line"]) if rule["line"].isdecimal() else 0
        rule["database"] = rule["database"].split(",")[:50]
        rule["user"] = rule["user"].split(",")[:50]
        cluster["rules"].append(rule)


def parse_postgres_access(text: str) -> JSON:
    """PostgreSQL clusters: effective settings and pg_hba rules of each running server (as
    its superuser reads them), its configuration lines, and Debian's cluster files.

    A running cluster starts at ``cluster <data dir>``; ``set``/``rule`` rows come from the
    server; ``hba file:line:text`` are its pg_hba file's lines; ``file:line:text`` lines are
    its configuration (postgresql.conf, conf.d, then
    postgresql.auto.conf, so the last one wins when the server could not be asked); any
    other line is the client's error. After ``files``, grep lines of /etc/postgresql.
    """
    clusters: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None

    def new(folder: str) -> dict[str, Any]:
        return clusters.setdefault(folder, {"folder": folder, "settings": {}, "sources": {},
                                            "from_server": False, "hba": [], "rules": [],
                                            "client_error": ""})

    for raw in _lines(text):
        if raw.startswith("cluster ") and len(clusters) < 10:
            current = new(_clip(raw[8:], 300))
        elif raw == "files":
            current = None
        elif current is not None and raw.startswith("port "):
            current["port"] = _clip(raw[5:].strip(), 10)
        elif current is not None and raw.startswith(("set\t", "rule\t")):
            _pg_row(current, raw)
        elif current is not None and raw.startswith("hba "):
            for entry in grep_lines(raw[4:], 1):
                current["hba_file"] = entry["file"]
                if len(current["hba"]) < 500:
                    current["hba"].append({"line": entry["line"], "fields": [
                        _clip(w, 100) for w in entry["text"].split()[:8]]})
        elif current is not None:
            found = grep_lines(raw, 1)
            if not found:
                current["client_error"] = current["client_error"] or _clip(raw, 300)
                continue
            key, _, value = found[0]["text"].partition("=")
            key = key.strip().lower()
            value = value.split("#", 1)[0].strip().strip("'\"")
            if not current["from_server"]:
                current["settings"][key] = _clip(value, 200)
                current["sources"][key] = f"{found[0]['file']}:{found[0]['line']}"
        else:
            for entry in grep_lines(raw, 1):
                cluster = new(entry["file"].rsplit("/", 1)[0])
                if entry["file"].endswith("postgresql.conf"):
                    key, _, value = entry["text"].partition("=")
                    value = value.split("#", 1)[0].strip().strip("'\"")
                    cluster["settings"][key.strip().lower()] = _clip(value, 200)
                    cluster["sources"][key.strip().lower()] = \
                        f"{entry['file']}:{entry['line']}"
                elif len(cluster["hba"]) < 500:
                    words = entry["text"].split()
                    cluster["hba"].append({"line": entry["line"],
                                           "fields": [_clip(w, 100) for w in words[:8]]})
    return {"clusters": list(clusters.values())[:10]}
