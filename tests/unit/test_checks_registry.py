"""The catalogue: unique ids, valid metadata, every implemented claim type served."""

from __future__ import annotations

import dataclasses

import pytest

import checks
from checks.base import Check, CheckMeta, Outcome
from posture.collect.facts.registry import BY_KEY
from posture.models import Severity, Status


def _noop(ctx: object) -> Outcome:
    return Outcome(Status.ERROR, "never run")


def _meta(**changes: object) -> CheckMeta:
    base = CheckMeta(id="demo.check", title="Demo", claim_types=("os_version",),
                     severity=Severity.LOW, rationale="Why.", remediation="Fix it.",
                     references=("https://example.org",), needs=("os.release",))
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_ids_are_unique() -> None:
    ids = [c.meta.id for c in checks.CATALOGUE]
    assert len(ids) == len(set(ids))


def test_catalogue_validates() -> None:
    checks.validate_catalogue()
    for check in checks.CATALOGUE:
        check.meta.validate()


@pytest.mark.parametrize("claim_type", checks.IMPLEMENTED_CLAIM_TYPES)
def test_every_implemented_claim_type_is_served(claim_type: str) -> None:
    assert checks.checks_for(claim_type)


def test_implemented_claim_types_are_contract_claim_types() -> None:
    assert set(checks.IMPLEMENTED_CLAIM_TYPES) <= set(checks.CLAIM_TYPES)
    assert checks.CLAIM_TYPES[:7] == (  # the contract's seven come first, unrenamed
        "tls_all_links", "os_version", "apache_version", "password_rotation", "ip_allowlist",
        "test_data_fictitious", "encrypted_admin_channels")
    served = {t for c in checks.CATALOGUE for t in c.meta.claim_types}
    assert served == set(checks.IMPLEMENTED_CLAIM_TYPES)


def test_all_needs_exist_in_the_fact_catalogue() -> None:
    """Every needed fact is gathered for the check's kind of target: SSH batch or probe."""
    from posture.collect.probes.registry import probe_keys

    for check in checks.CATALOGUE:
        kind = check.meta.target
        available = probe_keys(kind) | (set(BY_KEY) if kind == "host" else set())
        if kind == "document":  # read by the collector from the claim's evidence file
            available |= {"attestation.document"}
        unknown = (set(check.meta.needs) | set(check.meta.optional)) - available
        assert not unknown, (check.meta.id, kind, sorted(unknown))


def test_every_claim_type_is_served() -> None:
    assert set(checks.IMPLEMENTED_CLAIM_TYPES) == set(checks.CLAIM_TYPES)
    for claim_type in checks.CLAIM_TYPES:
        assert checks.checks_for(claim_type), claim_type


def test_checks_for_unknown_type_raises() -> None:
    with pytest.raises(KeyError):
        checks.checks_for("no_such_claim")


def test_by_id() -> None:
    assert checks.by_id("ssh.root_login").meta.title
    with pytest.raises(KeyError):
        checks.by_id("ssh.nope")


@pytest.mark.parametrize("field", ["remediation", "rationale", "title"])
def test_empty_text_metadata_is_rejected(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        checks.validate_catalogue([Check(_meta(**{field: "  "}), _noop)])


@pytest.mark.parametrize("changes", [
    {"id": "NoDot"}, {"claim_types": ()}, {"references": ()}, {"needs": ()},
    {"claim_types": ("made_up",)}, {"optional": ("os.release",)},
])
def test_malformed_metadata_is_rejected(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        checks.validate_catalogue([Check(_meta(**changes), _noop)])


def test_duplicate_ids_are_rejected() -> None:
    check = Check(_meta(), _noop)
    with pytest.raises(ValueError, match="duplicate"):
        checks.validate_catalogue([check, check])


def test_metadata_is_complete_and_plain() -> None:
    for check in checks.CATALOGUE:
        meta = check.meta
        assert meta.title[0].isupper() and not meta.title.endswith(".")
        assert meta.remediation.endswith(".") and meta.rationale.endswith(".")
        assert all(ref.strip() for ref in meta.references)


def test_a_fact_both_needed_and_optional_is_rejected() -> None:
    with pytest.raises(ValueError, match="both needed and optional"):
        checks.validate_catalogue([Check(_meta(optional=("os.release",)), _noop)])
    checks.validate_catalogue([Check(_meta(optional=("host.time",)), _noop)])
