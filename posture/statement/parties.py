"""Third parties a sentence names: which are used, which are said not to be, which are unknown.

Known parties come from ``checks/data/thirdparties.yml``. Negation has a scope: the sentence is
cut into clauses (at ";", ":", and at ", en" / ", and" / "maar" / "but"), and every party in a
clause that holds a negation ("geen", "niet", "nooit", "no", "not", "never", "n't") is *not
used*; "We gebruiken geen Google Analytics" never declares Google Analytics. Names the table
does not know are kept, as written, when the sentence speaks of a service (payments, delivery,
hosting, e-mail...) and the name stands after a preposition or in a list: they are declared so
the owner reviews them, never silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from checks.websites.webdata import processors
from posture.statement.versions import PRODUCTS

_CLAUSE = re.compile(r"[;:]|,\s*(?:en|and|maar|but|dan|then|zodat|omdat|because|waardoor|"
                     r"wanneer|when|so that|which|who|die|dat|zonder|without)\b|"
                     r"\s(?:maar|but)\s|\s[\u2013\u2014-]\s", re.IGNORECASE)
_NEGATION = {
    "nl": re.compile(r"\b(geen|niet|nooit|noch)\b", re.IGNORECASE),
    "en": re.compile(r"\b(no|not|never|neither|nor|none)\b|n't\b", re.IGNORECASE),
}
# A capitalised run of words ("Mythic Beasts", "Pay.nl", "Tawk.to", "V12 Retail Finance").
_NAME = re.compile(r"(?<![\w.@/'-])((?:[A-Z][\w'&.-]*[\w]|[A-Z]|V\d+)(?:\s+(?:[A-Z][\w'&.-]*[\w]|"
                   r"V\d+))*)")
_BEFORE = {
    "nl": frozenset({"via", "door", "met", "bij", "van", "op", "naar", "en", "of", "aan", "wij",
                     "we", "gebruiken", "gebruik", "hostingpartij", "hostingpartner", "hoster",
                     "provider", "partner", "dienst", "als", "geen", "noch"}),
    "en": frozenset({"via", "by", "with", "through", "in", "on", "at", "to", "and", "or",
                     "from", "using", "use", "uses", "host", "provider", "partner", "like", "no",
                     "nor", "not"}),
}
# Words that are capitalised but name no company: places, authorities, standards, protocols.
_NOT_PARTIES = frozenset([
    "nederland", "belgië", "belgie", "duitsland", "frankrijk", "europa", "europese", "unie", "eu",
    "eer", "engeland", "verenigd", "koninkrijk", "netherlands", "belgium", "germany", "france",
    "europe", "european", "union", "uk", "england", "wales", "scotland", "ireland", "britain",
    "great", "united", "kingdom", "states", "usa", "us", "amsterdam", "rotterdam", "utrecht",
    "groningen", "eemshaven", "london", "bristol", "leeds", "kendal", "cornwall", "lake",
    "district", "nederlandse", "duitse", "britse", "dutch", "german", "british", "english",
    "french", "nationale", "avg", "gdpr", "ico", "hmrc", "kvk", "btw", "iso", "iec", "soc", "nen",
    "pci", "dss", "hds", "vog", "verklaring", "omtrent", "het", "gedrag", "autoriteit",
    "persoonsgegevens", "belastingdienst", "information", "commissioner's", "office",
    "commissioner", "https", "http", "ssl", "tls", "ssh", "sftp", "ftp", "vpn", "ip", "api",
    "dns", "ddos", "qa", "ideal", "bancontact", "groningen", "friesland", "drenthe",
    "overijssel", "flevoland", "gelderland", "noord-holland", "zuid-holland", "zeeland",
    "noord-brabant", "brabant", "limburg", "holland", "randstad", "vlaanderen", "wallonië",
    "northern", "i", "we", "wij", "u", "you", "ik", "the", "de", "het", "een", "a", "an", "our",
    "onze", "ons", "this", "deze", "dit",
])
# Words that show a sentence speaks of a service a third party provides.
_CONTEXT = {
    "nl": re.compile(r"\b(?:"
        r"betal\w*|betaal\w*|gebruik\w*|bezorg\w*|verzend\w*|verstuur\w*|verzond\w*|"
        r"vervoerder\w*|pakket\w*|host\w*|gehost|nieuwsbrie\w*|e-?mail\w*|boekhoud\w*|"
        r"factur\w*|administratie|support|klantenservice|chat|beoordeling\w*|review\w*|"
        r"abonnement|verwerker\w*|partner\w*|leverancier\w*|retour\w*|statistiek\w*|"
        r"bezoek\w*|meten|certificaat|dienst\w*|provider\w*|delen|werken (niet )?met|"
        r"advert\w*|tracking\w*|pixel\w*"
        r")\b", re.IGNORECASE),
    "en": re.compile(r"\b(?:"
        r"pay\w*|use[sd]?|using|deliver\w*|ship\w*|parcel\w*|courier\w*|host\w*|"
        r"newsletter\w*|e-?mail\w*|bookkeeping|accounts|accounting|support|chat|"
        r"review\w*|subscription\w*|processor\w*|partner\w*|provider\w*|fraud|loyalty|"
        r"analytics|finance|instal\w*|certificate\w*|service\w*|handled|managed|"
        r"shop runs|share|pass|work with|broker\w*|advertis\w*|retarget\w*|tracking|"
        r"pixel\w*"
        r")\b", re.IGNORECASE),
}
_SUFFIXES = re.compile(r"\s+(Special Delivery|Pixel|Insight Tag)$")


@dataclass
class Parties:
    """What a sentence says about third parties."""

    used: list[str] = field(default_factory=list)  # party ids, or names the table lacks
    not_used: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # the names of ``used``/``not_used`` to review


def _known(clause: str) -> list[tuple[int, str, str]]:
    """(position, id, matched text) of table parties in a clause."""
    hits: list[tuple[int, str, str]] = []
    for proc in processors():
        for name in proc.names:
            match = re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", clause, re.IGNORECASE)
            if match:
                hits.append((match.start(), proc.id, match.group(0)))
                break
    # "Google Analytics" also matches the broader "Google": keep the specific one only.
    ids = {h[1] for h in hits}
    if "google-analytics" in ids and "google" in ids and not re.search(
            r"\bgoogle\b(?!\s+(analytics|tag))", clause, re.IGNORECASE):
        hits = [h for h in hits if h[1] != "google"]
    return hits


@cache
def _table_names() -> frozenset[str]:
    return frozenset(n.lower() for proc in processors() for n in proc.names)


def _is_product(name: str) -> bool:
    low = name.lower()
    return any(low == n or low.startswith(n + " ") for p in PRODUCTS for n in p.names)


def _unknown(clause: str, lang: str,
             known: list[tuple[int, str, str]]) -> list[tuple[int, str]]:
    # "Google Ads", "Google Drive": a product of the broad "Google" is a party of its own.
    spans = [(pos, pos + len(text)) for pos, ident, text in known
             if not (ident == "google" and re.match(r"\s+[A-Z]", clause[pos + len(text):]))]
    names: list[tuple[int, str]] = []
    for match in _NAME.finditer(clause):
        name = _SUFFIXES.sub("", match.group(1).rstrip(".'"))
        start = match.start()
        before = clause[:start].split()
        labelled = clause.startswith(LABEL) and start == len(LABEL)
        after_service = bool(before) and bool(_CONTEXT[lang].fullmatch(before[-1].strip(",(")))
        if not labelled and not after_service and (
                not before or (before[-1].lower().strip(",(") not in _BEFORE[lang]
                               and not clause[:start].rstrip().endswith(","))):
            continue
        if any(s <= start < e or start <= s < start + len(name) for s, e in spans):
            continue
        words = name.lower().split()
        if all(w in _NOT_PARTIES for w in words) or " ".join(words) in _NOT_PARTIES:
            continue
        if _is_product(name) or len(name) < 2 or (name.isupper() and len(name) > 5):
            continue
        if name.lower() in _table_names():
            continue
        names.append((start, name))
    return names


LABEL = "\u2192"  # marks a clause that follows a colon ("Betaalprovider: Stripe.")


def negation(lang: str) -> re.Pattern[str]:
    """The negation words of ``lang``."""
    return _NEGATION.get(lang, _NEGATION["en"])


def clauses(sentence: str) -> list[str]:
    """The clauses of a sentence; one that follows a colon starts with :data:`LABEL`."""
    out: list[str] = []
    pos, label = 0, False
    for match in _CLAUSE.finditer(sentence):
        out.append((LABEL if label else "") + sentence[pos:match.start()].strip())
        pos, label = match.end(), match.group(0) == ":"
    out.append((LABEL if label else "") + sentence[pos:].strip())
    return out


_SUBORDINATE = re.compile(r"\b(dat|die|wat|omdat|that|which|who|because)\b", re.IGNORECASE)
_NEGATION_REACH = 6  # words between a name and a negation that closes its clause


def _negates(clause: str, pos: int, name: str, lang: str) -> bool:
    """Whether a negation in ``clause`` applies to the name at ``pos``."""
    negation = _NEGATION[lang].search(clause)
    if negation is None:
        return False
    if negation.start() < pos:
        return True
    between = clause[pos + len(name):negation.start()]
    return len(between.split()) <= _NEGATION_REACH and not _SUBORDINATE.search(between)


def find_parties(sentence: str, lang: str) -> Parties:
    """The parties ``sentence`` names, with negation scope applied per clause."""
    out = Parties()
    service = bool(_CONTEXT[lang].search(sentence))
    for clause in clauses(sentence):
        negation = _NEGATION[lang].search(clause)
        known = _known(clause)
        for pos, ident, text in sorted(known):
            if ident == "google" and re.match(r"\s+[A-Z]", clause[pos + len(text):]):
                continue  # "Google Ads": named in full below
            target = out.not_used if negation else out.used
            if ident not in target:
                target.append(ident)
        # A name the table does not know is "not used" when the negation comes first ("geen
        # Klaviyo", "never pass your details to Experian") or closes its own short clause
        # ("Google Ads en TikTok gebruiken wij niet"); in "X signs that they will not..." the
        # negation belongs to another clause.
        for pos, name in _unknown(clause, lang, known) if service else []:
            if name not in out.unknown:
                out.unknown.append(name)
            target = out.not_used if _negates(clause, pos, name, lang) else out.used
            if name not in target:
                target.append(name)
    out.used = [n for n in out.used if n not in out.not_used]
    return out


def slug(name: str) -> str:
    """How the benchmark compares party names: "Mythic Beasts" -> "mythic-beasts"."""
    return re.sub(r"\s+", "-", name.strip().lower().replace("'", "")).strip("-")
