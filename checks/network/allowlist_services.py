"""SSH and database services as layers (listen address, application access rules)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checks.network.allowlist_layers import Layer, any_layer, as_list, listen_layer, wildcard_hosts
from checks.network.ipranges import IpSet
from posture.models import JSON, Fact, FactStatus, msg

_TRUE = ("1", "on", "yes", "true")


@dataclass
class Service:
    """A service of the host: ports, who its own configuration admits, and what to say."""

    service: str
    ports: list[int]
    families: tuple[int, ...]
    layers: list[Layer]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # met today, fragile tomorrow
    evidence: dict[str, JSON] = field(default_factory=dict)


def _split_listen(entry: str) -> tuple[str, int | None]:
    host, sep, port = entry.rpartition(":")
    if not sep or not port.isdigit() or (":" in host and not host.endswith("]")):
        return entry.strip("[]"), None
    return host.strip("[]"), int(port)


def _allow_users(entries: list[str]) -> Layer:
    words = [w for entry in entries for w in entry.split()]
    if not words:
        return any_layer("sshd AllowUsers", {"allowusers": "not set"})
    sources, notes = IpSet(), []
    for word in words:
        _, at, host = word.rpartition("@")
        if not at:
            return any_layer("sshd AllowUsers", {"allowusers": words[:50],
                                                 "note": f"{word} may log in from anywhere"})
        hosts = wildcard_hosts(host.replace("*", "%"))
        if hosts is None:
            notes.append(f"{word}: a host name; only DNS decides, taken as anywhere")
            hosts = IpSet.everything()
        sources = sources.union(hosts)
    return Layer("sshd AllowUsers", sources, {"allowusers": words[:50], "notes": notes[:10]})


def ssh_service(config: Mapping[str, Any], access: Fact) -> Service:
    """sshd: its ports and listen addresses, AllowUsers host patterns, Match blocks."""
    listens = [_split_listen(e) for e in as_list(config.get("listenaddress"))]
    ports = sorted({p for _, p in listens if p} or
                   {int(p) for p in as_list(config.get("port")) if p.isdigit()} or {22})
    layer = listen_layer([a for a, _ in listens] or [""], "sshd -T listenaddress")
    service = Service("ssh", ports, _families(layer), [layer, _allow_users(
        as_list(config.get("allowusers")))])
    if access.ok and isinstance(access.value, dict):
        lines = [f"{e['file']}:{e['line']}: {e['text']}" for e in access.value.get("config", [])
                 if str(e.get("text", "")).lower().startswith("match")]
        service.evidence["match_blocks"] = lines[:20]
        wrappers = access.value.get("tcp_wrappers", [])
        if wrappers:
            service.evidence["tcp_wrappers"] = [f"{e['file']}:{e['line']}: {e['text']}"
                                                for e in wrappers[:20]]
            if access.value.get("libwrap") is False:
                service.notes.append("hosts.allow/hosts.deny exist but this sshd is not built "
                                     "with TCP-wrapper support: they do not apply to it")
        if lines:
            service.notes.append("Match Address blocks change settings per source; they are "
                                 "listed as evidence, not evaluated")
    else:
        service.notes.append(f"sshd access lines unavailable ({access.status.value})")
    return service


def _families(layer: Layer) -> tuple[int, ...]:
    return tuple(f for f in (4, 6) if not layer.sources.family(f).empty)


def _option(values: list[str], name: str) -> str | None:
    """The last ``--name=value`` (dash or underscore spelling) among server options."""
    found = None
    for item in values:
        key, _, value = item.lstrip("-").partition("=")
        if key.replace("_", "-") == name:
            found = value or "1"
    return found


def mysql_service(value: Mapping[str, Any]) -> Service | None:
    """MariaDB/MySQL: bind address, skip-networking and account host patterns."""
    variables = value.get("variables") or {}
    args, conf = as_list(value.get("args")), as_list(value.get("config"))
    if not value.get("pids") and not variables:
        return None
    bind = variables.get("bind_address") or _option(args, "bind-address") or \
        _option(conf, "bind-address") or "*"
    skip = variables.get("skip_networking") or _option(args, "skip-networking") or \
        _option(conf, "skip-networking") or "0"
    port_text = str(variables.get("port") or _option(args, "port") or
                    _option(conf, "port") or "3306")
    origin = "server variables" if variables else "server options"
    listen = listen_layer([] if str(skip).lower() in _TRUE else str(bind).split(","), origin)
    listen.evidence.update({"bind_address": bind, "skip_networking": skip})
    service = Service("database", [int(port_text)] if port_text.isdigit() else [3306],
                      _families(listen), [listen])
    accounts = value.get("accounts") or []
    if not accounts:
        why = value.get("client_error") or "no account list"
        service.layers.append(any_layer("database accounts", {"note": f"not read: {why}"}))
        return service
    sources, wide, names = IpSet(), [], []
    for account in accounts:
        hosts = wildcard_hosts(str(account.get("host", "")))
        label = f"'{account.get('user', '')}'@'{account.get('host', '')}'"
        if hosts is None:  # a host name: only DNS decides which sources it admits
            names.append(label)
            sources = sources.union(IpSet.everything())
            continue
        sources = sources.union(hosts)
        if hosts.is_world():
            wide.append(label)
    service.layers.append(Layer("database accounts", sources, {
        "accounts": [f"'{a.get('user', '')}'@'{a.get('host', '')}'" for a in accounts][:50],
        "any_host": wide[:20], "by_name": names[:20]}))
    if wide:
        service.warnings.append(msg("account {accounts} accepts a login from any address: "
                                    "only the other layers keep the allowlist",
                                    "accounts {accounts} accept a login from any address: "
                                    "only the other layers keep the allowlist", n=len(wide),
                                    accounts=", ".join(wide[:5])))
    return service


def _pg_cluster(clusters: list[dict[str, Any]], port: int | None) -> dict[str, Any]:
    """The cluster on ``port`` (any running one when no port is given), else the first."""
    running = [c for c in clusters if c.get("port")]
    if port is not None:
        running = [c for c in running if str(c.get("port")) == str(port)] or running
    return (running or clusters)[0]


def _hba_entries(cluster: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(address, description) of the TCP rules: the server's parsed rules when it was
    asked, else the file's lines."""
    out: list[tuple[str, str]] = []
    for rule in cluster.get("rules") or []:
        if rule.get("error") or rule.get("type") == "local":
            continue
        address = str(rule.get("address", ""))
        if rule.get("netmask"):
            address = f"{address}/{rule['netmask']}"
        out.append((address if rule.get("method") != "reject" else "",
                    f"line {rule.get('line')}: {rule.get('type')} {address} "
                    f"{rule.get('method')}"))
    if cluster.get("rules"):
        return out
    for entry in cluster.get("hba", []):
        fields = [str(f) for f in entry.get("fields", [])]
        if len(fields) < 5 or not fields[0].startswith("host"):
            continue
        out.append(("" if "reject" in fields else fields[3],
                    f"line {entry.get('line')}: {' '.join(fields)}"))
    return out


