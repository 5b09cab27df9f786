"""Parsers on recorded raw output."""

from __future__ import annotations

import pytest

from posture.collect.facts import parsers

SS = """LISTEN 0      128          0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=1,fd=3))
LISTEN 0      511        127.0.0.1:8443      0.0.0.0:*    users:(("apache2",pid=9,fd=4),("apache2",pid=8,fd=4))
LISTEN 0      128             [::]:21           [::]:*
"""

PAM = """/etc/pam.d/common-password\tpassword\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt minlen=10
/etc/pam.d/common-password\tpassword\trequisite\t\t\tpam_deny.so
/etc/security/pwquality.conf\tminlen = 12
"""


def test_ss() -> None:
    sockets = parsers.parse_ss(SS)
    assert sockets[0] == {"address": "0.0.0.0", "port": 22, "process": "sshd"}
    assert sockets[1]["process"] == "apache2"
    assert sockets[2] == {"address": "::", "port": 21, "process": ""}


def test_pam_control_with_brackets_and_pwquality() -> None:
    value = parsers.parse_pam(PAM)
    unix = value["modules"][0]
    assert unix["module"] == "pam_unix.so"
    assert unix["control"] == "[success=1 default=ignore]"
    assert unix["options"]["minlen"] == "10" and "obscure" in unix["options"]
    assert value["pwquality"] == {"minlen": "12"}


def test_shadow_states_only() -> None:
    text = "root:none:19000:0:99999:7::\nalice:set:20000:0:90:7::\n"
    value = parsers.parse_shadow(text)
    assert value[1] == {"name": "alice", "password": "set", "last_change": 20000, "min": 0,
                        "max": 90, "warn": 7, "inactive": None, "expire": None}


def test_apache_version() -> None:
    value = parsers.parse_apache_version(
        "Server version: Apache/2.2.22 (Ubuntu)\nServer built:   Jul 12 2013 13:37:15\n")
    assert value["version"] == "2.2.22"
    assert value["server_version"] == "Apache/2.2.22 (Ubuntu)"


def test_os_release_quoting_and_bounds() -> None:
    value = parsers.parse_env_file('NAME="Ubuntu"\nID=ubuntu\nVERSION_ID="12.04"\nbad line\n'
                                   'PRETTY_NAME="' + "x" * 5000 + '"\n')
    assert value["VERSION_ID"] == "12.04"
    assert len(value["PRETTY_NAME"]) <= parsers.MAX_VALUE + 1


@pytest.mark.parametrize("func", [parsers.parse_env_file, parsers.parse_sshd_t,
                                  parsers.parse_passwd, parsers.parse_shadow,
                                  parsers.parse_apache_version, parsers.parse_int])
def test_garbage_is_a_parse_error(func: object) -> None:
    with pytest.raises(parsers.ParseError):
        func("<html>not what we asked for</html>")  # type: ignore[operator]


def test_sshd_t_keeps_repeated_keys() -> None:
    value = parsers.parse_sshd_t("port 22\nsubsystem sftp /usr/lib/openssh/sftp-server\n"
                                 "listenaddress 0.0.0.0:22\nlistenaddress [::]:22\n")
    assert value["listenaddress"] == ["0.0.0.0:22", "[::]:22"]
    assert value["subsystem"] == ["sftp /usr/lib/openssh/sftp-server"]


def test_ps_leaves_out_zombies_and_reads_both_layouts() -> None:
    with_state = ("Ss   root         1     0 systemd\n"
                  "S    www-data   812   811 apache2\n"
                  "Z    root       950     1 vsftpd\n"
                  "Zs   root       951     1 vsftpd\n")
    procs = parsers.parse_ps(with_state)
    assert [p["comm"] for p in procs] == ["systemd", "apache2"]
    assert procs[1] == {"user": "www-data", "pid": 812, "ppid": 811, "comm": "apache2"}
    legacy = parsers.parse_ps("root 1 0 init\nwww-data 812 811 apache2\n")
    assert [p["pid"] for p in legacy] == [1, 812]


@pytest.mark.parametrize("text", ["\u00b2", "1\u00b2", "-\u00b3", "\u2460"])
def test_digit_like_characters_that_int_refuses_are_parse_errors(text: str) -> None:
    # str.isdigit() accepts superscripts and circled digits that int() rejects.
    with pytest.raises(parsers.ParseError):
        parsers.parse_int(text)
