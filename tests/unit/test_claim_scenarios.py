"""Every claim type has a kept and a broken promise judged against real servers.

The table below names, for each claim type, the integration test where a real lab keeps the
promise (the claim is ``verified``) and the one where it breaks it (``contradicted``), with
the id of the claim each test judges. It is held against the catalogue: a new claim type
without both scenarios fails here, and so does a row that names a test or a claim that is
not there, a claim of another type, a test that is not an integration test or one that never
states the verdict it stands for.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import NamedTuple

import pytest

import checks

ROOT = Path(__file__).resolve().parents[2]


class Scenario(NamedTuple):
    """One real-server test and the claim (by id) whose verdict it asserts."""

    node: str  # path::function, from the repository root
    claim: str


def _s(module: str, function: str, claim: str) -> Scenario:
    return Scenario(f"tests/integration/{module}.py::{function}", claim)


_KEPT_SHOP = "test_verified_statement"
_BROKEN_SHOP = "test_statement_scan"
_BROKEN_SHOP_TEST = "test_every_new_claim_type_gets_a_verdict"

SCENARIOS: dict[str, dict[str, Scenario]] = {
    "tls_all_links": {
        "verified": _s("test_tls_scan", "test_clean_setup_is_verified", "tls"),
        "contradicted": _s("test_tls_scan", "test_weak_setup_is_contradicted_with_evidence",
                           "tls")},
    "os_version": {
        "verified": _s("test_scan", "test_clean_setup_is_verified", "os"),
        "contradicted": _s("test_scan", "test_planted_violations_are_contradicted_with_evidence",
                           "os")},
    "apache_version": {
        "verified": _s("test_scan", "test_clean_setup_is_verified", "web"),
        "contradicted": _s("test_scan", "test_planted_violations_are_contradicted_with_evidence",
                           "web")},
    "password_rotation": {
        "verified": _s("test_scan", "test_clean_setup_is_verified", "rotation"),
        "contradicted": _s("test_scan", "test_planted_violations_are_contradicted_with_evidence",
                           "rotation")},
    "ip_allowlist": {
        "verified": _s("test_allowlist", "test_everything_allowlisted_is_verified", "allowlist"),
        "contradicted": _s("test_allowlist",
                           "test_database_open_to_all_with_any_host_account_is_contradicted",
                           "allowlist")},
    "test_data_fictitious": {
        "verified": _s("test_postgres", "test_fictitious_only_database_passes", "td-clean"),
        "contradicted": _s("test_postgres", "test_planted_production_rows_are_counted_exactly",
                           "td-test")},
    "encrypted_admin_channels": {
        "verified": _s("test_scan", "test_clean_setup_is_verified", "channels"),
        "contradicted": _s("test_scan", "test_planted_violations_are_contradicted_with_evidence",
                           "channels")},
    "cookies_functional_only": {
        "verified": _s(_KEPT_SHOP, "test_kept_cookie_promise_is_verified", "cookies"),
        "contradicted": _s(_BROKEN_SHOP, _BROKEN_SHOP_TEST, "cookies")},
    "third_parties_declared": {
        "verified": _s(_KEPT_SHOP, "test_kept_third_party_promise_is_verified", "parties"),
        "contradicted": _s(_BROKEN_SHOP, _BROKEN_SHOP_TEST, "parties")},
    "retention": {
        "verified": _s(_KEPT_SHOP, "test_kept_retention_promise_is_verified", "retention"),
        "contradicted": _s(_BROKEN_SHOP, _BROKEN_SHOP_TEST, "retention")},
    "no_card_data_stored": {
        "verified": _s(_KEPT_SHOP, "test_kept_card_data_promise_is_verified", "cards"),
        "contradicted": _s(_BROKEN_SHOP, _BROKEN_SHOP_TEST, "cards")},
    "newsletter_opt_in": {
        "verified": _s(_KEPT_SHOP, "test_kept_newsletter_promise_is_verified", "newsletter"),
        "contradicted": _s(_BROKEN_SHOP, _BROKEN_SHOP_TEST, "newsletter")},
    "application_version": {
        "verified": _s(_KEPT_SHOP, "test_kept_application_version_promise_is_verified", "app"),
        "contradicted": _s(_BROKEN_SHOP, _BROKEN_SHOP_TEST, "app")},
    "attestation": {
        "verified": _s(_KEPT_SHOP, "test_kept_attestation_is_verified", "iso"),
        "contradicted": _s(_KEPT_SHOP, "test_changed_attested_document_is_contradicted",
                           "iso-changed")},
    "web_server_version": {
        "verified": _s(_KEPT_SHOP, "test_kept_web_server_version_promise_is_verified", "web"),
        "contradicted": _s(_KEPT_SHOP, "test_wrong_web_server_version_is_contradicted",
                           "web-old")},
}
"""claim type -> verdict -> the real-server test that asserts it."""

VERDICTS = ("verified", "contradicted")


@cache
def _module(path: str) -> tuple[str, ast.Module]:
    text = (ROOT / path).read_text(encoding="utf-8")
    return text, ast.parse(text, filename=path)


def _claim_types(text: str) -> dict[str, set[str]]:
    """claim id -> the types given to it in the module's inventories (YAML in strings)."""
    found: dict[str, set[str]] = {}
    for chunk in re.split(r"(?=\bid: )", text)[1:]:
        cid = re.match(r"id: ([A-Za-z0-9_.-]+)", chunk)
        ctype = re.search(r"\btype: ([a-z_]+)", chunk)
        if cid and ctype:
            found.setdefault(cid.group(1), set()).add(ctype.group(1))
    return found


def _is_integration(tree: ast.Module) -> bool:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
            return "pytest.mark.integration" in ast.unparse(node.value)
    return False


def test_the_table_covers_every_claim_type_and_nothing_else() -> None:
    assert list(SCENARIOS) == list(checks.CLAIM_TYPES)
    assert set(checks.IMPLEMENTED_CLAIM_TYPES) == set(checks.CLAIM_TYPES)
    for claim_type, sides in SCENARIOS.items():
        assert tuple(sides) == VERDICTS, claim_type
        assert sides["verified"] != sides["contradicted"], claim_type


@pytest.mark.parametrize("verdict", VERDICTS)
@pytest.mark.parametrize("claim_type", checks.CLAIM_TYPES)
def test_each_scenario_is_a_real_server_test_of_that_claim(claim_type: str,
                                                           verdict: str) -> None:
    scenario = SCENARIOS.get(claim_type, {}).get(verdict)
    assert scenario is not None, f"{claim_type}: no real-server test where it is {verdict}"
    path, _, function = scenario.node.partition("::")
    assert (ROOT / path).is_file(), scenario
    text, tree = _module(path)
    assert _is_integration(tree), f"{path} is not marked as an integration test"
    tests = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert function in tests, f"{path} has no test {function}"
    body = ast.unparse(tests[function])
    assert repr(verdict) in body, f"{scenario.node} never states the verdict {verdict!r}"
    assert claim_type in _claim_types(text).get(scenario.claim, set()), (
        f"{path}: no claim {scenario.claim!r} of type {claim_type}")


def test_claim_types_are_read_from_the_inventories_in_the_modules() -> None:
    text = 'x = """\n  - id: os\n    says: a.\n    type: os_version\n"""\n' \
           'y = "  - {{id: web-old, type: web_server_version, says: b.}}"\n'
    assert _claim_types(text) == {"os": {"os_version"}, "web-old": {"web_server_version"}}
    assert _claim_types("valid: x, type: retention") == {}
