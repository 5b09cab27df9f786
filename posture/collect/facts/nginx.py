# ruff: noqa: E501 - shell snippets are data: a pipeline reads better on one line
r"""Fact family ``nginx``: the running nginx as its own binary reads its configuration.

For each nginx master process in the auditor's network namespace (the server that answers
this host's address) that root runs from a binary only root can change, the snippet runs
``/proc/PID/exe -T`` (the very binary that runs, even when the file on disk was replaced)
with the ``-c``/``-p`` of its own command line, and ``-v`` for the version. ``-T`` prints every file the configuration includes, each after a
``# configuration file X:`` line; those sections are parsed on the AUDITOR with crossplane
(:mod:`posture.collect.facts.nginx_config`), nothing is written on the target. A random
nonce frames the dump so that a configuration file cannot fake its end.

``nginx.version`` is the unprivileged fallback: ``nginx -v`` of the binary on the PATH.
"""

from __future__ import annotations

import re
from typing import TypedDict

from posture.collect.facts.nginx_config import parse_dump
from posture.collect.facts.parsers import ParseError
from posture.collect.facts.spec import FactSpec
from posture.models import JSON

MAX_MASTERS = 5

_VERSION_RE = re.compile(r"nginx version:\s*(?P<sv>[^\s/]+/(?P<v>\d+(?:\.\d+){1,3})\S*)")

# Masters are found by their process title ("nginx: master process ARGS"); a master in
# another network namespace serves another address (a container, another lab) and is only
# counted. -c/-p come from that title: nginx keeps its original arguments there.
_CONFIG = r"""
set -f
self=$(readlink /proc/self/ns/net 2>/dev/null)
m=$(od -An -N8 -tx1 /dev/urandom 2>/dev/null | tr -d ' \n'); [ -n "$m" ] || m=$$
found=0
for pid in $(ps -eo pid=,args= 2>/dev/null | awk '$2 == "nginx:" && $3 == "master" {print $1}' | head -n 5); do
  found=1
  ns=$(readlink "/proc/$pid/ns/net" 2>/dev/null)
  if [ -n "$self" ] && [ "$ns" != "$self" ]; then echo "other_namespace $pid"; continue; fi
  args=$(tr '\000\n' '  ' < "/proc/$pid/cmdline" 2>/dev/null | head -c 1000)
  uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
  echo "master $pid"
  echo "exe $(readlink "/proc/$pid/exe" 2>/dev/null | tr '\n' ' ' | head -c 300)"
  echo "args $args"
  # Anyone can name a process "nginx: master": run its binary (as root, here) only when root
  # already runs it and only root can change it.
  trust=$(stat -L -c '%u %a' "/proc/$pid/exe" 2>/dev/null | awk -v u="$uid" '{m=$2; g=substr(m,length(m)-1,1); o=substr(m,length(m),1); print (u == "0" && $1 == "0" && g !~ /[2367]/ && o !~ /[2367]/) ? "ok" : "no"}')
  if [ "$trust" != ok ]; then echo "skipped process uid ${uid:-?}; binary $(stat -L -c '%u %a' "/proc/$pid/exe" 2>&1 | head -c 100)"; continue; fi
  c=""; p=""; prev=""
  for w in ${args#*master process}; do
    [ "$prev" = "-c" ] && c=$w; [ "$prev" = "-p" ] && p=$w; prev=$w
  done
  echo "conf $c"; echo "prefix $p"
  set --
  [ -n "$p" ] && set -- -p "$p"
  [ -n "$c" ] && set -- "$@" -c "$c"
  "/proc/$pid/exe" -v 2>&1 | head -n 3 | sed 's/^/version /'
  echo "begin $m"
  { "/proc/$pid/exe" -T -q "$@" 2>&1; echo "rc $?"; } | head -c 900000
  echo "end $m"
done
if [ "$found" = 0 ]; then
  b=$(command -v nginx 2>/dev/null || true)
  [ -n "$b" ] || { [ -x /usr/sbin/nginx ] && b=/usr/sbin/nginx; }
  [ -n "$b" ] || exit 127
  echo "installed $b"
fi
true
"""

