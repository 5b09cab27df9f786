"""Old userlands (Ubuntu 12.04: iproute2 3.1, iptables 1.4.12, no nft, OpenSSH 5.9p1,
Apache 2.2, sudo 1.8.3, dash) on recorded outputs: every parser and fallback reads them or
says it cannot, and nothing that cannot be read is judged a pass.

The recordings are in ``tests/data/old`` (see its README for where each format comes from).
Snippets run for real under ``dash`` with the old tools stood in by scripts that print the
recordings, so a fallback in the shell is exercised as the target would run it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from facts_samples import absent, context, ok, parsed

from checks.network import allowlist
from checks.network.allowlist_apache import admin_layer
from checks.network.allowlist_layers import Firewall, firewall, firewall_layer
from checks.network.allowlist_services import mysql_service
from checks.network.ipranges import IpSet
from checks.sshd import ssh
from checks.system import os_release, services
from checks.websites import apache
from posture.collect import batch
from posture.collect.facts.parsers import ParseError
from posture.collect.facts.parsers_net import parse_apache_access, parse_iptables
from posture.collect.facts.registry import BY_KEY, CATALOG
from posture.collect.transport import sudo as sudo_mod
from posture.models import Fact, FactStatus, Status
from tests.conftest import require_lab_part

OLD = Path(__file__).resolve().parents[1] / "data" / "old"
DASH = shutil.which("dash")
needs_dash = pytest.mark.usefixtures("_dash")


@pytest.fixture
def _dash() -> None:
    require_lab_part("" if DASH else "dash is not installed (Debian package dash)")


def _read(name: str) -> str:
    return (OLD / name).read_text(encoding="utf-8")


def _fake_tools(folder: Path, tools: dict[str, str]) -> Path:
    """Scripts standing in for old tools: ``{name: sh body}``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in tools.items():
        path = folder / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    return folder


def _run_snippet(key: str, fake: Path, system: str = ":/usr/bin:/bin") -> Fact:
    """Run the catalogue snippet of ``key`` under dash, fake tools first on PATH, and
    classify its output as the batch does. /usr/sbin and /sbin are left out of PATH, so
    this machine's own nft, iptables and sshd cannot answer."""
    assert DASH is not None
    env = {"PATH": f"{fake}{system}", "LC_ALL": "C", "HOME": str(fake)}
    done = subprocess.run([DASH, "-c", BY_KEY[key].snippet], env=env, capture_output=True,
                          timeout=30, check=False, stdin=subprocess.DEVNULL)
    return batch.classify(BY_KEY[key], done.stdout.decode(), done.stderr.decode(),
                          done.returncode, privileged=True)


def _cat(name: str) -> str:
    return f"cat '{OLD / name}'"


# --- dash ------------------------------------------------------------------------------------


@needs_dash
@pytest.mark.parametrize("spec", CATALOG, ids=[s.key for s in CATALOG])
def test_every_snippet_is_valid_dash(spec: Any) -> None:
    assert DASH is not None
    done = subprocess.run([DASH, "-n", "-c", spec.snippet], capture_output=True, timeout=10,
                          check=False)
    assert done.returncode == 0, done.stderr.decode()


@needs_dash
def test_the_whole_batch_script_is_valid_dash() -> None:
    assert DASH is not None
    script = batch.build_script(CATALOG, batch.new_marker(), 10)
    done = subprocess.run([DASH, "-n"], input=script, capture_output=True, timeout=10,
                          check=False)
    assert done.returncode == 0, done.stderr.decode()


# --- Ubuntu 12.04 identity -------------------------------------------------------------------


def _u1204() -> list[Fact]:
    return [parsed("os.release", _read("ubuntu-12.04/os-release")),
            parsed("os.lsb", _read("ubuntu-12.04/lsb_release-a.txt")),
            parsed("os.version_files",
                   f"/etc/debian_version\t{_read('ubuntu-12.04/debian_version').strip()}\n")]


