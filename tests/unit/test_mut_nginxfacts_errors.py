"""The nginx dump parser's error paths, exactly: crossplane's message with the real file and
line, a file crossplane cannot parse at all, nginx's own messages, and a dump without http."""

from __future__ import annotations

from typing import Any

import pytest
from test_mut_nginxfacts_config import dump

from posture.collect.facts.nginx_config import parse_dump


def test_a_syntax_error_is_reported_with_the_real_file_line_and_message() -> None:
    config = parse_dump(dump(("/etc/nginx/nginx.conf", "http {\n server {\n listen 80;\n}\n")))
    assert config["errors"] == ['/etc/nginx/nginx.conf:4: unexpected end of file, expecting '
                                '"}" in /etc/nginx/nginx.conf:4']


@pytest.mark.parametrize("exc", [RecursionError, MemoryError, ValueError, OSError])
def test_a_file_crossplane_cannot_parse_is_named_and_not_judged(
        exc: type[BaseException], monkeypatch: pytest.MonkeyPatch) -> None:
    import crossplane

    def refuse(*_args: Any, **_kwargs: Any) -> dict[str, Any]:
        raise exc("hostile")

    monkeypatch.setattr(crossplane, "parse", refuse)
    config = parse_dump(dump(("/n/nginx.conf", "http { server { listen 80; } }")))
    assert config["errors"] == [f"/n/nginx.conf:None: not parsed ({exc.__name__})"]
    assert config["http"] is None and config["servers"] == []
    assert config["main"]["directives"] == {} and config["files"] == ["/n/nginx.conf"]


def test_nginx_messages_before_the_files_are_kept() -> None:
    config = parse_dump("nginx: [warn] low limit\n" + dump(("/n.conf", "events {}\n")))
    assert config["messages"] == ["nginx: [warn] low limit"]


def test_a_dump_without_an_http_block_has_no_http_level() -> None:
    config = parse_dump(dump(("/n.conf", "events {}\n")))
    assert config["http"] is None and config["servers"] == [] and config["errors"] == []


def test_access_rules_of_a_conditional_block_are_kept_and_a_nested_one_does_not_crash() -> None:
    body = "http { server { if ($a) { if ($b) { deny all; } allow 1.2.3.4; } } }"
    server = parse_dump(dump(("/n.conf", body)))["servers"][0]
    assert server["conditional"] == [{
        "kind": "if", "args": ["$a"], "at": "/n.conf:1", "directives": {},
        "access": [{"rule": "allow", "args": ["1.2.3.4"], "at": "/n.conf:1"}]}]


def test_statements_after_an_include_too_deep_to_follow_are_still_read() -> None:
    files = [("/n/nginx.conf", "http { include /n/i0.conf; }")]
    for i in range(12):
        files.append((f"/n/i{i}.conf", f"include /n/i{i + 1}.conf;"
                      + (" server { listen 7; }" if i == 11 else "")))
    files.append(("/n/i12.conf", "server { listen 8; }"))
    config = parse_dump(dump(*files))
    # (the http block is walked once for its settings and once for its servers: noted once)
    assert config["unevaluated"] == ["/n/i11.conf:1: include nested too deep; not followed"]
    assert [s["directives"]["listen"][0]["args"] for s in config["servers"]] == [["7"]]
