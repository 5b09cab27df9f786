"""Checks of the shop application (OpenCart): installed version, support, admin protection.

They judge ``app.opencart_install`` (see :mod:`posture.collect.facts.shop`) with the
support table ``checks/data/opencart.yml``.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml

from checks.base import Check, CheckContext, CheckMeta, Outcome, missing
from checks.network.allowlist_nginx import evaluate_rules, match_location
from checks.system.versions import is_prefix as _is_prefix
from checks.websites.nginx_model import config_of, inherited_list, masters
from posture.models import Severity, Status, msg

FACT = "app.opencart_install"
_REFS = ("https://github.com/opencart/opencart/releases",)


def _nums(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version.split("-")[0])[:4])


def is_prefix(short: str, long: str) -> bool:
    """True when version ``short`` ("3.0") is a leading part of ``long`` ("3.0.3.8")."""
    return _is_prefix(_nums(short), _nums(long))


@cache
def support_table() -> dict[str, Any]:
    """The packaged OpenCart branch table."""
    text = resources.files("checks").joinpath("data", "opencart.yml").read_text("utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def support_status(version: str) -> str:
    """supported | maintenance | unsupported | unknown, by the longest matching branch."""
    best = ("", "unknown")
    for row in support_table()["branches"]:
        branch = str(row["branch"])
        if is_prefix(branch, version) and len(branch) > len(best[0]):
            best = (branch, str(row["status"]))
    return best[1]


def _shops(ctx: CheckContext) -> list[dict[str, Any]] | Outcome:
    gone = missing(ctx, FACT)
    if gone:
        return gone
    shops = ctx.fact(FACT).value.get("shops", [])
    if not shops:
        return Outcome(Status.ERROR, msg("could not determine: no OpenCart install found "
                                         "under the web server's document roots"), {"fact": FACT})
    return list(shops)


def _version(ctx: CheckContext) -> Outcome:
    shops = _shops(ctx)
    if isinstance(shops, Outcome):
        return shops
    found = [{"root": s["root"], "version": s.get("version")} for s in shops]
    if any(not s.get("version") for s in shops):
        return Outcome(Status.ERROR, msg("could not determine: an install has no readable "
                                         "version"),
                       {"installs": found})
    claimed = ctx.params.get("version")
    if claimed and any(not is_prefix(str(claimed), str(s["version"])) for s in shops):
        return Outcome(Status.FAIL, msg("OpenCart {items} installed, not {claimed}.",
                                        items=', '.join(str(s['version']) for s in shops),
                                        claimed=claimed), {"installs": found,
                                                                  "claimed": str(claimed)})
    return Outcome(Status.PASS, msg("OpenCart {items} is installed.",
                                    items=', '.join(str(s['version']) for s in shops)),
                   {"installs": found})


VERSION = Check(CheckMeta(
    id="shop.opencart_version", title="The installed OpenCart version is the one claimed",
    claim_types=("application_version",), severity=Severity.MEDIUM,
    rationale="A statement naming the shop software should match what runs.",
    remediation="Correct the statement or upgrade the shop.", references=_REFS,
    needs=(FACT,)), _version)


def _support(ctx: CheckContext) -> Outcome:
    shops = _shops(ctx)
    if isinstance(shops, Outcome):
        return shops
    rows = [{"root": s["root"], "version": s.get("version"),
             "status": support_status(str(s.get("version") or ""))} for s in shops]
    evidence = {"installs": rows, "table_as_of": str(support_table().get("as_of", ""))}
    statuses = {r["status"] for r in rows}
    if "unsupported" in statuses:
        return Outcome(Status.FAIL, msg("An OpenCart branch that no longer gets releases "
                                        "runs."),
                       evidence)
    if "unknown" in statuses:
        return Outcome(Status.ERROR, msg("could not determine: version not in the support "
                                         "table"),
                       evidence)
    if "maintenance" in statuses:
        return Outcome(Status.WARN, msg("OpenCart branch in maintenance only: plan the "
                                        "upgrade."),
                       evidence)
    return Outcome(Status.PASS, msg("The OpenCart branch is supported."), evidence)


SUPPORT = Check(CheckMeta(
    id="shop.opencart_support", title="The OpenCart branch still gets releases",
    claim_types=("application_version",), severity=Severity.HIGH,
    rationale="Unsupported shop software keeps its known vulnerabilities.",
    remediation="Upgrade to a supported OpenCart branch.", references=_REFS,
    needs=(FACT,)), _support)


def _admin_row(admin: dict[str, Any], apache_rules: int,
               nginx_rules: list[str] | None = None) -> dict[str, Any]:
    schemes = set(admin.get("schemes", {}).values())
    row = {"folder": admin.get("name"), "renamed": admin.get("name") != "admin",
           "ip_rules": int(admin.get("htaccess_ip_rules", 0)) + apache_rules
           + len(nginx_rules or []),
           "tls": bool(schemes) and schemes <= {"https"}}
    if nginx_rules:
        row["nginx_rules"] = nginx_rules[:10]
    return row


def _nginx_rules(ctx: CheckContext, shop: dict[str, Any], folder: str) -> list[str] | Outcome:
    """Where the running nginx restricts ``/folder/`` by address (servers naming the shop)."""
    if "nginx" not in (shop.get("served_by") or []):
        return []
    running = masters(ctx)
    if isinstance(running, Outcome):
        return running
    found: list[str] = []
    for master in running:
        config = config_of(master)
        if isinstance(config, Outcome):
            return config
        for server in config.get("servers") or []:
            notes: list[str] = []
            chain = [config.get("http") or {}, server,
                     *match_location(server.get("locations") or [], f"/{folder}/", notes)]
            rules = inherited_list(chain, "access")
            if rules and not evaluate_rules(rules, notes).is_world():
                found.append(str(rules[0].get("at")))
    return found


def _admin(ctx: CheckContext) -> Outcome:
    shops = _shops(ctx)
    if isinstance(shops, Outcome):
        return shops
    rows = []
    for shop in shops:
        for admin in shop.get("admins", []):
            nginx = _nginx_rules(ctx, shop, str(admin.get("name")))
            if isinstance(nginx, Outcome):
                return nginx
            rows.append(_admin_row(admin, int(shop.get("apache_admin_ip_rules", 0)), nginx))
    if not rows:
        return Outcome(Status.ERROR, msg("could not determine: no admin folder found"), {})
    exposed = [r["folder"] for r in rows if not (r["renamed"] or r["ip_rules"])]
    plain = [r["folder"] for r in rows if not r["tls"]]
    evidence = {"admin_folders": rows}
    if exposed or plain:
        why = ([f"at the default path without an IP allowlist: {', '.join(exposed)}"]
               if exposed else []) + ([f"not served over https: {', '.join(plain)}"]
                                      if plain else [])
        return Outcome(Status.FAIL, msg("Admin folder {items}.", items="; ".join(why)), evidence)
    return Outcome(Status.PASS, msg("The admin folder is renamed or allowlisted, over https."),
                   evidence)


ADMIN = Check(CheckMeta(
    id="shop.admin_protection",
    title="The shop's admin folder is hidden or allowlisted, and served over TLS",
    claim_types=("application_version",), severity=Severity.HIGH,
    rationale="/admin is the first place attackers try passwords; an allowlist (or at least a "
              "renamed folder) and TLS keep administrator credentials out of reach.",
    remediation="Allow the admin folder from known addresses only (Require ip), rename it, "
                "and set HTTPS_SERVER to an https URL.", references=_REFS,
    needs=(FACT, "nginx.config")), _admin)
