"""Validation refuses what would later give a misleading result: expectations nothing
evaluates, FILL_IN placeholders, hosts without a credential, claims without a scope."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

import checks as catalogue
from posture.cli import main
from posture.inventory.expect_keys import EVALUATED_EXPECT_KEYS
from posture.inventory.schema import EXPECT_FIELDS
from posture.models import CLAIM_TYPES

ROOT = Path(__file__).resolve().parents[2]
HEAD = """\
version: 1
organisation: Shop
hosts:
  - {name: web, address: 198.51.100.9, ssh: {key_file: /nonexistent/key}}
endpoints:
  - {name: shop, url: "https://shop.example/"}
"""


def _validate(tmp_path: Path, body: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "inv.yml"
    path.write_text(HEAD + textwrap.dedent(body))
    code = main(["inventory", "validate", str(path)])
    captured = capsys.readouterr()
    return code, captured.err + captured.out


# --- expectations nothing evaluates ----------------------------------------------------------


def test_an_unevaluated_ip_allowlist_key_is_refused_with_the_evaluated_keys(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _validate(tmp_path, """\
        claims:
          - id: allowlist
            says: Links connect only from known IP numbers.
            type: ip_allowlist
            expect:
              ssh: [198.51.100.7/32]
              vpn: [198.51.100.8/32]
            scope: {hosts: [web]}
        """, capsys)
    assert code == 3
    line = HEAD.count("\n") + 7  # the line of "vpn:"
    assert f"inv.yml:{line}: claims[0].expect: 'vpn' is not evaluated" in out
    assert "the keys that are evaluated: ssh, database, admin, integrations" in out


def test_integrations_under_ip_allowlist_are_evaluated_and_accepted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _validate(tmp_path, """\
        claims:
          - id: allowlist
            says: Integrations connect only from known IP numbers.
            type: ip_allowlist
            expect:
              ssh: [198.51.100.7/32]
              integrations: [198.51.100.8/32]
            scope: {hosts: [web]}
        """, capsys)
    assert code == 0, out


def test_a_key_of_a_parameterless_claim_type_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _validate(tmp_path, """\
        claims:
          - {id: tls, says: TLS 1.2 at least., type: tls_all_links, expect: {min_version: TLSv1.2},
             scope: {endpoints: [shop]}}
        """, capsys)
    assert code == 3
    assert "'min_version' is not evaluated by any check of tls_all_links claims" in out
    assert "none (this claim type takes no expect keys)" in out


def test_the_table_covers_every_claim_type_and_every_schema_field() -> None:
    assert set(EVALUATED_EXPECT_KEYS) == set(CLAIM_TYPES)
    for claim_type, fields in EXPECT_FIELDS.items():
        assert set(fields) <= set(EVALUATED_EXPECT_KEYS[claim_type]), claim_type


def _sources() -> str:
    files = [*sorted((ROOT / "checks").rglob("*.py")),
             *sorted((ROOT / "posture" / "collect").rglob("*.py"))]
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


@pytest.mark.parametrize(("claim_type", "key"), [
    (t, k) for t, keys in EVALUATED_EXPECT_KEYS.items() for k in keys])
def test_every_listed_key_is_read_by_code(claim_type: str, key: str) -> None:
    # A key listed as evaluated must appear, quoted, in a check or a collector.
    assert re.search(rf"[\"']{re.escape(key)}[\"']", _sources()), (claim_type, key)


def test_every_claim_type_with_parameters_has_a_check() -> None:
    served = set(catalogue.IMPLEMENTED_CLAIM_TYPES)
    assert {t for t, keys in EVALUATED_EXPECT_KEYS.items() if keys} <= served


# --- placeholders, credentials, scope --------------------------------------------------------


def test_fill_in_placeholders_are_refused_with_their_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "inv.yml"
    path.write_text(HEAD.replace("organisation: Shop", "organisation: FILL_IN") + textwrap.dedent(
        """\
        databases:
          - {name: db, host: web, engine: mariadb, database: FILL_IN, user: ro}
        claims:
          - {id: os, says: Debian 12., type: os_version,
             expect: {distribution: debian, version: "12"}, scope: {hosts: [web]}}
        """))
    code = main(["inventory", "validate", str(path)])
    err = capsys.readouterr().err
    assert code == 3
    assert "inv.yml:2: organisation: the placeholder FILL_IN is still here" in err
    assert "inv.yml:8: databases[0].database: the placeholder FILL_IN is still here" in err


def test_a_host_without_any_credential_is_refused_before_contact(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "inv.yml"
    path.write_text(HEAD.replace("ssh: {key_file: /nonexistent/key}", "ssh: {ssh_config: "
                                 f"{tmp_path / 'none.cfg'}}}") + "claims: []\n")
    (tmp_path / "none.cfg").write_text("Host other\n  IdentityFile ~/.ssh/other\n")
    assert main(["inventory", "validate", str(path)]) == 3
    err = capsys.readouterr().err
    assert "inv.yml:4: hosts[0]: host 'web' has no SSH credential" in err
    assert "names no IdentityFile" in err
    # scan refuses it too, with the same exit code, before any connection is tried
    assert main(["scan", "-i", str(path), "-o", str(tmp_path / "out"), "-q"]) == 3
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("ssh", [
    "{agent: true}", "{password_env: SHOP_PW}", "{key_file: /k}", "SSH_CONFIG"])
def test_any_credential_is_enough(ssh: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "ssh.cfg"
    config.write_text("Host 198.51.100.*\n  IdentityFile ~/.ssh/shop\n")
    ssh = ssh.replace("SSH_CONFIG", f"{{ssh_config: {config}}}")
    path = tmp_path / "inv.yml"
    path.write_text(HEAD.replace("{key_file: /nonexistent/key}", ssh) + "claims: []\n")
    assert main(["inventory", "validate", str(path)]) == 0, capsys.readouterr().err


def test_local_and_ansible_hosts_need_no_ssh_credential(tmp_path: Path) -> None:
    path = tmp_path / "inv.yml"
    path.write_text("version: 1\nhosts:\n  - {name: me, address: localhost, connection: local}\n"
                    "claims: []\n")
    assert main(["inventory", "validate", str(path)]) == 0


def test_a_claim_without_scope_is_refused(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _validate(tmp_path, """\
        claims:
          - {id: os, says: Debian 12., type: os_version, expect: {distribution: debian,
             version: "12"}}
          - {id: tls, says: TLS everywhere., type: tls_all_links, scope: {databases: []}}
        """, capsys)
    assert code == 3
    first = HEAD.count("\n") + 2
    assert f"inv.yml:{first}: claims[0]: claim 'os' has no scope its checks can judge: " \
           "add scope: {hosts: [...]}" in out
    assert f"inv.yml:{first + 2}: claims[1]: claim 'tls' has nothing in its scope" in out


def test_an_attestation_needs_no_scope(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _validate(tmp_path, """\
        claims:
          - {id: iso, says: ISO 27001., type: attestation,
             expect: {document: /e/iso.pdf, attested_by: Auditor, period_days: 365}}
        """, capsys)
    assert code == 0, out


@pytest.mark.parametrize("name", ["example.yml", "demo.yml"])
def test_shipped_inventories_still_validate(name: str) -> None:
    assert main(["inventory", "validate", str(ROOT / "inventory" / name)]) == 0


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_statement_rules_propose_only_evaluated_keys(lang: str) -> None:
    import yaml

    rules = yaml.safe_load((ROOT / "posture" / "statement" / f"rules_{lang}.yml").read_text())
    claims = [r["claim"] for r in rules["rules"] if isinstance(r.get("claim"), dict)]
    assert any(c.get("expect") for c in claims)
    for claim in claims:
        extra = set(claim.get("expect") or {}) - set(EVALUATED_EXPECT_KEYS[claim["type"]])
        assert not extra, (claim["id"], extra)
