"""``attestation.evidence`` at its edges: the expiry day, the hash's form, the parameters.

An attestation is current up to and including its expiry day; the day after it is
inconclusive. Every verdict is asserted with the evidence that decides it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from facts_samples import SCAN_TIME, absent, context, ok

from checks.base import Outcome
from checks.system.attestation import ATTESTED
from posture.models import Status

SHA = "ab" * 32
TODAY = SCAN_TIME.date()


def _params(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"document": "iso.pdf", "sha256": SHA, "attested_by": "Auditor BV",
                            "expires": (TODAY + timedelta(days=30)).isoformat()}
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def _run(params: dict[str, Any], found: str | None = SHA, size: int = 1234) -> Outcome:
    facts = [ok("attestation.document", {"sha256": found, "bytes": size})]
    return ATTESTED.evaluate(context(facts, params))


def _evidence(expires: str | None, expired: bool, **over: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"document": "iso.pdf", "attested_by": "Auditor BV",
                           "expires": expires, "sha256_expected": SHA, "sha256_found": SHA,
                           "bytes": 1234, "expired": expired}
    out.update(over)
    return out


@pytest.mark.parametrize(("offset", "status"), [
    (1, Status.PASS),      # expires tomorrow
    (0, Status.PASS),      # expires today: still current on its last day
    (-1, Status.ERROR),    # expired yesterday
])
def test_expiry_day_boundary(offset: int, status: Status) -> None:
    expires = (TODAY + timedelta(days=offset)).isoformat()
    outcome = _run(_params(expires=expires))
    assert outcome.status is status
    assert dict(outcome.evidence) == _evidence(expires, status is Status.ERROR)
    if status is Status.PASS:
        assert outcome.summary == (f"Attested by Auditor BV until {expires}; the document "
                                   "matches.")
    else:
        assert outcome.summary == (f"could not determine: the attestation expired on {expires}; "
                                   "renew it")


def test_expiry_given_as_a_date_object() -> None:
    expires = TODAY + timedelta(days=3)
    outcome = _run(_params(expires=expires))
    assert outcome.status is Status.PASS
    assert outcome.evidence["expires"] == expires.isoformat()


def test_an_unreadable_expiry_is_never_current() -> None:
    outcome = _run(_params(expires="next year"))
    assert outcome.status is Status.ERROR
    assert dict(outcome.evidence) == _evidence(None, False)
    assert outcome.summary == "could not determine: the attestation expired on None; renew it"


@pytest.mark.parametrize("key", ["document", "sha256", "attested_by", "expires"])
def test_each_missing_parameter_is_named(key: str) -> None:
    outcome = _run(_params(**{key: None}))
    assert outcome.status is Status.ERROR
    assert dict(outcome.evidence) == {"missing": [key]}
    assert outcome.summary == f"could not determine: no evidence supplied yet (expect.{key})"


def test_every_missing_parameter_is_named() -> None:
    outcome = ATTESTED.evaluate(context([], {}))
    assert outcome.evidence == {"missing": ["document", "sha256", "attested_by", "expires"]}
    assert outcome.summary == ("could not determine: no evidence supplied yet (expect.document, "
                               "expect.sha256, expect.attested_by, expect.expires)")


def test_claimed_hash_is_normalised() -> None:
    outcome = _run(_params(sha256=f"  {SHA.upper()}  "))
    assert outcome.status is Status.PASS
    assert outcome.evidence["sha256_expected"] == SHA


@pytest.mark.parametrize("bad", ["ab" * 31, "ab" * 32 + "a", "g" * 64, "ab" * 31 + "a "
                                 "b"])
def test_claimed_hash_must_be_64_hex_digits(bad: str) -> None:
    outcome = _run(_params(sha256=bad))
    assert outcome.status is Status.ERROR
    assert dict(outcome.evidence) == {"parameter_error": "sha256"}
    assert outcome.summary == "could not determine: expect.sha256 is not 64 hex digits"


def test_a_changed_document_contradicts_even_when_expired() -> None:
    expires = (TODAY - timedelta(days=5)).isoformat()
    outcome = _run(_params(expires=expires), found="cd" * 32)
    assert outcome.status is Status.FAIL
    assert dict(outcome.evidence) == _evidence(expires, True, sha256_found="cd" * 32)
    assert outcome.summary == ("The document does not match the attested SHA-256: it was "
                               "changed or replaced.")


def test_an_unread_document_is_an_error() -> None:
    outcome = ATTESTED.evaluate(context([absent("attestation.document", "no such file")],
                                        _params()))
    assert outcome.status is Status.ERROR
    assert outcome.evidence["fact"] == "attestation.document"


def test_long_parameters_are_bounded_in_the_evidence() -> None:
    outcome = _run(_params(document="d" * 400, attested_by="a" * 250))
    assert outcome.evidence["document"] == "d" * 300
    assert outcome.evidence["attested_by"] == "a" * 200


@pytest.mark.parametrize(("period", "shown"), [(30, True), (True, False), ("30", False)])
def test_attested_period(period: object, shown: bool) -> None:
    outcome = _run(_params(period_days=period))
    assert outcome.status is Status.PASS
    expires = (TODAY + timedelta(days=30)).isoformat()
    if shown:
        assert outcome.evidence["attested_period_days"] == period
        assert outcome.summary == (f"Attested that the period is 30 days by Auditor BV until "
                                   f"{expires}; the document matches.")
    else:
        assert "attested_period_days" not in outcome.evidence
        assert outcome.summary == (f"Attested by Auditor BV until {expires}; the document "
                                   "matches.")