def test_ubuntu_1204_release_files_are_read() -> None:
    release = BY_KEY["os.release"].parse(_read("ubuntu-12.04/os-release"))
    assert isinstance(release, dict)
    assert (release["ID"], release["VERSION_ID"]) == ("ubuntu", "12.04")
    # /etc/lsb-release has the same KEY=value shape; the os-release parser refuses it
    # rather than guess an identity (it names neither ID nor NAME)
    with pytest.raises(ParseError):
        BY_KEY["os.release"].parse(_read("ubuntu-12.04/lsb-release"))
    lsb = BY_KEY["os.lsb"].parse(_read("ubuntu-12.04/lsb_release-a.txt"))
    assert lsb == {"distributor_id": "Ubuntu", "description": "Ubuntu 12.04.4 LTS",
                   "release": "12.04", "codename": "precise"}


def test_ubuntu_1204_is_identified_and_failed_as_end_of_life() -> None:
    facts = _u1204()
    claim = {"distribution": "ubuntu", "version": "12.04.4"}
    assert os_release.VERSION_MATCHES.evaluate(context(facts, claim)).status is Status.PASS
    outcome = os_release.EOL_ACTUAL.evaluate(context(facts, claim))
    assert outcome.status is Status.FAIL
    assert "Ubuntu 12.04, which has been unsupported since 2017-04-28 (distro-info-data: " \
           "eol-server)" in outcome.summary


def test_lsb_release_alone_still_identifies_the_host() -> None:
    facts = [absent("os.release"), *_u1204()[1:]]
    outcome = os_release.EOL_ACTUAL.evaluate(context(facts))
    assert outcome.status is Status.FAIL and "Ubuntu 12.04" in outcome.summary


# dpkg 1.16.1 (Ubuntu 12.04): pkg_format_show() prints an unknown ${field} as nothing, and
# ${db:Status-Abbrev} only exists since 1.16.2. This stand-in formats the recorded status
# list the same way: known fields substituted, any other field empty.
_DPKG_QUERY_1161 = """
fmt=''
for a; do case "$a" in -f=*|--showformat=*) fmt="${a#*=}";; esac; done
awk -F'\t' -v fmt="$fmt" '{ out = fmt
  gsub(/[$][{]Package[}]/, $1, out); gsub(/[$][{]Status[}]/, $2, out)
  gsub(/[$][{]Version[}]/, $3, out); gsub(/[$][{][^}]*[}]/, "", out); printf "%s", out }' \
  '""" + str(OLD / "ubuntu-12.04" / "dpkg-status.txt") + "'"


@needs_dash
def test_dpkg_1161_lists_the_installed_packages(tmp_path: Path) -> None:
    fake = _fake_tools(tmp_path / "bin", {"dpkg-query": _DPKG_QUERY_1161})
    fact = _run_snippet("pkg.versions", fake)
    assert fact.status is FactStatus.OK, fact.reason
    assert fact.value == {"manager": "dpkg", "packages": {
        "apache2": "2.2.22-1ubuntu1.15", "openssh-server": "1:5.9p1-5ubuntu1.10",
        "openssh-client": "1:5.9p1-5ubuntu1.10", "openssl": "1.0.1-4ubuntu5.45",
        "mysql-server-5.5": "5.5.62-0ubuntu0.12.04.1", "vsftpd": "2.3.5-1ubuntu2",
        "sudo": "1.8.3p1-1ubuntu3.7", "php5": "5.3.10-1ubuntu3.26"}}  # not telnetd: removed
    init = ok("proc.list", [{"user": "root", "pid": 1, "ppid": 0, "comm": "init"}])
    outcome = services.PLAINTEXT_ADMIN.evaluate(context([fact, absent("net.listening"), init]))
    assert outcome.status is Status.WARN and "vsftpd" in outcome.evidence["packages"]


# --- iproute2 3.1 ss -------------------------------------------------------------------------


def test_ss_31_header_and_columns() -> None:
    sockets = BY_KEY["net.listening"].parse(_read("iproute2-3.1/ss-tlnp.txt"))
    assert sockets == [
        {"address": "*", "port": 22, "process": "sshd"},
        {"address": "127.0.0.1", "port": 3306, "process": "mysqld"},
        {"address": "*", "port": 80, "process": "apache2"},
        {"address": "*", "port": 21, "process": "vsftpd"},
        {"address": "::", "port": 22, "process": "sshd"},
    ]


