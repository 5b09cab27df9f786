"""The check catalogue: an explicit, literal list of every check posture can run.

Nothing registers itself on import; adding a check means adding it to :data:`CATALOGUE`.
The catalogue is validated when this module loads, so a check with incomplete metadata or a
duplicate id stops the program before any scan starts.
"""

from __future__ import annotations

from collections.abc import Iterable

from checks.base import Check
from checks.databases import appconfig, dbtls, shop, shopdata, testdata
from checks.network import allowlist
from checks.sshd import ssh
from checks.system import accounts, attestation, os_release, services
from checks.websites import adminplain, apache, nginx_tls, tls, web, webserver
from checks.websites import grade as tls_grade
from checks.websites import http as http_checks
from checks.websites import nginx as nginx_checks
from posture.models import CLAIM_TYPES as ALL_CLAIM_TYPES

CLAIM_TYPES: tuple[str, ...] = ALL_CLAIM_TYPES
"""Every claim type: the contract's (v1) first, then the statement ones."""


CATALOGUE: tuple[Check, ...] = (
    os_release.VERSION_MATCHES,
    os_release.EOL_ACTUAL,
    os_release.EOL_CLAIMED,
    apache.VERSION_MATCHES,
    apache.EOL,
    apache.VERSION_DISCLOSURE,
    apache.WORKERS_NOT_ROOT,
    webserver.VERSION_MATCHES,
    *nginx_checks.CHECKS,
    accounts.PASSWORD_AGE,
    accounts.MAX_DAYS_POLICY,
    accounts.PASSWORD_QUALITY,
    ssh.PASSWORD_AUTHENTICATION,
    ssh.ROOT_LOGIN,
    ssh.WEAK_ALGORITHMS,
    ssh.SFTP_SUBSYSTEM,
    services.PLAINTEXT_ADMIN,
    adminplain.ADMIN_PLAIN_HTTP,
    testdata.FICTITIOUS_VALUES,
    testdata.NO_PRODUCTION_RECORDS,
    *tls.CHECKS,
    nginx_tls.TLS_CONFIG,
    tls_grade.GRADE,
    *http_checks.CHECKS,
    web.COOKIES,
    web.THIRD_PARTIES,
    shop.VERSION,
    shop.SUPPORT,
    shop.ADMIN,
    shopdata.RETENTION,
    shopdata.NO_CARD_DATA,
    shopdata.NEWSLETTER,
    attestation.ATTESTED,
    *appconfig.CHECKS,
    *dbtls.CHECKS,
    allowlist.SSH,
    allowlist.DATABASE,
    allowlist.ADMIN,
    allowlist.INTEGRATIONS,
    allowlist.UNDECLARED,
)
"""Every check, in the order reports list them."""

IMPLEMENTED_CLAIM_TYPES: tuple[str, ...] = tuple(
    t for t in CLAIM_TYPES if any(t in check.meta.claim_types for check in CATALOGUE))
"""Claim types that at least one check in the catalogue serves (derived, never copied)."""

ALL_NEEDS: frozenset[str] = frozenset(key for check in CATALOGUE for key in check.meta.needs)
"""Every fact key some check asks for (a test holds it against the collector's catalogue)."""


def validate_catalogue(catalogue: Iterable[Check] = CATALOGUE) -> None:
    """Raise ``ValueError`` on bad metadata, a duplicate id or an unknown claim type."""
    seen: set[str] = set()
    for check in catalogue:
        check.meta.validate()
        if check.meta.id in seen:
            raise ValueError(f"duplicate check id {check.meta.id!r}")
        seen.add(check.meta.id)
        unknown = set(check.meta.claim_types) - set(CLAIM_TYPES)
        if unknown:
            raise ValueError(f"check {check.meta.id}: unknown claim types {sorted(unknown)}")


def checks_for(claim_type: str) -> tuple[Check, ...]:
    """The checks serving ``claim_type`` (empty for a known type nothing serves yet).

    Raises ``KeyError`` for a claim type the contract does not define.
    """
    if claim_type not in CLAIM_TYPES:
        raise KeyError(f"unknown claim type {claim_type!r}")
    return tuple(c for c in CATALOGUE if claim_type in c.meta.claim_types)


def by_id(check_id: str) -> Check:
    """The check with this id; ``KeyError`` when there is none."""
    for check in CATALOGUE:
        if check.meta.id == check_id:
            return check
    raise KeyError(f"unknown check {check_id!r}")


validate_catalogue()
