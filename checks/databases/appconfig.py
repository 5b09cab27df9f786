"""Links judged from the host's side: plain FTP confirmed from the auditor, and application
configuration (OpenCart ``config.php``) pointing at ``http://`` or at a network database.
"""

from __future__ import annotations

from typing import Any

from checks.base import Check, CheckContext, CheckMeta, Outcome, capped, missing
from posture.models import JSON, Severity, Status, msg

_LOCAL_DB = ("localhost", "127.0.0.1", "::1", "")
_URL_CONSTANTS = ("HTTP_SERVER", "HTTPS_SERVER", "HTTP_CATALOG", "HTTPS_CATALOG")


def _vsftpd_settings(ctx: CheckContext) -> list[dict[str, JSON]]:
    fact = ctx.fact("ftp.vsftpd")
    if not fact.ok:
        return []
    configs = fact.value.get("configs") or {}
    return [{"file": path, "running": path in (fact.value.get("running") or []),
             **{k: configs[path].get(k) for k in ("listen_port", "ssl_enable",
                                                  "force_local_logins_ssl")}}
            for path in configs]


def _plain(item: dict[str, Any]) -> bool:
    if not item.get("open"):
        return False
    return item.get("service") != "FTP" or item.get("auth_tls") != 234


def _ftp_plaintext(ctx: CheckContext) -> Outcome:
    error = missing(ctx, "admin.plaintext_reach")
    if error:
        return error
    reach = ctx.fact("admin.plaintext_reach").value
    ports = reach.get("ports") or []
    settings = _vsftpd_settings(ctx)
    plain = [p for p in ports if _plain(p)]
    optional = [p for p in ports if p.get("open") and p.get("auth_tls") == 234 and any(
        str(s.get("force_local_logins_ssl", "")).upper() == "NO" for s in settings)]
    evidence = {"address": reach.get("address"), "plaintext_reachable": capped(plain),
                "tls_optional": capped(optional), "vsftpd": capped(settings),
                "probed_ports": [p.get("port") for p in ports],
                "filtered": [p.get("port") for p in ports if p.get("error")]}
    where = ", ".join(f"{p.get('service')} on {reach.get('address')}:{p.get('port')}"
                      for p in plain + optional)
    if plain:
        return Outcome(Status.FAIL, msg("Plaintext administration is reachable from the "
                                        "auditor: {where} (no TLS: AUTH TLS refused or not "
                                        "a TLS service).", where=where), evidence)
    if optional:
        return Outcome(Status.FAIL, msg("FTP offers TLS but does not require it ({where}; "
                                        "force_local_logins_ssl=NO): logins can still "
                                        "travel in clear.", where=where),
                       evidence)
    return Outcome(Status.PASS, msg("No plaintext FTP, Telnet, rlogin or rsh answered on "
                                    "{address} (ports {probed_ports}).",
                                    address=reach.get('address'),
                                    probed_ports=evidence['probed_ports']), evidence)


def _opencart(ctx: CheckContext) -> dict[str, dict[str, dict[str, Any]]] | Outcome:
    error = missing(ctx, "app.opencart")
    if error:
        return error
    files = ctx.fact("app.opencart").value.get("files") or {}
    if not files:
        return Outcome(Status.NOT_APPLICABLE, msg("No OpenCart config.php was found on the "
                                                  "host."))
    return dict(files)


def _config_http(ctx: CheckContext) -> Outcome:
    files = _opencart(ctx)
    if isinstance(files, Outcome):
        return files
    plain = [{"file": path, "line": c["line"], "constant": name, "value": c["value"]}
             for path, consts in sorted(files.items()) for name, c in consts.items()
             if name in _URL_CONSTANTS and str(c.get("value", "")).lower().startswith("http://")]
    evidence = {"plain_http": capped(plain), "files": sorted(files)}
    if plain:
        first = plain[0]
        return Outcome(Status.FAIL, msg("The application is configured with plain http:// "
                                        "URLs, e.g. {constant} = {value} in {file} line "
                                        "{line}.", constant=first['constant'],
                                        value=first['value'], file=first['file'],
                                        line=first['line']), evidence)
    return Outcome(Status.PASS, msg("Every server URL in the application configuration is "
                                    "https://."), evidence)


def _db_link(ctx: CheckContext) -> Outcome:
    files = _opencart(ctx)
    if isinstance(files, Outcome):
        return files
    links = [{"file": path, "line": c["DB_HOSTNAME"]["line"],
              "hostname": c["DB_HOSTNAME"]["value"]}
             for path, c in sorted(files.items()) if "DB_HOSTNAME" in c]
    if not links:
        return Outcome(Status.ERROR, msg("could not determine: no DB_HOSTNAME in the "
                                         "application configuration"), {"files": sorted(files)})
    remote = [link for link in links if str(link["hostname"]).lower() not in _LOCAL_DB
              and not str(link["hostname"]).startswith("/")]
    evidence = {"links": capped(links), "network": capped(remote)}
    if remote:
        return Outcome(Status.FAIL, msg("The application reaches its database over the "
                                        "network ({hostname}, {file}) and its configuration "
                                        "does not ask for TLS.", hostname=remote[0]['hostname'],
                                        file=remote[0]['file']), evidence)
    return Outcome(Status.PASS, msg("The application reaches its database on the same host "
                                    "({hostname}): that link never crosses the network.",
                                    hostname=links[0]['hostname']), evidence)


FTP_PLAINTEXT = Check(CheckMeta(
    id="services.ftp_plaintext", title="No plaintext FTP/Telnet reachable from the auditor",
    claim_types=("encrypted_admin_channels",), severity=Severity.HIGH,
    rationale="A plaintext FTP or Telnet port that answers the auditor sends logins in clear; "
              "a TCP probe proves it is reachable, not just installed.",
    remediation="Disable the FTP server and use SFTP (the SSH subsystem); if FTP must stay, "
                "set ssl_enable=YES and force_local_logins_ssl=YES/force_local_data_ssl=YES.",
    references=("https://www.rfc-editor.org/rfc/rfc4217",
                "https://security.appspot.com/vsftpd/vsftpd_conf.html"),
    needs=("admin.plaintext_reach", "ftp.vsftpd", "net.listening")), _ftp_plaintext)

CONFIG_HTTP = Check(CheckMeta(
    id="app.config_http", title="Application server URLs are https",
    claim_types=("tls_all_links",), severity=Severity.HIGH,
    rationale="An OpenCart HTTP_SERVER/HTTPS_SERVER of http:// makes the shop generate "
              "plain-HTTP links and redirects, whatever the web server offers.",
    remediation="Set HTTP_SERVER and HTTPS_SERVER (and HTTP(S)_CATALOG in admin/config.php) "
                "to https:// URLs.",
    references=("https://docs.opencart.com/en-gb/system/setting/server/",),
    needs=("app.opencart",)), _config_http)

DB_LINK = Check(CheckMeta(
    id="app.db_link", title="The application reaches its database locally or over TLS",
    claim_types=("tls_all_links",), severity=Severity.HIGH,
    rationale="A database link over the network without TLS exposes every query and the "
              "database password to the path between the servers.",
    remediation="Keep the database on the same host (socket/localhost) or connect over TLS "
                "(REQUIRE SSL for the application user).",
    references=("https://mariadb.com/kb/en/securing-connections-for-client-and-server/",),
    needs=("app.opencart",)), _db_link)

CHECKS = (FTP_PLAINTEXT, CONFIG_HTTP, DB_LINK)
"""The host-side link checks, in catalogue order."""
