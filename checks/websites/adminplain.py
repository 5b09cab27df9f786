"""Admin paths are never served over plain HTTP: the inventory's and the application's.

Judges ``web.admin_paths`` (see :mod:`posture.collect.probes.adminpaths`): each admin path
asked once over plain HTTP on the port paired with its endpoint. A redirect, a refusal
(403/404) or a closed port is fine; a page (2xx) or a login prompt (401) is the admin
interface in clear text.
"""

from __future__ import annotations

from typing import Any

from checks.base import Check, CheckContext, CheckMeta, Outcome, capped, missing
from posture.models import Severity, Status, msg

_SAFE = (301, 302, 303, 307, 308, 400, 403, 404, 405, 410, 421, 444, 495, 496, 497)


def _verdict(row: dict[str, Any]) -> str:
    """'clear', 'safe' or 'unknown' for one plain-HTTP answer."""
    if row.get("state") in ("closed", "filtered"):
        return "safe"
    status = row.get("http_status")
    if row.get("answer") != "http" or not isinstance(status, int):
        return "unknown"
    if status in _SAFE:
        location = str(row.get("location") or "")
        return "clear" if status < 400 and location.startswith("http://") else "safe"
    return "clear" if status < 500 else "unknown"


def _describe(row: dict[str, Any]) -> str:
    what = str(row.get("state"))
    if row.get("http_status"):
        what = f"HTTP {row.get('http_status')}"
        if row.get("location"):
            what += f" to {row.get('location')}"
    return f"{row.get('path')} on port {row.get('port')} ({row.get('source')}): {what}"


def _admin_plain(ctx: CheckContext) -> Outcome:
    error = missing(ctx, "web.admin_paths")
    if error:
        return error
    value = ctx.fact("web.admin_paths").value
    rows = [r for r in value.get("plain", []) if isinstance(r, dict)]
    paths = value.get("paths", [])
    problem = value.get("folders_problem")
    evidence: dict[str, Any] = {
        "paths": capped(paths), "asked": capped([_describe(r) for r in rows]),
        "not_asked": capped([f"{p.get('path')} on port {p.get('port')}: no plain-HTTP port "
                             "is paired with its endpoint (set http_port)"
                             for p in paths if not p.get("plain_port")]),
        "application_folders": value.get("folders"), "unread": problem}
    clear = [r for r in rows if _verdict(r) == "clear"]
    unknown = [r for r in rows if _verdict(r) == "unknown"]
    if clear:
        return Outcome(Status.FAIL, f"{len(clear)} admin path(s) answer over plain HTTP: "
                       f"{_describe(clear[0])}.", evidence)
    if unknown or problem:
        why = _describe(unknown[0]) if unknown else f"admin folders not read ({problem})"
        return Outcome(Status.ERROR, f"could not determine: {why}", evidence)
    if not paths:
        return Outcome(Status.NOT_APPLICABLE, "No admin path is known at this host (no admin "
                       "endpoint in the inventory, no admin folder of the application).",
                       evidence)
    if not rows:
        return Outcome(Status.NOT_APPLICABLE, "No admin path has a plain-HTTP port paired "
                       "with its endpoint (http_port).", evidence)
    return Outcome(Status.PASS, msg("No admin path ({n} asked) answers over plain HTTP.",
                                    n=len(rows)), evidence)


ADMIN_PLAIN_HTTP = Check(CheckMeta(
    id="web.admin_plain_http",
    title="Admin paths are not served over plain HTTP",
    claim_types=("encrypted_admin_channels", "tls_all_links"),
    severity=Severity.HIGH,
    rationale="An admin page or login prompt served over plain HTTP sends administrator "
              "passwords and session cookies in clear text to anyone on the path.",
    remediation="Answer plain-HTTP requests for admin paths with a redirect to https (or not "
                "at all), and set the shop's admin URL (HTTPS_SERVER) to https.",
    references=("https://owasp.org/www-project-top-ten/2017/A3_2017-Sensitive_Data_Exposure",
                "https://www.rfc-editor.org/rfc/rfc9110#section-4.2.2"),
    needs=("web.admin_paths", "app.opencart_install"),
), _admin_plain)
