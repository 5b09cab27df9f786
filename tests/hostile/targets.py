"""Fact answers for the fake SSH server: recorded on this machine, then made hostile.

The honest answers are produced by running each catalogue snippet here (the test machine is
a Debian 12 box like a real target), so the fake server's well-behaved host looks real.
The hostile version plants every payload of :mod:`tests.hostile.payloads` in the fields that
parsers keep, in stderr (reasons), and canary personal data where it must be dropped.
"""

from __future__ import annotations

import functools
import subprocess

from posture.collect.facts.registry import CATALOG
from tests.hostile.fakessh import Section
from tests.hostile.payloads import PAYLOADS


@functools.cache
def recorded() -> dict[str, Section]:
    """Each catalogue fact's snippet run locally: (stdout, stderr, exit status)."""
    facts: dict[str, Section] = {}
    for spec in CATALOG:
        done = subprocess.run(["sh", "-c", spec.snippet], capture_output=True, timeout=60,
                              stdin=subprocess.DEVNULL, check=False)
        facts[spec.key] = (done.stdout[:1 << 20], done.stderr[:1 << 16], done.returncode)
    return facts


def _p(index: int) -> str:
    return PAYLOADS[index % len(PAYLOADS)][0]


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def hostile(personal: str) -> dict[str, Section]:
    """Every fact answered with payloads; ``personal`` is planted where it must not travel."""
    n = len(PAYLOADS)
    os_release = "".join(f"{k}={_quoted(_p(i))}\n" for i, k in enumerate(
        ("PRETTY_NAME", "NAME", "VERSION", "VERSION_CODENAME", "HOME_URL")))
    os_release += f"ID={_quoted(_p(5))}\nVERSION_ID={_quoted(_p(6))}\n"
    procs = "".join(f"root {100 + i} 1 {_p(i)}\n" for i in range(n))
    passwd = "".join(f"u{i}x{_p(i)}:x:{1000 + i}:{1000 + i}:{personal}:/home/{_p(i + 1)}:"
                     f"/bin/{_p(i + 2)}\n" for i in range(n))
    passwd += f"pstvictim:x:999:999:{personal},Room 1,+31 6 1234:/home/v:/bin/sh\n"
    sshd = "port 22\n" + "".join(f"{k} {_p(i)}\n" for i, k in enumerate(
        ("ciphers", "macs", "kexalgorithms", "passwordauthentication", "permitrootlogin",
         "subsystem", "hostkeyalgorithms")))
    shadow = "".join(f"{_p(i)}:set:19000:0:99999:7:::\n" for i in range(n))
    pkgs = "manager dpkg\n" + "".join(f"apache2\t{_p(i)}\n" for i in range(2))
    pkgs += f"openssh-server\t{_p(3)}\n"
    facts: dict[str, Section] = {
        "host.time": (b"1767225600\n", b"", 0),
        "os.release": (os_release.encode(), b"", 0),
        "os.lsb": (b"", f"{_p(7)}\n{personal}\n".encode(), 1),
        "os.version_files": (f"/etc/debian_version\t{_p(8)}\n".encode(), b"", 0),
        "pkg.versions": (pkgs.encode(), b"", 0),
        "apache.version": (f"Server version: Apache/2.4.62 ({_p(9)})\nServer built: {_p(10)}\n"
                           .encode(), b"", 0),
        "apache.config": (f"root /etc/apache2\n/etc/apache2/{_p(11)}.conf:3:ServerTokens "
                          f"{_p(12)}\n".encode(), b"", 0),
        "proc.list": (procs.encode(), b"", 0),
        "sshd.config": (sshd.encode(), b"", 0),
        "accounts.passwd": (passwd.encode(), b"", 0),
        "accounts.shadow": (shadow.encode(), b"", 0),
        "login.defs": (f"PASS_MAX_DAYS {_p(13)}\nPASS_MIN_DAYS {_p(14)}\n".encode(), b"", 0),
        "pam.password": (b"", f"{_p(1)}: Permission denied\n".encode(), 1),
        "net.listening": (b"", b"\xff\xfe\xc0\xaf invalid utf-8 " + _p(0).encode() + b"\n", 2),
        "ssh.authorized_keys": (b"", _p(2).encode() + b"\n", 3),
    }
    for key, section in recorded().items():
        facts.setdefault(key, section)
    return facts
