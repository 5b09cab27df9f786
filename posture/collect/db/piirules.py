"""Is a value clearly fictitious or plausibly real? Rules a data protection officer can read.

Each rule answers for one *kind* of personal data with one :class:`Label` and a short reason
code; ``docs/test-data.md`` explains every reason code. The functions are pure: they see one
value in memory and return only a label and a reason, never the value or part of it.
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum

from posture.collect.db.piilists import (
    FICTIONAL_PHONE_PREFIXES,
    NL_BANK_CODES,
    PUBLISHED_TEST_CARDS,
    PUBLISHED_TEST_IBANS,
    REAL_MAIL_PROVIDERS,
    RESERVED_MAIL_SUFFIXES,
    TEST_MARKERS,
)


class Label(StrEnum):
    """What one sampled value looks like."""

    EMPTY = "empty"  # NULL or blank
    FICTITIOUS = "fictitious"  # a published test value, a reserved domain, a marker word
    REAL_LOOKING = "real_looking"  # passes every check a real value passes
    INVALID = "invalid"  # malformed or a failed checksum: cannot be a real identifier
    UNDETERMINED = "undetermined"  # the kind has no decisive rule (names, cities)


Verdict = tuple[Label, str]  # (label, reason code)

IBAN_LENGTHS = {"NL": 18, "BE": 16, "DE": 22, "FR": 27, "GB": 22, "ES": 24, "IT": 27,
                "LU": 20, "AT": 20, "CH": 21, "IE": 22, "PT": 25, "DK": 18, "SE": 24}
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]{1,64}@([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}$")
_NL_POSTCODE = re.compile(r"^[1-9][0-9]{3} ?[A-Z]{2}$")
_ASCENDING = "01234567890123456789"
PLACEHOLDER_DATES = frozenset({"1900-01-01", "1970-01-01", "2000-01-01", "1111-11-11",
                               "0000-00-00", "1901-01-01"})
_MARKER = re.compile("|".join(re.escape(m) for m in TEST_MARKERS), re.IGNORECASE)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray):
        return bytes(value[:512]).decode("utf-8", "replace").strip()
    return str(value)[:512].strip()


def digits(text: str) -> str:
    """Only the digits of ``text``."""
    return "".join(c for c in text if c.isdecimal())


def email(value: object) -> Verdict:
    """Reserved domains (RFC 2606/6761) are fictitious; a well-formed address is real-looking."""
    text = _text(value).lower()
    if not text:
        return Label.EMPTY, "empty"
    if not _EMAIL.match(text):
        return Label.INVALID, "malformed_address"
    domain = text.rsplit("@", 1)[1]
    if any(domain == s or domain.endswith("." + s) for s in RESERVED_MAIL_SUFFIXES):
        return Label.FICTITIOUS, "reserved_domain"
    if _MARKER.search(text.split("@")[0]) and domain not in REAL_MAIL_PROVIDERS:
        return Label.FICTITIOUS, "test_marker"
    if domain in REAL_MAIL_PROVIDERS:
        return Label.REAL_LOOKING, "real_mail_provider"
    return Label.REAL_LOOKING, "deliverable_looking_domain"


def phone(value: object) -> Verdict:
    """Published fictional ranges and repeated/sequential digits are fictitious."""
    text = _text(value)
    if not text:
        return Label.EMPTY, "empty"
    number = digits(text)
    if text.startswith("+"):
        number = "+" + number
    national = re.sub(r"^(\+|00)31", "0", number)
    if len(digits(national)) < 8 or len(digits(national)) > 15:
        return Label.INVALID, "wrong_length"
    tail = digits(national)[-8:]  # the subscriber part, after any area or mobile prefix
    if len(set(tail)) <= 2 or tail in _ASCENDING or tail in _ASCENDING[::-1]:
        return Label.FICTITIOUS, "repeated_or_sequential_digits"
    if any(number.startswith(p) for p in FICTIONAL_PHONE_PREFIXES):
        return Label.FICTITIOUS, "published_fictional_range"
    return Label.REAL_LOOKING, "valid_number_format"


def iban_checksum_ok(iban: str) -> bool:
    """ISO 13616 mod-97 check."""
    moved = iban[4:] + iban[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def iban(value: object) -> Verdict:
    """A valid mod-97 checksum with a known Dutch bank code is real-looking."""
    text = re.sub(r"[\s-]", "", _text(value)).upper()
    if not text:
        return Label.EMPTY, "empty"
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}", text):
        return Label.INVALID, "malformed_iban"
    if text in PUBLISHED_TEST_IBANS:
        return Label.FICTITIOUS, "published_example_iban"
    if IBAN_LENGTHS.get(text[:2], len(text)) != len(text) or not iban_checksum_ok(text):
        return Label.INVALID, "checksum_failed"
    if text.startswith("NL") and text[4:8] not in NL_BANK_CODES:
        return Label.FICTITIOUS, "unknown_bank_code"
    return Label.REAL_LOOKING, "valid_checksum"


def bsn_eleven_check(number: str) -> bool:
    """The BSN 11-check (elfproef): weights 9..2 and -1 for the last digit."""
    if len(number) != 9 or not number.isdecimal():
        return False
    total = sum(int(d) * w for d, w in zip(number[:8], range(9, 1, -1), strict=True))
    return (total - int(number[8])) % 11 == 0 and number != "000000000"


def bsn(value: object) -> Verdict:
    """BSNs 99999xxxx are the government's test numbers; others passing the 11-check look real."""
    text = _text(value)
    if not text:
        return Label.EMPTY, "empty"
    number = digits(text).zfill(9) if len(digits(text)) in (8, 9) else digits(text)
    if not bsn_eleven_check(number):
        return Label.INVALID, "eleven_check_failed"
    if number.startswith("99999"):
        return Label.FICTITIOUS, "test_bsn_range"
    return Label.REAL_LOOKING, "valid_eleven_check"


