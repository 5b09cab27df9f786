"""services.ftp_plaintext, app.config_http and app.db_link: exact verdicts and evidence."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from checks.base import CheckContext
from checks.databases.appconfig import CONFIG_HTTP, DB_LINK, FTP_PLAINTEXT
from posture.models import Fact, FactStatus, Status

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def ctx(**values: Any) -> CheckContext:
    facts = {}
    for name, value in values.items():
        key = {"reach": "admin.plaintext_reach", "vsftpd": "ftp.vsftpd",
               "opencart": "app.opencart"}[name]
        if isinstance(value, FactStatus):
            facts[key] = Fact(key, value, reason="gone")
        else:
            facts[key] = Fact(key, FactStatus.OK, value=value)
    return CheckContext("web1", facts, {}, NOW)


def port(number: int, service: str, open_: bool = True, auth_tls: int | None = None,
         error: str = "") -> dict[str, Any]:
    item: dict[str, Any] = {"port": number, "service": service, "open": open_}
    if auth_tls is not None:
        item["auth_tls"] = auth_tls
    if error:
        item["error"] = error
    return item


VSFTPD = {"configs": {"/etc/vsftpd.conf": {"listen_port": "21", "ssl_enable": "YES",
                                           "force_local_logins_ssl": "NO", "other": "x"},
                      "/etc/vsftpd2.conf": {"ssl_enable": "NO"}},
          "running": ["/etc/vsftpd.conf"]}
SETTINGS = [{"file": "/etc/vsftpd.conf", "running": True, "listen_port": "21",
             "ssl_enable": "YES", "force_local_logins_ssl": "NO"},
            {"file": "/etc/vsftpd2.conf", "running": False, "listen_port": None,
             "ssl_enable": "NO", "force_local_logins_ssl": None}]


# -------------------------------------------------------------------------------- FTP
def test_ftp_nothing_plain() -> None:
    ports = [port(21, "FTP", False), port(23, "Telnet", False, error="filtered"),
             port(990, "FTP", True, 234)]
    out = FTP_PLAINTEXT.evaluate(ctx(reach={"address": "198.18.0.2", "ports": ports}))
    assert out.status is Status.PASS
    assert out.summary == ("No plaintext FTP, Telnet, rlogin or rsh answered on 198.18.0.2 "
                           "(ports 21, 23, 990).")
    assert out.evidence == {"address": "198.18.0.2", "plaintext_reachable": [],
                            "tls_optional": [], "vsftpd": [], "probed_ports": [21, 23, 990],
                            "filtered": [23]}


@pytest.mark.parametrize(("item", "plain"), [
    (port(21, "FTP", True, 234), False), (port(21, "FTP", True, 530), True),
    (port(21, "FTP", True), True), (port(23, "Telnet", True, 234), True),
    (port(23, "Telnet", True), True), (port(21, "FTP", False), False),
    (port(513, "rlogin", False, 234), False), (port(21, "ftp", True, 234), True),
])
def test_ftp_plain_port_table(item: dict[str, Any], plain: bool) -> None:
    out = FTP_PLAINTEXT.evaluate(ctx(reach={"address": "a", "ports": [item]}))
    assert out.status is (Status.FAIL if plain else Status.PASS)
    assert out.evidence["plaintext_reachable"] == ([item] if plain else [])
    if plain:
        assert out.summary == (
            "Plaintext administration is reachable from the auditor: "
            f"{item['service']} on a:{item['port']} (no TLS: AUTH TLS refused or not a TLS "
            "service).")


def test_ftp_tls_optional_by_vsftpd_setting() -> None:
    ports = [port(21, "FTP", True, 234)]
    out = FTP_PLAINTEXT.evaluate(ctx(reach={"address": "h", "ports": ports}, vsftpd=VSFTPD))
    assert out.status is Status.FAIL
    assert out.summary == ("FTP offers TLS but does not require it (FTP on h:21; "
                           "force_local_logins_ssl=NO): logins can still travel in clear.")
    assert out.evidence["tls_optional"] == ports
    assert out.evidence["vsftpd"] == SETTINGS
    lower = {"configs": {"/c": {"force_local_logins_ssl": "no"}}}
    assert FTP_PLAINTEXT.evaluate(ctx(reach={"address": "h", "ports": ports},
                                      vsftpd=lower)).status is Status.FAIL


@pytest.mark.parametrize("vsftpd", [
    {"configs": {"/c": {"force_local_logins_ssl": "YES"}}}, {"configs": {"/c": {}}},
    {"configs": None}, {}, FactStatus.MISSING,
])
def test_ftp_tls_required_or_unknown_setting_passes(vsftpd: Any) -> None:
    ports = [port(21, "FTP", True, 234)]
    out = FTP_PLAINTEXT.evaluate(ctx(reach={"address": "h", "ports": ports}, vsftpd=vsftpd))
    assert out.status is Status.PASS
    assert out.evidence["tls_optional"] == []


def test_ftp_optional_needs_an_open_port() -> None:
    ports = [port(21, "FTP", False, 234), port(2121, "FTP", True, 530)]
    out = FTP_PLAINTEXT.evaluate(ctx(reach={"address": "h", "ports": ports}, vsftpd=VSFTPD))
    assert out.evidence["tls_optional"] == []
    assert out.summary == ("Plaintext administration is reachable from the auditor: FTP on "
                           "h:2121 (no TLS: AUTH TLS refused or not a TLS service).")


def test_ftp_plain_and_optional_are_both_named() -> None:
    ports = [port(21, "FTP", True, 234), port(23, "Telnet", True)]
    out = FTP_PLAINTEXT.evaluate(ctx(reach={"address": "h", "ports": ports}, vsftpd=VSFTPD))
    assert out.summary == ("Plaintext administration is reachable from the auditor: Telnet on "
                           "h:23, FTP on h:21 (no TLS: AUTH TLS refused or not a TLS "
                           "service).")


def test_ftp_without_reach_is_an_error_and_no_ports_pass() -> None:
    out = FTP_PLAINTEXT.evaluate(ctx(reach=FactStatus.TIMEOUT))
    assert out.status is Status.ERROR and out.evidence["fact"] == "admin.plaintext_reach"
    out = FTP_PLAINTEXT.evaluate(ctx(reach={"address": "h", "ports": None}))
    assert out.status is Status.PASS and out.evidence["probed_ports"] == []


def test_ftp_many_ports_are_capped() -> None:
    ports = [port(1000 + i, "Telnet", True) for i in range(60)]
    out = FTP_PLAINTEXT.evaluate(ctx(reach={"address": "h", "ports": ports}))
    assert len(out.evidence["plaintext_reachable"]) == 50  # type: ignore[arg-type]
    assert len(out.evidence["probed_ports"]) == 60  # type: ignore[arg-type]


# ----------------------------------------------------------------------- config http
def const(value: str, line: int = 3) -> dict[str, Any]:
    return {"value": value, "line": line}


def test_config_http_fail_names_the_first_plain_url() -> None:
    files = {"/var/www/shop/config.php": {"HTTP_SERVER": const("https://shop.test/", 2),
                                          "HTTPS_SERVER": const("HTTP://shop.test/", 3),
                                          "DIR_APPLICATION": const("http://x/", 4)},
             "/var/www/shop/admin/config.php": {"HTTP_CATALOG": const("http://shop.test/", 5),
                                                "HTTPS_CATALOG": const("https://s/", 6)}}
    out = CONFIG_HTTP.evaluate(ctx(opencart={"files": files}))
    assert out.status is Status.FAIL
    assert out.summary == ("The application is configured with plain http:// URLs, e.g. "
                           "HTTP_CATALOG = http://shop.test/ in /var/www/shop/admin/config.php "
                           "line 5.")
    assert out.evidence == {
        "plain_http": [
            {"file": "/var/www/shop/admin/config.php", "line": 5, "constant": "HTTP_CATALOG",
             "value": "http://shop.test/"},
            {"file": "/var/www/shop/config.php", "line": 3, "constant": "HTTPS_SERVER",
             "value": "HTTP://shop.test/"}],
        "files": ["/var/www/shop/admin/config.php", "/var/www/shop/config.php"]}


@pytest.mark.parametrize("name", ["HTTP_SERVER", "HTTPS_SERVER", "HTTP_CATALOG",
                                  "HTTPS_CATALOG"])
def test_config_http_each_url_constant(name: str) -> None:
    out = CONFIG_HTTP.evaluate(ctx(opencart={"files": {"/c.php": {name: const("http://a")}}}))
    assert out.status is Status.FAIL and out.evidence["plain_http"] == [
        {"file": "/c.php", "line": 3, "constant": name, "value": "http://a"}]


def test_config_http_pass() -> None:
    files = {"/c.php": {"HTTP_SERVER": const("https://a/"), "HTTPS_SERVER": {"line": 4},
                        "DB_HOSTNAME": const("http://db")}}
    out = CONFIG_HTTP.evaluate(ctx(opencart={"files": files}))
    assert out.status is Status.PASS
    assert out.summary == "Every server URL in the application configuration is https://."
    assert out.evidence == {"plain_http": [], "files": ["/c.php"]}


@pytest.mark.parametrize("value", [{"files": {}}, {"files": None}, {}])
def test_no_opencart_config_is_not_applicable(value: dict[str, Any]) -> None:
    for check in (CONFIG_HTTP, DB_LINK):
        out = check.evaluate(ctx(opencart=value))
        assert out.status is Status.NOT_APPLICABLE
        assert out.summary == "No OpenCart config.php was found on the host."


def test_opencart_fact_unusable_is_an_error() -> None:
    for check in (CONFIG_HTTP, DB_LINK):
        out = check.evaluate(ctx(opencart=FactStatus.DENIED))
        assert out.status is Status.ERROR and out.evidence["fact"] == "app.opencart"


# ---------------------------------------------------------------------------- db link
@pytest.mark.parametrize(("hostname", "remote"), [
    ("localhost", False), ("LOCALHOST", False), ("127.0.0.1", False), ("::1", False),
    ("", False), ("/run/mysqld/mysqld.sock", False), ("db.internal", True),
    ("10.0.0.5", True), ("127.0.0.2", True), ("localhost.example", True),
])
def test_db_link_hostnames(hostname: str, remote: bool) -> None:
    files = {"/c.php": {"DB_HOSTNAME": const(hostname, 9)}}
    out = DB_LINK.evaluate(ctx(opencart={"files": files}))
    link = {"file": "/c.php", "line": 9, "hostname": hostname}
    assert out.evidence == {"links": [link], "network": [link] if remote else []}
    if remote:
        assert out.status is Status.FAIL
        assert out.summary == (f"The application reaches its database over the network "
                               f"({hostname}, /c.php) and its configuration does not ask for "
                               "TLS.")
    else:
        assert out.status is Status.PASS
        assert out.summary == ("The application reaches its database on the same host "
                               f"({hostname}): that link never crosses the network.")


def test_db_link_several_files() -> None:
    files = {"/b.php": {"DB_HOSTNAME": const("db2", 2)},
             "/a.php": {"DB_HOSTNAME": const("localhost", 1)},
             "/c.php": {"HTTP_SERVER": const("https://x")}}
    out = DB_LINK.evaluate(ctx(opencart={"files": files}))
    assert out.status is Status.FAIL
    assert out.evidence == {"links": [{"file": "/a.php", "line": 1, "hostname": "localhost"},
                                      {"file": "/b.php", "line": 2, "hostname": "db2"}],
                            "network": [{"file": "/b.php", "line": 2, "hostname": "db2"}]}
    local = {"/b.php": {"DB_HOSTNAME": const("127.0.0.1")},
             "/a.php": {"DB_HOSTNAME": const("localhost")}}
    assert DB_LINK.evaluate(ctx(opencart={"files": local})).summary == (
        "The application reaches its database on the same host (localhost): that link never "
        "crosses the network.")


def test_db_link_without_hostname_is_an_error() -> None:
    out = DB_LINK.evaluate(ctx(opencart={"files": {"/b.php": {}, "/a.php": {"X": const("y")}}}))
    assert out.status is Status.ERROR
    assert out.summary == ("could not determine: no DB_HOSTNAME in the application "
                           "configuration")
    assert out.evidence == {"files": ["/a.php", "/b.php"]}
