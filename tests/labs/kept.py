"""Lab material for a shop that keeps every statement promise: the counterpart of statement.py.

The site sets only a session cookie and a language cookie (both Secure), loads only the
parties its statement names (a live chat and a payment form) and no analytics; the OpenCart
tree is a supported release whose admin folder is renamed, allowlisted by a real Apache rule
and configured for https; the database keeps no row past the promised period (the oldest is
``OLDEST_DAYS`` old, under ``RETENTION_DAYS``), holds a 16-digit reference that fails the Luhn
check but no card number, and subscribes nobody by default (the one subscriber has an opt-in
date). Each near miss is planted so that a check that stopped reading the evidence would
still have something to get wrong. Everything is fictitious.
"""

from __future__ import annotations

from pathlib import Path

from tests.labs.mariadb import LabMariaDB
from tests.labs.web import MODULES

OPENCART_VERSION = "4.0.2.3"  # branch 4: supported in checks/data/opencart.yml
ADMIN_FOLDER = "shopadmin-k3pt"  # renamed; still names "admin", as Apache rules match it
RETENTION_DAYS = 2555  # seven years, the promise
OLDEST_DAYS = 2500  # the oldest customer: inside the period
NEAR_CARD = "4111 1111 1111 1112"  # 16 digits in a card's shape, not Luhn-valid
COOKIE_VALUE = "pstkeptcookie"  # must never appear in a report

_INDEX = """<!doctype html><html><head><title>Kept shop</title>
<script src="https://widget.smartsupp.com/loader.js"></script>
</head><body><h1>Kept shop</h1>
<a href="/about.html">About</a> <a href="https://elsewhere.test/">elsewhere</a>
<img src="/logo.png" alt="">
</body></html>
"""
_ABOUT = """<!doctype html><html><body><p>About us</p>
<form action="https://www.mollie.com/checkout/x" method="post"><button>Pay</button></form>
<a href="/">Home</a></body></html>
"""


def _site_conf(allowed: str) -> str:
    return f"""LoadModule dir_module {MODULES}/mod_dir.so
<IfModule !authz_host_module>
LoadModule authz_host_module {MODULES}/mod_authz_host.so
</IfModule>
DirectoryIndex index.html
Header always add Set-Cookie "OCSESSID={COOKIE_VALUE}; Path=/; Secure; HttpOnly; SameSite=Lax"
Header always add Set-Cookie "language=nl-nl; Path=/; Secure; SameSite=Lax"
<Location /{ADMIN_FOLDER}>
    Require ip {allowed}
</Location>
"""


def plant_kept_site(site: Path, *, admin_allowed: str) -> Path:
    """Write the pages, a ``site.conf`` (cookies, the admin allowlist for ``admin_allowed``)
    and a supported OpenCart tree with a renamed, https-configured admin into ``site``."""
    admin = site / ADMIN_FOLDER
    (site / "system").mkdir(parents=True, exist_ok=True)
    (admin / "controller" / "common").mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text(_INDEX)
    (site / "about.html").write_text(_ABOUT)
    (site / "site.conf").write_text(_site_conf(admin_allowed))
    (site / "system" / "startup.php").write_text("<?php // lab\n")
    (site / "index.php").write_text(f"<?php\ndefine('VERSION', '{OPENCART_VERSION}');\n")
    (admin / "controller" / "common" / "login.php").write_text("<?php // lab\n")
    (admin / "config.php").write_text(
        f"<?php\ndefine('HTTP_SERVER', 'https://shop.posture.test/{ADMIN_FOLDER}/');\n"
        f"define('HTTPS_SERVER', 'https://shop.posture.test/{ADMIN_FOLDER}/');\n")
    return site


KEPT_SQL = f"""
CREATE TABLE oc_customer (customer_id INT PRIMARY KEY, firstname VARCHAR(32),
  email VARCHAR(96), newsletter TINYINT(1) NOT NULL DEFAULT 0, newsletter_date DATETIME NULL,
  date_added DATETIME);
CREATE TABLE oc_order (order_id INT PRIMARY KEY, customer_id INT, comment TEXT,
  date_added DATETIME);
INSERT INTO oc_customer VALUES
  (1, 'customer 1', 'k1@shop.invalid', 0, NULL, NOW() - INTERVAL {OLDEST_DAYS} DAY),
  (2, 'customer 2', 'k2@shop.invalid', 1, NOW() - INTERVAL 9 DAY, NOW() - INTERVAL 10 DAY),
  (3, 'customer 3', 'k3@shop.invalid', 0, NULL, NOW() - INTERVAL 5 DAY);
INSERT INTO oc_order VALUES
  (1, 1, 'deliver to the front door', NOW() - INTERVAL 2400 DAY),
  (2, 2, 'reference {NEAR_CARD} on the invoice', NOW() - INTERVAL 9 DAY),
  (3, 3, 'order 2024-0001-0002 ref 123456789012', NOW() - INTERVAL 4 DAY);
"""
KEPT_TEXT_COLUMNS = 3  # firstname, email, comment: what the card scan must read
SUBSCRIBERS = 1


def plant_kept_rows(db: LabMariaDB, database: str) -> None:
    """(Re)create ``database`` with the rows of a shop that keeps its data promises."""
    db.sql(f"DROP DATABASE IF EXISTS `{database}`; CREATE DATABASE `{database}`;")
    db.sql(KEPT_SQL, database=database)
