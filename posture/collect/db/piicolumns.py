"""Which columns may hold personal data: by name (English and Dutch) and by content.

Names are compared after lower-casing and dropping separators, so ``E-mail``, ``e_mail`` and
``payment_email`` all read as e-mail. Content detection covers unnamed text columns whose
sampled values mostly look like one kind of identifier.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from posture.collect.db.piirules import Label, card, email, iban

# Order matters: e-mail and IP before address ("emailaddress", "ipaddress").
NAME_PATTERNS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (kind, re.compile(pattern)) for kind, pattern in (
        ("email", r"(email|emailaddress|emailadres|^mail)$"),
        ("ip", r"(^ip|ipaddress|ipadres|remoteaddr|clientip|forwardedip)$"),
        ("phone", r"(telephone|telefoon|telefoonnummer|phone|phonenumber|mobile|mobiel"
                  r"|mobielnummer|^gsm|^tel|^fax)$"),
        ("first_name", r"(firstname|voornaam|givenname|voorletters|^fname)$"),
        ("last_name", r"(lastname|achternaam|surname|familyname|tussenvoegsel|^lname)$"),
        ("full_name", r"(fullname|^naam|customername|klantnaam|contactname)$"),
        ("iban", r"(iban|rekeningnummer|bankrekening|bankaccount|accountnumber)$"),
        ("bsn", r"(bsn|burgerservicenummer|sofinummer|^ssn|socialsecuritynumber)$"),
        ("card", r"(cardnumber|creditcard|ccnumber|^pan|kaartnummer|cardno)$"),
        ("birth_date", r"(birthdate|dateofbirth|^dob|geboortedatum|birthday|geboortedag)$"),
        ("postcode", r"(postcode|postalcode|zipcode|^zip)$"),
        ("city", r"(city|woonplaats|^plaats|^stad|town)$"),
        ("address", r"(address|address\d|adres|adres\d|street|straat|straatnaam|huisnummer"
                    r"|housenumber)$"),
    ))

TEXT_TYPES: Final = frozenset({"char", "varchar", "tinytext", "text", "mediumtext",
                               "longtext"})
SAMPLED_TYPES: Final = TEXT_TYPES | {"int", "bigint", "decimal", "date", "datetime",
                                     "timestamp"}
CONTENT_SHARE: Final = 0.5  # share of non-empty sampled values that must match a kind
_CONTENT_RULES = (("email", email), ("iban", iban), ("card", card))


def normalise(column: str) -> str:
    """Lower-case ``column`` and keep only letters and digits."""
    return re.sub(r"[^a-z0-9]", "", column.lower())


def kind_by_name(column: str) -> str | None:
    """The personal-data kind a column name suggests, or None."""
    name = normalise(column)
    for kind, pattern in NAME_PATTERNS:
        if pattern.search(name):
            return kind
    return None


def kind_by_content(values: Iterable[object]) -> str | None:
    """The kind most sampled values of an unnamed text column have, or None.

    A value counts for a kind when its rule does not call it malformed (an e-mail address,
    an IBAN with a valid checksum, a Luhn-valid card number).
    """
    present = [v for v in values if v is not None and str(v).strip()]
    if not present:
        return None
    for kind, rule in _CONTENT_RULES:
        hits = sum(1 for v in present if rule(v)[0] in (Label.REAL_LOOKING, Label.FICTITIOUS))
        if hits >= CONTENT_SHARE * len(present):
            return kind
    return None
