"""Facts of the evidence files attestation claims name: read locally, hashed, never parsed.

The document stays where the user keeps it; only its SHA-256 and size enter the facts, so a
replayed scan (``posture evaluate``) judges the same hash without reading the file again.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Mapping

from posture.inventory.model import Inventory
from posture.models import Fact, FactStatus, HostFacts

KEY = "attestation.document"
MAX_BYTES = 256 * 1024 * 1024  # a scanned certificate or agreement; larger is not a document


def _resolve(path: str, inventory: Inventory) -> str:
    expanded = os.path.expanduser(path)
    if os.path.isabs(expanded):
        return expanded
    return os.path.join(os.path.dirname(os.path.abspath(inventory.path)), expanded)


def document_fact(path: str) -> Fact:
    """The ``attestation.document`` fact of one file."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return Fact(KEY, FactStatus.ERROR, None, "the evidence is not a regular file")
        if info.st_size > MAX_BYTES:
            return Fact(KEY, FactStatus.ERROR, None, "the evidence file is too large")
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        return Fact(KEY, FactStatus.MISSING, None, "the evidence file does not exist")
    except OSError as exc:
        status = FactStatus.DENIED if isinstance(exc, PermissionError) else FactStatus.ERROR
        return Fact(KEY, status, None, f"cannot read the evidence file ({exc.strerror})")
    return Fact(KEY, FactStatus.OK, {"sha256": digest.hexdigest(), "bytes": info.st_size})


def collect_documents(inventory: Inventory,
                      plan: Mapping[str, set[str]]) -> dict[str, HostFacts]:
    """Claim id -> the facts of the document that attestation claim names."""
    out: dict[str, HostFacts] = {}
    for claim in inventory.claims:
        if claim.id not in plan:
            continue
        started = time.monotonic()
        document = claim.expect.get("document")
        if not document:
            fact = Fact(KEY, FactStatus.MISSING, None, "the claim names no evidence document")
        else:
            fact = document_fact(_resolve(str(document), inventory))
        out[claim.id] = HostFacts(claim.id, fact.ok, {KEY: fact},
                                  () if fact.ok else (fact.reason,),
                                  duration_s=round(time.monotonic() - started, 3))
    return out
