"""The TLS part of the demo lab: two web endpoints and an FTP server with planted weaknesses.

* ``shop`` (https://shop.posture.test/ on 127.0.0.1:22443, plain HTTP on 22080): a valid
  certificate from the lab CA, HSTS and a 301 redirect, but TLS 1.0 and 1.1 still accepted.
* ``shop-admin`` (127.0.0.1:22444, plain HTTP on 22081): modern protocols, but an expired
  certificate, no HSTS and no redirect: the admin login is served over plain HTTP too.
* vsftpd with plain FTP on 127.0.0.1:22021.

``inventory/demo.yml`` names these ports and the CA file (``tls/pki/ca.pem``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Protocol

from posture.inventory.model import Endpoint
from tests.labs.ftp import start_vsftpd
from tests.labs.tls import expired, make_ca
from tests.labs.web import LabApache, TlsOptions, start_apache

DEMO_HOSTNAME: Final = "shop.posture.test"
SHOP_PORTS: Final = (22443, 22080)
ADMIN_PORTS: Final = (22444, 22081)
FTP_PORT: Final = 22021


class _Stoppable(Protocol):
    def stop(self) -> None: ...


@dataclass
class DemoTls:
    """The running TLS/FTP servers of the demo; :meth:`stop` ends them all."""

    servers: list[_Stoppable] = field(default_factory=list)
    ca_file: Path | None = None

    def endpoints(self) -> list[Endpoint]:
        """The two web endpoints as inventory entries (for the benchmark)."""
        web = [s for s in self.servers if isinstance(s, LabApache)]
        return [Endpoint(name=name, url=f"https://{DEMO_HOSTNAME}{path}", kind=kind,
                         connect_to=f"{s.address}:{s.https_port}", http_port=s.http_port,
                         ca_file=str(self.ca_file))
                for (name, path, kind), s in zip((("shop", "/", "web"),
                                                  ("shop-admin", "/admin/", "admin")), web,
                                                 strict=True)]

    def stop(self) -> None:
        """Stop every server (idempotent)."""
        for server in reversed(self.servers):
            with contextlib.suppress(Exception):
                server.stop()


def start_demo_tls(workdir: Path, address: str, *, fixed_ports: bool = True) -> DemoTls:
    """Start the demo's web endpoints and FTP server (see the module docstring); with
    ``fixed_ports=False`` every port is a free one (the benchmark runs beside a demo)."""
    demo = DemoTls()
    try:
        ca = make_ca(workdir / "pki")
        ca.folder.chmod(0o755)
        good = ca.issue("shop", hostnames=(DEMO_HOSTNAME,))
        stale = expired(ca, "shop-admin", (DEMO_HOSTNAME,))
        shop_https, shop_http = SHOP_PORTS if fixed_ports else (None, None)
        demo.servers.append(start_apache(
            workdir / "shop", address=address, https_port=shop_https, http_port=shop_http,
            tls=TlsOptions(protocols="all -SSLv3", ciphers="ALL:@SECLEVEL=0", cert=good.cert,
                           key=good.key, hsts="max-age=31536000",
                           redirect_to=f"https://{DEMO_HOSTNAME}/")))
        admin_https, admin_http = ADMIN_PORTS if fixed_ports else (None, None)
        demo.servers.append(start_apache(
            workdir / "admin", address=address, https_port=admin_https, http_port=admin_http,
            tls=TlsOptions(protocols="-all +TLSv1.2 +TLSv1.3", cert=stale.cert,
                           key=stale.key)))
        demo.servers.append(start_vsftpd(workdir / "ftp", address=address,
                                         port=FTP_PORT if fixed_ports else None))
        demo.ca_file = ca.ca_file
    except BaseException:
        demo.stop()
        raise
    return demo
