"""The nginx fact family on small hand-written outputs: every field of ``nginx.config`` and
``nginx.version``, the caps (masters, files, servers, locations, include depth) at, below and
above their limits, and what makes a dump an error."""

from __future__ import annotations

from typing import Any

import pytest

from posture.collect.facts import nginx_config
from posture.collect.facts.nginx import MAX_MASTERS, parse_config, parse_version, parse_version_line
from posture.collect.facts.nginx_config import parse_dump, split_dump
from posture.collect.facts.parsers import ParseError

MAIN = "# configuration file /etc/nginx/nginx.conf:"


def dump(*files: tuple[str, str]) -> str:
    return "\n".join(f"# configuration file {path}:\n{body}" for path, body in files)


def master_block(pid: int = 812, body: str = "events {}\n", nonce: str = "ab12",
                 rc: str = "0") -> str:
    return (f"master {pid}\nexe /usr/sbin/nginx\nargs nginx: master process /usr/sbin/nginx\n"
            f"conf \nprefix \nversion nginx version: nginx/1.22.1\nbegin {nonce}\n"
            f"{MAIN}\n{body}rc {rc}\nend {nonce}\n")


# ------------------------------------------------------------------------- nginx.version
@pytest.mark.parametrize(("text", "found"), [
    ("nginx version: nginx/1.22.1", {"server_version": "nginx/1.22.1", "version": "1.22.1"}),
    ("nginx version:   openresty/1.21.4.1rc2 (x)",
     {"server_version": "openresty/1.21.4.1rc2", "version": "1.21.4.1"}),
    ("nginx version: nginx/1.2", {"server_version": "nginx/1.2", "version": "1.2"}),
    ("nginx version: nginx/1", None), ("nginx/1.22.1", None), ("", None),
    ("nginx version: nginx/1.2.3.4.5", {"server_version": "nginx/1.2.3.4.5",
                                        "version": "1.2.3.4"}),
    ("nginx version: " + "n" * 100 + "/1.2", {"server_version": ("n" * 100 + "/1.2")[:80],
                                              "version": "1.2"}),
])
def test_version_line(text: str, found: dict[str, str] | None) -> None:
    assert parse_version_line(text) == found


def test_version_fact_fields() -> None:
    assert parse_version("nginx version: nginx/1.18.0\n") == {
        "binary": "", "server_version": "nginx/1.18.0", "version": "1.18.0"}
    text = "binary  /opt/" + "b" * 400 + " \nbinary /second\nnginx version: nginx/1.18.0"
    assert parse_version(text)["binary"] == ("/opt/" + "b" * 400)[:300]  # type: ignore[index]
    assert parse_version("xbinary /x\nnginx version: nginx/1.18.0")["binary"] == ""  # type: ignore[index]
    with pytest.raises(ParseError, match="no 'nginx version:' line"):
        parse_version("binary /usr/sbin/nginx\nnginx: command not found")


# -------------------------------------------------------------------------- nginx.config
def test_a_master_with_every_field() -> None:
    text = ("master 812\nexe  /usr/sbin/nginx \nargs nginx: master process -c /e/n.conf\n"
            "conf /e/n.conf\nprefix /e/\nversion nginx version: nginx/1.22.1\n"
            "version nginx: built with OpenSSL\nbegin ab12\n" + MAIN + "\nevents {}\n"
            "rc 1\nend ab12\n")
    value = parse_config(text)
    assert value["other_namespaces"] == 0 and value["installed"] == ""  # type: ignore[index]
    (master,) = value["masters"]  # type: ignore[index]
    config = master.pop("config")
    assert master == {"pid": 812, "binary": "/usr/sbin/nginx",
                      "args": "nginx: master process -c /e/n.conf", "conf": "/e/n.conf",
                      "prefix": "/e/", "version": "1.22.1", "server_version": "nginx/1.22.1",
                      "dump_rc": 1}
    assert config["files"] == ["/etc/nginx/nginx.conf"]


def test_defaults_of_a_bare_master_and_a_skipped_one() -> None:
    value = parse_config("master 7\nmaster 8\nskipped process uid 1000; binary 1000 755\n")
    assert value["masters"] == [  # type: ignore[index]
        {"pid": 7, "binary": "", "args": "", "conf": "", "prefix": "", "version": None,
         "server_version": None},
        {"pid": 8, "binary": "", "args": "", "conf": "", "prefix": "", "version": None,
         "server_version": None, "skipped": "process uid 1000; binary 1000 755"}]
    long_skip = parse_config("master 9\nskipped " + "s\x01" * 200)
    assert long_skip["masters"][0]["skipped"] == ("s?" * 100)  # type: ignore[index]


