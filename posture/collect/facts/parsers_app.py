"""Parsers of the application-family SSH facts (see catalog_app.py). Output is hostile:
every value is bounded and only expected shapes survive."""

from __future__ import annotations

import re

from posture.models import JSON

_MAX_FILES = 50
_DEFINE = re.compile(r"""define\(\s*'([A-Z_]{1,40})'\s*,\s*(['"])(.{0,500}?)\2\s*\)""")


def _clip(text: str, limit: int = 300) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:limit]


def parse_vsftpd(text: str) -> JSON:
    """``running|installed<TAB>path`` lines, then ``path<TAB>key=value`` lines."""
    running: list[str] = []
    installed: list[str] = []
    configs: dict[str, dict[str, str]] = {}
    for line in text.splitlines()[:2000]:
        head, sep, rest = line.partition("\t")
        if not sep:
            continue
        if head == "running":
            running.append(_clip(rest))
        elif head == "installed":
            installed.append(_clip(rest))
        elif "=" in rest and len(configs) < _MAX_FILES:
            key, _, value = rest.partition("=")
            configs.setdefault(_clip(head), {})[_clip(key.strip(), 40)] = _clip(
                value.strip(), 100)
    return {"running": running[:5], "installed": installed[:5], "configs": configs}


def parse_php_defines(text: str) -> JSON:
    """``path<TAB>line:define('NAME', 'value');`` lines of PHP constants."""
    files: dict[str, dict[str, dict[str, JSON]]] = {}
    for line in text.splitlines()[:2000]:
        path, sep, rest = line.partition("\t")
        number, _, code = rest.partition(":")
        match = _DEFINE.search(code)
        if not sep or not match or not number.isdecimal():
            continue
        if path not in files and len(files) >= _MAX_FILES:
            continue
        files.setdefault(_clip(path), {})[match.group(1)] = {
            "value": _clip(match.group(3)), "line": int(number)}
    return {"files": files}
