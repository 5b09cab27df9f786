"""The published lists behind the test-data rules (see ``docs/test-data.md`` for sources).

Plain data, so that a reviewer can read, extend or dispute any entry without reading code.
"""

from __future__ import annotations

from typing import Final

RESERVED_MAIL_SUFFIXES: Final = frozenset({
    # RFC 2606 section 2/3 and RFC 6761 section 6: never delegated, never anyone's mailbox.
    "example", "example.com", "example.net", "example.org", "test", "invalid", "localhost",
    # RFC 6762 (mDNS) and RFC 8375 (home networks): special-use, not reachable mail domains.
    "local", "home.arpa",
})

REAL_MAIL_PROVIDERS: Final = frozenset({
    # Large public mailbox providers: an address there is very likely somebody's.
    "gmail.com", "googlemail.com", "hotmail.com", "hotmail.nl", "outlook.com", "outlook.nl",
    "live.com", "live.nl", "msn.com", "yahoo.com", "yahoo.nl", "icloud.com", "me.com",
    "mac.com", "aol.com", "gmx.com", "gmx.net", "gmx.de", "web.de", "proton.me",
    "protonmail.com",
    # Dutch and Belgian internet providers.
    "ziggo.nl", "kpnmail.nl", "kpnplanet.nl", "planet.nl", "home.nl", "xs4all.nl",
    "hetnet.nl", "chello.nl", "upcmail.nl", "casema.nl", "quicknet.nl", "zeelandnet.nl",
    "telfort.nl", "tele2.nl", "online.nl", "solcon.nl", "caiway.nl", "kabelfoon.nl",
    "skynet.be", "telenet.be",
})

TEST_MARKERS: Final = (
    # Words that people put in made-up records; matched case-insensitively anywhere.
    "test", "dummy", "fake", "example", "voorbeeld", "lorem", "ipsum", "fictief",
    "fictitious", "demo", "john doe", "jane doe", "asdf", "qwerty", "xxx",
)

FICTIONAL_PHONE_PREFIXES: Final = (
    # Ofcom (UK) numbers reserved for drama: 07700 900xxx, 020 7946 0xxx, 0113..0191 496 0xxx.
    "07700900", "+447700900", "02079460", "+442079460",
    "01134960", "01144960", "01154960", "01164960", "01174960", "01184960",
    "01214960", "01314960", "01414960", "01514960", "01614960", "01914960",
    "+441134960", "+441214960", "+441614960",
    # North America: 555-01xx is reserved for fiction (shown with area code 1-xxx-555-01xx).
    "5550100", "15550100",
)

PUBLISHED_TEST_IBANS: Final = frozenset({
    # Example IBANs printed by banks, the Dutch Betaalvereniging and the ECBS/SWIFT registry.
    "NL91ABNA0417164300", "NL02ABNA0123456789", "NL69INGB0123456789", "NL20INGB0001234567",
    "NL18RABO0123459876", "NL44RABO0123456789", "DE89370400440532013000",
    "GB82WEST12345698765432", "GB29NWBK60161331926819", "GB33BUKB20201555555555",
    "FR1420041010050500013M02606", "BE68539007547034", "BE71096123456769",
    "ES9121000418450200051332", "IT60X0542811101000000123456", "CH9300762011623852957",
})

NL_BANK_CODES: Final = frozenset({
    # Bank codes (BIC prefixes) used in Dutch IBANs (Betaalvereniging register, abridged).
    "ABNA", "INGB", "RABO", "SNSB", "ASNB", "RBRB", "TRIO", "KNAB", "BUNQ", "FVLB", "HAND",
    "NWAB", "DEUT", "BNGH", "COBA", "FRBK", "ISBK", "LPLN", "NNBA", "REVO", "ARSN", "AEGO",
    "BCDM", "BICK", "BINK", "BITS", "BNPA", "CITC", "CITI", "DHBN", "EBUR", "FTSB", "GILL",
    "HSBC", "ICBK", "INSI", "KRED", "MHCB", "SOGE", "UGBI", "VOWA", "ZWLB", "ADYB", "MOYO",
    "NTSB", "BOFA", "CHAS", "HHBA", "UBSW",
})

PUBLISHED_TEST_CARDS: Final = frozenset({
    # Test card numbers published by card schemes and payment providers (Stripe, Adyen,
    # Mollie, PayPal, Braintree): they are accepted only in test mode.
    "4111111111111111", "4242424242424242", "4000056655665556", "4012888888881881",
    "4222222222222", "4444333322221111", "4000000000000002", "4000000000003220",
    "4000000000000077", "4000000000009995", "4917610000000000", "4462030000000000",
    "4988438843884305", "4166676667666746", "4646464646464644", "5555555555554444",
    "5105105105105100", "5200828282828210", "2223003122003222", "5454545454545454",
    "5500000000000004", "378282246310005", "371449635398431", "378734493671000",
    "6011111111111117", "6011000990139424", "3056930009020004", "30569309025904",
    "38520000023237", "3566002020360505", "3530111333300000", "6200000000000005",
})