def luhn_ok(number: str) -> bool:
    """The Luhn check of payment card numbers."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card(value: object) -> Verdict:
    """Published test card numbers are fictitious; other Luhn-valid numbers look real."""
    number = digits(_text(value))
    if not number:
        return Label.EMPTY, "empty"
    if not 13 <= len(number) <= 19 or not luhn_ok(number):
        return Label.INVALID, "luhn_failed"
    if number in PUBLISHED_TEST_CARDS:
        return Label.FICTITIOUS, "published_test_card"
    return Label.REAL_LOOKING, "luhn_valid"


def postcode(value: object) -> Verdict:
    """A Dutch postcode in the real format (no leading 0, not SA/SD/SS) looks real."""
    text = _text(value).upper()
    if not text:
        return Label.EMPTY, "empty"
    if not _NL_POSTCODE.match(text):
        return Label.UNDETERMINED, "not_a_dutch_postcode"
    if text[-2:] in ("SA", "SD", "SS"):
        return Label.INVALID, "unused_letter_pair"
    return Label.REAL_LOOKING, "real_postcode_format"


def birth_date(value: object) -> Verdict:
    """Placeholder dates (1900-01-01, 1970-01-01, ...) are fictitious; others undetermined."""
    text = _text(value)[:10]
    if not text:
        return Label.EMPTY, "empty"
    if text in PLACEHOLDER_DATES:
        return Label.FICTITIOUS, "placeholder_date"
    if not re.fullmatch(r"(19|20)[0-9]{2}-[01][0-9]-[0-3][0-9]", text):
        return Label.INVALID, "not_a_date"
    return Label.UNDETERMINED, "no_decisive_rule"


def ip(value: object) -> Verdict:
    """Documentation, private and loopback addresses are fictitious; public ones look real."""
    text = _text(value)
    if not text:
        return Label.EMPTY, "empty"
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return Label.INVALID, "malformed_address"
    if address.is_global:
        return Label.REAL_LOOKING, "public_address"
    return Label.FICTITIOUS, "reserved_or_private_range"


def free_text(value: object) -> Verdict:
    """Names, addresses, cities: only marker words decide; anything else is undetermined."""
    text = _text(value)
    if not text:
        return Label.EMPTY, "empty"
    if _MARKER.search(text):
        return Label.FICTITIOUS, "test_marker"
    return Label.UNDETERMINED, "no_decisive_rule"


RULES = {"email": email, "phone": phone, "iban": iban, "bsn": bsn, "card": card,
         "postcode": postcode, "birth_date": birth_date, "ip": ip}
"""Kinds with a value rule; every other kind is judged by :func:`free_text`."""

DECISIVE = ("email", "phone", "iban", "bsn", "card")
"""Kinds whose real-looking share decides the verdict (see docs/test-data.md)."""


def classify(kind: str, value: object) -> Verdict:
    """Label one value of ``kind``; never raises, never returns any part of the value."""
    try:
        return RULES.get(kind, free_text)(value)
    except (ValueError, TypeError):
        return Label.INVALID, "unparsable"