def test_lines_before_any_master_are_ignored() -> None:
    value = parse_config("exe /x\nargs a\nconf c\nprefix p\nskipped s\n"
                         "version nginx version: nginx/1.2.3\nbegin zz\nmaster 5\n")
    assert value["masters"] == [{"pid": 5, "binary": "", "args": "", "conf": "",  # type: ignore[index]
                                 "prefix": "", "version": None, "server_version": None}]


@pytest.mark.parametrize(("line", "masters"), [
    ("master 12", 1), ("master  12", 1), ("master x12", 0), ("master", 0), ("master -1", 0),
    ("masters 12", 0),
])
def test_master_lines(line: str, masters: int) -> None:
    text = line + "\ninstalled /usr/sbin/nginx\n"
    assert len(parse_config(text)["masters"]) == masters  # type: ignore[index, arg-type]


@pytest.mark.parametrize("count", [MAX_MASTERS - 1, MAX_MASTERS, MAX_MASTERS + 1])
def test_masters_are_capped(count: int) -> None:
    value = parse_config("".join(f"master {100 + i}\n" for i in range(count)))
    pids = [m["pid"] for m in value["masters"]]  # type: ignore[index, union-attr]
    assert pids == [100 + i for i in range(min(count, 5))]
    assert MAX_MASTERS == 5


def test_namespaces_installed_and_clipping() -> None:
    value = parse_config("other_namespace 1\nother_namespace 2\ninstalled /usr/sbin/\x07nginx"
                         + "x" * 400 + "\n")
    assert value["other_namespaces"] == 2  # type: ignore[index]
    assert value["installed"] == ("/usr/sbin/?nginx" + "x" * 400)[:300]  # type: ignore[index]
    long_exe = parse_config("master 1\nexe /" + "e" * 1200 + "\nargs \tq\n")
    assert long_exe["masters"][0]["binary"] == ("/" + "e" * 1200)[:1000]  # type: ignore[index]
    assert long_exe["masters"][0]["args"] == "q"  # type: ignore[index]
    only_other = parse_config("other_namespace 9")
    assert only_other == {"masters": [], "other_namespaces": 1, "installed": ""}
    only_installed = parse_config("installed /usr/sbin/nginx")
    assert only_installed == {"masters": [], "other_namespaces": 0,
                              "installed": "/usr/sbin/nginx"}


@pytest.mark.parametrize("text", ["", "\n", "hello\n", "exe /x\n"])
def test_nothing_reported_is_an_error(text: str) -> None:
    with pytest.raises(ParseError, match="no nginx master and no nginx binary reported"):
        parse_config(text)


@pytest.mark.parametrize("text", [
    master_block().replace("end ab12\n", ""),
    master_block().replace("rc 0\n", ""),
    master_block(rc="x"),
    master_block(rc=""),
    master_block().replace("end ab12", "end ab13"),
])
def test_a_dump_without_its_status_and_end_is_cut(text: str) -> None:
    with pytest.raises(ParseError, match="cut before its end"):
        parse_config(text)


def test_the_dump_lies_between_begin_and_the_status_line() -> None:
    value = parse_config(master_block(body="user www;\n", rc="0") + "master 2\n")
    first, second = value["masters"]  # type: ignore[index, misc]
    assert first["dump_rc"] == 0
    assert first["config"]["main"]["directives"]["user"] == [
        {"args": ["www"], "at": "/etc/nginx/nginx.conf:1"}]
    assert "config" not in second and second["pid"] == 2
    # The status line is not part of the last file: rc is no directive there.
    assert first["config"]["errors"] == []


def test_begin_without_a_nonce_is_ignored() -> None:
    value = parse_config("master 3\nbegin\n" + MAIN + "\nuser x;\n")
    assert "config" not in value["masters"][0]  # type: ignore[index]


def test_the_conf_of_the_command_line_resolves_relative_includes() -> None:
    text = ("master 4\nconf /srv/ngx/main.conf\nbegin n1\n"
            "# configuration file /srv/ngx/main.conf:\nhttp { include sites/*.conf; }\n"
            "# configuration file /srv/ngx/sites/a.conf:\nserver { listen 81; }\n"
            "rc 0\nend n1\n")
    config = parse_config(text)["masters"][0]["config"]  # type: ignore[index]
    assert config["errors"] == [] and len(config["servers"]) == 1


