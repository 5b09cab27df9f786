"""Lab material for the statement claim types: a shop site, an OpenCart tree, shop rows.

Used by the integration tests and the demo. Everything planted is fictitious: the card
number is a public test number, customers are ``customer N``. The site sets one necessary,
one functional and one marketing cookie, and loads a declared live chat, an analytics tag and
an undeclared tracker; the OpenCart tree is an old release with its admin at the default
path over http; the database keeps rows older than seven years, a card number in an order
comment and subscribes new customers by default.
"""

from __future__ import annotations

from pathlib import Path

from tests.labs.mariadb import LabMariaDB
from tests.labs.web import MODULES

TEST_CARD = "4111 1111 1111 1111"  # a public test number, Luhn-valid
COOKIE_VALUE = "pstcookievalue"  # must never appear in a report
DB_PASSWORD_MARK = "pst-config-secret"

_INDEX = """<!doctype html><html><head><title>Lab shop</title>
<script src="https://widget.smartsupp.com/loader.js"></script>
<script>(function(){var s=document.createElement('script');
s.src='https://www.googletagmanager.com/gtag/js?id=G-LAB';document.head.appendChild(s);})();</script>
</head><body><h1>Lab shop</h1>
<a href="/about.html">About</a> <a href="https://elsewhere.test/">elsewhere</a>
<iframe src="https://frames.undeclared-tracker.test/ad"></iframe>
<img src="/logo.png" alt="">
</body></html>
"""
_ABOUT = """<!doctype html><html><body><p>About us</p>
<form action="https://www.mollie.com/checkout/x" method="post"><button>Pay</button></form>
<a href="/">Home</a></body></html>
"""
_SITE_CONF = f"""LoadModule dir_module {MODULES}/mod_dir.so
DirectoryIndex index.html
Header always add Set-Cookie "OCSESSID={COOKIE_VALUE}; Path=/; Secure; HttpOnly"
Header always add Set-Cookie "language=nl-nl; Path=/; Secure"
Header always add Set-Cookie "_fbp=fb.1.{COOKIE_VALUE}; Path=/; Max-Age=7776000"
"""


def plant_site(site: Path, *, opencart_version: str = "2.3.0.2") -> Path:
    """Write the shop pages, a ``site.conf`` (cookies) and an OpenCart tree into ``site``."""
    (site / "system").mkdir(parents=True, exist_ok=True)
    (site / "admin" / "controller" / "common").mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text(_INDEX)
    (site / "about.html").write_text(_ABOUT)
    (site / "site.conf").write_text(_SITE_CONF)
    (site / "system" / "startup.php").write_text("<?php // lab\n")
    (site / "index.php").write_text(f"<?php\ndefine('VERSION', '{opencart_version}');\n")
    (site / "admin" / "controller" / "common" / "login.php").write_text("<?php // lab\n")
    (site / "admin" / "config.php").write_text(
        "<?php\ndefine('HTTP_SERVER', 'http://shop.posture.test/admin/');\n"
        f"define('DB_PASSWORD', '{DB_PASSWORD_MARK}');\n")
    return site


SHOP_SQL = f"""
CREATE TABLE oc_customer (customer_id INT PRIMARY KEY, firstname VARCHAR(32),
  email VARCHAR(96), newsletter TINYINT(1) NOT NULL DEFAULT 1, date_added DATETIME);
CREATE TABLE oc_order (order_id INT PRIMARY KEY, customer_id INT, comment TEXT,
  date_added DATETIME);
INSERT INTO oc_customer VALUES
  (1, 'customer 1', 'c1@shop.invalid', 1, NOW() - INTERVAL 3000 DAY),
  (2, 'customer 2', 'c2@shop.invalid', 0, NOW() - INTERVAL 10 DAY),
  (3, 'customer 3', 'c3@shop.invalid', 1, NOW() - INTERVAL 5 DAY);
INSERT INTO oc_order VALUES
  (1, 1, 'deliver to the back door', NOW() - INTERVAL 2900 DAY),
  (2, 2, 'pay with card {TEST_CARD} please', NOW() - INTERVAL 9 DAY),
  (3, 3, 'order 2024-0001-0002 ref 123456789012', NOW() - INTERVAL 4 DAY);
"""


def plant_shop_rows(db: LabMariaDB, database: str) -> None:
    """(Re)create ``database`` with the planted customer and order rows."""
    db.sql(f"DROP DATABASE IF EXISTS `{database}`; CREATE DATABASE `{database}`;")
    db.sql(SHOP_SQL, database=database)


DEMO_EVIDENCE = "ISO/IEC 27001 certificate of the demo data centre (fictitious)\n"
"""The demo's attestation document; inventory/demo.yml pins its SHA-256."""


def plant_demo_statement(db: LabMariaDB | None, reader: str, workdir: Path) -> None:
    """The demo's statement material: the orders database (readable by ``reader``) and the
    attestation document (``workdir/evidence/iso-27001.txt``)."""
    evidence = workdir / "evidence"
    evidence.mkdir(mode=0o755, exist_ok=True)
    (evidence / "iso-27001.txt").write_text(DEMO_EVIDENCE)
    if db is not None:
        plant_shop_rows(db, "shop_orders")
        db.sql(f"GRANT SELECT ON `shop_orders`.* TO '{reader}'@'127.0.0.1';")