@needs_dash
def test_ss_without_h_falls_back_and_finds_the_ftp_server(tmp_path: Path) -> None:
    # iproute2 3.1 has no -H; net.listening does not use it, and the old output is judged
    fake = _fake_tools(tmp_path / "bin", {"ss": f"""
case "$1" in *H*) cat '{OLD / "iproute2-3.1/ss-H.stderr"}' >&2; exit 255;; esac
{_cat("iproute2-3.1/ss-tlnp.txt")}"""})
    fact = _run_snippet("net.listening", fake)
    assert fact.status is FactStatus.OK and len(fact.value) == 5
    outcome = services.PLAINTEXT_ADMIN.evaluate(context([fact, absent("proc.list"),
                                                         absent("pkg.versions")]))
    assert outcome.status is Status.FAIL and "FTP" in outcome.summary


@needs_dash
def test_no_ss_at_all_is_missing_not_empty(tmp_path: Path) -> None:
    # the snippet needs nothing but ss, so PATH can hold only the (empty) fake folder
    fact = _run_snippet("net.listening", _fake_tools(tmp_path / "bin", {}), system="")
    assert fact.status is FactStatus.MISSING


# --- iptables 1.4.12, no nft -----------------------------------------------------------------


def _iptables_tools(tmp_path: Path) -> Path:
    return _fake_tools(tmp_path / "bin", {
        "iptables": f'[ "$1" = -V ] && {_cat("iptables-1.4.12/iptables-V.txt")}',
        "iptables-save": _cat("iptables-1.4.12/iptables-save.txt"),
        "ip6tables-save": _cat("iptables-1.4.12/ip6tables-save.txt"),
    })


@needs_dash
def test_no_nft_is_missing(tmp_path: Path) -> None:
    fact = _run_snippet("net.nftables", _iptables_tools(tmp_path))
    assert fact.status is FactStatus.MISSING


@needs_dash
def test_iptables_14_without_backend_tools_is_read_as_legacy(tmp_path: Path) -> None:
    fact = _run_snippet("net.iptables", _iptables_tools(tmp_path))
    assert fact.status is FactStatus.OK, fact.reason
    backends = fact.value["backends"]
    assert set(backends) == {"legacy"} and set(backends["legacy"]) == {"ipv4", "ipv6"}
    ipv4 = backends["legacy"]["ipv4"]
    assert set(ipv4) == {"mangle", "filter"}
    assert ipv4["filter"]["policies"]["INPUT"] == "DROP"
    assert {"chain": "INPUT", "args": ["!", "-s", "10.0.0.0/8", "-p", "tcp", "-m", "tcp",
                                       "--dport", "3306", "-j", "DROP"]} \
        in ipv4["filter"]["rules"]


@needs_dash
def test_iptables_14_ruleset_is_evaluated(tmp_path: Path) -> None:
    facts = {"net.iptables": _run_snippet("net.iptables", _iptables_tools(tmp_path)),
             "net.nftables": _run_snippet("net.nftables", _iptables_tools(tmp_path))}
    fw = firewall(context(facts))
    assert isinstance(fw, Firewall), fw
    assert fw.read == ["iptables-save"]  # nft is not installed: no error, iptables alone
    assert firewall_layer(fw, 22, (4, 6)).sources == IpSet.of(["198.51.100.7/32"])
    assert firewall_layer(fw, 80, (4,)).sources == IpSet.everything(4)
    # "! -s 10.0.0.0/8 ... DROP" keeps MySQL to 10/8, and the INPUT policy drops the rest
    assert firewall_layer(fw, 3306, (4,)).sources == IpSet()


