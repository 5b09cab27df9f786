"""nginx TLS as configured: protocols of every TLS server and the HSTS header it sends.

The endpoint checks (``tls.protocols``, ``http.hsts``) judge what a client meets; this one
judges what the running nginx is told, per ``server`` block with file:line, so a server no
inventory endpoint points at (a forgotten vhost) is judged too, and a protocol the local
OpenSSL refuses today but the configuration still asks for is named. HSTS follows nginx's
inheritance: a level with any ``add_header`` of its own drops every inherited one.
"""

from __future__ import annotations

from typing import Any

from checks.base import Check, CheckContext, CheckMeta, Outcome, capped
from checks.websites.nginx_model import Level, config_of, inherited_list, listens, masters, setting
from checks.websites.tls import DEPRECATED
from posture.models import Severity, Status, msg

# nginx's default ssl_protocols: 1.23.4 dropped TLS 1.0 and 1.1 from it.
_OLD_DEFAULT = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
_NEW_DEFAULT = ["TLSv1.2", "TLSv1.3"]


def _default_protocols(version: str) -> list[str]:
    parts = tuple(int(p) for p in version.split(".")[:3] if p.isdecimal())
    return _NEW_DEFAULT if parts >= (1, 23, 4) else _OLD_DEFAULT


def _is_tls(server: Level) -> bool:
    ssl = setting([server], "ssl")
    if ssl and ssl.get("args") and str(ssl["args"][0]).lower() == "on":
        return True
    return any("ssl" in entry.get("args", [])[1:] or "quic" in entry.get("args", [])[1:]
               for entry in (server.get("directives") or {}).get("listen", []))


def _hsts(chain: list[Level]) -> dict[str, Any] | None:
    for header in inherited_list(chain, "add_header"):
        args = [str(a) for a in header.get("args", [])]
        if args and args[0].lower() == "strict-transport-security":
            return {"value": args[1] if len(args) > 1 else "", "at": header.get("at"),
                    "always": "always" in args[2:]}
    return None


def _row(server: Level, http: Level, version: str) -> dict[str, Any]:
    chain = [http, server]
    found = setting(chain, "ssl_protocols")
    protocols = [str(a) for a in found["args"]] if found else _default_protocols(version)
    ports = sorted({port for _, port, _ in listens(server)})
    names = " ".join(str(a) for s in (server.get("directives") or {}).get("server_name", [])
                     for a in s.get("args", []))[:80] or "_"
    return {"server": f"{names} at {server.get('at')}", "ports": ports,
            "protocols": protocols,
            "protocols_at": found["at"] if found else f"nginx {version} default",
            "deprecated": [p for p in protocols if p in DEPRECATED],
            "ciphers": (setting(chain, "ssl_ciphers") or {}).get("args"),
            "hsts": _hsts(chain)}


def _tls_config(ctx: CheckContext) -> Outcome:
    running = masters(ctx)
    if isinstance(running, Outcome):
        return running
    if not running:
        return Outcome(Status.NOT_APPLICABLE, msg("No nginx master process runs on this host."))
    rows: list[dict[str, Any]] = []
    for master in running:
        config = config_of(master)
        if isinstance(config, Outcome):
            return config
        http = config.get("http") or {}
        rows += [_row(s, http, str(master.get("version") or ""))
                 for s in config.get("servers") or [] if _is_tls(s)]
    if not rows:
        return Outcome(Status.NOT_APPLICABLE, "The running nginx serves no TLS.")
    old = [r for r in rows if r["deprecated"]]
    bare = [r for r in rows if r["hsts"] is None]
    evidence = {"servers": capped(rows), "deprecated": capped([r["server"] for r in old]),
                "without_hsts": capped([r["server"] for r in bare])}
    if old:
        first = old[0]
        return Outcome(Status.FAIL, f"{len(old)} of {len(rows)} nginx TLS servers allow "
                       f"{', '.join(first['deprecated'])} (ssl_protocols at "
                       f"{first['protocols_at']}, server {first['server']}).", evidence)
    if bare:
        return Outcome(Status.WARN, f"{len(bare)} of {len(rows)} nginx TLS servers send no "
                       f"Strict-Transport-Security header (server {bare[0]['server']}).",
                       evidence)
    return Outcome(Status.PASS, f"Every nginx TLS server ({len(rows)}) allows only TLS 1.2+ "
                   "and sends HSTS.", evidence)


TLS_CONFIG = Check(CheckMeta(
    id="nginx.tls_config",
    title="Every nginx TLS server allows only TLS 1.2 or later and sends HSTS",
    claim_types=("tls_all_links",),
    severity=Severity.MEDIUM,
    rationale="TLS 1.0 and 1.1 are deprecated (RFC 8996); a server block left with them, or "
              "without HSTS (often lost by a local add_header, which drops inherited ones), "
              "weakens every link it serves even when no inventory endpoint points at it.",
    remediation="Set 'ssl_protocols TLSv1.2 TLSv1.3;' in the http block (and remove older "
                "protocols from server blocks), and repeat the Strict-Transport-Security "
                "add_header in every level that has add_header lines of its own.",
    references=("https://www.rfc-editor.org/rfc/rfc8996",
                "https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_protocols",
                "https://nginx.org/en/docs/http/ngx_http_headers_module.html#add_header"),
    needs=("nginx.config",),
), _tls_config)
