"""nginx checks on recorded ``nginx -T`` outputs: version, branch, disclosure, workers, TLS
configuration, and who an nginx location admits."""

from __future__ import annotations

from typing import Any

import pytest
from facts_samples import context, ok, parsed
from nginx_samples import PS_WWW
from nginx_samples import nginx_config as _config
from nginx_samples import nginx_ctx as _ctx
from nginx_samples import nginx_fact as _fact

from checks.network import allowlist
from checks.network.allowlist_nginx import (
    admin_layer,
    choose_server,
    evaluate_rules,
    match_location,
)
from checks.network.ipranges import IpSet
from checks.websites import nginx as nginx_checks
from checks.websites import webserver
from posture.collect.facts.nginx import parse_version
from posture.collect.facts.nginx_config import parse_dump
from posture.models import Fact, FactStatus, Status


def test_disclosure_names_the_server_that_sends_its_version() -> None:
    out = nginx_checks.VERSION_DISCLOSURE.evaluate(_ctx(_fact("lab-right-wrong.txt")))
    assert out.status is Status.FAIL
    assert "server_tokens on at /srv/lab/sites-enabled/wrong.conf:4" in out.summary


def test_disclosure_default_is_on_and_a_location_can_turn_it_back_on() -> None:
    debian = nginx_checks.VERSION_DISCLOSURE.evaluate(_ctx(_fact("debian12-default.txt")))
    assert debian.status is Status.FAIL and "default (on)" in debian.summary
    shop = nginx_checks.VERSION_DISCLOSURE.evaluate(_ctx(_fact("shop-admin.txt")))
    assert shop.status is Status.FAIL and "location ^~ /static/" in shop.summary


def test_workers_of_this_namespace_only() -> None:
    out = nginx_checks.WORKERS_NOT_ROOT.evaluate(_ctx(_fact("shop-admin.txt")))
    assert out.status is Status.PASS, out
    assert out.evidence["configured_user"][0]["user"] == "www-data"
    root = [dict(p, user="root") if p["pid"] == 2211 else p for p in PS_WWW]
    out = nginx_checks.WORKERS_NOT_ROOT.evaluate(_ctx(_fact("shop-admin.txt"), {},
                                                      ok("proc.list", root)))
    assert out.status is Status.FAIL and out.evidence["root_workers"] == [2211]


@pytest.mark.parametrize(("name", "status", "words"), [
    ("shop-admin.txt", Status.FAIL, "stable branch 1.24 has been unsupported since 2024-04-22"),
    ("ubuntu1204-1.1.19.txt", Status.FAIL, "mainline branch 1.1"),
])
def test_eol_of_the_running_binary(name: str, status: Status, words: str) -> None:
    out = nginx_checks.EOL.evaluate(_ctx(_fact(name)))
    assert out.status is status and words in out.summary, out.summary


def test_eol_of_a_supported_distributions_package_is_a_warning() -> None:
    packages = ok("pkg.versions", {"manager": "dpkg", "packages": {"nginx": "1.22.1-9"}})
    out = nginx_checks.EOL.evaluate(_ctx(_fact("debian12-default.txt"), {}, packages))
    assert out.status is Status.WARN and "Debian 12" in out.summary


def test_nginx_absent_is_not_applicable_only_when_really_absent() -> None:
    gone = Fact("nginx.config", FactStatus.MISSING)
    assert nginx_checks.EOL.evaluate(_ctx(gone)).status is Status.NOT_APPLICABLE
    refused = Fact("nginx.config", FactStatus.DENIED, reason="sudo: a password is required")
    assert nginx_checks.VERSION_DISCLOSURE.evaluate(_ctx(refused)).status is Status.ERROR
    assert nginx_checks.EOL.evaluate(_ctx(refused)).status is Status.ERROR


@pytest.mark.parametrize(("params", "status"), [
    ({"product": "nginx", "version": "1.24"}, Status.PASS),
    ({"product": "any", "version": "1.24.0"}, Status.PASS),
    ({"version": "1.24"}, Status.PASS),
    ({"product": "nginx", "version": "1.26"}, Status.FAIL),
    ({"product": "apache", "version": "2.4"}, Status.FAIL),
    ({"product": "nginx", "version": "1.24.0.1"}, Status.ERROR),
    ({"product": "iis", "version": "10"}, Status.ERROR),
])
def test_web_server_version(params: dict[str, Any], status: Status) -> None:
    out = webserver.VERSION_MATCHES.evaluate(_ctx(_fact("shop-admin.txt"), params))
    assert out.status is status, out.summary
    if params.get("product") == "apache":
        assert out.summary.endswith("(nginx 1.24.0 runs).")


