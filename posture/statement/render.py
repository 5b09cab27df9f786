"""Write a :class:`~posture.statement.skeleton.Skeleton` as an inventory YAML document."""

from __future__ import annotations

from typing import Any

import yaml

from posture.statement.skeleton import PLACEHOLDER, SCOPES, DraftClaim, LedgerLine, Skeleton

_HEADER = """\
# Inventory skeleton imported from a privacy statement by `posture statement import`.
# Every sentence of the statement is in `ledger:` (by section and sentence number): mapped to
# a claim, or marked not_verifiable with the reason. Review the claims, then:
#   1. replace every {placeholder} (host addresses, the shop's URL, database names);
#   2. check each claim's `expect` values against the statement and fill empty lists
#      (ip_allowlist: the networks that may connect);
#   3. for attestation claims, add the evidence: document, sha256, attested_by, expires;
#   4. `posture inventory validate` this file, then `posture scan -i` it.
"""


def _targets(claims: list[DraftClaim]) -> dict[str, list[dict[str, Any]]]:
    used = {kind: {n for c in claims for n in SCOPES.get(c.type, {}).get(kind, [])}
            for kind in ("hosts", "endpoints", "databases")}
    out: dict[str, list[dict[str, Any]]] = {}
    if used["hosts"] or used["databases"]:
        out["hosts"] = [{"name": "shop-server", "address": PLACEHOLDER, "roles": ["web", "db"]}]
    if used["endpoints"]:
        out["endpoints"] = [{"name": "shop", "url": PLACEHOLDER, "kind": "web"}]
    if used["databases"]:
        out["databases"] = [
            {"name": name, "host": "shop-server", "engine": "mariadb", "database": PLACEHOLDER,
             "user": "posture_ro", "password_env": env, "environment": environment}
            for name, env, environment in (("shop-prod", "POSTURE_DB_PROD_PASSWORD", "production"),
                                           ("shop-test", "POSTURE_DB_TEST_PASSWORD", "test"))
            if name in used["databases"]]
    return out


def _claim(claim: DraftClaim) -> dict[str, Any]:
    out: dict[str, Any] = {"id": claim.id, "type": claim.type, "says": claim.says()}
    scope = SCOPES.get(claim.type, {})
    if scope:
        out["scope"] = {k: list(v) for k, v in scope.items()}
    if claim.type == "test_data_fictitious":
        out["compare_with"] = "shop-prod"
    if claim.expect:
        out["expect"] = claim.expect
    out["source"] = {"section": claim.source.section, "sentence": claim.source.id}
    return out


def _ledger(line: LedgerLine) -> dict[str, Any]:
    out: dict[str, Any] = {"sentence": line.sentence, "section": line.section}
    if line.claims:
        out["claims"] = list(line.claims)
    else:
        out["not_verifiable"] = line.reason
    if line.starts:
        out["starts"] = line.starts
    if line.text:
        out["text"] = line.text
    return out


def skeleton_document(skeleton: Skeleton, *, title: str = "") -> dict[str, Any]:
    """The skeleton as plain data in inventory order."""
    doc: dict[str, Any] = {"version": 1, "organisation": PLACEHOLDER,
                           "statement": {"title": title or "Privacy statement",
                                         "language": skeleton.language}}
    if any(c.type in ("os_version", "apache_version", "password_rotation",
                      "encrypted_admin_channels", "application_version") for c in skeleton.claims):
        doc["defaults"] = {"ssh": {"user": "auditor", "agent": True, "sudo": True}}
    doc.update(_targets(skeleton.claims))
    doc["claims"] = [_claim(c) for c in skeleton.claims]
    doc["ledger"] = [_ledger(line) for line in skeleton.ledger]
    return doc


def render_skeleton(skeleton: Skeleton, *, title: str = "") -> str:
    """The skeleton as commented YAML text."""
    body = yaml.safe_dump(skeleton_document(skeleton, title=title), sort_keys=False,
                          allow_unicode=True, width=100, default_flow_style=None)
    return _HEADER.format(placeholder=PLACEHOLDER) + body
