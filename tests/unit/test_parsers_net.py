"""Parsers of the network facts on recorded (and hostile) output."""

from __future__ import annotations

from pathlib import Path

import pytest

import posture.collect.facts.registry  # noqa: F401 - loads the fact families in their order
from checks.network.allowlist_apache import admin_layer
from checks.network.allowlist_layers import wildcard_hosts
from checks.network.ipranges import IpSet
from posture.collect.facts.parsers import ParseError
from posture.collect.facts.parsers_net import (
    parse_apache_access,
    parse_iptables,
    parse_mysql_access,
    parse_nft,
    parse_postgres_access,
    parse_sshd_access,
)

DATA = Path(__file__).parent.parent / "data"


def test_nft_keeps_only_ruleset_objects() -> None:
    value = parse_nft((DATA / "nft_ruleset.json").read_text())
    assert isinstance(value, dict)
    kinds = {next(iter(o)) for o in value["objects"]}
    assert kinds == {"table", "chain", "rule", "set"}
    with pytest.raises(ParseError):
        parse_nft("nft: command not found")
    with pytest.raises(ParseError):
        parse_nft('{"nftables": 3}')


def test_iptables_sections_policies_and_quoted_comments() -> None:
    value = parse_iptables((DATA / "iptables_save.txt").read_text())
    assert isinstance(value, dict)
    table = value["backends"]["legacy"]["ipv4"]["filter"]
    assert table["policies"]["INPUT"] == "DROP"
    assert table["policies"]["ufw-user-input"] == "-"
    comment = next(r for r in table["rules"] if "--comment" in r["args"])
    assert comment["chain"] == "ufw-user-input"
    assert value["backends"]["nft"]["ipv4"] == {}
    with pytest.raises(ParseError):
        parse_iptables("iptables: command not found")


def test_mysql_access_variables_accounts_and_client_error() -> None:
    value = parse_mysql_access("pid 4242\narg --bind-address=0.0.0.0\narg --port=3307\n"
                               "conf --skip-networking\nvar\t*\t0\t3307\n"
                               "acct\tshop\t%\nacct\troot\tlocalhost\n")
    assert isinstance(value, dict)
    assert value["variables"] == {"bind_address": "*", "skip_networking": "0", "port": "3307"}
    assert value["accounts"][0] == {"user": "shop", "host": "%"}
    assert value["config"] == ["--skip-networking"]
    denied = parse_mysql_access("pid 1\nERROR 1698 (28000): Access denied for user 'root'\n")
    assert isinstance(denied, dict)
    assert denied["client_error"].startswith("ERROR 1698")


def test_mysql_access_records_the_socket_the_server_listens_on() -> None:
    # Recorded from mariadbd started with --defaults-file (socket only in a conf.d drop-in).
    raw = ("pid 5120\narg --defaults-file=/srv/db/my.cnf\narg --port=40213\n"
           "arg --bind-address=127.0.0.1\nlisten /srv/db/run/server.sock\n"
           "conf --socket = /srv/db/run/server.sock\nsocket /srv/db/run/server.sock\n"
           "var\t127.0.0.1\t0\t40213\nacct\tpstshop\t%\n")
    value = parse_mysql_access(raw)
    assert isinstance(value, dict)
    assert value["listening"] == ["/srv/db/run/server.sock"]
    assert value["socket"] == "/srv/db/run/server.sock"
    assert {"user": "pstshop", "host": "%"} in value["accounts"]
    lost = parse_mysql_access("pid 5120\nERROR posture: the server's unix socket was not found "
                              "(open files, command line, options)\n")
    assert isinstance(lost, dict)
    assert lost["socket"] == "" and lost["accounts"] == []
    assert "socket was not found" in lost["client_error"]


def test_sshd_access_splits_wrappers_from_config() -> None:
    value = parse_sshd_access("/etc/ssh/sshd_config:120:Match Address 10.0.0.0/8\n"
                              "/etc/ssh/sshd_config:121:  AllowUsers deploy@10.0.0.5\n"
                              "/etc/hosts.allow:3:sshd: 10.0.0.0/8\nlibwrap no\n")
    assert isinstance(value, dict)
    assert [e["line"] for e in value["config"]] == [120, 121]
    assert value["tcp_wrappers"][0]["text"] == "sshd: 10.0.0.0/8"
    assert value["libwrap"] is False


def test_postgres_settings_and_hba() -> None:
    value = parse_postgres_access(
        "/etc/postgresql/15/main/postgresql.conf:60:listen_addresses = '*'   # all\n"
        "/etc/postgresql/15/main/pg_hba.conf:90:host all all 10.0.0.0/8 scram-sha-256\n")
    assert isinstance(value, dict)
    cluster = value["clusters"][0]
    assert cluster["settings"]["listen_addresses"] == "*"
    assert cluster["hba"][0]["fields"][3] == "10.0.0.0/8"


APACHE24 = """root /etc/apache2
/etc/apache2/sites-enabled/a.conf:1:<VirtualHost *:443>
/etc/apache2/sites-enabled/a.conf:5:<Location />
/etc/apache2/sites-enabled/a.conf:6:Require all granted
/etc/apache2/sites-enabled/a.conf:7:</Location>
/etc/apache2/sites-enabled/a.conf:8:<Location "/admin">
/etc/apache2/sites-enabled/a.conf:9:<RequireAll>
/etc/apache2/sites-enabled/a.conf:10:Require ip 10.1 192.0.2.0/255.255.255.0
/etc/apache2/sites-enabled/a.conf:11:Require not ip 10.1.2.0/24
/etc/apache2/sites-enabled/a.conf:12:</RequireAll>
/etc/apache2/sites-enabled/a.conf:13:</Location>
/etc/apache2/sites-enabled/a.conf:14:</VirtualHost>
"""


def test_apache_require_all_with_not_ip() -> None:
    value = parse_apache_access(APACHE24)
    assert isinstance(value, dict)
    layer = admin_layer(value, "/admin/login")
    expected = IpSet.of(["10.1.0.0/16", "192.0.2.0/24"]).minus(IpSet.of(["10.1.2.0/24"]))
    assert layer.sources == expected
    assert "a.conf:8" in str(layer.evidence["section"])
    assert admin_layer(value, "/shop").sources == IpSet.everything()


def test_apache_require_host_is_taken_as_anywhere() -> None:
    value = parse_apache_access("/x.conf:1:<Location /admin>\n/x.conf:2:Require host example.org\n"
                                "/x.conf:3:</Location>\n")
    assert isinstance(value, dict)
    layer = admin_layer(value, "/admin")
    assert layer.sources == IpSet.everything()
    assert "DNS" in str(layer.evidence["notes"])


@pytest.mark.parametrize(("pattern", "expected"), [
    ("%", ["0.0.0.0/0", "::/0"]), ("192.168.1.%", ["192.168.1.0/24"]),
    ("10.%.%.%", ["10.0.0.0/8"]), ("10.0.0.0/255.255.0.0", ["10.0.0.0/16"]),
    ("localhost", ["127.0.0.0/8", "::1/128"]), ("198.51.100.7", ["198.51.100.7/32"]),
])
def test_account_host_patterns(pattern: str, expected: list[str]) -> None:
    found = wildcard_hosts(pattern)
    assert found is not None
    assert found.networks() == expected


def test_account_host_name_is_undecidable() -> None:
    assert wildcard_hosts("app.example.org") is None
