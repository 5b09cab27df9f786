"""nginx checks, twins of the Apache ones: branch support, version disclosure, privileges.

The running master's own binary (``/proc/PID/exe -v``) is the primary evidence of the
version; its configuration is what that binary prints with ``-T``, parsed with crossplane.
Distribution packages are kept beside it because they back-port fixes.
"""

from __future__ import annotations

from typing import Any

from checks.base import Check, CheckContext, CheckMeta, Outcome, scan_date
from checks.system import eol
from checks.websites.nginx_model import config_of, installed, masters, setting, walk
from checks.websites.workers import workers_verdict
from posture.models import Severity, Status, msg

CLAIMS = ("apache_version", "web_server_version")
_REFERENCES = (
    "https://nginx.org/en/docs/http/ngx_http_core_module.html#server_tokens",
    "https://nginx.org/en/security_advisories.html",
    "https://endoflife.date/nginx",
)
_VERSION_FACTS = ("nginx.config", "nginx.version", "pkg.versions")


def branch_kind(version: str) -> str:
    """nginx numbers its branches: an odd minor is mainline, an even one stable."""
    minor = version.partition(".")[2].split(".")[0]
    if not minor.isdecimal():
        return "unknown"
    return "mainline" if int(minor) % 2 else "stable"


def _distribution_supported(ctx: CheckContext) -> dict[str, Any] | None:
    """The OS release's support, when it is still supported (back-ports may apply)."""
    fact = ctx.fact("os.release")
    if not fact.ok or not isinstance(fact.value, dict):
        return None
    entry = eol.lookup(str(fact.value.get("ID")).lower(), str(fact.value.get("VERSION_ID")))
    if entry is None:
        return None
    status = eol.support_status(entry, scan_date(ctx))
    if status.phase not in (eol.SupportPhase.SUPPORTED, eol.SupportPhase.EXTENDED):
        return None
    return {"release": entry.name, **status.as_evidence()}


def _eol(ctx: CheckContext) -> Outcome:
    found = installed(ctx)
    if isinstance(found, Outcome):
        return found
    if found is None:
        return Outcome(Status.NOT_APPLICABLE, "nginx is not installed on this host.")
    entry = eol.lookup("nginx", found.version)
    if entry is None:
        return Outcome(Status.ERROR, f"could not determine: nginx {found.version} is not in the "
                       f"end-of-life table dated {eol.TABLE_DATE.isoformat()}.",
                       {"actual": found.as_evidence()})
    status = eol.support_status(entry, scan_date(ctx))
    kind = branch_kind(found.version)
    evidence: dict[str, Any] = {
        "actual": found.as_evidence(), "branch": entry.cycle, "branch_kind": kind,
        "support": status.as_evidence(), "table": eol.entry_evidence(entry)}
    summary = msg("The host runs nginx {version}; {kind} branch {cycle} {predicate}.",
                  version=found.version, kind=kind, cycle=entry.cycle,
                  predicate=eol.predicate(status))
    if status.phase is eol.SupportPhase.SUPPORTED:
        return Outcome(Status.PASS, summary, evidence)
    distro = _distribution_supported(ctx) if found.packages else None
    if distro is not None:
        evidence["distribution"] = distro
        return Outcome(Status.WARN, msg(
            "The host runs nginx {version}; {kind} branch {cycle} {predicate}, but it comes "
            "from a package of {release}, which still gets security updates (back-ports).",
            version=found.version, kind=kind, cycle=entry.cycle,
            predicate=eol.predicate(status), release=distro["release"]), evidence)
    return Outcome(Status.FAIL, summary, evidence)


# server_tokens value -> (status, what the Server header and error pages reveal)
_TOKENS = {
    "off": (Status.PASS, "only the product name"),
    "on": (Status.FAIL, "the exact version"),
    "build": (Status.FAIL, "the exact version and the build name"),
}
_RANK = {Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2}


