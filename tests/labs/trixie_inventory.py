"""Inventories for the trixie lab: the claims posture judges today, and the ones issues 13
and 14 ask for (``web_server_version``, PostgreSQL claims), kept apart so that the first scan
never depends on a claim type the current version refuses."""

from __future__ import annotations

import json
from pathlib import Path

from tests.labs.trixie import SHOP_NAME, WRONG_HTTP, WRONG_HTTPS, TrixieLab

DB_PASSWORD_ENV = "POSTURE_LAB2_DB_PASSWORD"


def _head(lab: TrixieLab) -> str:
    q = json.dumps
    t = lab.address
    return f"""\
version: 1
organisation: Trixie lab shop
defaults:
  ssh: {{user: {lab.auditor}, key_file: {q(str(lab.key))}, known_hosts: {q(str(lab.known_hosts))},
         sudo: true, ssh_config: /dev/null}}
  timeouts: {{connect: 5, command: 60, host: 240}}
vantage_points:
  - name: outside
    source_address: {lab.net.outsider}
hosts:
  - name: trixie
    address: {t}
    ssh: {{port: 22}}
    roles: [web, db]
endpoints:
  - name: shop
    url: https://{SHOP_NAME}/
    connect_to: {t}:443
    ca_file: {q(str(lab.ca_file))}
    kind: web
  - name: shop-admin
    url: https://{SHOP_NAME}/admin/
    connect_to: {t}:443
    ca_file: {q(str(lab.ca_file))}
    kind: admin
  - name: legacy
    url: https://{t}:{WRONG_HTTPS}/
    http_port: {WRONG_HTTP}
    ca_file: {q(str(lab.ca_file))}
    kind: web
  - name: legacy-admin
    url: https://{t}:{WRONG_HTTPS}/admin/
    http_port: {WRONG_HTTP}
    ca_file: {q(str(lab.ca_file))}
    kind: admin
databases:
  - name: shop-prod
    host: trixie
    engine: postgresql
    port: 5432
    database: shop_prod
    user: posture_ro
    password_env: {DB_PASSWORD_ENV}
    environment: production
  - name: shop-test
    host: trixie
    engine: postgresql
    port: 5432
    database: shop_test
    user: posture_ro
    password_env: {DB_PASSWORD_ENV}
    environment: test
"""


def current_inventory(path: Path, lab: TrixieLab) -> Path:
    """Claims of the types posture judges today on this server."""
    allowed = f"{lab.net.allowed}/32"
    path.write_text(_head(lab) + f"""\
claims:
  - id: os-version
    says: The shop runs on Debian 13.
    type: os_version
    expect: {{distribution: debian, version: "13"}}
    scope: {{hosts: [trixie]}}
  - id: password-rotation
    says: Server passwords are changed every three months.
    type: password_rotation
    expect: {{max_age_days: 90}}
    scope: {{hosts: [trixie]}}
  - id: admin-channels
    says: Administration happens over SSH/SFTP or HTTPS only.
    type: encrypted_admin_channels
    scope: {{hosts: [trixie], endpoints: [shop-admin, legacy-admin]}}
  - id: allowlist
    says: Direct connections are only possible from known IP addresses.
    type: ip_allowlist
    expect: {{ssh: [{allowed}]}}
    scope: {{hosts: [trixie]}}
  - id: tls-shop
    says: Visitors' traffic to the shop is encrypted.
    type: tls_all_links
    scope: {{endpoints: [shop]}}
  - id: tls-legacy
    says: Traffic to the old shop is encrypted.
    type: tls_all_links
    scope: {{endpoints: [legacy]}}
""")
    return path


def future_inventory(path: Path, lab: TrixieLab) -> Path:
    """Claims as issues 13 and 14 define them (web_server_version, PostgreSQL, per-vhost)."""
    allowed = f"{lab.net.allowed}/32"
    path.write_text(_head(lab) + f"""\
claims:
  - id: web-server
    says: The web server is nginx 1.26.
    type: web_server_version
    expect: {{product: nginx, version: "1.26"}}
    scope: {{hosts: [trixie]}}
  - id: allowlist
    says: Direct connections are only possible from known IP addresses.
    type: ip_allowlist
    expect: {{ssh: [{allowed}], database: [{allowed}], admin: [{allowed}]}}
    scope: {{hosts: [trixie], endpoints: [shop-admin, legacy-admin]}}
  - id: db-tls
    says: The connection to the database is encrypted.
    type: tls_all_links
    scope: {{databases: [shop-prod]}}
  - id: test-data
    says: The test environment only contains fictitious data.
    type: test_data_fictitious
    scope: {{databases: [shop-test]}}
    compare_with: shop-prod
""")
    return path