def postgres_service(value: Mapping[str, Any], port: int | None = None) -> Service | None:
    """PostgreSQL: listen_addresses as the server has it (with its file and line) and the
    address rules of pg_hba."""
    clusters = [c for c in value.get("clusters") or [] if isinstance(c, dict)]
    if not clusters:
        return None
    cluster = _pg_cluster(clusters, port)
    settings, sources = cluster.get("settings", {}), cluster.get("sources", {})
    listen_value = str(settings.get("listen_addresses", "localhost"))
    origin = sources.get("listen_addresses") or "built-in default (localhost)"
    listen = listen_layer(listen_value.split(","), f"listen_addresses from {origin}")
    listen.evidence.update({"listen_addresses": listen_value, "source": origin,
                            "read_from": "the server (pg_settings)" if cluster.get(
                                "from_server") else "configuration files"})
    port_text = str(settings.get("port") or cluster.get("port") or "5432")
    sources_set, lines = IpSet(), []
    for address, text in _hba_entries(cluster):
        lines.append(text)
        if not address:
            continue
        hosts = wildcard_hosts(address if address != "all" else "%") or IpSet.everything()
        sources_set = sources_set.union(hosts)
    hba = Layer("pg_hba rules", sources_set, {"host_rules": lines[:30]})
    service = Service("database", [int(port_text)] if port_text.isdigit() else [5432],
                      _families(listen), [listen, hba])
    if cluster.get("client_error") and not cluster.get("from_server"):
        service.notes.append("the server's own settings could not be read "
                             f"({str(cluster['client_error'])[:120]}); read from its files")
    if sources_set.is_world():
        service.warnings.append(msg("pg_hba.conf admits any address: only the other layers "
                                    "keep the allowlist"))
    return service


def database_service(mysql: Fact, postgres: Fact,
                     probes: list[dict[str, Any]] | None = None) -> Service | None:
    """The database server of the host's inventory databases: PostgreSQL when the inventory
    names a PostgreSQL database there (its port picks the cluster), else MariaDB/MySQL
    first; None when neither was found."""
    pg_ports = [int(p.get("port", 0)) for p in probes or []
                if p.get("engine") == "postgresql" and str(p.get("port", "")).isdigit()]
    found: Service | None = None
    if pg_ports and postgres.status is FactStatus.OK and isinstance(postgres.value, dict):
        found = postgres_service(postgres.value, pg_ports[0])
    if found is None and mysql.status is FactStatus.OK and isinstance(mysql.value, dict):
        found = mysql_service(mysql.value)
    if found is None and postgres.status is FactStatus.OK and isinstance(postgres.value, dict):
        found = postgres_service(postgres.value)
    return found
