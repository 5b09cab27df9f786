"""The lab's web server: a real Apache (Debian's apache2 with mod_ssl) on loopback.

Runs in the foreground as our child (``-DFOREGROUND``) from its own ServerRoot in the lab
folder, so nothing under /etc/apache2 is touched and stopping it is killing one PID we own.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from tests.labs.base import free_port

APACHE: Final = "/usr/sbin/apache2"
MODULES: Final = Path("/usr/lib/apache2/modules")

_CONF = """\
ServerRoot "{root}"
PidFile "{root}/apache2.pid"
Mutex file:{root} default
Listen {address}:{http_port}
Listen {address}:{https_port} https
LoadModule mpm_event_module {mods}/mod_mpm_event.so
LoadModule authz_core_module {mods}/mod_authz_core.so
LoadModule mime_module {mods}/mod_mime.so
TypesConfig /etc/mime.types
LoadModule socache_shmcb_module {mods}/mod_socache_shmcb.so
LoadModule ssl_module {mods}/mod_ssl.so
LoadModule headers_module {mods}/mod_headers.so
LoadModule alias_module {mods}/mod_alias.so
User {user}
Group {group}
ServerName lab.posture.test
ErrorLog "{root}/error.log"
LogLevel warn
DocumentRoot "{root}/htdocs"
<Directory "{root}/htdocs">
    Require all granted
</Directory>
IncludeOptional "{root}/conf-enabled/*.conf"
SSLSessionCache shmcb:{root}/ssl_scache(512000)
<VirtualHost {address}:{https_port}>
    SSLEngine on
    SSLCertificateFile "{cert}"
    SSLCertificateKeyFile "{key}"
{ssl_extra}</VirtualHost>
{http_vhost}"""


class LabWebError(RuntimeError):
    """Apache could not be started."""


@dataclass
class LabApache:
    """A running lab Apache; :meth:`stop` ends it (idempotent)."""

    root: Path
    address: str
    http_port: int
    https_port: int
    proc: subprocess.Popen[bytes]

    def stop(self) -> None:
        """Stop the server we started (graceful, then kill)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def apache_unavailable_reason() -> str:
    """Why the lab Apache cannot run here, or ''."""
    for tool in (APACHE, "openssl"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian packages apache2, openssl)"
    if not (MODULES / "mod_ssl.so").exists():
        return "mod_ssl is missing (Debian package apache2)"
    return ""


def _wait(address: str, port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LabWebError(f"apache2 exited ({proc.returncode}): "
                              f"{log.read_text(errors='replace')[-800:]}")
        with contextlib.suppress(OSError), socket.create_connection((address, port), 0.5):
            return
        time.sleep(0.05)
    raise LabWebError(f"apache2 did not listen on {address}:{port} within 15 s")


@dataclass(frozen=True)
class TlsOptions:
    """Optional TLS/HTTP variants of the lab Apache (all None: the plain default site).

    ``protocols`` and ``ciphers`` are SSLProtocol / SSLCipherSuite values; ``cert``, ``key``
    and ``chain`` replace the throwaway self-signed certificate; ``hsts`` is the
    Strict-Transport-Security value to send; ``redirect_to`` makes the plain-HTTP port answer
    301 to that https URL; ``https_extra`` is raw configuration for the TLS virtual host.
    """

    protocols: str | None = None
    ciphers: str | None = None
    cert: Path | None = None
    key: Path | None = None
    chain: Path | None = None
    hsts: str | None = None
    redirect_to: str | None = None
    https_extra: str = ""


def _tls_parts(tls: TlsOptions, address: str, http_port: int) -> dict[str, str]:
    lines = []
    if tls.protocols:
        lines.append(f"    SSLProtocol {tls.protocols}")
    if tls.ciphers:
        lines.append(f"    SSLCipherSuite {tls.ciphers}")
    if tls.chain:
        lines.append(f'    SSLCertificateChainFile "{tls.chain}"')
    if tls.hsts:
        lines.append(f'    Header always set Strict-Transport-Security "{tls.hsts}"')
    if tls.https_extra:
        lines.append(tls.https_extra)
    http_vhost = ""
    if tls.redirect_to:
        http_vhost = (f"<VirtualHost {address}:{http_port}>\n"
                      f"    Redirect permanent / {tls.redirect_to}\n</VirtualHost>\n")
    return {"ssl_extra": "".join(line + "\n" for line in lines), "http_vhost": http_vhost}


def start_apache(root: Path, *, address: str = "127.0.0.1", http_port: int | None = None,
                 https_port: int | None = None, server_tokens: str = "Prod",
                 server_signature: str = "Off", user: str = "www-data",
                 group: str = "www-data", tls: TlsOptions | None = None,
                 site: Path | None = None) -> LabApache:
    """Start Apache (by default with a throwaway self-signed certificate and no TLS
    options: see :class:`TlsOptions`); wait until it listens.

    ``site``: a folder whose files are served (copied over the default page); a
    ``site.conf`` in it goes to ``conf-enabled`` (e.g. ``Header`` lines setting cookies)."""
    reason = apache_unavailable_reason()
    if reason:
        raise LabWebError(reason)
    root.mkdir(parents=True, exist_ok=True)
    (root / "htdocs").mkdir(exist_ok=True)
    (root / "htdocs" / "index.html").write_text("<!doctype html><title>lab</title><p>lab</p>\n")
    (root / "conf-enabled").mkdir(exist_ok=True)
    if site is not None:
        shutil.copytree(site, root / "htdocs", dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("site.conf"))
        if (site / "site.conf").exists():
            shutil.copy(site / "site.conf", root / "conf-enabled" / "site.conf")
    (root / "conf-enabled" / "security.conf").write_text(
        f"ServerTokens {server_tokens}\nServerSignature {server_signature}\nTraceEnable Off\n")
    if not (root / "server.key").exists():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "30", "-subj",
                        "/CN=lab.posture.test", "-addext", "subjectAltName=DNS:lab.posture.test",
                        "-keyout", str(root / "server.key"), "-out", str(root / "server.crt")],
                       check=True, capture_output=True, timeout=60)
    http_port = http_port or free_port(address)
    https_port = https_port or free_port(address)
    conf = root / "apache2.conf"
    tls = tls or TlsOptions()
    conf.write_text(_CONF.format(root=root, address=address, http_port=http_port,
                                 https_port=https_port, mods=MODULES, user=user, group=group,
                                 cert=tls.cert or root / "server.crt",
                                 key=tls.key or root / "server.key",
                                 **_tls_parts(tls, address, http_port)))
    log = root / "stderr.log"
    with log.open("wb") as err:
        proc = subprocess.Popen([APACHE, "-d", str(root), "-f", str(conf), "-DFOREGROUND"],
                                stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                start_new_session=True)
    try:
        _wait(address, https_port, proc, log)
    except LabWebError:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
        raise
    return LabApache(root, address, http_port, https_port, proc)