@needs_dash
def test_iptables_14_run_without_root_is_denied_not_empty() -> None:
    require_lab_part("" if os.geteuid() == 0 and Path("/proc/net/ip_tables_names").exists()
                     and shutil.which("setpriv") else
                     "needs root, setpriv and a root-only /proc/net/ip_tables_names")
    # iptables-save 1.4 prints nothing and exits 0 when it cannot list its tables; run the
    # snippet as nobody (the table list is root-only) with a save tool that does just that.
    assert DASH is not None
    folder = Path(tempfile.mkdtemp(prefix="posture-old-"))
    try:
        folder.chmod(0o755)
        fake = _fake_tools(folder / "bin", {"iptables": "echo 'iptables v1.4.12'",
                                            "iptables-save": "exit 0"})
        fake.chmod(0o755)
        done = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", DASH, "-c",
             BY_KEY["net.iptables"].snippet],
            env={"PATH": f"{fake}:/usr/bin:/bin", "LC_ALL": "C"}, capture_output=True,
            timeout=30, check=False, stdin=subprocess.DEVNULL, cwd="/")
    finally:
        shutil.rmtree(folder)
    fact = batch.classify(BY_KEY["net.iptables"], done.stdout.decode(), done.stderr.decode(),
                          done.returncode, privileged=False)
    assert fact.status is FactStatus.DENIED, (fact.status, fact.reason)
    outcome = allowlist.SSH.evaluate(context([fact, absent("net.nftables"),
                                              ok("sshd.config", {"port": ["22"]})],
                                             {"ssh": ["198.51.100.7/32"]}))
    assert outcome.status is Status.ERROR


def test_iptables_save_that_could_not_read_a_table_is_an_error() -> None:
    text = "### legacy ipv4\n" + _read("iptables-1.4.12/iptables-save-denied.txt")
    with pytest.raises(ParseError, match="Permission denied"):
        parse_iptables(text)


def test_iptables_save_error_beside_a_readable_table_is_an_error() -> None:
    text = ("### legacy ipv4\n" + _read("iptables-1.4.12/iptables-save.txt")
            + "### legacy ipv6\n" + _read("iptables-1.4.12/iptables-save-denied.txt"))
    with pytest.raises(ParseError, match="ipv6"):
        parse_iptables(text)


# --- OpenSSH 5.9p1 and 4.3p2 -----------------------------------------------------------------


def _sshd59() -> Fact:
    return parsed("sshd.config", _read("openssh-5.9p1/sshd-T.txt"))


def test_sshd_59_dump_is_read() -> None:
    config = _sshd59().value
    assert config["usepam"] == ["1"] and config["permitrootlogin"] == ["yes"]
    assert "ciphers" not in config and "kexalgorithms" not in config  # only set values


@pytest.mark.parametrize(("check", "status", "words"), [
    (ssh.PASSWORD_AUTHENTICATION, Status.FAIL, "password logins"),
    (ssh.ROOT_LOGIN, Status.FAIL, "root"),
    (ssh.WEAK_ALGORITHMS, Status.ERROR, "did not list ciphers, macs, kex"),
    (ssh.SFTP_SUBSYSTEM, Status.PASS, "/usr/lib/openssh/sftp-server"),
])
def test_sshd_59_judgements(check: Any, status: Status, words: str) -> None:
    # OpenSSH 5.9 knows -C for user, host and addr; without Match lines every context meets
    # plain sshd -T, which the per-context fact then carries.
    from facts_samples import sshd_contexts_raw
    per_context = parsed("sshd.contexts", sshd_contexts_raw(_read("openssh-5.9p1/sshd-T.txt")))
    outcome = check.evaluate(context([_sshd59(), per_context]))
    assert outcome.status is status, outcome.summary
    assert words in outcome.summary