# ----------------------------------------------------------------------------- the dump
def test_split_dump_keeps_messages_before_the_first_file() -> None:
    text = ("nginx: [warn] low\n\n   \nnginx: the configuration file syntax is ok\x1b\n"
            + MAIN + "\nuser a;\n# configuration file /etc/nginx/b.conf:\nx;\n\ny;")
    files, messages = split_dump(text)
    assert files == [("/etc/nginx/nginx.conf", "user a;"), ("/etc/nginx/b.conf", "x;\n\ny;")]
    assert messages == ["nginx: [warn] low", "nginx: the configuration file syntax is ok?"]


def test_split_dump_caps_messages_and_files() -> None:
    _files, messages = split_dump("\n".join(f"m{i}" + "x" * 400 for i in range(60)))
    assert len(messages) == 50 and messages[0] == ("m0" + "x" * 400)[:300]
    cap = nginx_config.MAX_FILES
    assert cap == 400
    for count in (cap - 1, cap, cap + 1):
        text = "\n".join(f"# configuration file /f{i}:\nline{i};" for i in range(count))
        files, _ = split_dump(text)
        assert len(files) == min(count, cap)
        assert files[-1][0] == f"/f{min(count, cap) - 1}"
        if count > cap:  # an extra header becomes a line of the last file
            assert files[-1][1] == f"line{cap - 1};\n# configuration file /f{cap}:\nline{cap};"


@pytest.mark.parametrize(("header", "path"), [
    ("# configuration file /a b.conf:", "/a b.conf"),
    ("# configuration file :", None), ("# configuration file /x.conf", None),
    (" # configuration file /x.conf:", None), ("# configuration file /" + "p" * 499 + ":",
                                               "/" + "p" * 499),
    ("# configuration file /" + "p" * 500 + ":", None),
])
def test_section_headers(header: str, path: str | None) -> None:
    files, _ = split_dump(header + "\nuser a;")
    assert [p for p, _ in files] == ([path] if path else [])


def test_an_empty_dump() -> None:
    assert parse_dump("nginx: [emerg] x\n") == {
        "files": [], "errors": ["the dump holds no configuration file"],
        "messages": ["nginx: [emerg] x"], "main": None, "http": None, "servers": [],
        "unevaluated": []}


def test_levels_directives_access_and_locations() -> None:
    body = ("user www-data;\nevents {}\nhttp {\n  server_tokens off;\n  allow 10.0.0.0/8;\n"
            "  sendfile on;\n  server {\n    listen 443 ssl;\n    deny 1.2.3.4;\n"
            "    location = /exact { return 204; }\n"
            "    location ~* \\.php$ { auth_basic \"x\"; location /inner { deny all; } }\n"
            "    location /plain { }\n"
            "    if ($host = a) { return 301 https://a; add_header X 1; allow 1.1.1.1; }\n"
            "    limit_except GET { deny all; }\n"
            "    gzip on;\n  }\n}\nstream { server { listen 53; } }\nmail { }\n")
    config = parse_dump(dump(("/etc/nginx/nginx.conf", body)))
    assert config["files"] == ["/etc/nginx/nginx.conf"] and config["errors"] == []
    f = "/etc/nginx/nginx.conf"
    assert config["main"] == {"at": f"{f}:1", "directives": {
        "user": [{"args": ["www-data"], "at": f"{f}:1"}]}, "access": [], "conditional": []}
    assert config["http"] == {"at": f"{f}:3", "directives": {
        "server_tokens": [{"args": ["off"], "at": f"{f}:4"}]},
        "access": [{"rule": "allow", "args": ["10.0.0.0/8"], "at": f"{f}:5"}],
        "conditional": []}
    (server,) = config["servers"]
    assert server["at"] == f"{f}:7"
    assert server["directives"] == {"listen": [{"args": ["443", "ssl"], "at": f"{f}:8"}]}
    assert server["access"] == [{"rule": "deny", "args": ["1.2.3.4"], "at": f"{f}:9"}]
    exact, regex, plain = server["locations"]
    assert (exact["modifier"], exact["path"], exact["at"]) == ("=", "/exact", f"{f}:10")
    assert exact["directives"] == {"return": [{"args": ["204"], "at": f"{f}:10"}]}
    assert exact["locations"] == []
    assert (regex["modifier"], regex["path"]) == ("~*", "\\.php$")
    assert regex["locations"][0]["path"] == "/inner"
    assert regex["locations"][0]["modifier"] == ""
    assert regex["locations"][0]["access"] == [{"rule": "deny", "args": ["all"],
                                                "at": f"{f}:11"}]
    assert (plain["modifier"], plain["path"]) == ("", "/plain")
    cond_if, cond_limit = server["conditional"]
    assert cond_if == {"kind": "if", "args": ["$host", "=", "a"], "at": f"{f}:13",
                       "directives": {"return": [{"args": ["301", "https://a"],
                                                  "at": f"{f}:13"}],
                                      "add_header": [{"args": ["X", "1"], "at": f"{f}:13"}]},
                       "access": [{"rule": "allow", "args": ["1.1.1.1"], "at": f"{f}:13"}]}
    assert cond_limit["kind"] == "limit_except" and cond_limit["args"] == ["GET"]
    assert config["unevaluated"] == [f"{f}:18: stream block not evaluated",
                                     f"{f}:19: mail block not evaluated"]
    assert "locations" not in config["http"] and "locations" not in config["main"]


