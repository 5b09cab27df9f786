"""ssh_config as admins write it: Include, Host patterns, ProxyJump chains (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from posture.errors import TransportError
from posture.inventory.model import Host, SshSettings, Timeouts
from posture.inventory.sshconfig import resolve


def _host(config: Path, address: str, **ssh: object) -> Host:
    settings = SshSettings(ssh_config=str(config), **ssh)  # type: ignore[arg-type]
    return Host(name="t", address=address, ssh=settings, timeouts=Timeouts())


def test_include_with_glob_in_lexical_order(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "10-web.conf").write_text(
        "Host web\n  HostName 192.0.2.10\n  Port 2201\n")
    (tmp_path / "conf.d" / "20-web.conf").write_text(
        "Host web\n  HostName 192.0.2.99\n  User late\n")  # first value wins, as in OpenSSH
    main = tmp_path / "config"
    main.write_text(f"Include {tmp_path}/conf.d/*.conf\nHost *\n  User everyone\n")
    route = resolve(_host(main, "web"))
    assert (route.target.hostname, route.target.port, route.target.user) == (
        "192.0.2.10", 2201, "late")


def test_top_level_include_does_not_swallow_later_lines(tmp_path: Path) -> None:
    inc = tmp_path / "inc"
    inc.write_text("Host db\n  Port 2222\n")
    main = tmp_path / "config"
    main.write_text(f"Include {inc}\nUser toplevel\n")  # after the include: applies to all
    assert resolve(_host(main, "web")).target.user == "toplevel"
    assert resolve(_host(main, "db")).target.port == 2222


def test_conditional_include_applies_only_to_its_block(tmp_path: Path) -> None:
    inc = tmp_path / "inc"
    inc.write_text("Port 2022\n")
    main = tmp_path / "config"
    main.write_text(f"Host web*\n  Include {inc}\n  User w\nHost *\n  User other\n")
    web = resolve(_host(main, "web1")).target
    assert (web.port, web.user) == (2022, "w")
    assert resolve(_host(main, "db1")).target.port == 22


def test_missing_include_is_ignored_like_openssh(tmp_path: Path) -> None:
    main = tmp_path / "config"
    main.write_text(f"Include {tmp_path}/nothing-here/*\nHost web\n  Port 2200\n")
    assert resolve(_host(main, "web")).target.port == 2200


def test_include_of_match_exec_is_refused(tmp_path: Path) -> None:
    inc = tmp_path / "inc"
    inc.write_text("Match exec \"touch /tmp/should-not-exist\"\n  Port 1\n")
    main = tmp_path / "config"
    main.write_text(f"Include {inc}\n")
    with pytest.raises(TransportError, match="Match exec"):
        resolve(_host(main, "web"))


def test_include_loop_is_bounded(tmp_path: Path) -> None:
    main = tmp_path / "config"
    main.write_text(f"Include {main}\n")
    with pytest.raises(TransportError, match="nested"):
        resolve(_host(main, "web"))


def test_conditional_include_opening_blocks_is_refused(tmp_path: Path) -> None:
    inc = tmp_path / "inc"
    inc.write_text("Host other\n  Port 1\n")
    main = tmp_path / "config"
    main.write_text(f"Host web\n  Include {inc}\n")
    with pytest.raises(TransportError, match="conditional Include"):
        resolve(_host(main, "web"))


def test_host_patterns_and_negation(tmp_path: Path) -> None:
    main = tmp_path / "config"
    main.write_text("Host *.prod.example !bastion.prod.example\n  ProxyJump bastion.prod.example\n"
                    "Host web? \n  Port 2200\n")
    assert [h.hostname for h in resolve(_host(main, "db.prod.example")).hops] == [
        "bastion.prod.example"]
    assert resolve(_host(main, "bastion.prod.example")).hops == ()
    assert resolve(_host(main, "web7")).target.port == 2200
    assert resolve(_host(main, "web77")).target.port == 22


def test_chain_across_host_blocks_unfolds(tmp_path: Path) -> None:
    main = tmp_path / "config"
    main.write_text("Host target\n  HostName 10.0.0.9\n  ProxyJump inner\n"
                    "Host inner\n  HostName 10.0.0.2\n  Port 2202\n  ProxyJump outer\n"
                    "Host outer\n  HostName 192.0.2.1\n  User ops\n")
    route = resolve(_host(main, "target", user="auditor"))
    assert [(h.user, h.hostname, h.port) for h in route.hops] == [
        ("ops", "192.0.2.1", 22), ("auditor", "10.0.0.2", 2202)]


def test_chain_loop_is_refused(tmp_path: Path) -> None:
    main = tmp_path / "config"
    main.write_text("Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n")
    with pytest.raises(TransportError, match="ProxyJump chain"):
        resolve(_host(main, "a"))


def test_ipv6_hops_and_known_hosts_names(tmp_path: Path) -> None:
    main = tmp_path / "config"
    main.write_text("")
    route = resolve(_host(main, "[2001:db8::10]", port=2222,
                          proxy_jump="ops@[2001:db8::1]:2201,[::1]"))
    assert route.target.known_hosts_names == ("[2001:db8::10]:2222",)
    assert [(h.hostname, h.port, h.known_hosts_names) for h in route.hops] == [
        ("2001:db8::1", 2201, ("[2001:db8::1]:2201",)), ("::1", 22, ("::1",))]


def test_match_exec_runs_only_when_allowed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    main = tmp_path / "config"
    main.write_text(f'Match exec "touch {marker}"\n  Port 2299\n')
    with pytest.raises(TransportError, match="Match exec"):
        resolve(_host(main, "web"))
    assert not marker.exists()
    assert resolve(_host(main, "web"), allow_match_exec=True).target.port == 2299
    assert marker.exists()
