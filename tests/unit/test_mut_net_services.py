"""SSH and database services as allowlist layers, asserted whole.

Each case compares the complete service (ports, families, every layer's sources and evidence,
notes and warnings): a port, a listen address or an account host read wrongly changes who can
reach the service, and the evidence is what a reader checks the verdict against.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks.network.allowlist_layers import Layer
from checks.network.allowlist_services import (
    Service,
    database_service,
    mysql_service,
    postgres_service,
    ssh_service,
)
from checks.network.ipranges import LOOPBACK, IpSet
from posture.models import Fact, FactStatus

_ALL = IpSet.everything()
_V4, _V6 = IpSet.everything(4), IpSet.everything(6)
_NET8 = IpSet.of(["10.0.0.0/8"])


def _listen(sources: IpSet, addresses: list[str], origin: str, families: list[str],
            **extra: Any) -> Layer:
    return Layer("listen", sources, {"addresses": addresses, "from": origin,
                                     "families": families, **extra})


def _ok(key: str, value: Any) -> Fact:
    return Fact(key, FactStatus.OK, value)


# ------------------------------------------------------------------------------------- ssh
_ACCESS = {"config": [{"file": "/etc/ssh/sshd_config", "line": 40,
                       "text": "Match Address 10.0.0.0/8"},
                      {"file": "/etc/ssh/sshd_config", "line": 41, "text": "match user deploy"},
                      {"file": "/etc/ssh/sshd_config", "line": 1, "text": "Port 22"},
                      {"file": "/etc/ssh/sshd_config", "line": 2, "text": "#Match all"}],
           "tcp_wrappers": [{"file": "/etc/hosts.allow", "line": 3, "text": "sshd: ALL"}],
           "libwrap": False}
_WRAP_NOTE = ("hosts.allow/hosts.deny exist but this sshd is not built with TCP-wrapper "
              "support: they do not apply to it")
_MATCH_NOTE = ("Match Address blocks change settings per source; they are listed as evidence, "
               "not evaluated")


def test_ssh_listen_addresses_allow_users_and_access_lines() -> None:
    config = {"listenaddress": ["0.0.0.0:2222", "[::]:2222"], "port": ["22"],
              "allowusers": ["admin@10.0.0.0/8 deploy@198.51.100.7", "ops@10.1.2.*"]}
    words = ["admin@10.0.0.0/8", "deploy@198.51.100.7", "ops@10.1.2.*"]
    assert ssh_service(config, _ok("sshd.access", _ACCESS)) == Service(
        "ssh", [2222], (4, 6),
        [_listen(_ALL, ["0.0.0.0", "::"], "sshd -T listenaddress", ["ipv4", "ipv6"]),
         Layer("sshd AllowUsers", IpSet.of(["10.0.0.0/8", "198.51.100.7"]),
               {"allowusers": words, "notes": []})],
        notes=[_WRAP_NOTE, _MATCH_NOTE],
        evidence={"match_blocks": ["/etc/ssh/sshd_config:40: Match Address 10.0.0.0/8",
                                   "/etc/ssh/sshd_config:41: match user deploy"],
                  "tcp_wrappers": ["/etc/hosts.allow:3: sshd: ALL"]})


def test_ssh_ports_from_the_port_option_and_no_access_lines() -> None:
    config = {"port": ["2200", "22", "x"]}
    assert ssh_service(config, Fact("sshd.access", FactStatus.DENIED)) == Service(
        "ssh", [22, 2200], (4, 6),
        [_listen(_ALL, [""], "sshd -T listenaddress", ["ipv4", "ipv6"]),
         Layer("sshd AllowUsers", _ALL, {"allowusers": "not set"})],
        notes=["sshd access lines unavailable (denied)"])


@pytest.mark.parametrize(("config", "ports", "families", "addresses"), [
    ({}, [22], (4, 6), [""]),
    ({"listenaddress": ["127.0.0.1:22", "[::1]:22"]}, [22], (), ["127.0.0.1", "::1"]),
    ({"listenaddress": ["10.0.0.1"], "port": ["2022"]}, [2022], (4,), ["10.0.0.1"]),
    ({"listenaddress": ["2001:db8::1"]}, [22], (6,), ["2001:db8::1"]),
    ({"listenaddress": ["[2001:db8::1]:2222"]}, [2222], (6,), ["2001:db8::1"]),
    # not an address sshd -T prints: kept whole, it counts as reachable (never as loopback)
    ({"listenaddress": ["10.0.0.1:ssh"]}, [22], (6,), ["10.0.0.1:ssh"]),
    ({"listenaddress": "10.0.0.1:2022"}, [2022], (4,), ["10.0.0.1"]),
    ({"listenaddress": ["10.0.0.1:2022", "10.0.0.2:2023", "10.0.0.3"]}, [2022, 2023], (4,),
     ["10.0.0.1", "10.0.0.2", "10.0.0.3"]),
])
def test_ssh_ports_and_families(config: dict[str, Any], ports: list[int],
                                families: tuple[int, ...], addresses: list[str]) -> None:
    service = ssh_service(config, _ok("sshd.access", {"config": []}))
    assert (service.ports, service.families) == (ports, families)
    assert service.layers[0].evidence["addresses"] == addresses
    assert service.notes == [] and service.evidence == {"match_blocks": []}


@pytest.mark.parametrize(("allow", "sources", "evidence"), [
    (["root"], _ALL, {"allowusers": ["root"], "note": "root may log in from anywhere"}),
    (["a@10.0.0.1 root"], _ALL, {"allowusers": ["a@10.0.0.1", "root"],
                                 "note": "root may log in from anywhere"}),
    (["a@host.example.org"], _ALL,
     {"allowusers": ["a@host.example.org"],
      "notes": ["a@host.example.org: a host name; only DNS decides, taken as anywhere"]}),
    (["a@10.0.0.*"], IpSet.of(["10.0.0.0/24"]), {"allowusers": ["a@10.0.0.*"], "notes": []}),
    (["a@b@10.0.0.1"], IpSet.of(["10.0.0.1"]), {"allowusers": ["a@b@10.0.0.1"], "notes": []}),
    (["a@10.0.0.1", "b@2001:db8::/32"], IpSet.of(["10.0.0.1", "2001:db8::/32"]),
     {"allowusers": ["a@10.0.0.1", "b@2001:db8::/32"], "notes": []}),
    (["  "], _ALL, {"allowusers": "not set"}),
])
def test_allow_users(allow: list[str], sources: IpSet, evidence: dict[str, Any]) -> None:
    layer = ssh_service({"allowusers": allow}, _ok("sshd.access", {"config": []})).layers[1]
    assert layer == Layer("sshd AllowUsers", sources, evidence)


def test_allow_users_evidence_is_bounded() -> None:
    words = [f"u{i}@h{i}.example.org" for i in range(60)]
    layer = ssh_service({"allowusers": words}, _ok("sshd.access", {})).layers[1]
    assert layer.evidence["allowusers"] == words[:50]
    assert len(layer.evidence["notes"]) == 10
    assert layer.sources == _ALL


@pytest.mark.parametrize(("access", "notes", "evidence"), [
    ({"config": [], "tcp_wrappers": [], "libwrap": False}, [], {"match_blocks": []}),
    ({"config": [], "tcp_wrappers": [{"file": "f", "line": 1, "text": "t"}], "libwrap": True},
     [], {"match_blocks": [], "tcp_wrappers": ["f:1: t"]}),
    ({"config": [], "tcp_wrappers": [{"file": "f", "line": 1, "text": "t"}]},
     [], {"match_blocks": [], "tcp_wrappers": ["f:1: t"]}),
    ({"config": [{"file": "f", "line": n, "text": "Match all"} for n in range(25)],
      "tcp_wrappers": [{"file": "w", "line": n, "text": "t"} for n in range(25)],
      "libwrap": False},
     [_WRAP_NOTE, _MATCH_NOTE],
     {"match_blocks": [f"f:{n}: Match all" for n in range(20)],
      "tcp_wrappers": [f"w:{n}: t" for n in range(20)]}),
])
def test_ssh_access_lines(access: dict[str, Any], notes: list[str],
                          evidence: dict[str, Any]) -> None:
    service = ssh_service({}, _ok("sshd.access", access))
    assert (service.notes, service.evidence) == (notes, evidence)


def test_ssh_access_that_is_not_a_mapping_is_unavailable() -> None:
    service = ssh_service({}, _ok("sshd.access", ["x"]))
    assert service.notes == ["sshd access lines unavailable (ok)"]


# ----------------------------------------------------------------------------- MariaDB/MySQL
_ANY_WARNING = ("account 'any'@'%' accepts a login from any address: only the other layers "
                "keep the allowlist")


def test_mysql_options_accounts_and_warning() -> None:
    value = {"pids": [812], "args": ["--bind-address=10.0.0.5", "--port=3307"],
             "config": ["bind_address=0.0.0.0", "port=3308"],
             "accounts": [{"user": "shop", "host": "10.%"}, {"user": "root", "host": "localhost"},
                          {"user": "app", "host": "db.example.org"}, {"user": "any", "host": "%"}]}
    assert mysql_service(value) == Service(
        "database", [3307], (4,),
        [_listen(_V4, ["10.0.0.5"], "server options", ["ipv4"], bind_address="10.0.0.5",
                 skip_networking="0"),
         Layer("database accounts", _ALL, {
             "accounts": ["'shop'@'10.%'", "'root'@'localhost'", "'app'@'db.example.org'",
                          "'any'@'%'"],
             "any_host": ["'any'@'%'"], "by_name": ["'app'@'db.example.org'"]})],
        warnings=[_ANY_WARNING])


def test_mysql_server_variables_win_and_unread_accounts() -> None:
    value = {"variables": {"bind_address": "127.0.0.1", "skip_networking": "OFF", "port": 3310},
             "args": ["--port=3307"], "accounts": [], "client_error": "Access denied"}
    assert mysql_service(value) == Service(
        "database", [3310], (),
        [_listen(IpSet(), ["127.0.0.1"], "server variables", [], bind_address="127.0.0.1",
                 skip_networking="OFF"),
         Layer("database accounts", _ALL, {"note": "not read: Access denied"})])


def test_two_accounts_from_anywhere_are_one_plural_warning() -> None:
    value = {"pids": [1], "accounts": [{"user": "a", "host": "%"}, {"user": "b", "host": "*"},
                                       {"user": "c", "host": "10.0.0.1"}]}
    service = mysql_service(value)
    assert service is not None
    assert service.warnings == ["accounts 'a'@'%', 'b'@'*' accept a login from any address: "
                                "only the other layers keep the allowlist"]
    assert service.layers[1].evidence["any_host"] == ["'a'@'%'", "'b'@'*'"]


def test_mysql_account_lists_are_bounded() -> None:
    accounts = [{"user": f"u{i}", "host": "%"} for i in range(30)] + \
        [{"user": f"n{i}", "host": f"h{i}.example.org"} for i in range(30)]
    service = mysql_service({"pids": [1], "accounts": accounts})
    assert service is not None
    evidence = service.layers[1].evidence
    assert evidence["accounts"] == [f"'u{i}'@'%'" for i in range(30)] + \
        [f"'n{i}'@'h{i}.example.org'" for i in range(20)]
    assert evidence["any_host"] == [f"'u{i}'@'%'" for i in range(20)]
    assert evidence["by_name"] == [f"'n{i}'@'h{i}.example.org'" for i in range(20)]


def test_mysql_account_without_user_or_host() -> None:
    service = mysql_service({"pids": [1], "accounts": [{}]})
    assert service is not None
    assert service.layers[1] == Layer("database accounts", _ALL, {
        "accounts": ["''@''"], "any_host": [], "by_name": ["''@''"]})


def test_an_account_host_name_admits_anywhere() -> None:
    """Only DNS decides which sources 'app'@'db.example.org' admits: never fewer than all."""
    value = {"pids": [1], "accounts": [{"user": "shop", "host": "10.%"},
                                       {"user": "app", "host": "db.example.org"}]}
    service = mysql_service(value)
    assert service is not None
    assert service.layers[1] == Layer("database accounts", _ALL, {
        "accounts": ["'shop'@'10.%'", "'app'@'db.example.org'"], "any_host": [],
        "by_name": ["'app'@'db.example.org'"]})
    assert service.warnings == []


@pytest.mark.parametrize(("value", "ports", "families", "bind", "skip"), [
    ({"pids": [1], "args": ["--skip-networking"]}, [3306], (), "*", "1"),
    ({"pids": [1], "config": ["skip_networking=ON"]}, [3306], (), "*", "ON"),
    ({"pids": [1], "config": ["skip-networking=true"]}, [3306], (), "*", "true"),
    ({"pids": [1], "config": ["skip-networking=yes"]}, [3306], (), "*", "yes"),
    ({"pids": [1], "args": ["--skip-networking=0"]}, [3306], (4, 6), "*", "0"),
    ({"pids": [1], "config": ["skip-networking=OFF"]}, [3306], (4, 6), "*", "OFF"),
    ({"pids": [1], "args": ["--skip-networking=1"], "config": ["skip-networking=0"]}, [3306],
     (), "*", "1"),
    ({"pids": [1], "config": ["port=abc"]}, [3306], (4, 6), "*", "0"),
    ({"pids": [1], "config": ["port=3307", "port=3308"]}, [3308], (4, 6), "*", "0"),
    ({"pids": [1], "config": ["--port=3309"]}, [3309], (4, 6), "*", "0"),
    ({"pids": [1], "config": ["bind-address=0.0.0.0,::"]}, [3306], (4, 6), "0.0.0.0,::", "0"),
    ({"pids": [1], "config": ["bind-address=0.0.0.0"]}, [3306], (4,), "0.0.0.0", "0"),
    ({"pids": [1], "config": ["bind-address=::1"]}, [3306], (), "::1", "0"),
    ({"pids": [1], "args": "--bind-address=10.0.0.1"}, [3306], (4,), "10.0.0.1", "0"),
    ({"variables": {"port": "3311"}}, [3311], (4, 6), "*", "0"),
])
def test_mysql_options(value: dict[str, Any], ports: list[int], families: tuple[int, ...],
                       bind: str, skip: str) -> None:
    service = mysql_service(value)
    assert service is not None
    assert (service.ports, service.families) == (ports, families)
    listen = service.layers[0].evidence
    assert (listen["bind_address"], listen["skip_networking"]) == (bind, skip)
    assert service.layers[1] == Layer("database accounts", _ALL,
                                      {"note": "not read: no account list"})


@pytest.mark.parametrize("value", [{}, {"pids": []}, {"pids": None, "variables": {}},
                                   {"args": ["--port=3306"]}])
def test_no_running_mysql_is_no_service(value: dict[str, Any]) -> None:
    assert mysql_service(value) is None


# ------------------------------------------------------------------------------- PostgreSQL
_HBA_NOTE = "pg_hba.conf admits any address: only the other layers keep the allowlist"


def test_postgres_from_the_server() -> None:
    cluster = {"port": 5432, "from_server": True,
               "settings": {"listen_addresses": "*", "port": "5434"},
               "sources": {"listen_addresses": "/etc/postgresql/15/main/postgresql.conf:60"},
               "client_error": "ignored: the server answered",
               "hba": [{"line": 1, "fields": ["host", "all", "all", "0.0.0.0/0", "md5"]}],
               "rules": [{"line": 1, "type": "local", "address": None, "method": "peer"},
                         {"line": 2, "type": "host", "address": "10.0.0.0",
                          "netmask": "255.0.0.0", "method": "scram-sha-256"},
                         {"line": 3, "type": "hostssl", "address": "192.0.2.0/24",
                          "method": "reject"},
                         {"line": 4, "error": "bad", "type": "host", "address": "all"},
                         {"line": 5, "type": "host", "method": "md5"}]}
    origin = "/etc/postgresql/15/main/postgresql.conf:60"
    assert postgres_service({"clusters": [cluster]}) == Service(
        "database", [5434], (4, 6),
        [_listen(_ALL, ["*"], f"listen_addresses from {origin}", ["ipv4", "ipv6"],
                 listen_addresses="*", source=origin, read_from="the server (pg_settings)"),
         Layer("pg_hba rules", _NET8, {"host_rules": [
             "line 2: host 10.0.0.0/255.0.0.0 scram-sha-256",
             "line 3: hostssl 192.0.2.0/24 reject",
             "line 5: host  md5"]})])


def test_postgres_from_its_files() -> None:
    clusters = [{"port": None, "settings": {"listen_addresses": "*"}},
                {"port": 5433, "settings": {}, "sources": {}, "client_error": "x" * 200,
                 "hba": [{"line": 90, "fields": ["host", "all", "all", "0.0.0.0/0", "md5"]},
                         {"line": 91, "fields": ["local", "all", "all", "peer"]},
                         {"line": 92, "fields": ["hostssl", "all", "all", "::/0", "reject"]},
                         {"line": 93, "fields": ["host", "all", "all", "::1/128"]},
                         {"line": 94, "fields": ["local", "all", "all", "10.0.0.0/8", "md5"]},
                         {"line": 95, "fields": ["hostnossl", "all", "all", "all", "md5",
                                                 "x=1"]},
                         {"line": 96, "fields": ["host", "all", "all", "samenet", "md5"]}]}]
    default = "built-in default (localhost)"
    assert postgres_service({"clusters": clusters}) == Service(
        "database", [5433], (),
        [_listen(IpSet(), ["localhost"], f"listen_addresses from {default}", [],
                 listen_addresses="localhost", source=default, read_from="configuration files"),
         Layer("pg_hba rules", _ALL, {"host_rules": [
             "line 90: host all all 0.0.0.0/0 md5", "line 92: hostssl all all ::/0 reject",
             "line 95: hostnossl all all all md5 x=1", "line 96: host all all samenet md5"]})],
        notes=[f"the server's own settings could not be read ({'x' * 120}); read from its "
               "files"],
        warnings=[_HBA_NOTE])


def test_postgres_rules_replace_the_file_even_when_none_applies() -> None:
    cluster = {"port": 5432, "from_server": True, "settings": {"listen_addresses": "10.0.0.1"},
               "rules": [{"line": 1, "type": "local", "method": "peer"}],
               "hba": [{"line": 1, "fields": ["host", "all", "all", "0.0.0.0/0", "md5"]}]}
    service = postgres_service({"clusters": [cluster]})
    assert service is not None
    assert service.layers[1] == Layer("pg_hba rules", IpSet(), {"host_rules": []})
    assert (service.ports, service.families, service.warnings) == ([5432], (4,), [])


def test_postgres_host_rules_are_bounded() -> None:
    hba = [{"line": n, "fields": ["host", "all", "all", f"10.0.{n}.0/24", "md5"]}
           for n in range(31)]
    service = postgres_service({"clusters": [{"port": 5432, "hba": hba}]})
    assert service is not None
    assert service.layers[1].evidence["host_rules"] == [
        f"line {n}: host all all 10.0.{n}.0/24 md5" for n in range(30)]
    assert service.layers[1].sources == IpSet.of([f"10.0.{n}.0/24" for n in range(31)])


@pytest.mark.parametrize(("listen", "families"), [
    ("10.0.0.1,::1", (4,)), ("10.0.0.1, 2001:db8::1", (4, 6)), ("localhost", ()),
    ("::", (4, 6)), ("0.0.0.0", (4,)), ("", (4, 6)),
])
def test_postgres_listen_addresses(listen: str, families: tuple[int, ...]) -> None:
    service = postgres_service({"clusters": [{"settings": {"listen_addresses": listen}}]})
    assert service is not None
    assert service.families == families
    assert service.layers[0].evidence["addresses"] == listen.split(",")


@pytest.mark.parametrize(("settings", "cluster_port", "ports"), [
    ({"port": "abc"}, None, [5432]), ({}, None, [5432]), ({}, "5435", [5435]),
    ({"port": 5436}, 5432, [5436]),
])
def test_postgres_port(settings: dict[str, Any], cluster_port: Any, ports: list[int]) -> None:
    service = postgres_service({"clusters": [{"port": cluster_port, "settings": settings}]})
    assert service is not None and service.ports == ports


_CLUSTERS = [{"settings": {"listen_addresses": "idle"}},
             {"port": 5432, "settings": {"listen_addresses": "first"}},
             {"port": "5433", "settings": {"listen_addresses": "second"}}]


@pytest.mark.parametrize(("clusters", "port", "chosen"), [
    (_CLUSTERS, 5433, "second"), (_CLUSTERS, 5432, "first"), (_CLUSTERS, 5499, "first"),
    (_CLUSTERS, None, "first"), (_CLUSTERS[:1], 5433, "idle"), (_CLUSTERS[:1], None, "idle"),
    (["junk", *_CLUSTERS[2:]], None, "second"),
])
def test_postgres_cluster_on_the_port(clusters: list[Any], port: int | None,
                                      chosen: str) -> None:
    service = postgres_service({"clusters": clusters}, port)
    assert service is not None
    assert service.layers[0].evidence["listen_addresses"] == chosen


@pytest.mark.parametrize("value", [{}, {"clusters": None}, {"clusters": []},
                                   {"clusters": ["x"]}])
def test_no_postgres_cluster_is_no_service(value: dict[str, Any]) -> None:
    assert postgres_service(value) is None


# -------------------------------------------------------------------- which database server
_MYSQL = _ok("db.mysql_access", {"pids": [1], "config": ["port=3306"]})
_PG = _ok("db.postgres_access", {"clusters": [{"port": 5432, "settings": {}},
                                              {"port": 5433, "settings": {}}]})
_NONE = Fact("db.mysql_access", FactStatus.MISSING)
_PG_NONE = Fact("db.postgres_access", FactStatus.MISSING)


@pytest.mark.parametrize(("mysql", "postgres", "probes", "ports"), [
    (_MYSQL, _PG, [{"engine": "postgresql", "port": 5433}], [5433]),
    (_MYSQL, _PG, [{"engine": "postgresql", "port": "5433"},
                   {"engine": "postgresql", "port": 5432}], [5433]),
    (_MYSQL, _PG, [], [3306]),
    (_MYSQL, _PG, None, [3306]),
    (_MYSQL, _PG, [{"engine": "mysql", "port": 5433}], [3306]),
    (_MYSQL, _PG, [{"engine": "postgresql", "port": "x"}], [3306]),
    (_MYSQL, _PG, [{"engine": "postgresql"}], [3306]),
    (_MYSQL, Fact("db.postgres_access", FactStatus.DENIED),
     [{"engine": "postgresql", "port": 5433}], [3306]),
    (_MYSQL, _ok("db.postgres_access", {"clusters": []}),
     [{"engine": "postgresql", "port": 5433}], [3306]),
    (_MYSQL, _ok("db.postgres_access", ["x"]), [{"engine": "postgresql", "port": 5433}],
     [3306]),
    (_NONE, _PG, [{"engine": "mysql", "port": 3306}], [5432]),
    (_ok("db.mysql_access", {"pids": []}), _PG, [], [5432]),
    (_ok("db.mysql_access", "x"), _PG, [], [5432]),
    (Fact("db.mysql_access", FactStatus.DENIED), _PG, [], [5432]),
])
def test_database_service_choice(mysql: Fact, postgres: Fact, probes: list[dict[str, Any]] | None,
                                 ports: list[int]) -> None:
    service = database_service(mysql, postgres, probes)
    assert service is not None and service.ports == ports


@pytest.mark.parametrize(("mysql", "postgres"), [
    (_NONE, _PG_NONE), (_ok("db.mysql_access", {}), _ok("db.postgres_access", {})),
    (_NONE, Fact("db.postgres_access", FactStatus.ERROR)),
])
def test_no_database_service(mysql: Fact, postgres: Fact) -> None:
    assert database_service(mysql, postgres, []) is None
    assert database_service(mysql, postgres) is None


def test_loopback_is_the_localhost_account() -> None:
    service = mysql_service({"pids": [1], "accounts": [{"user": "r", "host": "localhost"}]})
    assert service is not None and service.layers[1].sources == IpSet.of(LOOPBACK)
