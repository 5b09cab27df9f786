"""Checks that an inventory can really be scanned, not only that it is well formed.

An inventory that parses can still be unusable in ways that would only show up later, as a
misleading result: a ``FILL_IN`` placeholder left from ``posture statement import``, a host
posture has no credential for (later reported as "unreachable"), or a claim with nothing in
its scope (later "not verifiable" with a perfect-looking coverage). Each is refused at
validation with its line, before anything is contacted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from posture.inventory.structure import Ctx, Rec
from posture.inventory.yamlpos import YMap, YNode, YSeq

PLACEHOLDER = "FILL_IN"  # what `posture statement import` writes where a target is unknown
# Connections that never log in over SSH: they need no SSH credential.
_NO_SSH_LOGIN = ("local", "ansible")
_CREDENTIAL_KEYS = ("key_file", "agent", "password_env")
_SCOPE_WORDS = {"host": "hosts", "endpoint": "endpoints", "database": "databases"}


def find_placeholders(node: YNode, ctx: Ctx) -> None:
    """Report every value that still holds the ``FILL_IN`` placeholder."""
    if isinstance(node, YMap):
        for key, child in node.items.items():
            find_placeholders(child, ctx.at(key))
    elif isinstance(node, YSeq):
        for i, child in enumerate(node.items):
            find_placeholders(child, ctx.at(i))
    elif isinstance(node.value, str) and PLACEHOLDER in node.value:
        ctx.bad(node.line, f"the placeholder {PLACEHOLDER} is still here: replace it with the "
                           "real value")


def _items(doc: Rec, section: str) -> list[Rec]:
    return [item for item in doc.get(section, []) if isinstance(item, Rec)]


def _identity_files(address: str, ssh_config: str | None) -> tuple[tuple[str, ...], str]:
    """IdentityFile entries the client config gives for ``address`` (and why none)."""
    # Deferred import: paramiko is only needed when a host has no credential of its own.
    from posture.errors import TransportError
    from posture.inventory.sshconfig import load_ssh_config

    try:
        config = load_ssh_config(ssh_config)
        found = dict(config.lookup(address)).get("identityfile")
    except (TransportError, OSError, ValueError, KeyError) as exc:
        return (), f"its ssh_config could not be read ({str(exc)[:200]})"
    except Exception as exc:  # noqa: BLE001 - paramiko raises its own kinds on a bad file
        return (), f"its ssh_config could not be read ({type(exc).__name__})"
    files = tuple(str(f) for f in found) if isinstance(found, list) else ()
    return files, "" if files else "its ssh_config names no IdentityFile for it"


def check_credentials(doc: Rec, ctx: Ctx) -> None:
    """Every SSH host has something to log in with: a key file, the agent, a password
    variable, or an IdentityFile from its ssh_config."""
    defaults = doc.get("defaults")
    base: Mapping[str, Any] = defaults.get("ssh", {}) if isinstance(defaults, Rec) else {}
    for i, host in enumerate(_items(doc, "hosts")):
        if host.get("connection", "ssh") in _NO_SSH_LOGIN or "address" not in host:
            continue
        own = host.get("ssh", {})
        settings = {**base, **(own if isinstance(own, Mapping) else {})}
        if any(settings.get(key) for key in _CREDENTIAL_KEYS):
            continue
        files, why = _identity_files(str(host["address"]), settings.get("ssh_config"))
        if files:
            continue
        ctx.at("hosts").at(i).bad(host.line, f"host '{host.get('name', '?')}' has no SSH "
                                  f"credential ({why}): set ssh.key_file, ssh.agent: true or "
                                  "ssh.password_env (here or under defaults.ssh), or "
                                  "connection: local")


def check_scopes(doc: Rec, ctx: Ctx) -> None:
    """Every claim names something its checks can judge (attestations judge themselves)."""
    import checks as catalogue  # deferred: the catalogue is only needed once the file parsed

    for i, claim in enumerate(_items(doc, "claims")):
        claim_type = claim.get("type")
        if claim_type not in catalogue.CLAIM_TYPES:
            continue  # reported by the schema
        kinds = {c.meta.target for c in catalogue.checks_for(str(claim_type))}
        if not kinds or "document" in kinds:
            continue  # nothing to scope yet (not verifiable), or judged on its own document
        scope = claim.get("scope")
        wanted = sorted(_SCOPE_WORDS[k] for k in kinds if k in _SCOPE_WORDS)
        if isinstance(scope, Rec) and any(scope.get(section) for section in wanted):
            continue
        where = ctx.at("claims").at(i)
        line = scope.line if isinstance(scope, Rec) else claim.line
        what = "has no scope" if not isinstance(scope, Rec) else "has nothing in its scope"
        where.bad(line, f"claim '{claim.get('id', '?')}' {what} its checks can judge: add "
                        f"scope: {{{': [...], '.join(wanted)}: [...]}}")