def test_web_server_version_any_matches_either_server() -> None:
    apache = ok("apache.version", {"server_version": "Apache/2.4.62 (Debian)",
                                   "version": "2.4.62", "built": ""})
    # Apache installed, but only nginx runs: the claim is about the server that runs
    ctx = _ctx(_fact("shop-admin.txt"), {"product": "any", "version": "2.4"}, apache)
    idle = webserver.VERSION_MATCHES.evaluate(ctx)
    assert idle.status is Status.FAIL, idle.summary
    assert "installed_not_running" in idle.evidence
    running = ok("proc.list", [*PS_WWW, {"user": "root", "pid": 900, "ppid": 1,
                                         "comm": "apache2"}])
    ctx = _ctx(_fact("shop-admin.txt"), {"product": "any", "version": "2.4"}, apache, running)
    assert webserver.VERSION_MATCHES.evaluate(ctx).status is Status.PASS
    nothing = _ctx(Fact("nginx.config", FactStatus.MISSING), {"version": "1.24"})
    out = webserver.VERSION_MATCHES.evaluate(nothing)
    assert out.status is Status.FAIL and "no web server runs" in out.summary
    stopped = _ctx(parsed("nginx.config", "installed /usr/sbin/nginx\n"),
                   {"product": "nginx", "version": "1.22"},
                   ok("nginx.version", {"binary": "/usr/sbin/nginx",
                                        "server_version": "nginx/1.22.1", "version": "1.22.1"}))
    out = webserver.VERSION_MATCHES.evaluate(stopped)
    assert out.status is Status.FAIL and "installed but not running: nginx 1.22.1" in out.summary


def _shop_layer(path: str, port: int = 443, host: str = "shop.example.test") -> Any:
    layer = admin_layer(_config("shop-admin.txt"), path, port, host)
    assert layer is not None
    return layer


def test_locations_are_chosen_in_nginx_order() -> None:
    servers = _config("shop-admin.txt")["servers"]
    locations = servers[1]["locations"]
    pick = [match_location(locations, p, [])[0]["path"] for p in
            ("/beheer/login", "/beheer/x", "/static/admin.css", "/Admin/x", "/", "/koppeling/")]
    assert pick == ["/beheer/login", "/beheer/", "/static/", "^/admin", "/", "/koppeling/"]
    nested = match_location(locations, "/koppeling/stock.xml", [])
    assert [loc["path"] for loc in nested] == ["/koppeling/", r"\.xml$"]


def test_regex_location_allowlist() -> None:
    layer = _shop_layer("/admin/index.php")
    assert layer.sources.networks() == ["198.51.100.0/24", "2001:db8::/32"]
    assert "location ~* ^/admin" in layer.evidence["location"]


def test_satisfy_any_with_a_login_answers_everyone() -> None:
    layer = _shop_layer("/beheer/orders")
    assert layer.sources.is_world()
    assert any("satisfy any" in n for n in layer.evidence["notes"])


def test_rules_come_from_the_innermost_level_with_any() -> None:
    # the nested .xml location has its own deny: the outer allow/deny no longer applies
    xml = _shop_layer("/koppeling/stock.xml")
    assert xml.sources.covers(IpSet.of(["198.51.100.7/32"]))
    feed = _shop_layer("/koppeling/stock.csv")
    assert feed.sources.networks() == ["198.51.100.20/32"]


def test_first_matching_rule_decides() -> None:
    rules = [{"rule": "deny", "args": ["198.51.100.66"]},
             {"rule": "allow", "args": ["198.51.100.64/26"]}, {"rule": "deny", "args": ["all"]}]
    admitted = evaluate_rules(rules, [])
    assert admitted.networks() == ["198.51.100.64/31", "198.51.100.67/32", "198.51.100.68/30",
                                   "198.51.100.72/29", "198.51.100.80/28", "198.51.100.96/27"]
    assert evaluate_rules([], []).is_world()


def test_server_chosen_by_port_and_name() -> None:
    config = _config("shop-admin.txt")
    assert choose_server(config, 8443, "anything")["at"].endswith("shop:41")
    assert choose_server(config, 443, "unknown.test")["at"].endswith("shop:10")
    assert choose_server(config, 9999, "shop.example.test") is None


def test_admin_check_on_nginx_uses_the_serving_server() -> None:
    reach = {"address": "198.51.100.1", "services": [
        {"service": "integrations", "name": "feed", "port": 8443, "path": "/feed/",
         "server_name": "api.shop.example.test",
         "results": [{"source": "auditor", "local": "198.51.100.70", "state": "open",
                      "answer": "http", "http_status": 200}]}]}
    facts = [_fact("shop-admin.txt"), ok("net.reach", reach),
             Fact("net.nftables", FactStatus.MISSING), Fact("net.iptables", FactStatus.MISSING),
             Fact("apache.access", FactStatus.MISSING), Fact("nginx.version", FactStatus.MISSING)]
    narrow = {"integrations": ["198.51.100.70/32"]}
    out = allowlist.evaluate_integrations(context(facts, narrow))
    assert out.status is Status.FAIL, out
    assert "198.51.100.64/31" in out.evidence["not_declared"]
    declared = {"integrations": ["198.51.100.64/26"]}
    out = allowlist.evaluate_integrations(context(facts, declared))
    assert out.status is Status.PASS, out
    assert out.evidence["layers"]["nginx access"]["server"].startswith(
        "server api.shop.example.test")
    assert allowlist.evaluate_admin(context(facts, declared)).status is Status.NOT_APPLICABLE