@pytest.mark.parametrize(("stderr", "rc"), [
    ("openssh-5.9p1/sshd-T-C-laddr.stderr", 1),  # 5.9 knows user, host, addr only
    ("openssh-5.9p1/sshd-T-C-partial.stderr", 255),  # fatal(): all three or none
    ("openssh-4.3p2/sshd-T.stderr", 1),  # before 5.1 there is no -T at all
])
def test_sshd_that_cannot_answer_is_an_error_fact_and_every_check_errors(stderr: str,
                                                                         rc: int) -> None:
    fact = batch.classify(BY_KEY["sshd.config"], "", _read(stderr), rc, privileged=True)
    assert fact.status is FactStatus.ERROR
    assert f"exit status {rc}" in fact.reason
    for check in (ssh.PASSWORD_AUTHENTICATION, ssh.ROOT_LOGIN, ssh.WEAK_ALGORITHMS, ssh.SFTP_SUBSYSTEM):
        assert check.evaluate(context([fact])).status is Status.ERROR, check.meta.id


@needs_dash
@pytest.mark.parametrize(("body", "status"), [
    (f'[ "$1" = -T ] && {_cat("openssh-5.9p1/sshd-T.txt")}', FactStatus.OK),
    (f'{_cat("openssh-4.3p2/sshd-T.stderr")} >&2; exit 1', FactStatus.ERROR),
])
def test_sshd_t_snippet_under_dash(tmp_path: Path, body: str, status: FactStatus) -> None:
    fact = _run_snippet("sshd.config", _fake_tools(tmp_path / "bin", {"sshd": body}))
    assert fact.status is status, fact.reason


def test_sshd_access_of_an_old_server_with_tcp_wrappers() -> None:
    value = BY_KEY["sshd.access"].parse(_read("openssh-5.9p1/sshd_config-grep.txt"))
    assert value["libwrap"] is True
    assert [e["text"] for e in value["tcp_wrappers"]] == ["sshd: 198.51.100.7", "sshd: ALL"]
    assert any(e["text"].startswith("Match Address") for e in value["config"])


@needs_dash
def test_ufw_031_is_read_as_evidence(tmp_path: Path) -> None:
    # the frontends snippet reads /etc/ufw/ufw.conf itself; a fake ufw answers `ufw status`
    fake = _fake_tools(tmp_path / "bin", {"ufw": _cat("ufw-0.31/ufw-status.txt")})
    fact = _run_snippet("net.firewall_frontends", fake)
    assert fact.status is FactStatus.OK, fact.reason
    lines = fact.value["ufw"]["lines"]
    assert "Status: active" in lines and any("Anywhere (v6)" in line for line in lines)
    conf = BY_KEY["net.firewall_frontends"].parse(
        "ufw installed\nufw conf " + _read("ufw-0.31/ufw.conf-enabled.txt"))
    assert conf["ufw"]["enabled"] is True


def test_sshd_usage_text_on_stdout_is_not_a_configuration() -> None:
    # A wrapper that sends usage to stdout with exit 0 must still not parse as sshd -T
    with pytest.raises(ParseError):
        BY_KEY["sshd.config"].parse(_read("openssh-4.3p2/sshd-T.stderr"))


# --- Apache 2.2 ------------------------------------------------------------------------------


def test_apache_22_version_is_end_of_life() -> None:
    fact = parsed("apache.version", _read("apache-2.2/apache2-v.txt"))
    assert fact.value["version"] == "2.2.22"
    outcome = apache.EOL.evaluate(context([fact, absent("pkg.versions")]))
    assert outcome.status is Status.FAIL


def _access() -> dict[str, Any]:
    value = parse_apache_access(_read("apache-2.2/access-grep.txt"))
    assert isinstance(value, dict)
    return value


def test_apache_22_order_deny_allow_with_partial_and_netmask_addresses() -> None:
    layer = admin_layer(_access(), "/admin/index.php", 80)
    assert layer.sources == IpSet.of(["198.51.100.7/32", "10.1.0.0/16", "192.0.2.0/25"])


def test_apache_22_deny_by_name_does_not_close_the_path() -> None:
    # Allow from all, Deny from a host name: everyone but that host gets in. A name only
    # DNS can resolve must not be taken as "everyone denied" (that would pass an open path).
    layer = admin_layer(_access(), "/backoffice", 80)
    assert layer.sources == IpSet.everything()
    assert any("crawler.example.net" in n for n in layer.evidence["notes"])


