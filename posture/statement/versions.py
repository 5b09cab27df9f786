"""Versions of known products, wherever the sentence puts them.

"Apache/2.4.57", "de webserver is Apache, versie 2.4.57", "Ubuntu Server 24.04 LTS",
"AlmaLinux 9", "Windows Server 2022", "Debian GNU/Linux 12": a product name, then within a few
words a version. A dotted version may stand up to eight words after the name (no other product
in between); a bare number ("Debian 12") only right after it or after a qualifier ("Server",
"versie", "release"), so a year or a count elsewhere in the sentence is never a version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    """A product whose version a statement may promise."""

    id: str
    names: tuple[str, ...]
    kind: str  # os | apache | application | software


PRODUCTS: tuple[Product, ...] = (
    Product("ubuntu", ("ubuntu",), "os"),
    Product("debian", ("debian",), "os"),
    Product("centos", ("centos",), "os"),
    Product("rhel", ("red hat enterprise linux", "red hat", "rhel"), "os"),
    Product("rocky", ("rocky linux", "rocky"), "os"),
    Product("almalinux", ("almalinux", "alma linux"), "os"),
    Product("cloudlinux", ("cloudlinux",), "os"),
    Product("windows", ("windows server", "windows"), "os"),
    Product("apache", ("apache http server", "apache httpd", "apache"), "apache"),
    Product("opencart", ("opencart",), "application"),
    Product("nginx", ("nginx",), "software"),
    Product("php", ("php",), "software"),
    Product("mariadb", ("mariadb",), "software"),
    Product("mysql", ("mysql",), "software"),
    Product("postgresql", ("postgresql", "postgres"), "software"),
    Product("wordpress", ("wordpress",), "software"),
    Product("woocommerce", ("woocommerce",), "software"),
    Product("magento", ("magento",), "software"),
    Product("shopware", ("shopware",), "software"),
    Product("prestashop", ("prestashop",), "software"),
)
_QUALIFIERS = frozenset({"server", "versie", "version", "release", "stream", "enterprise", "linux",
                         "gnu/linux", "gnu", "lts", "httpd", "http", "v", "edition", "editie"})
_VERSION = re.compile(r"^v?(\d{1,4}(?:\.\d{1,4}){0,3})(?:[-/]\w+)*[.,;:)]*$", re.IGNORECASE)
_DOTTED_REACH = 8
_NAMES = sorted(((n, p) for p in PRODUCTS for n in p.names), key=lambda x: -len(x[0]))


@dataclass(frozen=True)
class Found:
    """A product named in a sentence, with the version stated for it (or '')."""

    product: Product
    version: str


def _tokens(text: str) -> list[str]:
    # "Apache/2.4.57" and "PHP-FPM" split at the slash; "2.4.7-installatie" keeps its number.
    return re.sub(r"(?<=[A-Za-z])/(?=\d)", " ", text).split()


def _at(tokens: list[str], i: int) -> tuple[Product, int] | None:
    """The product whose name starts at token ``i`` and how many tokens the name takes."""
    for name, product in _NAMES:
        parts = name.split()
        words = [re.sub(r"[^\w/]+$", "", t).lower() for t in tokens[i:i + len(parts)]]
        if words == parts or (len(parts) == 1 and words and words[0].split("-")[0] == name
                              and not words[0].endswith("-fpm")):
            return product, len(parts)
    return None


def find_versions(sentence: str) -> list[Found]:
    """Every known product the sentence names, in order, with its version when stated."""
    tokens = _tokens(sentence)
    found: list[Found] = []
    i = 0
    while i < len(tokens):
        hit = _at(tokens, i)
        if hit is None:
            i += 1
            continue
        product, width = hit
        version = ""
        j = i + width
        # "Magento 2.4.7-installatie": the version is glued to the name's next token.
        while j < len(tokens) and j < i + width + _DOTTED_REACH and _at(tokens, j) is None:
            word = tokens[j].strip("(),;:")
            match = _VERSION.match(word)
            near = all(t.strip(",;:").lower() in _QUALIFIERS for t in tokens[i + width:j])
            if match and ("." in match.group(1) or near):
                version = match.group(1)
                break
            j += 1
        if not any(f.product == product for f in found):
            found.append(Found(product, version))
        elif version and not any(f.product == product and f.version for f in found):
            found = [Found(product, version) if f.product == product else f for f in found]
        i += width
    return found