def test_tls_config_per_server() -> None:
    from checks.websites.nginx_tls import TLS_CONFIG

    lab = TLS_CONFIG.evaluate(_ctx(_fact("lab-right-wrong.txt")))
    assert lab.status is Status.FAIL
    assert "TLSv1 (ssl_protocols at /srv/lab/sites-enabled/wrong.conf:7" in lab.summary
    assert lab.evidence["without_hsts"] == ["wrong.lab.posture.test at "
                                            "/srv/lab/sites-enabled/wrong.conf:1"]
    # a local add_header (Cache-Control) drops the inherited HSTS header
    shop = TLS_CONFIG.evaluate(_ctx(_fact("shop-admin.txt")))
    assert shop.status is Status.WARN and "api.shop.example.test" in shop.summary
    hsts = shop.evidence["servers"][0]["hsts"]
    assert hsts == {"value": "max-age=63072000", "at": "/etc/nginx/conf.d/hsts.conf:1",
                    "always": True}
    debian = TLS_CONFIG.evaluate(_ctx(_fact("debian12-default.txt")))
    assert debian.status is Status.NOT_APPLICABLE


def test_tls_default_protocols_follow_the_version() -> None:
    from checks.websites.nginx_tls import _default_protocols

    assert "TLSv1" in _default_protocols("1.22.1")
    assert _default_protocols("1.23.4") == ["TLSv1.2", "TLSv1.3"]


def test_without_sudo_the_version_comes_from_nginx_v_and_the_config_is_an_error() -> None:
    refused = Fact("nginx.config", FactStatus.DENIED, reason="sudo: a password is required")
    version = ok("nginx.version", parse_version("binary /usr/sbin/nginx\n"
                                                "nginx version: nginx/1.26.2\n"))
    out = nginx_checks.EOL.evaluate(_ctx(refused, {}, version))
    assert out.status is Status.FAIL  # stable 1.26 ended when 1.28 came out (2025-04-23)
    assert out.evidence["actual"]["source"] == "/usr/sbin/nginx -v"
    matches = webserver.VERSION_MATCHES.evaluate(_ctx(refused, {"product": "nginx",
                                                               "version": "1.26"}, version))
    assert matches.status is Status.PASS
    assert nginx_checks.VERSION_DISCLOSURE.evaluate(_ctx(refused, {}, version)).status \
        is Status.ERROR


def test_shop_admin_folder_behind_nginx_allow_deny_counts_as_allowlisted() -> None:
    from checks.databases.shop import ADMIN

    shop = {"shops": [{"root": "/srv/lab/htdocs", "version": "3.0.3.8", "served_by": ["nginx"],
                       "apache_admin_ip_rules": 0,
                       "admins": [{"name": "admin", "schemes": {"HTTPS_SERVER": "https"},
                                   "htaccess_ip_rules": 0}]}]}
    out = ADMIN.evaluate(_ctx(_fact("lab-right-wrong.txt"), {}, ok("app.opencart_install", shop)))
    assert out.status is Status.PASS, out
    assert out.evidence["admin_folders"][0]["nginx_rules"] == [
        "/srv/lab/sites-enabled/right.conf:17"]
    shop["shops"][0]["admins"][0]["name"] = "beheer2"  # renamed: passes without rules too
    renamed = ADMIN.evaluate(_ctx(_fact("lab-right-wrong.txt"), {},
                                  ok("app.opencart_install", shop)))
    assert renamed.status is Status.PASS
    shop["shops"][0]["admins"][0]["name"] = "admin"
    debian = ADMIN.evaluate(_ctx(_fact("debian12-default.txt"), {},
                                 ok("app.opencart_install", shop)))
    assert debian.status is Status.FAIL  # nothing in the Debian default restricts /admin/


def test_a_listen_on_the_destination_address_wins_over_wildcards() -> None:
    dump = ("# configuration file /etc/nginx/nginx.conf:\nhttp {\n"
            " server { listen 443 ssl default_server; server_name a.test;\n"
            "   location /admin/ { deny all; } }\n"
            " server { listen 198.51.100.1:443 ssl; server_name b.test; }\n}\n")
    config = parse_dump(dump)
    on_it = admin_layer(config, "/admin/", 443, "a.test", "198.51.100.1")
    assert on_it is not None and on_it.sources.is_world()  # b.test answers there, unguarded
    elsewhere = admin_layer(config, "/admin/", 443, "a.test", "198.51.100.2")
    assert elsewhere is not None and elsewhere.sources.empty
    assert admin_layer(config, "/admin/", 8443, "a.test", "198.51.100.1") is None
