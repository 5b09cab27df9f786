"""Which ``expect`` keys something evaluates, per claim type: the one place to extend.

An expectation nothing reads would be silently ignored and the claim could pass without it
ever being checked; validation therefore refuses every ``expect`` key not listed here, with
the keys that are evaluated. When a check (or a probe that gathers facts for one) starts
reading a new key, add it here in the same change, with a test that the key is judged.
"""

from __future__ import annotations

from collections.abc import Mapping

from posture.inventory.validators import nearest

EVALUATED_EXPECT_KEYS: Mapping[str, tuple[str, ...]] = {
    # checks/system/os_release.py
    "os_version": ("distribution", "version"),
    # checks/websites/apache.py
    "apache_version": ("version",),
    "web_server_version": ("product", "version"),
    # checks/system/accounts.py
    "password_rotation": ("max_age_days", "min_length", "accounts", "require_complexity"),
    # checks/network/allowlist.py: one key per service it judges
    "ip_allowlist": ("ssh", "database", "admin", "integrations"),
    # checks/databases/testdata.py
    "test_data_fictitious": ("max_real_share",),
    # checks/websites/tls.py, grade.py, dbtls.py, appconfig.py, http.py take no parameters
    "tls_all_links": (),
    # checks/sshd/ssh.py, services.py, appconfig.py take no parameters
    "encrypted_admin_channels": (),
    # checks/websites/web.py; max_pages by the crawler (posture/collect/probes/web.py)
    "cookies_functional_only": ("allowed", "max_pages"),
    "third_parties_declared": ("declared", "not_used", "first_party", "max_pages"),
    # checks/databases/shopdata.py; table_prefix by posture/collect/probes/shopdb.py
    "retention": ("max_age_days", "table_prefix"),
    "no_card_data_stored": ("table_prefix",),
    "newsletter_opt_in": ("table_prefix",),
    # checks/databases/shop.py
    "application_version": ("product", "version"),
    # checks/system/attestation.py (period_days is shown as what the document attests)
    "attestation": ("document", "sha256", "attested_by", "expires", "period_days"),
}


def evaluated_keys(claim_type: str) -> tuple[str, ...]:
    """The ``expect`` keys evaluated for ``claim_type`` (none for an unknown type)."""
    return EVALUATED_EXPECT_KEYS.get(claim_type, ())


def not_evaluated_message(key: str, claim_type: str) -> str:
    """The validation message for an ``expect`` key that nothing evaluates."""
    keys = evaluated_keys(claim_type)
    listed = ", ".join(keys) if keys else "none (this claim type takes no expect keys)"
    close = nearest(key, keys)
    hint = f" (did you mean '{close}'?)" if close else ""
    return (f"'{key}' is not evaluated by any check of {claim_type} claims, so it would be "
            f"ignored{hint}; the keys that are evaluated: {listed}")
