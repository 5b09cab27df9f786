"""Apache HTTP Server checks: claimed version, branch support, version disclosure, privileges.

The binary's own ``-v`` output is the primary evidence; the package version is kept beside
it because distributions back-port fixes without changing the upstream version number.
"""

from __future__ import annotations

from checks.base import (
    Check,
    CheckContext,
    CheckMeta,
    Outcome,
    missing,
    scan_date,
    text_param,
)
from checks.system import eol
from checks.system.installed import Installed
from checks.system.versions import Relation, relate, upstream_version
from checks.websites.nginx_model import installed as nginx_installed
from checks.websites.workers import workers_verdict
from posture.models import FactStatus, Severity, Status, msg

_PACKAGES = ("apache2", "httpd", "apache2-bin")  # preference order when the binary is unseen
_REFERENCES = (
    "https://httpd.apache.org/docs/2.4/mod/core.html#servertokens",
    "https://httpd.apache.org/security_report.html",
    "https://endoflife.date/apache",
)


def _packages(ctx: CheckContext) -> dict[str, str]:
    fact = ctx.fact("pkg.versions")
    if not fact.ok or not isinstance(fact.value, dict):
        return {}
    listed = fact.value.get("packages") or {}
    return {name: str(listed[name]) for name in _PACKAGES if name in listed}


def installed(ctx: CheckContext) -> Installed | Outcome | None:
    """Apache on this host; ``None`` when it is not installed, an outcome when unknowable."""
    fact = ctx.fact("apache.version")
    packages = _packages(ctx)
    if fact.ok and isinstance(fact.value, dict) and fact.value.get("version"):
        return Installed(str(fact.value["version"]), "apache2 -v / httpd -v",
                         str(fact.value.get("server_version") or ""), packages)
    if fact.ok:
        return Outcome(Status.ERROR, msg("could not determine: Apache printed no version "
                                         "number"),
                       {"apache_version": fact.value})
    if fact.status is not FactStatus.MISSING:
        return missing(ctx, "apache.version")
    if packages:
        # The binary lives in /usr/sbin, often outside an unprivileged user's PATH.
        name = next(iter(packages))
        return Installed(upstream_version(packages[name]), f"package {name}", "", packages)
    return None


def _version_matches(ctx: CheckContext) -> Outcome:
    claimed = text_param(ctx, "version")
    if isinstance(claimed, Outcome):
        return claimed
    found = installed(ctx)
    if isinstance(found, Outcome):
        return found
    if found is None:
        listing = ctx.fact("pkg.versions").status.value
        other = nginx_installed(ctx)
        hint = (f" nginx {other.version} runs there: a claim about it is written as "
                "web_server_version with product nginx." if isinstance(other, Installed) else "")
        return Outcome(Status.FAIL, f"The statement claims Apache {claimed}, but no Apache was "
                       f"found on the host.{hint}", {"claimed": claimed, "package_list": listing,
                                                     "other_web_server": other.as_evidence()
                                                     if isinstance(other, Installed) else None})
    evidence = {"claimed": claimed, "actual": found.as_evidence()}
    relation = relate(claimed, found.version)
    if relation in (Relation.EQUAL, Relation.CLAIM_BROADER):
        return Outcome(Status.PASS, msg("The host runs Apache {version}, which matches the "
                                        "claimed {claimed}.", version=found.version,
                                        claimed=claimed), evidence)
    if relation is Relation.DIFFERENT:
        return Outcome(Status.FAIL, msg("The host runs Apache {version}, not the claimed "
                                        "{claimed}.", version=found.version, claimed=claimed),
                       evidence)
    if not found.version:
        return Outcome(Status.ERROR, msg("could not determine: the host reports Apache without "
                                         "a version, which cannot confirm {claimed}.",
                                         claimed=claimed), evidence)
    return Outcome(Status.ERROR, msg("could not determine: the host reports Apache {version}, "
                                     "which cannot confirm {claimed}.", version=found.version,
                                     claimed=claimed), evidence)


