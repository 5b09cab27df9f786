"""Checks of the ``ip_allowlist`` claim: declared source networks vs who can really connect.

For SSH, the database and admin paths of a host, the reachable source set is the
intersection of the packet filter (nftables and iptables, evaluated as the kernel would), the
listen address and the service's own access rules; probes from the auditor's addresses back
it up or contradict it. See docs/allowlists.md.
"""

from __future__ import annotations

from typing import Any

from checks.base import Check, CheckContext, CheckMeta, Outcome, missing
from checks.network.allowlist_judge import declared, judge, probe_entries
from checks.network.allowlist_layers import Firewall, fact_error, firewall
from checks.network.allowlist_services import Service, database_service, ssh_service
from checks.network.allowlist_web import WEB_FACTS, web_layer
from checks.network.ipranges import IpSet
from posture.models import FactStatus, Severity, Status, msg

_FW = ("net.nftables", "net.iptables")
_REFS = ("https://wiki.nftables.org/wiki-nftables/index.php/Netfilter_hooks",
         "https://www.cisecurity.org/controls/v8 (control 4.4, 4.5: firewalls on servers)")


def _probe_note(ctx: CheckContext) -> str:
    reach = ctx.fact("net.reach")
    return "" if reach.ok else f"no probe evidence: net.reach is {reach.status.value} " \
                               f"({reach.reason[:200]})"


def _start(ctx: CheckContext, label: str, *needed: str) -> tuple[IpSet, Firewall] | Outcome:
    """The declared set and the firewall; facts are judged first: no evidence, no verdict."""
    fw = firewall(ctx)
    if isinstance(fw, Outcome):
        return fw
    problem = missing(ctx, *needed)
    if problem:
        return problem
    allowed = declared(ctx, label)
    if allowed is None:
        return Outcome(Status.NOT_APPLICABLE, msg("The claim declares no '{label}' " "allowlist.",
                                                  label=label))
    if isinstance(allowed, Outcome):
        return allowed
    return allowed, fw


def evaluate_ssh(ctx: CheckContext) -> Outcome:
    """SSH: sshd -T ports/ListenAddress/AllowUsers, Match blocks, firewall, probes."""
    start = _start(ctx, "ssh", "sshd.config")
    if isinstance(start, Outcome):
        return start
    config = ctx.fact("sshd.config").value
    service = ssh_service(config if isinstance(config, dict) else {}, ctx.fact("sshd.access"))
    return judge(ctx, "ssh", service, start[1], start[0],
                 probe_entries(ctx.fact("net.reach"), "ssh"), _probe_note(ctx))


def server_software(ctx: CheckContext) -> list[str] | str:
    """The database server products and versions of the host ("MariaDB 10.11.6"), or why
    they are unknown: shown beside the verdict, not judged."""
    fact = ctx.fact("db.server_version")
    if not fact.ok or not isinstance(fact.value, dict):
        return f"not read: db.server_version is {fact.status.value}"
    return [f"{s.get('product') or 'unknown product'} {s.get('version') or '(no version)'} "
            f"({s.get('binary')})" for s in fact.value.get("servers", [])][:10]


def evaluate_database(ctx: CheckContext) -> Outcome:
    """Database: bind-address/skip-networking and account hosts, or listen_addresses and
    pg_hba.conf; firewall; probes of the host's databases."""
    mysql, postgres = ctx.fact("db.mysql_access"), ctx.fact("db.postgres_access")
    for fact in (mysql, postgres):
        if fact.status not in (FactStatus.OK, FactStatus.MISSING):
            return fact_error(ctx, fact.key)
    start = _start(ctx, "database")
    if isinstance(start, Outcome):
        return start
    probes = probe_entries(ctx.fact("net.reach"), "database")
    service = database_service(mysql, postgres, probes)
    if service is not None:
        service.evidence["server_software"] = server_software(ctx)
    if service is None:
        if any(r.get("state") == "open" for p in probes for r in p.get("results", [])):
            return Outcome(Status.ERROR, msg("could not determine: a database port answers "
                                             "but no database server configuration was found"),
                           {"probes": [str(p.get("port")) for p in probes]})
        return Outcome(Status.NOT_APPLICABLE, msg("No database server runs on this host."))
    return judge(ctx, "database", service, start[1], start[0], probes, _probe_note(ctx))


def _evaluate_web(ctx: CheckContext, label: str, what: str) -> Outcome:
    """Web endpoints of the inventory served from this host: the access rules of the web
    server that answers their port and path (nginx or Apache), the firewall of the port,
    HTTP probes from every source. The worst endpoint decides."""
    start = _start(ctx, label, "net.reach")
    if isinstance(start, Outcome):
        return start
    entries = probe_entries(ctx.fact("net.reach"), label)
    unread = ""
    if label == "admin":
        found, unread = application_admin_paths(ctx)
        entries += found
    if not entries:
        if unread:
            return Outcome(Status.ERROR, f"could not determine: {unread}", {"unread": unread})
        return Outcome(Status.NOT_APPLICABLE, f"No {what} of the inventory or the "
                                              "application is served from this host's "
                                              "address.")
    reach = ctx.fact("net.reach").value
    address = str(reach.get("address") or "") if isinstance(reach, dict) else ""
    outcomes: list[Outcome] = []
    for entry in entries:
        port = int(entry.get("port", 443))
        layer = web_layer(ctx, str(entry.get("path", "/")), port,
                          str(entry.get("server_name") or ""), address)
        if isinstance(layer, Outcome):
            outcomes.append(layer)
            continue
        service = Service(label, [port], (4, 6), [layer],
                          evidence={"endpoint": str(entry.get("name", "")),
                                    "path_from": str(entry.get("source") or "inventory")})
        outcomes.append(judge(ctx, label, service, start[1], start[0], [entry], ""))
    rank = {Status.FAIL: 4, Status.ERROR: 3, Status.WARN: 2, Status.PASS: 1}
    worst = max(outcomes, key=lambda o: rank.get(o.status, 0))  # the first of the worst
    if unread and worst.status is not Status.FAIL:
        return Outcome(Status.ERROR, f"could not determine: {unread}; the {what}s read "
                       f"say: {worst.summary}", {**worst.evidence, "unread": unread})
    return worst


