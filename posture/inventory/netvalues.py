"""Checks of network values: addresses, host names, URLs, ``host:port`` and networks.

Like :mod:`posture.inventory.validators`, each returns the clean value or raises :class:`Bad`.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from posture.inventory.problems import Bad
from posture.inventory.validators import is_secret_key, raw_text, safe, safe_text, text
from posture.inventory.yamlpos import YNode

_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_SECRET_PARAMS = frozenset({"key", "sig", "signature", "auth"})  # query parameters
_DNS = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.?")


def _is_host(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        # All-numeric dotted names would only be mistyped IPv4 addresses.
        return bool(_DNS.fullmatch(value)) and not value.replace(".", "").isdecimal()
    return True


def address(node: YNode) -> str:
    """An IP address, a ``[v6]`` address or a DNS name; brackets are removed."""
    value = safe(raw_text(node))
    if value.startswith("[") and value.endswith("]"):
        inner = value[1:-1]
        try:
            ipaddress.IPv6Address(inner)
        except ValueError:
            raise Bad(f"{value!r} is not an IPv6 address in brackets") from None
        return inner
    if not _is_host(value):
        raise Bad(f"expected an IP address or a DNS name, got {value!r}")
    return value


def ip(node: YNode) -> str:
    """An IP address (v4 or v6)."""
    value = raw_text(node)
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise Bad(f"expected an IP address, got {value!r}") from None


def proxy_jump(node: YNode) -> str:
    """An OpenSSH ProxyJump value: ``[user@]host[:port]``, comma separated."""
    value = safe_text(node)
    for hop in value.split(","):
        host = hop.rpartition("@")[2]
        host = host[1:].partition("]")[0] if host.startswith("[") else host.partition(":")[0]
        if not _is_host(host):
            raise Bad(f"{hop!r} is not [user@]host[:port]")
    return value


def connect_to(node: YNode) -> str:
    """``host:port`` to connect to instead of what DNS says."""
    value = safe(raw_text(node))
    host, sep, port = value.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    port_ok = port.isdecimal() and 0 < int(port) < 65536
    if not sep or not host or not _is_host(host) or not port_ok:
        raise Bad(f"expected host:port (port 1-65535, [v6]:port for IPv6), got {value!r}")
    return value


def url(node: YNode) -> str:
    """An http(s) URL without credentials."""
    value = text(node)
    parts = urlsplit(value)
    query_keys = [pair.partition("=")[0] for pair in parts.query.split("&")]
    secret_query = any(is_secret_key(k) or k.lower() in _SECRET_PARAMS for k in query_keys)
    if parts.password is not None or secret_query:
        # The value itself is not repeated: it holds a secret.
        raise Bad("a URL must not hold credentials: secrets are never written in the inventory")
    if parts.username is not None:
        raise Bad(f"{value!r}: a URL must not hold a user name")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Bad(f"expected an https:// or http:// URL, got {value!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise Bad(f"{value!r} has an invalid port") from None
    return value


def cidr(node: YNode) -> str:
    """A network such as ``198.51.100.0/24``; a bare address means that one address."""
    value = text(node)
    try:
        return str(ipaddress.ip_network(value))
    except ValueError as exc:
        if "host bits set" in str(exc):
            fixed = ipaddress.ip_network(value, strict=False)
            raise Bad(f"{value!r} has host bits set: did you mean {fixed}?") from None
        raise Bad(f"expected an IP network (CIDR), got {value!r}") from None