_PHASE_STATUS = {
    eol.SupportPhase.SUPPORTED: Status.PASS,
    eol.SupportPhase.EXTENDED: Status.WARN,
    eol.SupportPhase.EOL: Status.FAIL,
    eol.SupportPhase.UNTRACKED: Status.ERROR,
}


def _claimed_branch(ctx: CheckContext) -> dict[str, object] | None:
    claimed = ctx.params.get("version")
    entry = eol.lookup("apache", str(claimed)) if isinstance(claimed, str) else None
    if entry is None:
        return None
    return {"version": claimed, "branch": entry.cycle,
            **eol.support_status(entry, scan_date(ctx)).as_evidence()}


def _eol(ctx: CheckContext) -> Outcome:
    found = installed(ctx)
    if isinstance(found, Outcome):
        return found
    if found is None:
        return Outcome(Status.NOT_APPLICABLE, msg("Apache is not installed on this host."))
    entry = eol.lookup("apache", found.version)
    if entry is None:
        return Outcome(Status.ERROR, msg("could not determine: Apache {version} is not in "
                                         "the end-of-life table dated {isoformat}.",
                                         version=found.version,
                                         isoformat=eol.TABLE_DATE.isoformat()),
                       {"actual": found.as_evidence()})
    status = eol.support_status(entry, scan_date(ctx))
    evidence: dict[str, object] = {
        "actual": found.as_evidence(), "branch": entry.cycle, "support": status.as_evidence(),
        "table": eol.entry_evidence(entry), "claimed": _claimed_branch(ctx)}
    if found.packages and status.phase is eol.SupportPhase.EOL:
        evidence["package_note"] = ("distribution packages may carry back-ported fixes, but only "
                                    "while the distribution release itself is supported")
    summary = msg("The host runs Apache {version}; branch {branch} {predicate}.",
                  version=found.version, branch=entry.cycle, predicate=eol.predicate(status))
    return Outcome(_PHASE_STATUS[status.phase], summary, evidence)


# ServerTokens values (lower-case) -> (status, what the Server header reveals).
_TOKENS = {
    "prod": (Status.PASS, msg("only the product name")),
    "productonly": (Status.PASS, msg("only the product name")),
    "major": (Status.WARN, msg("the major version")),
    "minor": (Status.WARN, msg("the minor version")),
    "min": (Status.WARN, msg("the full version number")),
    "minimal": (Status.WARN, msg("the full version number")),
    "os": (Status.WARN, msg("the full version and the operating system")),
    "full": (Status.FAIL, msg("the full version, the operating system and the modules")),
}
_SIGNATURE = {
    "off": (Status.PASS, msg("error pages carry no server signature")),
    "on": (Status.WARN, msg("error pages repeat the Server header in a signature")),
    "email": (Status.WARN, msg("error pages carry a signature with the administrator's "
                               "address")),
}
_RANK = {Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2}


def _last(directives: list[dict[str, object]], name: str) -> dict[str, object] | None:
    found = [d for d in directives if str(d.get("name")).lower() == name]
    return found[-1] if found else None  # Apache applies the last one it reads


def _setting(directive: dict[str, object] | None, default: str) -> tuple[str, dict[str, object]]:
    if directive is None:
        return default, {"value": None, "default": default}
    words = str(directive.get("args") or "").split()
    value = words[0] if words else ""
    where = f"{directive.get('file')}:{directive.get('line')}"
    return value, {"value": value, "at": where}


