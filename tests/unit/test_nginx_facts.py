"""nginx facts on recorded ``nginx -T`` outputs (Debian 12, a shop, Ubuntu 12.04) and
hostile ones: what is parsed, and what makes a configuration an error."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nginx_samples import DATA
from nginx_samples import nginx_config as _config
from nginx_samples import nginx_ctx as _ctx
from nginx_samples import nginx_fact as _fact

from checks.network.allowlist_nginx import admin_layer
from checks.websites import nginx as nginx_checks
from posture.collect.facts.nginx import parse_config, parse_version
from posture.collect.facts.nginx_config import parse_dump
from posture.collect.facts.parsers import ParseError
from posture.models import Fact, FactStatus, Status


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


def test_hostile_nesting_is_an_error_not_a_crash() -> None:
    deep = ("# configuration file /etc/nginx/nginx.conf:\nhttp {\n" + "location / {\n" * 5000
            + "}\n" * 5000 + "}\n")
    config = parse_dump(deep)
    assert config["errors"] and config["servers"] == []
    master = {"pid": 1, "version": "1.22.1", "dump_rc": 0, "config": config}
    from checks.websites.nginx_model import config_of

    assert config_of(master).status is Status.ERROR  # type: ignore[union-attr]


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
    from checks.websites.nginx_tls import TLS_CONFIG

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


def test_a_fake_section_header_inside_a_file_makes_the_dump_an_error() -> None:
    dump = ("# configuration file /etc/nginx/nginx.conf:\nhttp {\n server_tokens off;\n"
            " include /etc/nginx/sites/*;\n}\n\n# configuration file /etc/nginx/sites/a:\n"
            "server { listen 80; }\n# configuration file /etc/nginx/hidden:\n"
            "server { listen 81; server_tokens on; }\n\n")
    config = parse_dump(dump)
    assert any("/etc/nginx/hidden: in the dump but included by nothing" in e
               for e in config["errors"])
    master = {"pid": 1, "version": "1.22.1", "dump_rc": 0, "config": config}
    from checks.websites.nginx_model import config_of

    assert config_of(master).status is Status.ERROR  # type: ignore[union-attr]


def test_a_process_that_only_calls_itself_an_nginx_master_is_not_run() -> None:
    # recorded: an unprivileged user's `exec -a "nginx: master process ..." sleep`
    fact = _fact("fake-master.txt")
    master = fact.value["masters"][0]
    assert master["skipped"].startswith("process uid 65534")
    assert master["binary"] == "/usr/bin/sleep" and "config" not in master
    out = nginx_checks.VERSION_DISCLOSURE.evaluate(_ctx(fact))
    assert out.status is Status.ERROR and "was not examined" in out.summary