def test_arguments_are_clipped_and_capped() -> None:
    args = " ".join(f"a{i}" for i in range(50))
    long = "v" * 400
    config = parse_dump(dump(("/n.conf", f"http {{ add_header {args}; server_name {long}; }}")))
    http = config["http"]["directives"]
    assert http["add_header"][0]["args"] == [f"a{i}" for i in range(40)]
    assert http["server_name"][0]["args"] == ["v" * 300]


def test_includes_follow_files_of_the_dump_in_sorted_order() -> None:
    text = dump(("/etc/nginx/nginx.conf", "http { include conf.d/*.conf; include /etc/nginx/"
                                          "sites/b; include none/*.conf; include; }"),
                ("/etc/nginx/conf.d/z.conf", "server { listen 2; }"),
                ("/etc/nginx/conf.d/a.conf", "server { listen 1; }"),
                ("/etc/nginx/conf.d/sub/c.conf", "server { listen 9; }"),
                ("/etc/nginx/sites/b", "server { listen 3; }"))
    config = parse_dump(text)
    listens = [s["directives"]["listen"][0]["args"][0] for s in config["servers"]]
    assert listens == ["1", "2", "3"]
    assert config["servers"][0]["at"] == "/etc/nginx/conf.d/a.conf:1"
    assert config["errors"] == ["/etc/nginx/conf.d/sub/c.conf: in the dump but included by "
                                "nothing (a '# configuration file' line inside a file?); the "
                                "dump cannot be split reliably"]


def test_relative_includes_use_the_conf_folder_when_given() -> None:
    text = dump(("/etc/nginx/nginx.conf", "http { include x.conf; }"),
                ("/srv/x.conf", "server { listen 5; }"), ("/etc/nginx/x.conf", "server_tokens on;"))
    own = parse_dump(text, "/srv/main.conf")
    assert [s["at"] for s in own["servers"]] == ["/srv/x.conf:1"]
    default = parse_dump(text)
    assert default["servers"] == []
    assert default["http"]["directives"]["server_tokens"][0]["at"] == "/etc/nginx/x.conf:1"


def _nested(depth: int) -> str:
    files = [("/n/nginx.conf", "http { include /n/i0.conf; }")]
    for i in range(depth):
        nxt = f"include /n/i{i + 1}.conf;" if i + 1 < depth else "server { listen 7; }"
        files.append((f"/n/i{i}.conf", nxt))
    return dump(*files)


@pytest.mark.parametrize(("depth", "followed"), [(11, True), (12, True), (13, False)])
def test_include_depth(depth: int, followed: bool) -> None:
    assert nginx_config.MAX_DEPTH == 12
    config = parse_dump(_nested(depth))
    assert len(config["servers"]) == (1 if followed else 0)
    if followed:
        assert config["unevaluated"] == []
    else:
        assert config["unevaluated"][0] == "/n/i11.conf:1: include nested too deep; not followed"


def test_included_files_are_reachable_from_blocks_and_through_each_other() -> None:
    text = dump(("/n/nginx.conf", "events { include /n/e.conf; }"),
                ("/n/e.conf", "include /n/f.conf;"), ("/n/f.conf", "include /n/e.conf;"))
    assert parse_dump(text)["errors"] == []


@pytest.mark.parametrize(("count", "kept"), [(2, 2), (3, 3), (4, 3)])
def test_servers_are_capped(count: int, kept: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nginx_config, "MAX_SERVERS", 3)
    body = "http {" + "".join(f" server {{ listen {i}; }}" for i in range(count)) + " }"
    assert len(parse_dump(dump(("/n.conf", body)))["servers"]) == kept