_VERSION = r"""
b=$(command -v nginx 2>/dev/null || true)
[ -n "$b" ] || { [ -x /usr/sbin/nginx ] && b=/usr/sbin/nginx; }
[ -n "$b" ] || exit 127
echo "binary $b"
"$b" -v 2>&1 | head -n 3
"""


class NginxVersion(TypedDict):
    """``nginx -v``: ``{"server_version": "nginx/1.22.1", "version": "1.22.1"}``."""

    server_version: str
    version: str


def parse_version_line(text: str) -> NginxVersion | None:
    """The version in ``nginx version: nginx/1.22.1`` (None when absent)."""
    match = _VERSION_RE.search(text)
    if not match:
        return None
    return {"server_version": match.group("sv")[:80], "version": match.group("v")}


def parse_version(text: str) -> JSON:
    """``nginx.version``: ``{"binary", "server_version", "version"}``."""
    found = parse_version_line(text)
    if found is None:
        raise ParseError("no 'nginx version:' line")
    binary = next((line[7:].strip() for line in text.splitlines() if line.startswith("binary ")),
                  "")
    return {"binary": binary[:300], **found}


def _clip(text: str, limit: int = 300) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:limit]


def parse_config(text: str) -> JSON:
    """``nginx.config``: ``{"masters": [Master], "other_namespaces": int, "installed": str}``.

    A master (see :func:`posture.collect.facts.nginx_config.parse_dump` for ``config``):
    ``{"pid", "binary", "args", "conf", "prefix", "version", "server_version", "dump_rc",
    "config": {...}}``, or with ``skipped`` (why its binary was not run: a process that
    only calls itself an nginx master, not run by root or with a binary others can write). A dump without its closing nonce line (cut by a cap) is a
    :class:`ParseError`: a partial configuration must never be judged as the whole one.
    """
    masters: list[dict[str, JSON]] = []
    others, installed = 0, ""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        word, _, rest = line.partition(" ")
        if word == "other_namespace":
            others += 1
        elif word == "installed":
            installed = _clip(rest)
        elif word == "master" and rest.strip().isdecimal() and len(masters) < MAX_MASTERS:
            masters.append({"pid": int(rest), "binary": "", "args": "", "conf": "",
                            "prefix": "", "version": None, "server_version": None})
        elif masters and word == "skipped":
            masters[-1]["skipped"] = _clip(rest, 200)
        elif masters and word in ("exe", "args", "conf", "prefix"):
            masters[-1]["binary" if word == "exe" else word] = _clip(rest.strip(), 1000)
        elif masters and word == "version":
            found = parse_version_line(rest)
            if found:
                masters[-1].update(found)
        elif masters and word == "begin" and rest:
            end = f"end {rest}"
            j = i + 1
            while j < len(lines) and lines[j] != end:
                j += 1
            # The exit status is the line just before the nonce: a cap cuts both off.
            rc = lines[j - 1][3:].strip() if j < len(lines) and lines[j - 1][:3] == "rc " else ""
            if not rc.isdecimal():
                raise ParseError("the nginx -T dump was cut before its end (output cap)")
            masters[-1]["dump_rc"] = int(rc)
            masters[-1]["config"] = parse_dump("\n".join(lines[i + 1:j - 1]),
                                               str(masters[-1]["conf"]))
            i = j
        i += 1
    if not masters and not installed and not others:
        raise ParseError("no nginx master and no nginx binary reported")
    return {"masters": masters, "other_namespaces": others, "installed": installed}


FACTS: tuple[FactSpec, ...] = (
    FactSpec("nginx.version", _VERSION, parse_version,
             doc='dict: {"binary", "server_version": "nginx/1.22.1", "version": "1.22.1"} '
                 "from `nginx -v` of the binary on the PATH (unprivileged fallback)."),
    FactSpec("nginx.config", _CONFIG, parse_config, root=True,
             doc='dict: {"masters": [{"pid", "binary", "args", "conf", "prefix", "version", '
                 '"server_version", "dump_rc", "config": {"files", "errors", "messages", '
                 '"main", "http", "servers": [...], "unevaluated"}}], "other_namespaces": '
                 'int, "installed": str} from `nginx -T` of each running master, parsed '
                 "with crossplane; every directive kept with its file:line."),
)
