"""Which sentences speak of security: those must never be dismissed with a confident reason.

A sentence about passwords, servers, encryption, IP addresses, test or staging environments,
retention, back-ups or third parties that yields no claim is marked ``needs_review`` in the
ledger (and counted in the summary) unless a rule marked ``sure`` explains it: the importer
may have missed a promise, and only a person can tell.
"""

from __future__ import annotations

from posture.statement.lemmas import words

SECURITY: dict[str, tuple[str, ...]] = {
    "nl": ("*wachtwoord*", "*server*", "beveilig*", "versleutel*", "encrypt*", "ip adres",
           "ip-adres*", "ip", "ssh", "sftp", "ftp", "vpn", "firewall", "*omgeving", "staging*",
           "acceptatie*", "bewaren", "bewaartermijn*", "*back-up*", "*backup*", "update*",
           "patch*", "certific*", "gecertificeerd", "iso", "datacent*", "tls", "ssl", "https",
           "inlog*", "inloggen", "tweestaps*", "authenticat*", "hash*", "gehasht", "derde",
           "derden", "verwerker*", "beheer*", "toegang", "admin", "admin-*",
           "administrator*", "hosting*", "php", "versie"),
    "en": ("password*", "*server*", "secur*", "encrypt*", "ip address*", "ip", "ssh", "sftp",
           "ftp", "vpn", "firewall", "environment*", "staging", "test", "acceptance", "retain",
           "retention", "keep", "kept", "store", "stored", "backup*", "back-up*", "update*",
           "patch*", "certif*", "iso", "data cent*", "datacent*", "tls", "ssl", "https", "login*",
           "log in", "two-factor", "two-step", "multi-factor", "authenticat*", "hash*",
           "third part*", "processor*", "admin*", "hosting", "host", "access", "version"),
}


def security_words(text: str, lang: str) -> list[str]:
    """The security words ``text`` holds (empty when it speaks of none)."""
    found = words(text, lang)
    return [w for w in SECURITY.get(lang, SECURITY["en"]) if found.has(w)]
