"""The ``nginx -T`` dump, parsed with crossplane on the auditor: settings by level, file:line.

``nginx -T`` prints every file the running configuration read, each after a
``# configuration file PATH:`` line, in the order nginx opened them. Each section is written
to a private temporary folder of the auditor under a neutral name (``f0.conf``...: a path
from the target never becomes a path here) and parsed by crossplane one file at a time;
``include`` directives are then resolved against the files of the dump itself (the files
nginx really read), never against this machine's file system.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import tempfile
from pathlib import Path
from typing import Any, TypedDict

MAX_FILES = 400
MAX_SERVERS = 500
MAX_LOCATIONS = 3000
MAX_DEPTH = 12
_HEADER = re.compile(r"^# configuration file (?P<path>.{1,500}):$")

# Directives kept per level (http, server, location); allow/deny are kept in order apart.
TRACKED = frozenset({
    "server_tokens", "ssl_protocols", "ssl_ciphers", "ssl_prefer_server_ciphers",
    "add_header", "satisfy", "auth_basic", "auth_request", "return", "rewrite", "listen",
    "server_name", "root", "ssl", "user", "more_set_headers", "more_clear_headers"})
ACCESS = frozenset({"allow", "deny"})
# Blocks whose directives apply only under a run-time condition: kept as evidence and
# named in ``unevaluated`` when they hold something a check reads.
CONDITIONAL = frozenset({"if", "limit_except"})


class Setting(TypedDict):
    """One directive occurrence: its arguments and where it is written."""

    args: list[str]
    at: str  # "file:line"


class Level(TypedDict, total=False):
    """Settings of one level (``http``, a ``server`` or a ``location`` block).

    ``directives``: tracked directive name -> occurrences in order; ``access``: allow/deny
    rules in order (``{"rule", "args", "at"}``); servers and locations also carry
    ``locations`` (nested), locations ``modifier`` ("", "=", "~", "~*", "^~") and ``path``.
    """

    at: str
    directives: dict[str, list[Setting]]
    access: list[dict[str, Any]]
    conditional: list[dict[str, Any]]
    locations: list[Level]
    modifier: str
    path: str


def _clip(text: str, limit: int = 300) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:limit]


def split_dump(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """([(path, content)] in dump order, other lines: nginx's own messages)."""
    files: list[tuple[str, list[str]]] = []
    messages: list[str] = []
    for line in text.split("\n"):
        header = _HEADER.match(line)
        if header and len(files) < MAX_FILES:
            files.append((header["path"], []))
        elif files:
            files[-1][1].append(line)
        elif line.strip() and len(messages) < 50:
            messages.append(_clip(line))
    return [(path, "\n".join(body)) for path, body in files], messages


class _Walker:
    """Walks crossplane's per-file trees, following includes inside the dump."""

    def __init__(self, trees: dict[str, list[dict[str, Any]]], conf_dir: str) -> None:
        self.trees = trees
        self.conf_dir = conf_dir
        self.unevaluated: list[str] = []
        self.locations = 0

    def expand(self, stmts: list[dict[str, Any]], file: str, depth: int = 0
               ) -> list[tuple[str, dict[str, Any]]]:
        """Statements with includes replaced by the included files' statements."""
        out: list[tuple[str, dict[str, Any]]] = []
        for stmt in stmts:
            if stmt.get("directive") == "include" and stmt.get("args"):
                if depth >= MAX_DEPTH:
                    self.unevaluated.append(f"{file}:{stmt.get('line')}: include nested too "
                                            "deep; not followed")
                    continue
                for name in self.included(str(stmt["args"][0])):
                    out.extend(self.expand(self.trees[name], name, depth + 1))
            else:
                out.append((file, stmt))
        return out

    def included(self, pattern: str) -> list[str]:
        """Dump files matching an include pattern (nginx sorts glob results)."""
        if not pattern.startswith("/"):
            pattern = posixpath.join(self.conf_dir, pattern)
        want = pattern.split("/")
        return sorted(name for name in self.trees
                      if len(parts := name.split("/")) == len(want)
                      and all(fnmatch.fnmatchcase(p, w) for p, w in zip(parts, want,
                                                                       strict=True)))

    def reachable(self, main: str) -> set[str]:
        """Files reached from ``main`` by ``include`` in any context (blocks included)."""
        seen = {main}
        todo = [main]
        while todo:
            stack = list(self.trees.get(todo.pop(), []))
            while stack:
                stmt = stack.pop()
                stack.extend(stmt.get("block") or [])
                if stmt.get("directive") == "include" and stmt.get("args"):
                    for name in self.included(str(stmt["args"][0])):
                        if name not in seen:
                            seen.add(name)
                            todo.append(name)
        return seen

    def level(self, stmts: list[dict[str, Any]], file: str, at: str, nests: bool,
              depth: int = 0) -> Level:
        """One block's settings; nested locations recurse (in a block that ``nests`` them:
        a server or a location)."""
        level: Level = {"at": at, "directives": {}, "access": [], "conditional": []}
        if nests:
            level["locations"] = []
        for where_file, stmt in self.expand(stmts, file):
            name = str(stmt.get("directive", ""))
            args = [_clip(str(a)) for a in stmt.get("args", [])][:40]
            where = f"{where_file}:{stmt.get('line')}"
            if name in ACCESS:
                level["access"].append({"rule": name, "args": args, "at": where})
            elif name in TRACKED:
                level["directives"].setdefault(name, []).append({"args": args, "at": where})
            elif name in CONDITIONAL and "block" in stmt and depth < MAX_DEPTH:
                inner = self.level(stmt["block"], where_file, where, False, depth + 1)
                level["conditional"].append({"kind": name, "args": args, "at": where,
                                             "directives": inner["directives"],
                                             "access": inner["access"]})
            elif name == "location" and "locations" in level and "block" in stmt \
                    and depth < MAX_DEPTH and self.locations < MAX_LOCATIONS:
                self.locations += 1
                child = self.level(stmt["block"], where_file, where, True, depth + 1)
                modifier = args[0] if len(args) > 1 else ""
                child["modifier"], child["path"] = modifier, args[-1] if args else ""
                level["locations"].append(child)
        return level


def parse_dump(text: str, conf: str = "") -> dict[str, Any]:
    """The dump as ``{"files", "errors", "messages", "main", "http", "servers",
    "unevaluated"}``; ``main`` and ``http`` are :class:`Level` values, ``servers`` a list
    of them (with ``locations``). ``errors`` are crossplane's, with the real file:line."""
    sections, messages = split_dump(text)
    if not sections:
        return {"files": [], "errors": ["the dump holds no configuration file"],
                "messages": messages, "main": None, "http": None, "servers": [],
                "unevaluated": []}
    import crossplane  # only a scan that reads an nginx dump needs the parser

    names = [path for path, _ in sections]
    trees: dict[str, list[dict[str, Any]]] = {}
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="posture-nginx-") as folder:
        for index, (path, content) in enumerate(sections):
            local = Path(folder) / f"f{index}.conf"
            local.write_text(content, encoding="utf-8", errors="replace")
            try:
                payload = crossplane.parse(str(local), single=True, check_ctx=False,
                                           check_args=False, catch_errors=True)
            except (RecursionError, MemoryError, ValueError, OSError) as exc:
                # Hostile nesting or bytes: this file is not judged, and the error says so.
                why = f"not parsed ({type(exc).__name__})"
                payload = {"config": [], "errors": [{"line": None, "error": why}]}
            config = payload["config"][0] if payload.get("config") else {}
            trees.setdefault(path, config.get("parsed") or [])
            errors.extend(f"{path}:{e.get('line')}: {_clip(str(e.get('error')))}"
                          .replace(str(local), path) for e in payload.get("errors", [])[:20])
    main_file = names[0]
    walker = _Walker(trees, posixpath.dirname(conf or main_file))
    # nginx dumps only files it read through includes: a section nothing includes comes from
    # a "# configuration file" line inside a file, and the split cannot be trusted.
    stray = [n for n in names if n not in walker.reachable(main_file)]
    errors.extend(f"{_clip(n)}: in the dump but included by nothing (a '# configuration "
                  "file' line inside a file?); the dump cannot be split reliably"
                  for n in stray[:10])
    main = walker.level(trees[main_file], main_file, f"{main_file}:1", False)
    http: Level | None = None
    servers: list[Level] = []
    for where_file, stmt in walker.expand(trees[main_file], main_file):
        if stmt.get("directive") != "http" or "block" not in stmt:
            if stmt.get("directive") in ("stream", "mail"):
                walker.unevaluated.append(f"{where_file}:{stmt.get('line')}: "
                                          f"{stmt.get('directive')} block not evaluated")
            continue
        at = f"{where_file}:{stmt.get('line')}"
        http = walker.level(stmt["block"], where_file, at, False)
        for server_file, child in walker.expand(stmt["block"], where_file):
            if child.get("directive") == "server" and "block" in child \
                    and len(servers) < MAX_SERVERS:
                servers.append(walker.level(child["block"], server_file,
                                            f"{server_file}:{child.get('line')}", True))
    return {"files": [_clip(n) for n in names], "errors": errors[:50], "messages": messages,
            "main": main, "http": http, "servers": servers,
            # The http block is walked twice (its settings, its servers): each note once.
            "unevaluated": list(dict.fromkeys(walker.unevaluated))[:50]}
