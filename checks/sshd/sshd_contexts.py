"""sshd per connection context (fact ``sshd.contexts``): which contexts reach, which blocks apply.

What "can reach" means here: a connection context reaches the server when its source
address lies in

* a network declared as an SSH source by an ``ip_allowlist`` claim of the host,
* a vantage point of the inventory, or the address this audit itself connected from,
* a network the server itself is attached to (its interfaces' prefixes; loopback left out),
* or the Internet: every globally routable address ("anywhere", represented by a
  documentation address as a value for ``sshd -C``). The firewall does not excuse a block:
  whether SSH is really closed to the Internet is the ``ip_allowlist`` claim's question, and a
  password-enabling block must not depend on it.

So a ``Match Address 172.16.0.0/12`` block is unreachable only when no declared source, no
vantage point and no attached network lies in 172.16.0.0/12. A ``Match`` block that weakens
authentication but was never seen to apply is proved unreachable from its literal criteria, or
reported as ``error`` (wildcards, host names): never assumed harmless.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from checks.network.ipranges import NON_GLOBAL, IpSet

# Special-purpose blocks that are not reachable from the Internet (RFC 6890 registries).
SPECIAL = (*NON_GLOBAL, "0.0.0.0/8", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15",
           "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3", "::/128", "::ffff:0:0/96",
           "100::/64", "2001:db8::/32", "ff00::/8")
INTERNET = IpSet.everything().minus(IpSet.of(SPECIAL))
_REACH_KINDS = {"declared": "the declared SSH source {label}", "vantage": "vantage point {label}",
                "anywhere": "anywhere on the Internet",
                "auditor": "the address this audit connected from"}


@dataclass(frozen=True)
class Block:
    """A ``Match`` block as grep saw it: where it starts and what auth options it sets."""

    file: str
    line: int
    criteria: str
    sets: tuple[tuple[int, str, str], ...]  # (line, lower-case key, value)

    @property
    def where(self) -> str:
        """``file:line`` of the Match line."""
        return f"{self.file}:{self.line}"

    def value(self, key: str) -> str | None:
        """The first value this block gives ``key`` (sshd keeps the first one)."""
        return next((v.lower() for _, k, v in self.sets if k == key), None)


def blocks(value: Mapping[str, Any]) -> list[Block]:
    """The Match blocks of the files sshd read, from the grep lines (grep prints file by file,
    in line order; a block ends at the next Match line or at the end of its file)."""
    out: list[Block] = []
    current_file: str | None = None
    current: int | None = None
    for entry in value.get("lines", []):
        if not isinstance(entry, dict):
            continue
        file, line = str(entry.get("file")), int(entry.get("line") or 0)
        if file != current_file:
            current_file, current = file, None
        key, _, rest = str(entry.get("text", "")).strip().replace("=", " ", 1).partition(" ")
        if key.lower() == "match":
            out.append(Block(file, line, rest.strip(), ()))
            current = len(out) - 1
        elif current is not None:
            last = out[current]
            out[current] = Block(last.file, last.line, last.criteria,
                                 (*last.sets, (line, key.lower(), rest.strip())))
    return out


def block_of(found: Sequence[Block], file: str, line: int) -> Block | None:
    """The Match block holding ``file:line`` (the nearest Match line above it)."""
    above = [b for b in found if b.file == file and b.line < line]
    return max(above, key=lambda b: b.line) if above else None


def networks_of(value: Mapping[str, Any]) -> tuple[IpSet, IpSet, IpSet]:
    """(declared sources, vantage points and the auditor, attached networks) as address sets."""
    contexts = value.get("contexts", [])
    declared = [str(c.get("label")) for c in contexts if c.get("kind") == "declared"]
    vantage = [str(c.get("addr")) for c in contexts if c.get("kind") in ("vantage", "auditor")]
    attached = [str(n) for n in value.get("networks", [])]
    return _set(declared), _set(vantage), _set(attached)


def _set(items: Sequence[str]) -> IpSet:
    good = []
    for item in items:
        try:
            good.append(str(ipaddress.ip_interface(item).network))  # host bits dropped
        except ValueError:
            continue
    return IpSet.of(good)


def reaches(context: Mapping[str, Any], value: Mapping[str, Any]) -> str | None:
    """Why ``context`` can reach the server, or None when nothing puts a client there."""
    kind, label = str(context.get("kind")), str(context.get("label"))
    if kind in _REACH_KINDS:
        return _REACH_KINDS[kind].format(label=label)
    try:
        point = IpSet.of([str(context.get("addr"))])
    except ValueError:
        return None
    return reach_of(point, value)


def reach_of(addresses: IpSet, value: Mapping[str, Any]) -> str | None:
    """Why some address of ``addresses`` can reach the server, or None."""
    declared, vantage, attached = networks_of(value)
    for name, where in (("a declared SSH source", declared), ("a vantage point", vantage),
                        ("a network the server is attached to", attached),
                        ("the Internet", INTERNET)):
        common = addresses.intersect(where)
        if not common.empty:
            return f"{name} ({', '.join(common.networks(3))})"
    return None


_NO_C = re.compile(r"illegal option|unknown option|invalid option|usage:", re.I)
_CIDR = re.compile(r"[0-9A-Fa-f:.]+(/\d{1,3})?")


def static_reach(block: Block, value: Mapping[str, Any],
                 met_any: bool = False) -> tuple[bool | None, str]:
    """Could a reaching client meet ``block``? (True/False, why) or (None, why not known).

    Used only for blocks no evaluated context met. ``Address`` lists of literal networks are
    exact; without an Address criterion the block's other criteria (User, Group,
    LocalAddress, LocalPort) were covered by the evaluated contexts, so not meeting it means
    it applies to no account that can log in; with an Address criterion too, the same holds
    when some evaluated context came from inside its addresses and sshd (``met_any`` false)
    applied it to no context at all. Anything else cannot be proved.
    """
    tokens = block.criteria.replace("=", " ").split()
    pairs = {tokens[i].lower(): tokens[i + 1] for i in range(0, len(tokens) - 1, 2)}
    if "all" in (t.lower() for t in tokens) or "host" in pairs:
        return None, "its criteria (All or Host names) cannot be enumerated"
    if "address" not in pairs:
        if not value.get("users", {}).get("by_user") and ("user" in pairs or "group" in pairs):
            return None, "accounts were not evaluated one by one"
        return False, "no evaluated account or local address meets its criteria"
    positive: list[str] = []
    negative: list[str] = []
    for pattern in pairs["address"].split(","):
        bare = pattern.lstrip("!")
        if not _CIDR.fullmatch(bare):
            return None, f"its address pattern {pattern!r} is not a literal network"
        (negative if pattern.startswith("!") else positive).append(bare)
    try:
        matched = IpSet.of(positive).minus(IpSet.of(negative))
    except ValueError:
        return None, "its address list could not be read"
    why = reach_of(matched, value)
    if not why:
        return False, "no declared source, vantage point, attached network or Internet " \
                      "address lies in it"
    others = set(pairs) - {"address"}
    users_known = value.get("users", {}).get("by_user") or not others & {"user", "group"}
    if others and others <= {"user", "group", "localaddress", "localport"} and users_known \
            and not met_any:
        # Its other criteria do not depend on the address: sshd was asked with an address
        # inside it for every account and local end, and applied it to none.
        inside = [c for c in value.get("contexts", []) if _inside(c, matched)]
        if inside:
            return False, (f"sshd applied it to no account that can log in, from "
                           f"{inside[0].get('addr')} inside it as from anywhere")
    return True, why


def _inside(context: Mapping[str, Any], addresses: IpSet) -> bool:
    try:
        return addresses.covers(IpSet.of([str(context.get("addr"))]))
    except ValueError:
        return False


def effective(value: Mapping[str, Any]) -> dict[str, Any]:
    """``value``, where an sshd without ``-C`` whose files hold no Match line gets contexts
    from plain ``sshd -T``: without a Match block every client meets that configuration."""
    out = dict(value)
    base = value.get("base", {})
    if value.get("supported", True) or blocks(value) or value.get("base_rc") != 0 \
            or "passwordauthentication" not in base or "permitrootlogin" not in base:
        return out
    options = {k: str(v[0]) for k, v in base.items() if v and k not in ("listenaddress", "port")}
    every = {"kind": "anywhere", "label": "every-client", "addr": "any", "laddr": "-",
             "lport": "-", "rc": 0, "options": options, "matched": [], "settings": [],
             "errors": []}
    out["contexts"] = [{**every, "user": "root"}, {**every, "user": "any-account"}]
    out["expected"], out["no_match_blocks"] = 2, True
    out["users"] = {"login_accounts": None, "invalid": 0, "by_user": False, "capped": False}
    return out


def usable(value: Mapping[str, Any]) -> str:
    """'' when every reaching context was evaluated; else why the verdict is unknown.

    ``value`` is the output of :func:`effective`.
    """
    if not value.get("supported", True) and not value.get("no_match_blocks"):
        matches = [block.where for block in blocks(value)]
        message = str(value.get("unsupported", ""))[:160]
        why = "is not supported" if _NO_C.search(message) else "failed"
        return (f"this sshd cannot evaluate Match blocks per connection (sshd -T -C {why}: "
                f"{message}) and its configuration has Match blocks "
                f"({', '.join(matches[:3]) or 'plain sshd -T unreadable'}); update OpenSSH "
                "or check them by hand")
    if value.get("base_rc") != 0:
        return f"sshd -T failed ({'; '.join(value.get('base_errors', [])[:2])})"
    if value.get("capped"):
        return f"{value.get('expected')} connection contexts exceed the cap; none evaluated"
    users = value.get("users", {})
    if not users:
        return "the accounts with a login shell were not listed"
    if users.get("capped"):
        return f"{users.get('login_accounts')} accounts with a login shell exceed the cap"
    if users.get("invalid"):
        return (f"{users.get('invalid')} account name(s) with a login shell are not names "
                "posture passes to sshd")
    contexts = value.get("contexts", [])
    if value.get("expected") != len(contexts) or not contexts:
        return f"{len(contexts)} of {value.get('expected')} connection contexts came back"
    for context in contexts:
        options = context.get("options", {})
        if context.get("rc") != 0 or "passwordauthentication" not in options \
                or "permitrootlogin" not in options:
            errors = "; ".join(context.get("errors", [])[:2]) or f"exit {context.get('rc')}"
            return f"sshd -T -C failed for {describe(context)}: {errors}"
    return ""


def describe(context: Mapping[str, Any]) -> str:
    """``user@addr (kind label)`` plus the local end when given."""
    local = "" if context.get("laddr") in ("-", "", None) else \
        f" to {context.get('laddr')} port {context.get('lport')}"
    return (f"{context.get('user')} from {context.get('addr')}{local} "
            f"({context.get('kind')} {context.get('label')})")


def may_log_in(context: Mapping[str, Any], by_user: bool = True) -> bool:
    """False only when AllowUsers/DenyUsers surely shut this account out (groups unknown:
    counted as allowed, which can only make a verdict stricter). When accounts were not
    evaluated one by one (``by_user`` false), a non-root account stands for all of them:
    never shut out."""
    options, user = context.get("options", {}), str(context.get("user"))
    if not by_user and user != "root":
        return True
    deny = str(options.get("denyusers", "")).split()
    if any("@" not in p and fnmatchcase(user, p) for p in deny):
        return False
    allow = str(options.get("allowusers", "")).split()
    return not allow or any(fnmatchcase(user, p.split("@", 1)[0]) for p in allow)


def causes(context: Mapping[str, Any], key: str, found: Sequence[Block],
           value: Mapping[str, Any]) -> list[str]:
    """Where ``key``'s value for ``context`` comes from: the Match block(s) (file:line), else
    the main configuration line, from sshd's own log (grep as a fallback)."""
    out = []
    for setting in context.get("settings", []):
        if setting.get("key") == key:
            block = block_of(found, str(setting.get("file")), int(setting.get("line", 0)))
            where = block.where if block else f"{setting.get('file')}:{setting.get('line')}"
            crit = f" (Match {block.criteria})" if block else ""
            out.append(f"{where}{crit}")
    if out:
        return out
    wanted = str(context.get("options", {}).get(key, "")).lower()
    if not context.get("settings"):  # an older sshd logs no settings: candidates by value
        out = [f"{b.where} (Match {b.criteria})" for b in found if b.value(key) == wanted]
    if not out:
        out = [f"{s.get('file')}:{s.get('line')} (main configuration)"
               for s in value.get("global_settings", []) if s.get("key") == key][:1]
    return out or ["the sshd default"]