def _version_disclosure(ctx: CheckContext) -> Outcome:
    fact = ctx.fact("apache.config")
    if fact.status is FactStatus.MISSING:
        return Outcome(Status.NOT_APPLICABLE, msg("No Apache configuration was found on "
                                                  "this host."))
    error = missing(ctx, "apache.config")
    if error:
        return error
    directives = list((fact.value or {}).get("directives") or [])
    tokens, tok_ev = _setting(_last(directives, "servertokens"), "Full")
    signature, sig_ev = _setting(_last(directives, "serversignature"), "Off")
    tok_status, reveals = _TOKENS.get(tokens.lower(), (Status.WARN, msg("an unrecognised value")))
    sig_status, sig_text = _SIGNATURE.get(signature.lower(), (Status.WARN, msg("unrecognised")))
    status = max(tok_status, sig_status, key=_RANK.__getitem__)
    if tok_ev["value"] is None:
        summary = msg("With ServerTokens {tokens} (the default) the Server header reveals "
                      "{reveals}, and with ServerSignature {signature} {signature_effect}.",
                      tokens=tokens, reveals=reveals, signature=signature,
                      signature_effect=sig_text)
    else:
        summary = msg("With ServerTokens {tokens} the Server header reveals {reveals}, and "
                      "with ServerSignature {signature} {signature_effect}.", tokens=tokens,
                      reveals=reveals, signature=signature, signature_effect=sig_text)
    evidence = {"servertokens": tok_ev, "serversignature": sig_ev,
                "note": "the last directive found is taken as effective"}
    return Outcome(status, summary, evidence)


def is_apache(comm: object) -> bool:
    """True for an Apache process name (apache2, httpd and their variants)."""
    name = str(comm)
    return name in ("apache2", "httpd") or name.startswith(("httpd.", "apache2."))


def _workers_not_root(ctx: CheckContext) -> Outcome:
    return workers_verdict(ctx, "Apache", is_apache)


VERSION_MATCHES = Check(CheckMeta(
    id="apache.version_matches",
    title="Apache is the claimed version",
    claim_types=("apache_version",),
    severity=Severity.MEDIUM,
    rationale="A statement naming the wrong web-server version misleads readers about the "
              "software (and vulnerabilities) facing the internet.",
    remediation="Correct the statement to the version the server runs, or install the "
                "promised version.",
    references=_REFERENCES,
    needs=("apache.version", "pkg.versions", "nginx.config", "nginx.version"),
), _version_matches)

EOL = Check(CheckMeta(
    id="apache.eol",
    title="The installed Apache branch still receives security fixes",
    claim_types=("apache_version", "web_server_version"),
    severity=Severity.HIGH,
    rationale="Apache 2.2 and older get no upstream fixes; vulnerabilities found since stay open "
              "unless a still-supported distribution back-ports them.",
    remediation="Upgrade to Apache 2.4 from a supported distribution release and keep it "
                "updated.",
    references=(*_REFERENCES, "https://httpd.apache.org/dev/release.html"),
    needs=("apache.version", "pkg.versions"),
), _eol)

VERSION_DISCLOSURE = Check(CheckMeta(
    id="apache.version_disclosure",
    title="Apache does not advertise its version",
    claim_types=("apache_version", "web_server_version"),
    severity=Severity.LOW,
    rationale="Version banners let scanners match a server to known vulnerabilities without "
              "probing; hiding them costs nothing.",
    remediation="Set 'ServerTokens Prod' and 'ServerSignature Off' in the main configuration "
                "(on Debian: /etc/apache2/conf-available/security.conf) and reload Apache.",
    references=(*_REFERENCES, "https://httpd.apache.org/docs/2.4/mod/core.html#serversignature",
                "CIS Apache HTTP Server 2.4 Benchmark, 8.1 and 8.2"),
    needs=("apache.config",),
), _version_disclosure)

WORKERS_NOT_ROOT = Check(CheckMeta(
    id="apache.workers_not_root",
    title="Apache worker processes do not run as root",
    claim_types=("apache_version", "web_server_version"),
    severity=Severity.HIGH,
    rationale="Only the parent process needs root (to bind ports 80/443); workers that handle "
              "requests as root turn any web flaw into a full compromise.",
    remediation="Set the User and Group directives to an unprivileged account (www-data, "
                "apache) and restart Apache.",
    references=("https://httpd.apache.org/docs/2.4/mod/mod_unixd.html#user",
                "CIS Apache HTTP Server 2.4 Benchmark, 3.1"),
    needs=("proc.list",),
), _workers_not_root)

CHECKS = (VERSION_MATCHES, EOL, VERSION_DISCLOSURE, WORKERS_NOT_ROOT)
"""The Apache checks, in catalogue order."""
