"""The inventory schema, version 1 (see the contract, section 2), and its per-claim-type rules.

:func:`check_document` returns the checked document as nested :class:`Rec` values; every
problem found goes to the :class:`Problems` it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from posture.inventory import netvalues as n
from posture.inventory import validators as v
from posture.inventory.connection import CONNECTIONS, remote_command_path
from posture.inventory.expect_keys import evaluated_keys, not_evaluated_message
from posture.inventory.problems import Problems
from posture.inventory.statement_fields import (
    LEDGER_FIELDS,
    SOURCE_FIELDS,
    STATEMENT_EXPECT_FIELDS,
)
from posture.inventory.structure import (
    INVALID,
    Checker,
    Ctx,
    Field,
    Rec,
    check_mapping,
    find_secrets,
    list_of,
    mapping_of,
    plain,
    raw,
    ref,
    value,
)
from posture.inventory.validators import is_secret_key
from posture.inventory.yamlpos import YMap, YNode, YScalar
from posture.models import CLAIM_TYPES as ALL_CLAIM_TYPES

CLAIM_TYPES = ALL_CLAIM_TYPES
SEVERITIES = ("info", "low", "medium", "high", "critical")
ENDPOINT_KINDS = ("web", "admin", "integration", "api")
ENGINES = ("mariadb", "mysql", "postgresql")
ENVIRONMENTS = ("production", "test", "staging")
PATH_KEYS = ("key_file", "known_hosts", "ssh_config", "ca_file")


def _req(check: Checker) -> Field:
    return Field(check, required=True)

SSH_FIELDS = {
    "user": Field(value(v.user)),
    "port": Field(value(v.port)),
    "key_file": Field(value(v.path)),
    "agent": Field(value(v.boolean)),
    "password_env": Field(value(v.env_name)),
    "key_passphrase_env": Field(value(v.env_name)),
    "known_hosts": Field(value(v.path)),
    "host_key_fingerprints": Field(list_of(value(v.fingerprint))),
    "sudo": Field(value(v.boolean)),
    "sudo_password_env": Field(value(v.env_name)),
    "proxy_jump": Field(value(n.proxy_jump)),
    "ssh_config": Field(value(v.path)),
    "sudo_wrapper": Field(value(remote_command_path)),
}
TIMEOUT_FIELDS = {key: Field(value(v.seconds)) for key in ("connect", "command", "host")}

STATEMENT_FIELDS = {
    "title": Field(value(v.text)),
    "url": Field(value(n.url)),
    "language": Field(value(v.text)),
}
DEFAULTS_FIELDS = {
    "ssh": Field(mapping_of(SSH_FIELDS)),
    "timeouts": Field(mapping_of(TIMEOUT_FIELDS)),
}
VANTAGE_FIELDS = {
    "name": _req(value(v.name)),
    "source_address": _req(value(n.ip)),
}
HOST_FIELDS = {
    "name": _req(value(v.name)),
    "address": _req(value(n.address)),
    "ssh": Field(mapping_of(SSH_FIELDS)),
    "timeouts": Field(mapping_of(TIMEOUT_FIELDS)),
    "roles": Field(list_of(value(v.name))),
    "connection": Field(value(v.one_of(*CONNECTIONS))),
    "ansible_inventory": Field(value(v.path)),
}
ENDPOINT_FIELDS = {
    "name": _req(value(v.name)),
    "url": _req(value(n.url)),
    "connect_to": Field(value(n.connect_to)),
    "ca_file": Field(value(v.path)),
    "kind": Field(value(v.one_of(*ENDPOINT_KINDS))),
    "http_port": Field(value(v.port)),
    "timeouts": Field(mapping_of(TIMEOUT_FIELDS)),  # host: endpoint deadline; connect: per TCP
}
DATABASE_FIELDS = {
    "name": _req(value(v.name)),
    "host": _req(ref(v.name)),
    "engine": _req(value(v.one_of(*ENGINES))),
    "port": Field(value(v.port)),
    "database": _req(value(v.safe_text)),
    "user": _req(value(v.user)),
    "password_env": Field(value(v.env_name)),
    "environment": Field(value(v.one_of(*ENVIRONMENTS))),
}
SCOPE_FIELDS = {key: Field(list_of(ref(v.name))) for key in ("hosts", "endpoints", "databases")}
WAIVER_FIELDS = {
    "id": _req(value(v.safe_text)),
    "reason": _req(value(v.paragraph)),
    "owner": Field(value(v.text)),
    "expires": Field(value(v.date)),
}

# What ``expect`` holds, per claim type. Types not listed take a free-form mapping.
EXPECT_FIELDS: Mapping[str, Mapping[str, Field]] = {
    "os_version": {
        "distribution": _req(value(v.text)),
        "version": _req(value(v.text)),
    },
    "apache_version": {"version": _req(value(v.text))},
    "web_server_version": {
        "product": Field(value(v.one_of("nginx", "apache", "any"))),
        "version": _req(value(v.text)),
    },
    "password_rotation": {
        "max_age_days": _req(value(v.positive_int)),
        "min_length": Field(value(v.positive_int)),
        "accounts": Field(list_of(value(v.glob))),
        "require_complexity": Field(value(v.boolean)),
    },
    **STATEMENT_EXPECT_FIELDS,
}


def _allowlist(node: YNode, ctx: Ctx) -> Any:
    """``{service: [CIDR, ...]}``: which networks may reach each service."""
    if not isinstance(node, YMap) or not node.items:
        ctx.bad(node.line, "expected a mapping of services to lists of networks, "
                           "e.g. {ssh: [198.51.100.7/32]}")
        return INVALID
    result: dict[str, list[str]] = {}
    for key, child in node.items.items():
        if is_secret_key(key):
            continue  # reported by find_secrets
        service = value(v.service)(YScalar(key, key, node.key_lines[key]), ctx)
        networks = list_of(value(n.cidr))(child, ctx.at(key))
        if service is not INVALID and networks is not INVALID:
            result[service] = networks
    return result


def _evaluated_only(node: YNode, claim_type: str, ctx: Ctx) -> YNode:
    """The ``expect`` mapping without the keys nothing evaluates, each reported at its line."""
    if not isinstance(node, YMap):
        return node
    keys = evaluated_keys(claim_type)
    kept = {k: child for k, child in node.items.items() if k in keys or is_secret_key(k)}
    for key in [k for k in node.items if k not in kept]:
        ctx.bad(node.key_lines.get(key, node.line), not_evaluated_message(key, claim_type))
    return YMap(kept, node.line, {k: node.key_lines[k] for k in kept if k in node.key_lines})


def _check_expect(claim: Rec, ctx: Ctx) -> None:
    """Replace the raw ``expect`` node by its checked value, according to the claim type."""
    node = claim.pop("expect", None)
    claim_type = claim.get("type")
    if claim_type not in CLAIM_TYPES:
        return  # the type itself was reported
    where = ctx.at("expect")
    if node is None:
        node = YMap({}, claim.line)
    node = _evaluated_only(node, str(claim_type), where)
    if claim_type in EXPECT_FIELDS:
        result = check_mapping(node, where, EXPECT_FIELDS[claim_type])
    elif claim_type == "ip_allowlist":
        result = _allowlist(node, where)
    elif isinstance(node, YMap):
        result = plain(node)
    else:
        where.bad(node.line, "expected a mapping")
        result = INVALID
    if result is not INVALID:
        claim["expect"] = dict(result)


CLAIM_FIELDS = {
    "id": _req(value(v.claim_id)),
    "says": _req(value(v.paragraph)),
    "type": _req(value(v.one_of(*CLAIM_TYPES))),
    "scope": Field(mapping_of(SCOPE_FIELDS)),
    "expect": Field(raw),
    "compare_with": Field(ref(v.name)),
    "severity": Field(value(v.one_of(*SEVERITIES))),
    "source": Field(mapping_of(SOURCE_FIELDS)),
}

TOP_FIELDS = {
    "version": _req(value(v.inventory_version)),
    "organisation": Field(value(v.text)),
    "statement": Field(mapping_of(STATEMENT_FIELDS)),
    "defaults": Field(mapping_of(DEFAULTS_FIELDS)),
    "vantage_points": Field(list_of(mapping_of(VANTAGE_FIELDS))),
    "hosts": Field(list_of(mapping_of(HOST_FIELDS))),
    "endpoints": Field(list_of(mapping_of(ENDPOINT_FIELDS))),
    "databases": Field(list_of(mapping_of(DATABASE_FIELDS))),
    "claims": Field(list_of(mapping_of(CLAIM_FIELDS, then=_check_expect))),
    "waivers": Field(list_of(mapping_of(WAIVER_FIELDS))),
    "ledger": Field(list_of(mapping_of(LEDGER_FIELDS))),
}


def check_document(root: YNode, problems: Problems) -> Rec | None:
    """Check the whole document; None if it is not even a mapping."""
    ctx = Ctx(problems)
    find_secrets(root, ctx)
    doc = check_mapping(root, ctx, TOP_FIELDS)
    return None if doc is INVALID else doc
