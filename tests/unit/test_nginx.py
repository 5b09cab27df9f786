"""nginx facts and checks on recorded ``nginx -T`` outputs (Debian 12, a shop, Ubuntu 12.04)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from facts_samples import context, ok, parsed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks import allowlist, webserver
from checks import nginx as nginx_checks
from checks.allowlist_nginx import admin_layer, choose_server, evaluate_rules, match_location
from checks.ipranges import IpSet
from posture.collect.facts.nginx import parse_config, parse_version
from posture.collect.facts.nginx_config import parse_dump
from posture.collect.facts.parsers import ParseError
from posture.models import Fact, FactStatus, Status

DATA = Path(__file__).parent.parent / "data" / "nginx"
PS_WWW = [{"user": "root", "pid": 2210, "ppid": 1, "comm": "nginx"},
          {"user": "www-data", "pid": 2211, "ppid": 2210, "comm": "nginx"},
          {"user": "www-data", "pid": 2212, "ppid": 2210, "comm": "nginx"},
          # another server's nginx (another namespace): its root worker must not count
          {"user": "root", "pid": 4410, "ppid": 1, "comm": "nginx"},
          {"user": "root", "pid": 4411, "ppid": 4410, "comm": "nginx"}]
DEB12_OS = {"ID": "debian", "VERSION_ID": "12"}


def _fact(name: str) -> Fact:
    return parsed("nginx.config", (DATA / name).read_text())


def _config(name: str) -> dict[str, Any]:
    value = parse_config((DATA / name).read_text())
    assert isinstance(value, dict)
    config = value["masters"][0]["config"]
    assert isinstance(config, dict)
    return config


def _ctx(config: Fact, params: dict[str, Any] | None = None, *extra: Fact) -> Any:
    facts = [config, ok("proc.list", PS_WWW), ok("os.release", DEB12_OS),
             Fact("nginx.version", FactStatus.MISSING), Fact("apache.version", FactStatus.MISSING),
             ok("pkg.versions", {"manager": "dpkg", "packages": {}}), *extra]
    return context(facts, params or {})


# ------------------------------------------------------------------------------ the facts
def test_debian_default_dump_is_read_with_files_and_lines() -> None:
    value = parse_config((DATA / "debian12-default.txt").read_text())
    master = value["masters"][0]
    assert (master["pid"], master["version"], master["dump_rc"]) == (812, "1.22.1", 0)
    config = master["config"]
    assert config["files"][0] == "/etc/nginx/nginx.conf"
    assert "/etc/nginx/sites-enabled/default" in config["files"]
    assert config["errors"] == []
    assert config["main"]["directives"]["user"][0] == {"args": ["www-data"],
                                                       "at": "/etc/nginx/nginx.conf:1"}
    (server,) = config["servers"]
    assert [d["args"] for d in server["directives"]["listen"]] == [
        ["80", "default_server"], ["[::]:80", "default_server"]]
    assert server["at"].startswith("/etc/nginx/sites-enabled/default:")
    assert config["http"]["directives"]["ssl_protocols"][0]["args"][0] == "TLSv1"


def test_relative_includes_follow_the_dump_only() -> None:
    config = _config("shop-admin.txt")
    http = config["http"]["directives"]
    # conf.d/hsts.conf is included (relative to /etc/nginx) into the http level
    assert [h["args"][0] for h in http["add_header"]] == ["X-Frame-Options",
                                                          "Strict-Transport-Security"]
    assert http["add_header"][1]["at"] == "/etc/nginx/conf.d/hsts.conf:1"
    koppeling = next(loc for loc in config["servers"][1]["locations"]
                     if loc["path"] == "/koppeling/")
    assert [r["at"] for r in koppeling["access"]] == ["/etc/nginx/snippets/partners.conf:1",
                                                      "/etc/nginx/snippets/partners.conf:2"]
    assert koppeling["locations"][0]["modifier"] == "~"


def test_include_outside_the_dump_reads_nothing_here() -> None:
    dump = ("# configuration file /etc/nginx/nginx.conf:\nhttp {\n include /etc/hostname;\n"
            " include ../../../../etc/passwd;\n server { listen 81; }\n}\n")
    config = parse_dump(dump)
    assert config["files"] == ["/etc/nginx/nginx.conf"]
    assert len(config["servers"]) == 1 and config["errors"] == []


def test_a_dump_cut_by_the_cap_is_an_error_not_a_shorter_configuration() -> None:
    text = (DATA / "lab-right-wrong.txt").read_text()
    cut = text[: text.index("wrong.conf:")]
    with pytest.raises(ParseError, match="cut"):
        parse_config(cut)


def test_a_forged_end_line_inside_a_file_does_not_end_the_dump() -> None:
    text = (DATA / "lab-right-wrong.txt").read_text()
    forged = text.replace("# configuration file /srv/lab/sites-enabled/wrong.conf:",
                          "rc 0\nend 0000\n# configuration file /srv/lab/sites-enabled/wrong.conf:")
    config = parse_config(forged)["masters"][0]["config"]
    assert config["files"][-1] == "/srv/lab/sites-enabled/wrong.conf"
    assert any(s["directives"].get("server_tokens") for s in config["servers"])
    assert config["errors"]  # the garbage is right.conf's own syntax error, and says so


def test_masters_of_other_namespaces_are_only_counted() -> None:
    value = parse_config("other_namespace 4410\ninstalled /usr/sbin/nginx\n")
    assert value == {"masters": [], "other_namespaces": 1, "installed": "/usr/sbin/nginx"}
    with pytest.raises(ParseError):
        parse_config("")


def test_old_nginx_without_dash_t_is_an_error_naming_why() -> None:
    fact = _fact("ubuntu1204-1.1.19.txt")
    master = fact.value["masters"][0]
    assert (master["version"], master["dump_rc"]) == ("1.1.19", 1)
    assert master["config"]["messages"] == ['nginx: invalid option: "T"']
    out = nginx_checks.VERSION_DISCLOSURE.evaluate(_ctx(fact))
    assert out.status is Status.ERROR
    assert "1.1.19 predates -T (added in 1.9.2)" in out.summary


def test_version_fact() -> None:
    assert parse_version("binary /usr/sbin/nginx\nnginx version: nginx/1.1.19\n") == {
        "binary": "/usr/sbin/nginx", "server_version": "nginx/1.1.19", "version": "1.1.19"}
    with pytest.raises(ParseError):
        parse_version("nginx: command not found")


# ------------------------------------------------------------------------------ the checks
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


# ------------------------------------------------------------------- access of a path
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


def test_hostile_nesting_is_an_error_not_a_crash() -> None:
    deep = ("# configuration file /etc/nginx/nginx.conf:\nhttp {\n" + "location / {\n" * 5000
            + "}\n" * 5000 + "}\n")
    config = parse_dump(deep)
    assert config["errors"] and config["servers"] == []
    master = {"pid": 1, "version": "1.22.1", "dump_rc": 0, "config": config}
    from checks.nginx_model import config_of

    assert config_of(master).status is Status.ERROR  # type: ignore[union-attr]


def test_tls_config_per_server() -> None:
    from checks.nginx_tls import TLS_CONFIG

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
    from checks.nginx_tls import _default_protocols

    assert "TLSv1" in _default_protocols("1.22.1")
    assert _default_protocols("1.23.4") == ["TLSv1.2", "TLSv1.3"]


_NGX_TOKENS = st.sampled_from([
    "server {", "location /admin/ {", "location ~* ^/a(", "location = /x {", "}", ";", " ",
    "\n", "listen 443 ssl;", "listen [::]:80;", "listen unix:/x;", "listen 99999999999;",
    "allow 10.0.0.0/8;", "deny all;", "allow nonsense;", "satisfy any;", "auth_basic x;",
    "server_tokens on;", "server_tokens $x;", "ssl_protocols TLSv1;", "add_header A b;",
    "include *;", "include ../../etc/passwd;", "if ($a) {", "return 403;", '"', "'", "#",
    "\\", "{", "# configuration file /etc/nginx/b.conf:\n", "http {", "\x00", "\u202e"])
_NGX_BODY = st.lists(st.one_of(_NGX_TOKENS, st.text(max_size=8)), max_size=80).map("".join)


@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(_NGX_BODY)
def test_any_dump_parses_or_errors_and_the_checks_never_crash(body: str) -> None:
    from checks.nginx_tls import TLS_CONFIG

    raw = ("master 7\nexe /usr/sbin/nginx\nargs x\nconf \nprefix \nversion nginx version: "
           "nginx/1.22.1\nbegin m1\n# configuration file /etc/nginx/nginx.conf:\nhttp {\n"
           f"{body}\n}}\nrc 0\nend m1\n")
    try:
        value = parse_config(raw)
    except ParseError:
        return
    json.dumps(value)
    fact = Fact("nginx.config", FactStatus.OK, value)
    for check in (*nginx_checks.CHECKS, TLS_CONFIG):
        assert check.evaluate(_ctx(fact)).status in set(Status)
    config = value["masters"][0]["config"]
    for port in (80, 443):
        admin_layer(config, "/admin/x", port, "shop.test")


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
    from checks.shop import ADMIN

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


def test_a_fake_section_header_inside_a_file_makes_the_dump_an_error() -> None:
    dump = ("# configuration file /etc/nginx/nginx.conf:\nhttp {\n server_tokens off;\n"
            " include /etc/nginx/sites/*;\n}\n\n# configuration file /etc/nginx/sites/a:\n"
            "server { listen 80; }\n# configuration file /etc/nginx/hidden:\n"
            "server { listen 81; server_tokens on; }\n\n")
    config = parse_dump(dump)
    assert any("/etc/nginx/hidden: in the dump but included by nothing" in e
               for e in config["errors"])
    master = {"pid": 1, "version": "1.22.1", "dump_rc": 0, "config": config}
    from checks.nginx_model import config_of

    assert config_of(master).status is Status.ERROR  # type: ignore[union-attr]


def test_a_process_that_only_calls_itself_an_nginx_master_is_not_run() -> None:
    # recorded: an unprivileged user's `exec -a "nginx: master process ..." sleep`
    fact = _fact("fake-master.txt")
    master = fact.value["masters"][0]
    assert master["skipped"].startswith("process uid 65534")
    assert master["binary"] == "/usr/bin/sleep" and "config" not in master
    out = nginx_checks.VERSION_DISCLOSURE.evaluate(_ctx(fact))
    assert out.status is Status.ERROR and "was not examined" in out.summary
