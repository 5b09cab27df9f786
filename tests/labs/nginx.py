"""The lab's nginx: Debian's nginx as a master with workers, on loopback or in a namespace.

The master runs in the foreground (``daemon off;`` in its own configuration, so its process
title carries only ``-c``) as our child, from a folder of its own: nothing under /etc/nginx
is touched and stopping it is signalling one PID we own. The configuration holds a *right*
server (TLS 1.2+, HSTS, no version in the Server header, an admin location behind
allow/deny) and, optionally, a *wrong* one (``server_tokens on``, TLS 1.0 allowed, no HSTS),
the latter kept in an included file as real sites are.
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

NGINX: Final = "/usr/sbin/nginx"
MARKER: Final = ".posture-lab-nginx"

_MAIN = """\
user {user};
worker_processes 2;
daemon off;
master_process on;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    server_tokens off;
    include {root}/sites-enabled/*.conf;
}}
"""

_RIGHT = """\
server {{
    listen {address}:{http_port};
    server_name {name};
{plain_body}
}}
server {{
    listen {address}:{https_port} ssl;
    server_name {name};
    ssl_certificate {root}/server.crt;
    ssl_certificate_key {root}/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers HIGH:!aNULL:!MD5;
    add_header Strict-Transport-Security "max-age=31536000" always;
    root {root}/htdocs;
    location / {{ }}
    location /admin/ {{
{admin_rules}    }}
    location /feed/ {{
{feed_rules}    }}
{shop_location}}}
"""

_WRONG = """\
server {{
    listen {address}:{wrong_port} ssl;
    server_name wrong.{name};
    server_tokens on;
    ssl_certificate {root}/server.crt;
    ssl_certificate_key {root}/server.key;
    ssl_protocols TLSv1 TLSv1.2;
    root {root}/htdocs;
}}
"""


_OTHER = """\
server {{
    listen {address}:80;
    server_name other.posture.test;
    location / {{ return 200 "another site\\n"; }}
}}
"""


class LabNginxError(RuntimeError):
    """nginx could not be started."""


@dataclass
class LabNginx:
    """A running lab nginx; :meth:`stop` ends it (idempotent)."""

    root: Path
    address: str
    http_port: int
    https_port: int
    wrong_port: int | None
    proc: subprocess.Popen[bytes]

    @property
    def conf(self) -> Path:
        """The main configuration file (the master's ``-c``)."""
        return self.root / "nginx.conf"

    def stop(self) -> None:
        """Stop the master we started (graceful QUIT, then TERM, then kill)."""
        if self.proc.poll() is None:
            for sig in (signal.SIGQUIT, signal.SIGTERM):
                self.proc.send_signal(sig)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=10)
                    break
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def remove(self) -> None:
        """Delete the lab folder (only one this module created: it holds the marker)."""
        if (self.root / MARKER).exists():
            shutil.rmtree(self.root, ignore_errors=True)


def nginx_unavailable_reason() -> str:
    """Why the lab nginx cannot run here, or ''."""
    for tool in (NGINX, "openssl"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian packages nginx, openssl)"
    if not Path("/etc/nginx/mime.types").exists():
        return "/etc/nginx/mime.types is missing (Debian package nginx-common)"
    return ""


def nginx_version() -> str:
    """The upstream version of the installed nginx ("1.22.1")."""
    done = subprocess.run([NGINX, "-v"], capture_output=True, timeout=10, check=True)
    text = done.stderr.decode(errors="replace")
    return text.rsplit("/", 1)[-1].split()[0].strip()


def _wait(address: str, port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LabNginxError(f"nginx exited ({proc.returncode}): "
                                f"{log.read_text(errors='replace')[-800:]}")
        with contextlib.suppress(OSError), socket.create_connection((address, port), 0.5):
            return
        time.sleep(0.05)
    raise LabNginxError(f"nginx did not listen on {address}:{port} within 15 s")


def plant_opencart(htdocs: Path, admin: str, version: str = "3.0.3.8") -> None:
    """An OpenCart tree as posture finds it: startup file, version, a renamed admin folder."""
    (htdocs / "system").mkdir(parents=True, exist_ok=True)
    (htdocs / "system" / "startup.php").write_text("<?php // lab\n")
    (htdocs / "index.php").write_text(f"<?php\ndefine('VERSION', '{version}');\n")
    folder = htdocs / admin
    (folder / "controller" / "common").mkdir(parents=True, exist_ok=True)
    (folder / "controller" / "common" / "login.php").write_text("<?php // lab\n")
    (folder / "config.php").write_text("<?php\ndefine('HTTPS_SERVER', 'https://lab.posture.test/"
                                       f"{admin}/');\n")
    (folder / "index.html").write_text("shop admin\n")


def admin_rules(allowed: str | None) -> str:
    """The admin location's access rules: only ``allowed`` (None: no rule at all)."""
    if allowed is None:
        return ""
    return f"        allow {allowed};\n        deny all;\n"


def start_nginx(root: Path, *, address: str = "127.0.0.1", user: str = "www-data",
                wrong: bool = True, admin_allowed: str | None = "127.0.0.1",
                feed_allowed: str | None = "127.0.0.1", other_site: bool = False,
                shop_admin: str | None = None, shop_allowed: str | None = None,
                plain_redirect: bool = True, name: str = "lab.posture.test") -> LabNginx:
    """Start nginx with the right server (and the wrong one when ``wrong``); wait until
    both listen. ``/admin/`` and ``/feed/`` (an integration) admit only ``admin_allowed``
    and ``feed_allowed`` (None: anyone). ``other_site`` adds another site on port 80 (it
    answers every path itself). ``shop_admin`` plants an OpenCart tree whose admin folder
    has that (renamed) name, admitting only ``shop_allowed`` (None: anyone). Plain HTTP
    redirects to https, or serves the site in clear when ``plain_redirect`` is false.
    ``root`` must be traversable by ``user``."""
    reason = nginx_unavailable_reason()
    if reason:
        raise LabNginxError(reason)
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).write_text("created by tests/labs/nginx.py\n")
    for sub in ("htdocs/admin", "htdocs/feed", "sites-enabled", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "htdocs" / "index.html").write_text("<!doctype html><title>lab</title><p>lab\n")
    (root / "htdocs" / "admin" / "index.html").write_text("admin\n")
    (root / "htdocs" / "feed" / "index.html").write_text("feed\n")
    if not (root / "server.key").exists():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "30", "-subj",
                        f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
                        "-keyout", str(root / "server.key"), "-out", str(root / "server.crt")],
                       check=True, capture_output=True, timeout=60)
    http_port, https_port = free_port(address), free_port(address)
    wrong_port = free_port(address) if wrong else None
    values = {"root": root, "address": address, "http_port": http_port, "name": name,
              "https_port": https_port, "wrong_port": wrong_port, "user": user,
              "admin_rules": admin_rules(admin_allowed), "feed_rules": admin_rules(feed_allowed),
              "plain_body": (f"    return 301 https://{name}:{https_port}$request_uri;"
                             if plain_redirect else f"    root {root}/htdocs;"),
              "shop_location": (f"    location /{shop_admin}/ {{\n{admin_rules(shop_allowed)}"
                                "    }\n" if shop_admin else "")}
    if shop_admin:
        plant_opencart(root / "htdocs", shop_admin)
    (root / "nginx.conf").write_text(_MAIN.format(**values))
    (root / "sites-enabled" / "right.conf").write_text(_RIGHT.format(**values))
    if wrong:
        (root / "sites-enabled" / "wrong.conf").write_text(_WRONG.format(**values))
    if other_site:
        (root / "sites-enabled" / "other.conf").write_text(_OTHER.format(**values))
    log = root / "stderr.log"
    with log.open("wb") as err:
        proc = subprocess.Popen([NGINX, "-c", str(root / "nginx.conf")],
                                stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                start_new_session=True)
    try:
        _wait(address, https_port, proc, log)
    except LabNginxError:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
        raise
    return LabNginx(root, address, http_port, https_port, wrong_port, proc)
