"""Route resolution: ssh_config merged under inventory settings, without any network."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from posture.errors import TransportError
from posture.inventory.model import Host, SshSettings, Timeouts
from posture.inventory.sshconfig import load_ssh_config, parse_jump, resolve, validate_name


def _host(tmp_path: Path, config: str, address: str = "web", **ssh: object) -> Host:
    path = tmp_path / "ssh_config"
    path.write_text(config)
    settings = SshSettings(ssh_config=str(path), **ssh)  # type: ignore[arg-type]
    return Host(name="web1", address=address, ssh=settings, timeouts=Timeouts())


CONFIG = """\
Host web
  HostName 192.0.2.10
  Port 2222
  User deploy
  IdentityFile ~/.ssh/web_key
  ProxyJump bastion

Host bastion
  HostName 192.0.2.1
  User jumper
  Port 2200

Host *
  IdentityFile ~/.ssh/id_ed25519
"""


def test_ssh_config_supplies_where_and_as_whom(tmp_path: Path) -> None:
    route = resolve(_host(tmp_path, CONFIG))
    target = route.target
    assert (target.hostname, target.port, target.user) == ("192.0.2.10", 2222, "deploy")
    assert target.identity_files[0].endswith("/.ssh/web_key")
    assert target.known_hosts_names == ("[192.0.2.10]:2222",)
    [hop] = route.hops
    assert (hop.hostname, hop.port, hop.user) == ("192.0.2.1", 2200, "jumper")


def test_inventory_values_win(tmp_path: Path) -> None:
    route = resolve(_host(tmp_path, CONFIG, user="auditor", port=22,
                          proxy_jump="ops@192.0.2.5:2022", known_hosts="/tmp/kh"))
    assert (route.target.user, route.target.port) == ("auditor", 22)
    assert route.target.known_hosts_names == ("192.0.2.10",)
    [hop] = route.hops
    assert (hop.user, hop.hostname, hop.port) == ("ops", "192.0.2.5", 2022)
    assert route.known_hosts == Path("/tmp/kh")


def test_proxy_jump_none_disables_the_config_jump(tmp_path: Path) -> None:
    assert resolve(_host(tmp_path, CONFIG, proxy_jump="none")).hops == ()


def test_hop_user_defaults_to_the_target_user(tmp_path: Path) -> None:
    route = resolve(_host(tmp_path, "", address="10.0.0.9", user="auditor",
                          proxy_jump="10.0.0.1,10.0.0.2:2201"))
    assert [(h.user, h.hostname, h.port) for h in route.hops] == [
        ("auditor", "10.0.0.1", 22), ("auditor", "10.0.0.2", 2201)]


def test_defaults_without_config(tmp_path: Path) -> None:
    route = resolve(_host(tmp_path, "", address="[2001:db8::1]"))
    assert route.target.hostname == "2001:db8::1"
    assert (route.target.port, route.target.user) == (22, getpass.getuser())
    assert route.known_hosts.name == "known_hosts"


def test_host_key_alias_names_the_known_hosts_entry(tmp_path: Path) -> None:
    route = resolve(_host(tmp_path, "Host web\n  HostKeyAlias webcluster\n  Port 2222\n"))
    assert route.target.known_hosts_names == ("[webcluster]:2222",)


def test_match_exec_is_refused_and_never_run(tmp_path: Path) -> None:
    canary = tmp_path / "ran"
    config = f'Match exec "touch {canary}"\n  User evil\n'
    with pytest.raises(TransportError, match="Match exec"):
        resolve(_host(tmp_path, config))
    assert not canary.exists()
    negated = f'Match host x !exec "touch {canary}"\n  User evil\n'
    with pytest.raises(TransportError, match="Match exec"):
        resolve(_host(tmp_path, negated))
    assert not canary.exists()


def test_match_exec_can_be_allowed_explicitly(tmp_path: Path) -> None:
    path = tmp_path / "cfg"
    path.write_text('Match exec "true"\n  User ok\n')
    assert load_ssh_config(str(path), allow_match_exec=True) is not None


def test_proxy_command_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TransportError, match="ProxyCommand"):
        resolve(_host(tmp_path, "Host *\n  ProxyCommand nc %h %p\n"))
    resolve(_host(tmp_path, "Host *\n  ProxyCommand none\n"))  # "none" runs nothing


def test_missing_explicit_config_is_an_error(tmp_path: Path) -> None:
    host = Host("h", "h", SshSettings(ssh_config=str(tmp_path / "nope")), Timeouts())
    with pytest.raises(TransportError, match="does not exist"):
        resolve(host)


@pytest.mark.parametrize("value", ["", "-oProxyCommand=x", "a b", "a\nb", "x\x00", "tab\there"])
def test_invalid_names_are_refused(value: str) -> None:
    with pytest.raises(TransportError, match="invalid"):
        validate_name("host name", value)


def test_invalid_user_from_inventory(tmp_path: Path) -> None:
    with pytest.raises(TransportError, match="invalid user name"):
        resolve(_host(tmp_path, "", user="-l root"))


def test_invalid_hostname_from_config(tmp_path: Path) -> None:
    with pytest.raises(TransportError, match="invalid host name"):
        resolve(_host(tmp_path, "Host web\n  HostName -oProxyCommand=x\n"))


def test_parse_jump() -> None:
    assert parse_jump("a@h1:2200, h2,[2001:db8::2]:22,ssh://u@h3") == [
        ("a", "h1", 2200), (None, "h2", None), (None, "2001:db8::2", 22), ("u", "h3", None)]
    with pytest.raises(TransportError, match="invalid port"):
        parse_jump("h:99999")
