"""The test-data rules of docs/test-data.md, value by value, and the error scrubbing."""

from __future__ import annotations

import pymysql
import pytest

from posture.collect.db.piicolumns import kind_by_content, kind_by_name
from posture.collect.db.piirules import Label, classify, iban_checksum_ok, luhn_ok
from posture.collect.db.session import quote_ident, scrubbed
from posture.models import FactStatus
from tests.labs.shop import bsn_with_prefix, fictitious_people, iban_for, real_looking_people

F, R, BAD = Label.FICTITIOUS, Label.REAL_LOOKING, Label.INVALID


@pytest.mark.parametrize(("kind", "value", "label"), [
    ("email", "klant1@example.com", F), ("email", "a@mail.shop.test", F),
    ("email", "x@host.invalid", F), ("email", "root@localhost", BAD),
    ("email", "jan.jansen@gmail.com", R), ("email", "info@bakkerij-devries.nl", R),
    ("email", "not an address", BAD), ("email", None, Label.EMPTY),
    ("phone", "06-12345678", F), ("phone", "+44 7700 900123", F), ("phone", "0611111111", F),
    ("phone", "+31 20 794 3321", R), ("phone", "06 4829 1735", R), ("phone", "12", BAD),
    ("iban", "NL91ABNA0417164300", F), ("iban", "NL91 ABNA 0417 1643 01", BAD),
    ("iban", iban_for("RABO", "3948572611"), R), ("iban", iban_for("QQQQ", "3948572611"), F),
    ("bsn", "999990019", F), ("bsn", "111222333", R), ("bsn", "123456789", BAD),
    ("card", "4111 1111 1111 1111", F), ("card", "4539 1488 0343 6467", R),
    ("card", "4539 1488 0343 6468", BAD),
    ("postcode", "1012 AB", R), ("postcode", "1012 SS", BAD),
    ("birth_date", "1970-01-01", F), ("birth_date", "1984-06-12", Label.UNDETERMINED),
    ("ip", "192.0.2.7", F), ("ip", "10.1.2.3", F), ("ip", "81.4.5.6", R),
    ("first_name", "Test", F), ("first_name", "Sanne", Label.UNDETERMINED),
])
def test_rules(kind: str, value: object, label: Label) -> None:
    assert classify(kind, value)[0] is label


def test_checksums_and_generators_agree() -> None:
    assert iban_checksum_ok("NL91ABNA0417164300") and luhn_ok("4242424242424242")
    real = real_looking_people(200)
    assert all(classify("iban", p.iban)[0] is R for p in real)
    assert all(classify("bsn", p.bsn)[0] is R for p in real)
    assert all(classify("email", p.email)[0] is R for p in real)
    fake = fictitious_people(200)
    for kind, attr in (("email", "email"), ("bsn", "bsn"), ("iban", "iban"), ("phone",
                                                                                "telephone")):
        assert all(classify(kind, getattr(p, attr))[0] is F for p in fake), kind
    import random
    assert bsn_with_prefix(random.Random(1), "99999").startswith("99999")


@pytest.mark.parametrize(("name", "kind"), [
    ("email", "email"), ("E-mail", "email"), ("payment_email", "email"),
    ("telephone", "phone"), ("telefoonnummer", "phone"), ("firstname", "first_name"),
    ("voornaam", "first_name"), ("achternaam", "last_name"), ("shipping_lastname", "last_name"),
    ("address_1", "address"), ("adres", "address"), ("postcode", "postcode"),
    ("woonplaats", "city"), ("iban", "iban"), ("rekeningnummer", "iban"), ("bsn", "bsn"),
    ("geboortedatum", "birth_date"), ("birth_date", "birth_date"), ("ip", "ip"),
    ("ip_address", "ip"), ("emailaddress", "email"), ("name", None), ("zip_code", "postcode"),
    ("description", None), ("customer_id", None), ("shipping", None),
])
def test_column_names(name: str, kind: str | None) -> None:
    assert kind_by_name(name) == kind


def test_content_detection_needs_a_majority() -> None:
    assert kind_by_content(["a@example.com", "b@gmail.com", None, "x"]) == "email"
    assert kind_by_content(["Sturdy and useful.", "a@example.com", "x"]) is None
    assert kind_by_content(["4111111111111111", "5555555555554444"]) == "card"


def test_database_errors_are_scrubbed_of_values() -> None:
    exc = pymysql.err.IntegrityError(1062, "Duplicate entry 'jan@gmail.com' for key 'email'")
    problem = scrubbed(exc, "shop-test")
    assert "jan@gmail.com" not in str(problem) and "1062" in str(problem)
    assert problem.status is FactStatus.ERROR
    denied = scrubbed(pymysql.err.OperationalError(1045, "Access denied for 'u'@'h'"), "db")
    assert denied.status is FactStatus.DENIED and "'u'" not in str(denied)
    timeout = scrubbed(pymysql.err.OperationalError(1969, "Query execution was interrupted"),
                       "db")
    assert timeout.status is FactStatus.TIMEOUT
    assert "Boom" not in str(scrubbed(RuntimeError("Boom jan@gmail.com"), "db"))


def test_identifiers_are_quoted() -> None:
    assert quote_ident("a`b") == "`a``b`"