def _disclosure(ctx: CheckContext) -> Outcome:
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
        for label, chain in walk(config):
            found = setting(chain, "server_tokens")
            value = str(found["args"][0]).lower() if found and found.get("args") else "on"
            status, reveals = _TOKENS.get(value, (Status.WARN, "a value set per request"))
            rows.append({"pid": master.get("pid"), "where": label, "server_tokens": value,
                         "set_at": found["at"] if found else "default (on)",
                         "status": status.value, "reveals": reveals})
    if not rows:
        return Outcome(Status.ERROR, "could not determine: the running nginx has no server "
                       "block to judge", {"masters": [m.get("pid") for m in running]})
    worst = max(rows, key=lambda r: _RANK[Status(r["status"])])
    bad = [r for r in rows if r["status"] != Status.PASS.value]
    evidence = {"judged": len(rows), "disclosing": bad[:30],
                "note": "server_tokens also decides the version on nginx's error pages"}
    if not bad:
        return Outcome(Status.PASS, f"Every nginx server and location ({len(rows)}) sends "
                       "'server_tokens off': the Server header carries no version.", evidence)
    return Outcome(Status(worst["status"]), f"{len(bad)} of {len(rows)} nginx servers or "
                   f"locations reveal {worst['reveals']} (server_tokens {worst['server_tokens']}"
                   f" at {worst['set_at']}, {worst['where']}).", evidence)


def _workers(ctx: CheckContext) -> Outcome:
    running = masters(ctx)
    pids = None if isinstance(running, Outcome) else {int(m["pid"]) for m in running}
    users = []
    if isinstance(running, list):
        for master in running:
            config = master.get("config") or {}
            found = setting([config.get("main") or {}], "user")
            users.append({"pid": master.get("pid"),
                          "user": " ".join(found["args"]) if found else None,
                          "at": found["at"] if found else None})
    return workers_verdict(ctx, "nginx", lambda comm: str(comm) == "nginx", pids,
                           {"configured_user": users} if users else {})


EOL = Check(CheckMeta(
    id="nginx.eol",
    title="The installed nginx branch still receives security fixes",
    claim_types=CLAIMS, severity=Severity.HIGH,
    rationale="nginx fixes vulnerabilities only in the current mainline and stable branches; "
              "an older branch keeps its holes unless a supported distribution back-ports "
              "the fixes.",
    remediation="Upgrade to the current stable branch (or a supported distribution "
                "release's package) and keep it updated.",
    references=(*_REFERENCES, "https://nginx.org/en/download.html"),
    needs=(*_VERSION_FACTS, "os.release"),
), _eol)

VERSION_DISCLOSURE = Check(CheckMeta(
    id="nginx.version_disclosure",
    title="The nginx server does not advertise its version",
    claim_types=CLAIMS, severity=Severity.LOW,
    rationale="The version in the Server header and on error pages lets scanners match the "
              "server to known vulnerabilities without probing.",
    remediation="Set 'server_tokens off;' in the http block and remove 'server_tokens on' "
                "from server and location blocks, then reload nginx.",
    references=(*_REFERENCES, "CIS NGINX Benchmark, 2.5.1"),
    needs=("nginx.config",),
), _disclosure)

WORKERS_NOT_ROOT = Check(CheckMeta(
    id="nginx.workers_not_root",
    title="The nginx worker processes do not run as root",
    claim_types=CLAIMS, severity=Severity.HIGH,
    rationale="Only the master needs root (to bind ports 80/443); workers that handle "
              "requests as root turn any web flaw into a full compromise.",
    remediation="Set 'user www-data;' (or another unprivileged account) in the main context "
                "of nginx.conf and restart nginx.",
    references=("https://nginx.org/en/docs/ngx_core_module.html#user",
                "CIS NGINX Benchmark, 2.2.1"),
    needs=("proc.list", "nginx.config"),
), _workers)

CHECKS = (EOL, VERSION_DISCLOSURE, WORKERS_NOT_ROOT)
"""The nginx checks, in catalogue order."""
