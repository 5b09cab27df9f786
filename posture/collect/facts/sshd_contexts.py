r"""sshd as each client meets it: ``sshd -T -C`` per connection context (fact ``sshd.contexts``).

Plain ``sshd -T`` prints the configuration outside every ``Match`` block, so a drop-in with
``Match Address 10.0.0.0/8`` / ``PasswordAuthentication yes`` passes unseen. This family asks
the serving sshd itself, once per connection context, what it would apply:

* **who**: every account with a login shell (read on the target from ``getent passwd``, names
  checked against a strict pattern there), and always ``root``. When no ``Match`` line names a
  ``User`` or ``Group`` criterion, every non-root account meets the same configuration, so
  ``root`` and one other account stand for all of them (the fact says so: ``by_user`` is
  false); an ``AllowUsers``/``DenyUsers``/``AllowGroups``/``DenyGroups`` line anywhere also
  makes every account evaluated.
* **from where**: the source addresses the auditor computes from the inventory (a
  representative of each declared ``ip_allowlist`` SSH network, every vantage point, and
  "anywhere", a documentation address standing for the Internet) arrive as DATA on the
  snippet's standard input, one validated ``kind label address`` line each (the snippet is a
  constant and checks each token again); the address this audit connection came from
  (``SSH_CONNECTION`` of the login shell above sudo: ``auditor`` context); plus one address
  inside every literal
  ``Match Address`` network of the configuration (``match`` contexts), so a block narrower
  than a declared network is still evaluated. Which of these can reach the server is judged by
  :mod:`checks.sshd.sshd_contexts`.
* **to where**: the listen addresses and ports, only when a ``Match LocalAddress`` or
  ``LocalPort`` line exists.

Each context runs ``sshd -ddd -T -C user=U,host=A,addr=A[,laddr=L,lport=P]``: the debug log
of sshd names the ``Match`` lines that applied and the ``file:line`` of every setting they
changed (OpenSSH 8.x and later), so the report can point at the very block. The files sshd
read (its own ``Include`` handling) and the authentication lines in them are listed too, for
older servers whose log does not name files. An sshd without ``-C`` prints ``nocontext``:
the check then judges plain ``sshd -T`` only when the files it read hold no ``Match`` line at
all (exact: every client meets the same configuration), and says ``error`` otherwise.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TypedDict

from posture.collect.facts.parsers import ParseError
from posture.collect.facts.spec import FactSpec
from posture.collect.facts.sshd_contexts_sh import MAX_CONTEXTS, MAX_USERS
from posture.collect.facts.sshd_contexts_sh import SNIPPET as _SNIPPET
from posture.inventory.model import Host, Inventory
from posture.models import JSON

# The Internet as a source: documentation addresses (RFC 5737, RFC 3849). They are only
# ever handed to ``sshd -C`` as a value; nothing connects to them.
ANYWHERE = ("203.0.113.99", "2001:db8::99")
AUTH_KEYS = ("passwordauthentication", "kbdinteractiveauthentication",
             "challengeresponseauthentication", "permitrootlogin", "authenticationmethods",
             "permitemptypasswords", "allowusers", "allowgroups", "denyusers", "denygroups",
             "usepam")


_LABEL = re.compile(r"[A-Za-z0-9_.:/-]{1,64}")
_SETTING = re.compile(r"(?P<file>.+):(?P<line>\d+)\s+setting\s+(?P<key>[A-Za-z]+)\s+(?P<value>.*)")
_GREP = re.compile(r"(?P<file>.+?):(?P<line>\d+):(?P<text>.*)")
_MATCHED = re.compile(r"(?P<addr>\S+) matched '(?P<criteria>[^']*)' at line (?P<line>\d+)")


class Setting(TypedDict):
    """One line of the configuration that set an option: ``file:line key value``."""

    file: str
    line: int
    key: str
    value: str


class Context(TypedDict):
    """One ``sshd -T -C`` run: who, from where, and what sshd would apply."""

    kind: str  # declared | vantage | anywhere | auditor | match
    label: str  # the declared network, the vantage point, "internet", the Match pattern
    user: str
    addr: str
    laddr: str  # "-" when not given
    lport: str
    rc: int | None
    options: dict[str, str]  # AUTH_KEYS as sshd -T printed them (lower-case keys)
    matched: list[dict[str, JSON]]  # [{"criteria", "line"}]: Match lines that applied
    settings: list[Setting]  # what those Match blocks set (file:line from sshd's log)
    errors: list[str]


class SshdContexts(TypedDict):
    """The value of ``sshd.contexts``."""

    supported: bool  # False: this sshd has no -C (reason in "unsupported")
    unsupported: str
    base_rc: int | None
    base_errors: list[str]
    files: list[str]  # configuration files sshd read (Include resolved by sshd)
    global_settings: list[Setting]  # file:line of options set outside Match (sshd's log)
    lines: list[dict[str, JSON]]  # [{"file","line","text"}]: Match and auth lines (grep)
    base: dict[str, list[str]]  # usedns, listenaddress, port and AUTH_KEYS of plain sshd -T
    users: dict[str, JSON]  # {"login_accounts","invalid","by_user","capped","evaluated"}
    networks: list[str]  # on-link networks of the server (ip -o addr, loopback left out)
    unresolved: list[str]  # Match Address patterns without a literal address (wildcards)
    expected: int | None  # number of contexts the snippet announced
    capped: bool  # more contexts than MAX_CONTEXTS: none evaluated
    contexts: list[Context]


def _int(text: str) -> int | None:
    return int(text) if text.isdecimal() else None


def _setting(text: str) -> Setting | None:
    m = _SETTING.fullmatch(text.strip())
    if not m:
        return None
    return Setting(file=m["file"][:300], line=int(m["line"]), key=m["key"].lower(),
                   value=m["value"][:300])


def _empty() -> SshdContexts:
    return SshdContexts(supported=True, unsupported="", base_rc=None, base_errors=[], files=[],
                        global_settings=[], lines=[], base={}, users={}, networks=[],
                        unresolved=[], expected=None, capped=False, contexts=[])


def _context_line(out: SshdContexts, tag: str, rest: str, current: Context | None) -> None:
    """Lines that belong to the current context (T, M, S, X, R)."""
    if current is None:
        return
    if tag == "T":
        key, _, value = rest.partition(" ")
        if key.lower() in AUTH_KEYS:
            current["options"].setdefault(key.lower(), value.strip()[:400])
    elif tag == "M":
        m = _MATCHED.fullmatch(rest.strip())
        if m:
            current["matched"].append({"criteria": m["criteria"][:300], "line": int(m["line"])})
    elif tag == "S":
        setting = _setting(rest)
        if setting:
            # sshd names the main file "reprocess config" when it applies Match blocks again
            if setting["file"] == "reprocess config" and out["files"]:
                setting["file"] = out["files"][0]
            current["settings"].append(setting)
    elif tag == "X":
        current["errors"].append(rest[:300])


def parse_sshd_contexts(text: str) -> JSON:
    """Parse the snippet's tagged lines into :class:`SshdContexts` (see the module doc)."""
    out = _empty()
    current: Context | None = None
    seen_base = False
    for raw in text.splitlines()[:200_000]:
        tag, _, rest = raw.partition("\t")
        if tag.startswith("R ") and current is not None:
            current["rc"] = _int(tag[2:].strip())
            current = None
        elif tag == "base_rc":
            seen_base, out["base_rc"] = True, _int(rest.strip())
        elif tag == "nocontext":
            out["supported"], out["unsupported"] = False, rest.strip()[:300] or "sshd -C failed"
        elif tag == "F":
            out["files"].append(rest[:300])
        elif tag == "G":
            setting = _setting(rest)
            if setting and setting["key"] in AUTH_KEYS:
                out["global_settings"].append(setting)
        elif tag == "B":
            key, _, value = rest.partition(" ")
            out["base"].setdefault(key, []).append(value.strip()[:300])
        elif tag == "L":
            m = _GREP.fullmatch(rest)
            if m:
                out["lines"].append({"file": m["file"][:300], "line": int(m["line"]),
                                     "text": m["text"].strip()[:300]})
        elif tag == "users":
            fields = rest.split("\t")
            if len(fields) == 5:
                out["users"] = {"login_accounts": _int(fields[0]), "invalid": _int(fields[1]),
                                "by_user": fields[2] == "yes", "capped": fields[3] == "yes",
                                "evaluated": fields[4].split()[:MAX_USERS + 1]}
        elif tag == "N":
            out["networks"].append(rest.strip()[:64])
        elif tag == "W":
            out["unresolved"].append(rest.strip()[:200])
        elif tag == "contexts":
            out["expected"] = _int(rest.strip())
            out["capped"] = (out["expected"] or 0) > MAX_CONTEXTS
        elif tag == "C":
            fields = rest.split("\t")
            if len(fields) == 6:
                current = Context(kind=fields[0], label=fields[1][:64], user=fields[2][:64],
                                  addr=fields[3][:64], laddr=fields[4][:64],
                                  lport=fields[5][:8], rc=None, options={}, matched=[],
                                  settings=[], errors=[])
                if len(out["contexts"]) < MAX_CONTEXTS:
                    out["contexts"].append(current)
        elif tag == "X" and current is None:
            out["base_errors"].append(rest[:300])
        else:
            _context_line(out, tag, rest, current)
    if not seen_base:
        raise ParseError("no base_rc line: not the sshd.contexts snippet's output")
    return out


