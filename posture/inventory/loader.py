"""Read an inventory file, validate it completely, and build the typed model.

Nothing is contacted and nothing is executed: the YAML is composed safely
(:mod:`posture.inventory.yamlpos`), checked against the schema
(:mod:`posture.inventory.schema`) and across objects (:mod:`posture.inventory.semantic`).
Every problem found is reported at once, each with its line, in one :class:`InventoryError`.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from posture.errors import InventoryError
from posture.inventory import readiness, semantic
from posture.inventory.model import (
    Claim,
    Database,
    Endpoint,
    Host,
    Inventory,
    Scope,
    SshSettings,
    Timeouts,
    VantagePoint,
)
from posture.inventory.problems import Problems
from posture.inventory.schema import PATH_KEYS, check_document
from posture.inventory.statement_fields import ledger_entry
from posture.inventory.structure import Ctx, Rec, Ref
from posture.inventory.yamlpos import compose

MAX_BYTES = 1024 * 1024  # an inventory is hand-written; anything larger is a mistake or abuse

__all__ = ["MAX_BYTES", "load_inventory"]


def load_inventory(path: str | Path, *, text: str | None = None) -> Inventory:
    """Load and validate the inventory at ``path``.

    With ``text``, that text is used instead of the file's content (``path`` still names it in
    messages and anchors relative paths). Raises :class:`InventoryError` listing every
    problem found (up to 20), each as ``file:line: message``.
    """
    shown = str(path)
    data = _read(Path(path), shown) if text is None else text.encode("utf-8")
    if len(data) > MAX_BYTES:
        raise InventoryError(f"the inventory is larger than {MAX_BYTES} bytes", path=shown)
    problems = Problems(shown)
    root = compose(_decode(data, shown), problems)
    doc = check_document(root, problems) if root is not None else None
    if root is not None:
        readiness.find_placeholders(root, Ctx(problems))
    if doc is not None:
        semantic.check(doc, problems)
        if not problems:  # can it be scanned? asked once the file is otherwise sound
            readiness.check_scopes(doc, Ctx(problems))
            readiness.check_credentials(doc, Ctx(problems))
    problems.raise_if_any()
    assert doc is not None  # no problems means the document was checked
    base = Path(os.path.abspath(Path(path).expanduser())).parent
    return _build(doc, shown, hashlib.sha256(data).hexdigest(), base)


def _read(path: Path, shown: str) -> bytes:
    try:
        info = path.stat()
        # Checked before opening: opening a FIFO or a device could block or never end.
        if not stat.S_ISREG(info.st_mode):
            raise InventoryError("not a regular file", path=shown)
        with path.open("rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InventoryError("no such file", path=shown) from None
    except OSError as exc:
        raise InventoryError(f"cannot read: {exc.strerror or exc}", path=shown) from None


def _decode(data: bytes, shown: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InventoryError("not UTF-8 text", path=shown, line=line) from None


def _resolve_path(value: str, base: Path) -> str:
    """Expand ``~`` and anchor a relative path at the inventory's directory."""
    expanded = os.path.expanduser(value)
    if os.path.isabs(expanded):
        return os.path.normpath(expanded)
    return os.path.normpath(os.path.join(base, expanded))


def _ssh(defaults: Mapping[str, Any], own: Mapping[str, Any], base: Path) -> SshSettings:
    values = {**defaults, **own}  # per-host values win, key by key
    for key in PATH_KEYS:
        if key in values:
            values[key] = _resolve_path(values[key], base)
    if "host_key_fingerprints" in values:
        values["host_key_fingerprints"] = tuple(values["host_key_fingerprints"])
    # "sudo_password_env: VAR" alone means sudo with that password; an explicit sudo wins.
    values.setdefault("sudo", "sudo_password_env" in values)
    return SshSettings(**values)


def _host(rec: Rec, defaults: Rec, base: Path) -> Host:
    return Host(
        name=rec["name"],
        address=rec["address"],
        ssh=_ssh(defaults.get("ssh", {}), rec.get("ssh", {}), base),
        timeouts=Timeouts(**{**defaults.get("timeouts", {}), **rec.get("timeouts", {})}),
        roles=tuple(rec.get("roles", ())),
        line=rec.line,
        connection=rec.get("connection", "ssh"),
        ansible_inventory=(_resolve_path(rec["ansible_inventory"], base)
                           if "ansible_inventory" in rec else None),
    )


def _endpoint(rec: Rec, defaults: Rec, base: Path) -> Endpoint:
    ca_file = rec.get("ca_file")
    timeouts = {**defaults.get("timeouts", {}), **rec.get("timeouts", {})}
    return Endpoint(
        name=rec["name"],
        url=rec["url"],
        kind=rec.get("kind", "web"),
        connect_to=rec.get("connect_to"),
        ca_file=_resolve_path(ca_file, base) if ca_file is not None else None,
        http_port=rec.get("http_port"),
        line=rec.line,
        deadline_s=rec.get("timeouts", {}).get("host"),
        connect_s=timeouts.get("connect", Timeouts.connect),
    )


def _database(rec: Rec) -> Database:
    fields = {k: v for k, v in rec.items() if k != "host"}
    return Database(host=rec["host"].name, line=rec.line, **fields)


def _names(refs: list[Ref]) -> tuple[str, ...]:
    return tuple(r.name for r in refs)


def _claim(rec: Rec) -> Claim:
    scope = rec.get("scope", {})
    compare_with = rec.get("compare_with")
    return Claim(
        id=rec["id"],
        type=rec["type"],
        says=rec["says"],
        scope=Scope(**{section: _names(refs) for section, refs in scope.items()}),
        expect=rec.get("expect", {}),
        compare_with=compare_with.name if compare_with is not None else None,
        severity=rec.get("severity", "high"),
        line=rec.line,
        source=dict(rec.get("source", {})),
    )


def _waiver(rec: Rec) -> dict[str, Any]:
    return {**rec, "line": rec.line}


def _build(doc: Rec, shown: str, sha256: str, base: Path) -> Inventory:
    defaults = doc.get("defaults", Rec(0, {}))
    return Inventory(
        path=shown,
        sha256=sha256,
        organisation=doc.get("organisation", ""),
        hosts=tuple(_host(rec, defaults, base) for rec in doc.get("hosts", [])),
        claims=tuple(_claim(rec) for rec in doc.get("claims", [])),
        endpoints=tuple(_endpoint(rec, defaults, base) for rec in doc.get("endpoints", [])),
        databases=tuple(_database(rec) for rec in doc.get("databases", [])),
        vantage_points=tuple(VantagePoint(**rec) for rec in doc.get("vantage_points", [])),
        statement=dict(doc.get("statement", {})),
        waivers=tuple(_waiver(rec) for rec in doc.get("waivers", [])),
        ledger=tuple(ledger_entry(rec) for rec in doc.get("ledger", [])),
    )
