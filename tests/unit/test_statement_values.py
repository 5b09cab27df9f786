"""The importer's parts: periods and frequencies, versions, parties and negation, input
decoding, HTML furniture, the review status and the ledger text."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from posture.cli.statement import import_statement
from posture.inventory.model import LedgerEntry
from posture.judge.ledger import judge_ledger
from posture.models import LedgerVerdict
from posture.statement.parties import find_parties
from posture.statement.render import render_skeleton
from posture.statement.source import decode, html_to_text
from posture.statement.values import min_length, period_days
from posture.statement.versions import find_versions
from posture.store.results import row_from_jsonable, row_to_jsonable


@pytest.mark.parametrize("lang, text, days", [
    ("nl", "Orders worden vijf jaar bewaard.", 1825),
    ("nl", "Wachtwoorden worden ieder kwartaal vervangen.", 90),
    ("nl", "De wachtwoorden worden halfjaarlijks gewijzigd.", 182),
    ("nl", "Het wachtwoord wordt driemaal per jaar aangepast.", 121),
    ("nl", "Wachtwoorden worden om de acht weken ververst.", 56),
    ("nl", "Berichten gooien wij na een half jaar weg.", 182),
    ("nl", "Een account verdwijnt na vierentwintig maanden.", 720),
    ("nl", "Het wachtwoord wordt tweemaal per jaar gewijzigd.", 182),
    ("nl", "De rootwachtwoorden worden elke zes maanden opnieuw ingesteld.", 180),
    ("nl", "Deze informatie zal na 14 maanden worden gewist.", 420),
    ("en", "Server passwords are changed every eight weeks.", 56),
    ("en", "We change the root password twice a year.", 182),
    ("en", "Nightly backups are retained for a fortnight.", 14),
    ("en", "Accounts dormant for thirty months are erased.", 900),
    ("en", "Server passwords are changed every quarter.", 90),
    ("en", "Keys are rotated three times a year.", 121),
])
def test_periods_and_frequencies(lang: str, text: str, days: int) -> None:
    assert period_days(text, lang) == days


def test_no_period_is_no_guess() -> None:
    assert period_days("Wij verkopen geen gegevens.", "nl") is None
    assert period_days("Passwords must be strong.", "en") is None


def test_minimum_lengths() -> None:
    assert min_length("Een wachtwoord moet uit minimaal twaalf tekens bestaan.", "nl") == 12
    assert min_length("Passwords must contain 16 characters or more.", "en") == 16
    assert min_length("Passwords must be strong.", "en") is None


@pytest.mark.parametrize("text, expected", [
    ("de webserver is Apache, versie 2.4.57", [("apache", "2.4.57")]),
    ("Ubuntu Server 24.04 LTS met nginx als webserver", [("ubuntu", "24.04"), ("nginx", "")]),
    ("servers met Windows Server 2022", [("windows", "2022")]),
    ("Nieuwe servers installeren wij met AlmaLinux 9.", [("almalinux", "9")]),
    ("Servers run Debian GNU/Linux 12 with Apache 2.4.62.", [("debian", "12"), ("apache", "2.4.62")]),
    ("De shop is een Magento 2.4.7-installatie op Debian 12.", [("magento", "2.4.7"), ("debian", "12")]),
    ("Apache is de webserver; wij draaien versie 2.4.41.", [("apache", "2.4.41")]),
    ("Rocky Linux 8.10, die wij vóór eind 2026 vervangen", [("rocky", "8.10")]),
    ("draait op Apache/2.2.22 onder Ubuntu 12.04.4 LTS", [("apache", "2.2.22"), ("ubuntu", "12.04.4")]),
    ("Apache, opgericht in 1999 door vrijwilligers", [("apache", "")]),
])
def test_versions_within_a_few_words(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(f.product.id, f.version) for f in find_versions(text)] == expected


@pytest.mark.parametrize("lang, text, used, not_used", [
    ("nl", "We gebruiken geen Google Analytics.", [], ["google-analytics"]),
    ("nl", "Betalingen lopen via Mollie; wij zien zelf nooit uw rekeningnummer.", ["mollie"], []),
    ("nl", "Wij gebruiken geen Hotjar, geen Klaviyo en geen andere volgsoftware.", [],
     ["hotjar", "Klaviyo"]),
    ("nl", "Advertentiediensten als Google Ads en TikTok gebruiken wij niet.", [],
     ["Google Ads", "TikTok"]),
    ("nl", "Elke medewerker van Vinx tekent een verklaring dat hij geen gegevens zal gebruiken.",
     ["Vinx"], []),
    ("en", "Facebook and Instagram pixels are not present on this site.", [],
     ["facebook", "instagram"]),
    ("en", "We measure visits with Fathom Analytics, which uses no cookies at all.",
     ["Fathom Analytics"], []),
    ("en", "Delivery: DPD, Evri and Parcelforce.", ["DPD", "Evri", "Parcelforce"], []),
    ("en", "Card details are never stored by us; Stripe processes them.", ["stripe"], []),
])
def test_parties_and_negation_scope(lang: str, text: str, used: list[str],
                                    not_used: list[str]) -> None:
    found = find_parties(text, lang)
    assert (found.used, found.not_used) == (used, not_used)


def test_places_and_authorities_are_no_parties() -> None:
    found = find_parties("U kunt een klacht indienen bij de Autoriteit Persoonsgegevens; "
                         "wij leveren in Groningen, Friesland en Drenthe.", "nl")
    assert found.used == [] and found.not_used == []


def test_decoding() -> None:
    text = "Privacyverklaring Élodie: één café.\n" * 20
    assert decode(text.encode("utf-16")) == (text, "utf-16")
    assert decode(text.encode("utf-16-le"))[0] == text
    assert decode(text.encode("utf-8-sig"))[0] == text
    assert decode(text.encode("cp1252"))[0] == text
    assert decode(text.encode("utf-8")) == (text, "utf-8")


def test_pdf_is_refused_with_advice(tmp_path: Path) -> None:
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(b"%PDF-1.7\n...")
    with pytest.raises(Exception, match="pdftotext"):
        import_statement(pdf, "nl")


def test_html_furniture_is_skipped() -> None:
    page = ("<html><body><header><nav><a>Home</a><a>Winkelwagen</a></nav></header>"
            "<div role='navigation'>Menu item.</div><main><h1>Privacy</h1><p>Wij bewaren "
            "orders zeven jaar.</p><aside>Korting!</aside></main><footer>KvK 123</footer>"
            "</body></html>")
    text = html_to_text(page)
    assert "Wij bewaren orders zeven jaar." in text
    assert not any(w in text for w in ("Home", "Winkelwagen", "Menu item", "Korting", "KvK"))
    # Without <main>, everything but the furniture is read.
    text = html_to_text("<body><nav>Home</nav><p>Body text.</p><footer>Footer</footer></body>")
    assert "Body text." in text and "Home" not in text and "Footer" not in text


def test_everyday_words_do_not_make_data_centre_claims(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text("Wij branden elke week verse bonen in onze branderij.\n"
                    "Wij roosteren koffie en branden cacao.\n", encoding="utf-8")
    assert not import_statement(path, "nl").claims


def test_review_status_reaches_the_ledger(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text("Beveiligingsupdates worden binnen twee werkdagen geïnstalleerd.\n"
                    "Wij verkopen koffie.\n", encoding="utf-8")
    skeleton = import_statement(path, "nl")
    assert [line.sentence for line in skeleton.needs_review] == ["S001"]
    doc = yaml.safe_load(render_skeleton(skeleton))
    first, second = doc["ledger"]
    assert "needs_review" in first and "not_verifiable" not in first
    assert first["text"].startswith("Beveiligingsupdates")
    assert "not_verifiable" in second
    entries = [LedgerEntry("S001", "0", needs_review=first["needs_review"], text=first["text"]),
               LedgerEntry("S002", "0", not_verifiable="x")]
    rows = judge_ledger(entries, [])
    assert [r.verdict for r in rows] == [LedgerVerdict.NEEDS_REVIEW,
                                         LedgerVerdict.NOT_VERIFIABLE_REMOTELY]
    assert rows[0].text.startswith("Beveiligingsupdates")
    assert row_from_jsonable(row_to_jsonable(rows[0])) == rows[0]


def test_says_quotes_the_statement_and_masks_contact_data(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text("Bestelgegevens worden zeven jaar bewaard; vragen: privacy@shop.example of "
                    "0612345678.\n", encoding="utf-8")
    doc = yaml.safe_load(render_skeleton(import_statement(path, "nl")))
    says = doc["claims"][0]["says"]
    assert says.startswith("Bestelgegevens worden zeven jaar bewaard")
    assert "@" not in says and "0612345678" not in says
    assert "@" not in doc["ledger"][0]["text"]