def application_admin_paths(ctx: CheckContext) -> tuple[list[dict[str, Any]], str]:
    """(the application's admin paths with their probes, why some could not be read)."""
    fact = ctx.fact("web.admin_paths")
    if fact.status is FactStatus.MISSING:
        return [], ""
    if not fact.ok or not isinstance(fact.value, dict):
        return [], f"the application's admin paths were not probed (web.admin_paths is " \
                   f"{fact.status.value}: {fact.reason[:200]})"
    problem = fact.value.get("folders_problem")
    entries = [e for e in fact.value.get("services", []) if isinstance(e, dict)]
    return entries, (f"the application's admin folders were not read ({problem})"
                     if problem else "")


def evaluate_admin(ctx: CheckContext) -> Outcome:
    """Admin paths of the inventory's admin endpoints at this host."""
    return _evaluate_web(ctx, "admin", "admin endpoint")


def evaluate_integrations(ctx: CheckContext) -> Outcome:
    """Integration endpoints (``kind: integration``) at this host, against
    ``expect.integrations``: the statement's "links with other systems only from known,
    linked IP numbers"."""
    return _evaluate_web(ctx, "integrations", "integration endpoint")


def evaluate_undeclared(ctx: CheckContext) -> Outcome:
    """Open ports from the scan that serve none of the services the claim declares."""
    problem = missing(ctx, "net.scan")
    if problem:
        return problem
    scan = ctx.fact("net.scan").value if isinstance(ctx.fact("net.scan").value, dict) else {}
    known: set[int] = set()
    for entry in probe_entries(ctx.fact("net.reach"), "ssh") + \
            probe_entries(ctx.fact("net.reach"), "database") + \
            probe_entries(ctx.fact("net.reach"), "admin") + \
            probe_entries(ctx.fact("net.reach"), "integrations") + \
            application_admin_paths(ctx)[0]:
        if entry.get("service") in ctx.params:
            known.add(int(entry.get("port", 0)))
    opened = [int(p) for p in scan.get("open", [])]
    extra = [p for p in opened if p not in known]
    evidence = {"address": scan.get("address"), "ports_scanned": scan.get("ports_scanned"),
                "open": opened[:100], "undeclared": extra[:100],
                "declared_services": sorted(str(k) for k in ctx.params)}
    if extra:
        return Outcome(Status.WARN, msg("{n} open port serves no declared service: {items}.",
                                        "{n} open ports serve no declared service: {items}.",
                                        n=len(extra),
                                        items=', '.join(map(str, extra[:10]))), evidence)
    return Outcome(Status.PASS, msg("Every open port ({count}) serves a declared service.",
                                    count=len(opened)),
                   evidence)


def _meta(name: str, title: str, needs: tuple[str, ...], rationale: str,
          severity: Severity = Severity.HIGH) -> CheckMeta:
    return CheckMeta(
        id=f"allowlist.{name}", title=title, claim_types=("ip_allowlist",), severity=severity,
        rationale=rationale,
        remediation="Allow the service port only from the declared networks in the host "
                    "firewall (nftables/iptables), bind the service to the addresses it "
                    "needs, restrict its own access rules (AllowUsers user@net, account hosts, "
                    "pg_hba.conf, Require ip) and update the statement when the list changes.",
        references=_REFS, needs=needs)


SSH = Check(_meta("ssh", "SSH is reachable only from the declared networks",
                  (*_FW, "sshd.config", "sshd.access", "net.reach"),
                  "An SSH port open to the world invites credential stuffing and exploits of "
                  "sshd itself; the statement promises known source addresses only."),
            evaluate_ssh)
DATABASE = Check(_meta("database", "The database is reachable only from the declared networks",
                       (*_FW, "db.mysql_access", "db.postgres_access", "net.reach",
                        "db.server_version"),
                       "A database port reachable from anywhere exposes personal data to "
                       "password guessing and server vulnerabilities."),
                 evaluate_database)
ADMIN = Check(_meta("admin", "Admin paths answer only the declared networks",
                    (*_FW, *WEB_FACTS, "net.reach", "app.opencart_install",
                     "web.admin_paths"),
                    "Administration interfaces are the most valuable target of a web shop; "
                    "the statement promises they answer known addresses only."),
              evaluate_admin)
INTEGRATIONS = Check(_meta("integrations", "Integration endpoints answer only the declared "
                                           "networks",
                           (*_FW, *WEB_FACTS, "net.reach"),
                           "Links with other systems (payment callbacks, ERP and stock feeds) "
                           "are promised to answer only the known, linked IP numbers of those "
                           "systems."),
                     evaluate_integrations)
UNDECLARED = Check(_meta("undeclared_services", "No undeclared service listens",
                         ("net.scan", "net.reach", "web.admin_paths"),
                         "A listening service that the allowlist does not mention is reachable "
                         "by sources nobody reviewed.", Severity.MEDIUM),
                   evaluate_undeclared)