@pytest.mark.parametrize(("count", "kept"), [(2, 2), (3, 3), (4, 3)])
def test_locations_are_capped(count: int, kept: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nginx_config, "MAX_LOCATIONS", 3)
    body = "http { server {" + "".join(f" location /l{i} {{ }}" for i in range(count)) + " } }"
    server = parse_dump(dump(("/n.conf", body)))["servers"][0]
    assert [loc["path"] for loc in server["locations"]] == [f"/l{i}" for i in range(kept)]


def test_the_caps_themselves() -> None:
    assert (nginx_config.MAX_SERVERS, nginx_config.MAX_LOCATIONS) == (500, 3000)


@pytest.mark.parametrize(("depth", "kept"), [(11, 11), (12, 12), (13, 12)])
def test_location_nesting_depth(depth: int, kept: int) -> None:
    body = "http { server { " + "location /x { " * depth + "}" * depth + " } }"
    level: dict[str, Any] = parse_dump(dump(("/n.conf", body)))["servers"][0]
    seen = 0
    while level.get("locations"):
        level = level["locations"][0]
        seen += 1
    assert seen == kept


def test_a_location_without_arguments_and_with_a_modifier_only() -> None:
    config = parse_dump(dump(("/n.conf", "http { server { location { } location ^~ /s { } } }")))
    empty, starts = config["servers"][0]["locations"]
    assert (empty["modifier"], empty["path"]) == ("", "")
    assert (starts["modifier"], starts["path"]) == ("^~", "/s")


def test_crossplane_errors_name_the_real_file_and_line() -> None:
    config = parse_dump(dump(("/etc/nginx/nginx.conf", "http {\n server {\n listen 80;\n}\n"),))
    assert len(config["errors"]) == 1
    assert config["errors"][0].startswith("/etc/nginx/nginx.conf:")
    assert "/tmp" not in config["errors"][0] and "f0.conf" not in config["errors"][0]


def test_errors_and_unevaluated_are_capped_at_fifty() -> None:
    files = [("/n/nginx.conf", "".join(f"include /n/s{i}.conf;\n" for i in range(60))
              + "".join("stream { }\n" for _ in range(60)))]
    files += [(f"/n/s{i}.conf", "}") for i in range(60)]
    config = parse_dump(dump(*files))
    assert len(config["errors"]) == 50 and len(config["unevaluated"]) == 50
    per_file = parse_dump(dump(("/n.conf", "}\n" * 30)))
    assert len(per_file["errors"]) <= 20


def test_stray_files_are_named_at_most_ten_times() -> None:
    files = [("/n/nginx.conf", "events {}")] + [(f"/n/x{i}.conf", "user a;") for i in range(12)]
    errors = parse_dump(dump(*files))["errors"]
    assert len(errors) == 10 and errors[0].startswith("/n/x0.conf: in the dump but included")


def test_a_dump_ending_in_its_status_line_without_the_nonce_is_cut() -> None:
    with pytest.raises(ParseError, match="cut before its end"):
        parse_config(master_block().replace("\nend ab12\n", ""))


def test_the_binary_line_of_the_version_fact() -> None:
    assert parse_version("binary /usr/sbin/nginx\nnginx version: nginx/1.2.3")[  # type: ignore[index]
        "binary"] == "/usr/sbin/nginx"


@pytest.mark.parametrize(("depth", "recorded"), [(11, 1), (12, 0)])
def test_conditional_blocks_at_the_depth_limit(depth: int, recorded: int) -> None:
    body = ("http { server { " + "location /x { " * depth + "if ($a) { return 204; } "
            + "}" * depth + " } }")
    level: dict[str, Any] = parse_dump(dump(("/n.conf", body)))["servers"][0]
    for _ in range(depth):
        level = level["locations"][0]
    assert len(level["conditional"]) == recorded


def test_locations_inside_a_conditional_block_are_not_counted(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nginx_config, "MAX_LOCATIONS", 1)
    body = "http { server { if ($a) { location /a { } } location /b { } } }"
    server = parse_dump(dump(("/n.conf", body)))["servers"][0]
    assert [loc["path"] for loc in server["locations"]] == ["/b"]
    assert "locations" not in server["conditional"][0]


def test_bytes_that_cannot_be_written_are_replaced() -> None:
    config = parse_dump(dump(("/n.conf", "http { server_name a\udcffb; }")))
    assert config["http"]["directives"]["server_name"][0]["args"] == ["a?b"]
