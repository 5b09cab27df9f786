"""Inventory loading: the example, every class of error (with its exact line), and safety."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import textwrap
import time
from pathlib import Path

import pytest

from posture.errors import InventoryError
from posture.inventory import load_inventory
from posture.inventory.loader import MAX_BYTES
from posture.inventory.model import (
    Claim,
    Database,
    Endpoint,
    Host,
    Scope,
    SshSettings,
    Timeouts,
    VantagePoint,
)
from posture.inventory.problems import InventoryProblems

EXAMPLE = Path(__file__).resolve().parents[2] / "inventory" / "example.yml"


def yaml_text(text: str) -> str:
    """Dedent an inline inventory; its first line is line 1."""
    return textwrap.dedent(text).lstrip("\n")


def errors(text: str) -> list[str]:
    """The lines of the error raised for ``text``."""
    with pytest.raises(InventoryError) as info:
        load_inventory("inventory.yml", text=yaml_text(text))
    return str(info.value).splitlines()


def one_error(text: str) -> str:
    found = errors(text)
    assert len(found) == 1, found
    return found[0]


def line_of(path: Path, needle: str) -> int:
    """The 1-based line of the first line of ``path`` that starts with ``needle``."""
    lines = path.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(needle))


# --- the example --------------------------------------------------------------------------


def test_example_loads_to_the_expected_model() -> None:
    inv = load_inventory(EXAMPLE)
    home = os.path.expanduser("~")
    assert inv.path == str(EXAMPLE)
    assert inv.sha256 == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert inv.organisation == "Example Shop B.V."
    assert inv.statement == {
        "title": "Privacy statement, section 13 (hosting)",
        "url": "https://shop.example/privacy",
        "language": "nl",
    }
    assert inv.vantage_points == (VantagePoint("outside", "203.0.113.99"),)
    assert inv.hosts == (
        Host(
            name="vps1",
            address="203.0.113.10",
            ssh=SshSettings(
                user="auditor",
                port=2222,
                key_file=f"{home}/.ssh/posture_ed25519",
                known_hosts=f"{home}/.ssh/known_hosts",
                sudo=True,
            ),
            timeouts=Timeouts(connect=10, command=60, host=600),
            roles=("web", "db"),
            line=line_of(EXAMPLE, "  - name: vps1"),
        ),
    )
    assert inv.endpoints == (
        Endpoint(
            name="shop",
            url="https://shop.example/",
            kind="web",
            connect_to="203.0.113.10:443",
            ca_file=str(EXAMPLE.parent / "lab-ca.pem"),
            line=line_of(EXAMPLE, "  - name: shop"),
        ),
        Endpoint(
            name="payments-api",
            url="https://api.payments.example/",
            kind="integration",
            line=line_of(EXAMPLE, "  - name: payments-api"),
        ),
    )
    assert inv.databases == (
        Database(
            name="shop-prod", host="vps1", engine="mariadb", database="shop_prod",
            user="posture_ro", port=3306, password_env="POSTURE_DB_PROD_PASSWORD",
            environment="production", line=line_of(EXAMPLE, "  - name: shop-prod"),
        ),
        Database(
            name="shop-test", host="vps1", engine="mariadb", database="shop_test",
            user="posture_ro", password_env="POSTURE_DB_TEST_PASSWORD",
            environment="test", line=line_of(EXAMPLE, "  - name: shop-test"),
        ),
    )
    assert inv.waivers == ()


def test_example_claims() -> None:
    claims = {c.id: c for c in load_inventory(EXAMPLE).claims}
    assert list(claims) == [
        "tls-all-links", "os-version", "apache-version", "password-rotation", "allowlist",
        "test-data-fictitious", "admin-channels",
    ]
    assert claims["tls-all-links"] == Claim(
        id="tls-all-links",
        type="tls_all_links",
        says="All traffic between users, application, database and integrations is encrypted.",
        scope=Scope(endpoints=("shop", "payments-api"), databases=("shop-prod",)),
        line=line_of(EXAMPLE, "  - id: tls-all-links"),
    )
    assert claims["os-version"].expect == {"distribution": "ubuntu", "version": "12.04.4"}
    assert claims["apache-version"].expect == {"version": "2.2.22"}
    assert claims["password-rotation"].expect == {"max_age_days": 90}
    assert claims["allowlist"].expect == {
        "ssh": ["198.51.100.7/32"], "database": ["127.0.0.1/32"], "admin": ["198.51.100.7/32"],
    }
    assert claims["allowlist"].scope == Scope(hosts=("vps1",), endpoints=("shop",))
    assert claims["test-data-fictitious"].compare_with == "shop-prod"
    assert all(c.severity == "high" for c in claims.values())


def test_text_argument_gives_the_same_inventory() -> None:
    from_file = load_inventory(EXAMPLE)
    from_text = load_inventory(EXAMPLE, text=EXAMPLE.read_text())
    assert from_text == from_file


# --- unknown keys, types, required keys ---------------------------------------------------


def test_unknown_key_names_the_nearest_valid_key() -> None:
    assert errors("""
        version: 1
        hosts:
          - name: vps1
            adress: 203.0.113.10
    """) == [
        "inventory.yml:3: hosts[0]: missing required key 'address'",
        "inventory.yml:4: unknown key 'adress' at hosts[0]: did you mean 'address'?",
    ]


def test_unknown_top_level_key_without_a_close_match_lists_valid_keys() -> None:
    message = one_error("version: 1\nzzz: 3\n")
    assert message.startswith("inventory.yml:2: unknown key 'zzz' at the top level: valid keys: ")
    assert "organisation" in message


def test_type_error_names_path_and_line() -> None:
    assert one_error("""
        version: 1
        hosts:
          - name: vps1
            address: 203.0.113.10
            ssh:
              user: auditor
              port: abc
    """) == "inventory.yml:7: hosts[0].ssh.port: expected an integer 1-65535, got 'abc'"


@pytest.mark.parametrize(("snippet", "expected"), [
    ("timeouts: {connect: 0}", "timeouts.connect: expected a positive number of seconds, got 0"),
    ("timeouts: {host: -1}", "timeouts.host: expected a positive number of seconds, got -1"),
    ("ssh: {sudo: maybe}", "ssh.sudo: expected true or false, got 'maybe'"),
    ("ssh: {port: 70000}", "ssh.port: expected an integer 1-65535, got 70000"),
    ("ssh: {port: true}", "ssh.port: expected an integer 1-65535, got true"),
    ("ssh: [a]", "ssh: expected a mapping, got a list"),
])
def test_defaults_type_errors(snippet: str, expected: str) -> None:
    message = one_error(f"version: 1\ndefaults:\n  {snippet}\n")
    assert message == f"inventory.yml:3: defaults.{expected}"


def test_missing_key_is_reported_at_the_mapping_that_lacks_it() -> None:
    assert one_error("""
        version: 1
        databases:
          - name: db
            engine: mariadb
            database: shop
            user: ro
    """) == "inventory.yml:3: databases[0]: missing required key 'host'"


def test_version_is_required_and_must_be_1() -> None:
    assert one_error("organisation: x\n") == "inventory.yml:1: missing required key 'version'"
    assert one_error("version: 2\n") == (
        "inventory.yml:1: version: this posture reads inventory version 1, got 2")
    assert "got '1'" in one_error("version: '1'\n")
    assert "got 1.0" in one_error("version: 1.0\n")


def test_unknown_claim_type_suggests_the_nearest() -> None:
    assert one_error("""
        version: 1
        claims:
          - id: os
            says: Ubuntu.
            type: os_verison
    """).startswith("inventory.yml:5: claims[0].type: expected one of tls_all_links, ")
    assert errors("""
        version: 1
        claims:
          - {id: os, says: Ubuntu., type: os_verison}
    """)[0].endswith("got 'os_verison': did you mean 'os_version'?")


def test_unquoted_versions_must_be_quoted() -> None:
    found = errors("""
        version: 1
        claims:
          - id: os
            says: Ubuntu 12.04.
            type: os_version
            expect: {distribution: ubuntu, version: 12.04}
          - id: apache
            says: Apache 2.20.
            type: apache_version
            expect:
              version: 2.20
    """)
    assert found == [
        'inventory.yml:6: claims[0].expect.version: expected text, got 12.04, which YAML reads '
        'as a number (2.20 would become 2.2): quote it: "12.04"',
        'inventory.yml:11: claims[1].expect.version: expected text, got 2.20, which YAML reads '
        'as a number (2.20 would become 2.2): quote it: "2.20"',
    ]


def test_yaml_booleans_in_text_fields_must_be_quoted() -> None:
    assert one_error("version: 1\nstatement: {language: no}\n") == (
        'inventory.yml:2: statement.language: expected text, got no, which YAML reads as false: '
        'quote it: "no"')


# --- per-type expect ----------------------------------------------------------------------


def test_expect_per_claim_type() -> None:
    assert errors("""
        version: 1
        claims:
          - {id: a, says: s, type: os_version}
          - {id: b, says: s, type: apache_version, expect: {version: "2.4", flavour: x}}
          - {id: c, says: s, type: password_rotation, expect: {max_age_days: 0}}
          - {id: d, says: s, type: password_rotation, expect: {max_age_days: 90, acounts: [x]}}
          - {id: e, says: s, type: ip_allowlist, expect: {ssh: [10.0.0.5/24, nonsense]}}
          - {id: f, says: s, type: ip_allowlist}
          - {id: g, says: s, type: tls_all_links, expect: [x]}
    """) == [
        "inventory.yml:3: claims[0].expect: missing required key 'distribution'",
        "inventory.yml:3: claims[0].expect: missing required key 'version'",
        "inventory.yml:4: claims[1].expect: 'flavour' is not evaluated by any check of "
        "apache_version claims, so it would be ignored; the keys that are evaluated: version",
        "inventory.yml:5: claims[2].expect.max_age_days: expected an integer >= 1, got 0",
        "inventory.yml:6: claims[3].expect: 'acounts' is not evaluated by any check of "
        "password_rotation claims, so it would be ignored (did you mean 'accounts'?); the keys "
        "that are evaluated: max_age_days, min_length, accounts, require_complexity",
        "inventory.yml:7: claims[4].expect.ssh[0]: '10.0.0.5/24' has host bits set: "
        "did you mean 10.0.0.0/24?",
        "inventory.yml:7: claims[4].expect.ssh[1]: expected an IP network (CIDR), got 'nonsense'",
        "inventory.yml:8: claims[5].expect: expected a mapping of services to lists of networks, "
        "e.g. {ssh: [198.51.100.7/32]}",
        "inventory.yml:9: claims[6].expect: expected a mapping",
    ]


def test_valid_expect_values_are_kept() -> None:
    inv = load_inventory("inventory.yml", text=yaml_text("""
        version: 1
        hosts: [{name: h, address: 198.51.100.9, ssh: {agent: true}}]
        databases: [{name: d, host: h, engine: mariadb, database: shop, user: ro}]
        claims:
          - id: rotation
            says: s
            type: password_rotation
            severity: medium
            expect: {max_age_days: 90, min_length: 12, accounts: ["*", "!root"],
                     require_complexity: true}
            scope: {hosts: [h]}
          - {id: allow, says: s, type: ip_allowlist, expect: {ssh: [198.51.100.7, "2001:db8::/32"]},
             scope: {hosts: [h]}}
          - {id: tls, says: s, type: tls_all_links, scope: {hosts: [h]}}
          - {id: share, says: s, type: test_data_fictitious, expect: {max_real_share: 0.05},
             scope: {databases: [d]}}
    """))
    rotation, allow, tls, share = inv.claims
    assert rotation.expect == {"max_age_days": 90, "min_length": 12, "accounts": ["*", "!root"],
                               "require_complexity": True}
    assert rotation.severity == "medium"
    assert allow.expect == {"ssh": ["198.51.100.7/32", "2001:db8::/32"]}
    assert tls.expect == {}
    assert share.expect == {"max_real_share": 0.05}
    assert [c.scope.hosts for c in inv.claims] == [("h",)] * 3 + [()]


# --- semantic checks ----------------------------------------------------------------------


def test_references_must_exist() -> None:
    assert errors("""
        version: 1
        hosts:
          - {name: vps1, address: 203.0.113.10}
        databases:
          - {name: prod, host: vps2, engine: mysql, database: shop, user: ro}
        claims:
          - id: tls
            says: s
            type: tls_all_links
            scope:
              hosts: [vps1]
              databases:
                - prod
                - prd
              endpoints: [shop]
            compare_with: nope
    """) == [
        "inventory.yml:5: databases[0].host: no host named 'vps2': did you mean 'vps1'?",
        "inventory.yml:14: claims[0].scope.databases[1]: no database named 'prd': "
        "did you mean 'prod'?",
        "inventory.yml:15: claims[0].scope.endpoints[0]: no endpoint named 'shop' "
        "(no endpoints are defined)",
        "inventory.yml:16: claims[0].compare_with: no database named 'nope' (known: prod)",
    ]


def test_names_and_claim_ids_are_unique() -> None:
    assert errors("""
        version: 1
        hosts:
          - {name: vps1, address: 203.0.113.10}
          - {name: vps1, address: 203.0.113.11}
        endpoints:
          - {name: vps1, url: "https://a.example/"}
        claims:
          - {id: same, says: s, type: tls_all_links}
          - {id: same, says: s, type: tls_all_links}
          - {id: Not_Valid, says: s, type: tls_all_links}
    """) == [
        "inventory.yml:4: hosts[1]: duplicate host name 'vps1' (first on line 3)",
        "inventory.yml:9: claims[1]: duplicate claim id 'same' (first on line 8)",
        "inventory.yml:10: claims[2].id: 'Not_Valid' is not a valid claim id: "
        "use [a-z0-9][a-z0-9._-]*",
    ]


@pytest.mark.parametrize(("snippet", "expected"), [
    ("password_env: 1BAD", "ssh.password_env: expected the name of an environment variable "
                           "([A-Za-z_][A-Za-z0-9_]*), not its value"),
    ("sudo_password_env: hunter2!", "ssh.sudo_password_env: expected the name of an "
                                    "environment variable ([A-Za-z_][A-Za-z0-9_]*), not its value"),
    ("host_key_fingerprints: [MD5:aa]", "ssh.host_key_fingerprints[0]: expected 'SHA256:' and "
                                        "43 base64 characters (ssh-keygen -lf), got 'MD5:aa'"),
])
def test_ssh_value_checks(snippet: str, expected: str) -> None:
    assert one_error(f"version: 1\ndefaults:\n  ssh: {{{snippet}}}\n") == (
        f"inventory.yml:3: defaults.{expected}")


def test_endpoint_checks() -> None:
    found = errors("""
        version: 1
        endpoints:
          - {name: a, url: "https://auditor:hunter2@shop.example/"}
          - {name: b, url: "ftp://shop.example/", connect_to: "shop.example:99999"}
          - {name: c, url: "https://shop.example/", kind: wbe}
          - {name: d, url: "https://shop.example/?lang=nl&access_token=hunter2"}
          - {name: e, url: "https://auditor@shop.example/"}
    """)
    assert found == [
        "inventory.yml:3: endpoints[0].url: a URL must not hold credentials: secrets are never "
        "written in the inventory",
        "inventory.yml:4: endpoints[1].url: expected an https:// or http:// URL, "
        "got 'ftp://shop.example/'",
        "inventory.yml:4: endpoints[1].connect_to: expected host:port (port 1-65535, [v6]:port "
        "for IPv6), got 'shop.example:99999'",
        "inventory.yml:5: endpoints[2].kind: expected one of web, admin, integration, api, "
        "got 'wbe': did you mean 'web'?",
        "inventory.yml:6: endpoints[3].url: a URL must not hold credentials: secrets are never "
        "written in the inventory",
        "inventory.yml:7: endpoints[4].url: 'https://auditor@shop.example/': a URL must not hold "
        "a user name",
    ]
    assert "hunter2" not in "\n".join(found)


def test_addresses_accepted() -> None:
    inv = load_inventory("inventory.yml", text=yaml_text("""
        version: 1
        defaults: {ssh: {agent: true}}
        hosts:
          - {name: a, address: "[2001:db8::1]"}
          - {name: b, address: "2001:db8::2"}
          - {name: c, address: db.shop.example.}
        endpoints:
          - {name: e, url: "https://shop.example/", connect_to: "[2001:db8::1]:8443"}
    """))
    assert [h.address for h in inv.hosts] == ["2001:db8::1", "2001:db8::2", "db.shop.example."]
    assert inv.endpoints[0].connect_to == "[2001:db8::1]:8443"


# --- safety -------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "reason"), [
    ("-oProxyCommand=sh", "must not start with '-'"),
    ("-oProxyCommand=touch /tmp/x", "must not start with '-'"),
    ("a;b", "must not contain shell metacharacters (;)"),
    ("$(id)", "must not contain shell metacharacters ($ ( ))"),
    ("`id`", "must not contain shell metacharacters (`)"),
    ("a|b", "must not contain shell metacharacters (|)"),
    ("a\nb", "must not contain whitespace or control characters"),
    ("a b", "must not contain whitespace or control characters"),
])
@pytest.mark.parametrize(("template", "where"), [
    ("hosts:\n  - name: h\n    address: {v}\n", "hosts[0].address"),
    ("hosts:\n  - address: 203.0.113.1\n    name: {v}\n", "hosts[0].name"),
    ("defaults:\n  ssh:\n    user: {v}\n", "defaults.ssh.user"),
    ("defaults:\n  ssh:\n    proxy_jump: {v}\n", "defaults.ssh.proxy_jump"),
    ("databases:\n  - {{name: d, host: h, engine: mysql, database: x,\n     user: {v}}}\n",
     "databases[0].user"),
])
def test_injection_values_are_refused(value: str, reason: str, template: str, where: str) -> None:
    text = "version: 1\n" + template.format(v=json.dumps(value))
    found = errors(text)
    expected = f"inventory.yml:{text.count(chr(10))}: {where}: {value!r} {reason}"
    assert any(line.startswith(expected) for line in found), found


def test_python_tags_are_refused_and_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    text = f"version: 1\norganisation: !!python/object/apply:os.system ['touch {marker}']\n"
    assert one_error(text) == (
        "inventory.yml:2: tag '!!python/object/apply:os.system' is not allowed: only plain YAML "
        "(text, numbers, true/false, dates, lists and mappings)")
    assert not marker.exists()


@pytest.mark.parametrize("text", [
    "version: 1\nx: !!python/object/new:subprocess.Popen {args: [id]}\n",
    "version: 1\nx: !!python/name:os.system\n",
    "version: 1\nx: !!binary aGk=\n",
    "version: 1\nx: !!set {a, b}\n",
    "version: 1\nx: !custom 3\n",
    "version: 1\n? !!python/tuple [a, b]\n: 1\n",
])
def test_other_tags_are_refused(text: str) -> None:
    message = one_error(text)
    assert message.startswith("inventory.yml:2: tag '")
    assert "is not allowed" in message


def test_alias_bomb_is_refused_fast() -> None:
    rows = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    rows += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    started = time.monotonic()
    message = one_error("\n".join(["version: 1", *rows]) + "\n")
    assert time.monotonic() - started < 1.0
    assert message == ("inventory.yml:2: anchors and aliases (&name, *name) are not supported: "
                       "write values out")


def test_merge_keys_are_refused() -> None:
    assert one_error("version: 1\n<<: {organisation: x}\n") == (
        "inventory.yml:2: merge keys ('<<') are not supported: write values out")


def test_deep_nesting_is_refused() -> None:
    message = one_error("version: 1\nx: " + "[" * 500 + "]" * 500 + "\n")
    assert message.startswith("inventory.yml:2: nested more than")


@pytest.mark.parametrize(("snippet", "line", "where", "env"), [
    ("defaults:\n  ssh:\n    password: hunter2\n", 3, "defaults.ssh.password", "password_env"),
    ("defaults:\n  ssh: {sudo_password: hunter2}\n", 2, "defaults.ssh.sudo_password",
     "sudo_password_env"),
    ("hosts:\n  - name: h\n    address: h.example\n    key_passphrase: hunter2\n", 4,
     "hosts[0].key_passphrase", "key_passphrase_env"),
    ("claims:\n  - {id: c, says: s, type: tls_all_links, expect: {api_token: hunter2}}\n", 2,
     "claims[0].expect.api_token", "password_env"),
    ("secret: hunter2\n", 1, "secret", "password_env"),
])
def test_secrets_in_clear_are_refused(snippet: str, line: int, where: str, env: str) -> None:
    message = one_error("version: 1\n" + snippet)
    assert message == (f"inventory.yml:{line + 1}: {where}: secrets are never written in the "
                       f"inventory: use {env}: VAR (the name of an environment variable)")
    assert "hunter2" not in message


def test_pasted_private_key_is_refused_without_echoing_it() -> None:
    # A fake key, its armour assembled here so no key-shaped text sits in the repository.
    kind = "OPENSSH " + "PRIVATE KEY"
    message = one_error(
        f'version: 1\ndefaults:\n  ssh:\n    key_file: "-----BEGIN {kind}-----\\n'
        f'b3BlbnNzaC1rZXk=\\n-----END {kind}-----"\n')
    assert message == ("inventory.yml:4: defaults.ssh.key_file: a private key is never written "
                       "in the inventory: use key_file: PATH")


# --- YAML structure -----------------------------------------------------------------------


def test_duplicate_keys_name_both_lines() -> None:
    assert one_error("""
        version: 1
        hosts:
          - name: a
            address: 203.0.113.1
            name: b
    """) == "inventory.yml:5: duplicate key 'name' (also on line 3)"


def test_non_text_keys_are_refused() -> None:
    assert errors("version: 1\n1: x\ntrue: y\n") == [
        "inventory.yml:2: keys must be text, got '1': quote it",
        "inventory.yml:3: keys must be text, got 'true': quote it",
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("", "inventory.yml:1: the inventory is empty"),
    ("# only a comment\n", "inventory.yml:1: the inventory is empty"),
    ("- a\n- b\n", "inventory.yml:1: expected a mapping, got a list"),
    ("version: 1\nhosts: [\n", "inventory.yml:3: invalid YAML: "),
    ("version: 1\n---\nversion: 1\n", "inventory.yml:2: invalid YAML: "),
    ("version: 1\nx: \x00\n", "inventory.yml:2: invalid YAML: "),
])
def test_unusable_documents(text: str, expected: str) -> None:
    assert one_error(text).startswith(expected)


def test_many_problems_are_collected_sorted_and_capped() -> None:
    text = "version: 1\nhosts:\n" + "".join(
        f"  - {{name: h{i}, address: h.example, ssh: {{port: {70000 + i}}}}}\n"
        for i in range(30))
    with pytest.raises(InventoryProblems) as info:
        load_inventory("inventory.yml", text=text)
    err = info.value
    assert isinstance(err, InventoryError)
    assert err.line == 3
    assert err.path == "inventory.yml"
    assert len(err.problems) == 30
    lines = str(err).splitlines()
    assert len(lines) == 21
    assert lines[0] == "inventory.yml:3: hosts[0].ssh.port: expected an integer 1-65535, got 70000"
    assert lines[19].startswith("inventory.yml:22: hosts[19].ssh.port")
    assert lines[20] == "inventory.yml: ... and 10 more problem(s)"


# --- files --------------------------------------------------------------------------------


def test_size_limit() -> None:
    with pytest.raises(InventoryError, match="larger than"):
        load_inventory("big.yml", text="version: 1\n" + "#" * MAX_BYTES)


def test_non_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="not a regular file"):
        load_inventory(tmp_path)
    fifo = tmp_path / "fifo.yml"
    os.mkfifo(fifo)
    with pytest.raises(InventoryError, match="not a regular file"):
        load_inventory(fifo)  # refused without opening: opening would block
    with pytest.raises(InventoryError, match="no such file"):
        load_inventory(tmp_path / "missing.yml")


def test_non_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "inv.yml"
    path.write_bytes(b"version: 1\norganisation: \xff\n")
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    assert info.value.line == 2


# --- building the model -------------------------------------------------------------------


def test_defaults_are_merged_into_each_host() -> None:
    inv = load_inventory("inventory.yml", text=yaml_text("""
        version: 1
        defaults:
          ssh: {user: auditor, port: 22, agent: true, sudo_password_env: SUDO_PW,
                host_key_fingerprints: ["SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8"]}
          timeouts: {connect: 5, command: 30}
        hosts:
          - {name: a, address: 203.0.113.1}
          - name: b
            address: 203.0.113.2
            ssh: {port: 2222, user: root, sudo: false, host_key_fingerprints: []}
            timeouts: {command: 120.5}
    """))
    a, b = inv.hosts
    pin = ("SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8",)
    assert a.ssh == SshSettings(user="auditor", port=22, agent=True, sudo=True,
                                sudo_password_env="SUDO_PW", host_key_fingerprints=pin)
    assert a.timeouts == Timeouts(connect=5, command=30, host=600)
    assert b.ssh == SshSettings(user="root", port=2222, agent=True, sudo=False,
                                sudo_password_env="SUDO_PW", host_key_fingerprints=())
    assert b.timeouts == Timeouts(connect=5, command=120.5, host=600)
    assert (a.line, b.line) == (7, 8)


def test_host_without_defaults_gets_model_defaults() -> None:
    text = "version: 1\nhosts: [{name: a, address: a.example, ssh: {agent: true}}]\n"
    inv = load_inventory("inventory.yml", text=text)
    assert inv.hosts[0].ssh == SshSettings(agent=True)
    assert inv.hosts[0].timeouts == Timeouts()
    assert inv.organisation == ""


def test_relative_paths_are_resolved_against_the_inventory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    folder = tmp_path / "audit"
    folder.mkdir()
    path = folder / "inventory.yml"
    path.write_text(yaml_text("""
        version: 1
        defaults:
          ssh: {key_file: keys/id_ed25519, known_hosts: ../known_hosts,
                ssh_config: /etc/ssh/ssh_config}
        hosts:
          - {name: a, address: 203.0.113.1, ssh: {key_file: ~/.ssh/id}}
          - {name: b, address: 203.0.113.2}
        endpoints:
          - {name: e, url: "https://e.example/", ca_file: ./ca/lab.pem}
    """))
    inv = load_inventory(path)
    a, b = inv.hosts
    assert a.ssh.key_file == str(tmp_path / "home" / ".ssh" / "id")
    assert b.ssh.key_file == str(folder / "keys" / "id_ed25519")
    assert b.ssh.known_hosts == str(tmp_path / "known_hosts")
    assert b.ssh.ssh_config == "/etc/ssh/ssh_config"
    assert inv.endpoints[0].ca_file == str(folder / "ca" / "lab.pem")


def test_waivers_are_kept() -> None:
    inv = load_inventory("inventory.yml", text=yaml_text("""
        version: 1
        waivers:
          - id: apache-version
            reason: Upgrade planned.
            owner: ops@shop.example
            expires: 2027-03-31
          - {id: tls.protocols@shop, reason: Legacy clients., expires: "2027-01-01"}
    """))
    assert inv.waivers == (
        {"id": "apache-version", "reason": "Upgrade planned.", "owner": "ops@shop.example",
         "expires": dt.date(2027, 3, 31), "line": 3},
        {"id": "tls.protocols@shop", "reason": "Legacy clients.",
         "expires": dt.date(2027, 1, 1), "line": 7},
    )


def test_waiver_checks() -> None:
    assert errors("""
        version: 1
        waivers:
          - {id: x, expires: soon}
    """) == [
        "inventory.yml:3: waivers[0].expires: expected a date (YYYY-MM-DD), got 'soon'",
        "inventory.yml:3: waivers[0]: missing required key 'reason'",
    ]


def test_web_server_version_expect() -> None:
    problems = errors("""
        version: 1
        claims:
          - {id: a, says: s, type: web_server_version, expect: {product: nginx, version: "1.22"}}
          - {id: b, says: s, type: web_server_version, expect: {version: "2.4"}}
          - {id: c, says: s, type: web_server_version, expect: {product: iis, version: "10"}}
          - {id: d, says: s, type: web_server_version, expect: {product: nginx}}
    """)
    assert len(problems) == 2
    assert problems[0].startswith("inventory.yml:5: claims[2].expect.product: ")
    assert "nginx" in problems[0] and "apache" in problems[0] and "any" in problems[0]
    assert problems[1] == "inventory.yml:6: claims[3].expect: missing required key 'version'"