def _representatives(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> list[str]:
    """Addresses standing for a declared network: its first and last host (or the address)."""
    if net.prefixlen >= net.max_prefixlen - 1:  # one address, or a pair without hosts between
        return [str(net.network_address)]
    return [str(net.network_address + 1), str(net.broadcast_address - 1)]


def context_sources(inventory: Inventory, host: Host) -> list[str]:
    """The DATA lines of ``sshd.contexts`` for ``host``: ``kind label address``.

    Every token is checked here (and again by the snippet): labels against a strict pattern,
    addresses by :mod:`ipaddress`, printed in canonical form. A vantage point name that does
    not fit the pattern is replaced by its position.
    """
    lines: list[str] = []
    for claim in inventory.claims:
        if claim.type != "ip_allowlist" or host.name not in claim.scope.hosts:
            continue
        networks = claim.expect.get("ssh")
        for network in networks if isinstance(networks, list) else []:
            try:  # host bits set (10.1.2.3/8): the network they are in
                net = ipaddress.ip_interface(str(network)).network
            except ValueError:
                continue  # refused at validation; nothing to evaluate
            lines += [f"declared {net} {a}" for a in _representatives(net)]
    for index, vp in enumerate(inventory.vantage_points):
        try:
            address = str(ipaddress.ip_address(vp.source_address))
        except ValueError:
            continue
        label = vp.name if _LABEL.fullmatch(vp.name) else f"vantage-{index + 1}"
        lines.append(f"vantage {label} {address}")
    lines += [f"anywhere internet {a}" for a in ANYWHERE]
    return list(dict.fromkeys(lines))[:200]  # each source once; the snippet reads 200 lines


FACTS: tuple[FactSpec, ...] = (
    FactSpec("sshd.contexts", _SNIPPET, parse_sshd_contexts, root=True, data=context_sources,
             alongside=True,
             doc="SshdContexts (posture/collect/facts/sshd_contexts.py): `sshd -T -C` per "
                 "connection context (accounts with a login shell x declared sources, vantage "
                 "points, anywhere, Match Address networks), with the Match lines that applied "
                 "and the file:line of what they set."),
)
