"""db.postgres_access: a running cluster read by its superuser, its files, and the fallbacks."""

from __future__ import annotations

from typing import Any

from checks.databases.pghba import plain_rules
from checks.network.allowlist_services import postgres_service
from posture.collect.facts.parsers_net import parse_postgres_access
from posture.collect.probes.pgtls import file_rules
from posture.models import Fact, FactStatus

D = "/srv/pg/data"
RUNNING = f"""cluster {D}
port 5433
{D}/postgresql.conf:1:listen_addresses = 'localhost'
{D}/postgresql.conf:13:include_dir = 'conf.d'
{D}/conf.d/10-listen.conf:1:listen_addresses = '10.1.2.3'
set\tlisten_addresses\t10.1.2.3\t{D}/conf.d/10-listen.conf\t1
set\tport\t5433\t{D}/postgresql.conf\t2
set\tssl\ton\t{D}/postgresql.conf\t7
set\tssl_min_protocol_version\tTLSv1.2\t\t
rule\t1\tlocal\tall\tpostgres\t\t\tpeer\t
rule\t2\thostssl\tall\tall\t10.0.0.0\t255.0.0.0\tscram-sha-256\t
rule\t3\thost\tshop\tapp,report\t0.0.0.0\t0.0.0.0\tmd5\t
rule\t4\thost\tall\tall\tsamenet\t\tmagic\tinvalid authentication method "magic"
files
/etc/postgresql/15/main/postgresql.conf:60:listen_addresses = '*'
/etc/postgresql/15/main/pg_hba.conf:97:host all all 127.0.0.1/32 scram-sha-256
"""
BROKEN = f"""cluster {D}
port 5433
{D}/postgresql.conf:1:listen_addresses = 'localhost'
{D}/conf.d/10-listen.conf:1:listen_addresses = '10.1.2.3'
{D}/postgresql.auto.conf:3:listen_addresses = '*'
hba {D}/pg_hba.conf:1:local all postgres peer
hba {D}/pg_hba.conf:2:hostssl all all 10.0.0.0/8 scram-sha-256
hba {D}/pg_hba.conf:3:host shop app 192.168.1.0 255.255.255.0 md5
psql: error: connection to server on socket "/srv/pg/sock/.s.PGSQL.5433" failed
files
"""


def _cluster(value: Any, port: str) -> dict[str, Any]:
    return next(c for c in value["clusters"] if c.get("port") == port)


def test_the_server_s_own_settings_and_rules_win() -> None:
    value = parse_postgres_access(RUNNING)
    cluster = _cluster(value, "5433")
    assert cluster["from_server"] is True
    assert cluster["settings"]["listen_addresses"] == "10.1.2.3"
    assert cluster["sources"]["listen_addresses"] == f"{D}/conf.d/10-listen.conf:1"
    assert cluster["sources"]["ssl_min_protocol_version"] == "built-in default or command line"
    assert [r["line"] for r in cluster["rules"]] == [1, 2, 3, 4]
    assert cluster["rules"][2]["user"] == ["app", "report"]
    assert cluster["rules"][3]["error"].startswith("invalid authentication method")
    debian = next(c for c in value["clusters"] if c["folder"] == "/etc/postgresql/15/main")
    assert debian["hba"][0]["fields"][3] == "127.0.0.1/32"


def test_without_the_server_the_last_file_wins_and_the_error_is_kept() -> None:
    cluster = _cluster(parse_postgres_access(BROKEN), "5433")
    assert cluster["from_server"] is False
    assert cluster["settings"]["listen_addresses"] == "*"
    assert cluster["sources"]["listen_addresses"] == f"{D}/postgresql.auto.conf:3"
    assert cluster["client_error"].startswith("psql: error")


def test_allowlist_layers_from_the_running_cluster() -> None:
    service = postgres_service(parse_postgres_access(RUNNING), 5433)
    assert service is not None and service.ports == [5433]
    listen, hba = service.layers
    assert listen.name.endswith("/conf.d/10-listen.conf:1") or \
        listen.evidence["source"].endswith("/conf.d/10-listen.conf:1")
    assert hba.sources.is_world()  # line 3: 0.0.0.0/0.0.0.0
    assert service.warnings


def test_rules_over_ssh_only_when_something_was_read() -> None:
    fact = Fact("db.postgres_access", FactStatus.OK, parse_postgres_access(RUNNING))
    found = file_rules(fact, 5433)
    assert found is not None and found[1] == "pg_hba_file_rules (superuser, over SSH)"
    from_file = file_rules(Fact("db.postgres_access", FactStatus.OK,
                                parse_postgres_access(BROKEN)), 5433)
    assert from_file is not None and from_file[1] == f"{D}/pg_hba.conf (read over SSH)"
    third = from_file[0][2]
    assert (third["type"], third["address"], third["netmask"], third["method"]) == (
        "host", "192.168.1.0", "255.255.255.0", "md5")
    assert plain_rules(from_file[0], "app", "shop") == [
        "line 3: host shop app 192.168.1.0 255.255.255.0 md5"]
    nothing = parse_postgres_access(f"cluster {D}\nport 5433\npsql: error: no\nfiles\n")
    assert file_rules(Fact("db.postgres_access", FactStatus.OK, nothing), 5433) is None
    assert file_rules(fact, 6000) is None
    assert file_rules(Fact("db.postgres_access", FactStatus.DENIED), 5433) is None