def test_apache_22_satisfy_any_lets_a_login_replace_the_address_rule() -> None:
    layer = admin_layer(_access(), "/manager/html", 80)
    assert layer.sources == IpSet.everything()


def test_apache_22_satisfy_any_without_require_keeps_the_address_rule() -> None:
    text = _read("apache-2.2/access-grep.txt").replace(
        "/etc/apache2/conf.d/shop-admin.conf:17:    Require valid-user\n", "")
    access = parse_apache_access(text)
    assert isinstance(access, dict)
    assert admin_layer(access, "/manager", 80).sources == IpSet.of(["198.51.100.7/32"])


def test_apache_22_order_allow_deny() -> None:
    layer = admin_layer(_access(), "/stats", 80)
    assert layer.sources == IpSet.of(["198.51.100.0/24"]).minus(IpSet.of(["198.51.100.66/32"]))


def test_apache_24_require_not_host_does_not_close_the_path() -> None:
    access = parse_apache_access(
        "root /etc/apache2\n/etc/apache2/conf-enabled/a.conf:1:<Location /admin>\n"
        "/etc/apache2/conf-enabled/a.conf:2:<RequireAll>\n"
        "/etc/apache2/conf-enabled/a.conf:3:Require all granted\n"
        "/etc/apache2/conf-enabled/a.conf:4:Require not host bad.example.net\n"
        "/etc/apache2/conf-enabled/a.conf:5:</RequireAll>\n"
        "/etc/apache2/conf-enabled/a.conf:6:</Location>\n")
    assert admin_layer(access, "/admin", 80).sources == IpSet.everything()


def test_apache_22_admin_allowlist_judged_on_the_recorded_config() -> None:
    params = {"admin": ["198.51.100.7/32"]}
    reach = {"address": "192.0.2.10", "sources": [], "services": [
        {"service": "admin", "name": "admin", "port": 80, "path": "/backoffice",
         "results": [{"source": "auditor", "local": "198.51.100.7", "state": "open",
                      "answer": "http", "http_status": 200}]}]}
    facts = [ok("apache.access", _access()), ok("net.reach", reach),
             ok("net.iptables", {"backends": {}, "incompatible": []}),
             absent("net.nftables")]
    outcome = allowlist.ADMIN.evaluate(context(facts, params))
    assert outcome.status is Status.FAIL, outcome.summary


# --- MySQL 5.5 --------------------------------------------------------------------------------


def test_mysql_55_without_bind_address_variable_keeps_config_and_widens_accounts() -> None:
    # MySQL 5.5 has no @@bind_address: the one query fails, so the account list is not read.
    # The server's options still give the bind address; the account layer becomes "anyone"
    # with the client's error as the reason, never an empty (closed) layer.
    value = BY_KEY["db.mysql_access"].parse(_read("mysql-5.5/access.txt"))
    assert value["client_error"].startswith("ERROR 1193 (HY000)")
    assert value["accounts"] == [] and value["variables"] == {}
    service = mysql_service(value)
    assert service is not None
    listen, accounts = service.layers
    assert listen.evidence["bind_address"] == "127.0.0.1"
    assert accounts.sources == IpSet.everything()
    assert "Unknown system variable" in str(accounts.evidence["note"])


# --- sudo 1.8.3 ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind"), [
    ("needs-password", "needs_password"),
    ("wrong-password", "wrong_password"),
    ("not-in-sudoers", "not_allowed"),
    ("not-allowed-on-host", "not_allowed"),
    ("not-allowed-command", "not_allowed"),
    ("may-not-run", "not_allowed"),
    ("requiretty", "requiretty"),
    ("no-tty", "needs_password"),
])
def test_sudo_183_messages(name: str, kind: str) -> None:
    assert sudo_mod.classify((OLD / "sudo-1.8.3" / f"{name}.stderr").read_bytes()) == kind


def test_fixtures_are_documented() -> None:
    readme = _read("README.md")
    for path in sorted(OLD.rglob("*")):
        if path.is_file() and path.name != "README.md":
            assert str(path.relative_to(OLD)) in readme, path
    assert os.sep == "/"
