"""The web reference tables: which party serves a host (the most specific domain wins), how a
cookie is classified (domain first, then the whole name), and the tables' own validation."""

from __future__ import annotations

from typing import Any

import pytest

from checks.websites import webdata
from checks.websites.webdata import (
    Processor,
    classify_cookie,
    processor,
    processor_for_host,
    processors,
)

GA = "google-analytics"


def test_processors_are_read_in_file_order_with_lower_case_domains() -> None:
    table = processors()
    assert table[0] == Processor(GA, ("Google Analytics", "Google Tag Manager", "gtag"),
                                 "analytics", ("google-analytics.com", "googletagmanager.com",
                                               "analytics.google.com"))
    assert table[1].id == "google"
    assert all(d == d.lower() for p in table for d in p.domains)
    assert len({p.id for p in table}) == len(table)


@pytest.mark.parametrize(("ident", "found"), [
    ("stripe", "stripe"), ("google", "google"), ("Stripe", None), ("strip", None), ("", None),
])
def test_processor_by_id(ident: str, found: str | None) -> None:
    got = processor(ident)
    assert (got.id if got else None) == found


@pytest.mark.parametrize(("host", "party"), [
    ("analytics.google.com", GA),            # more specific than google.com
    ("x.analytics.google.com", GA),
    ("www.google.com", "google"),
    ("google.com", "google"),
    ("GOOGLE.COM.", "google"),
    ("js.stripe.com", "stripe"),
    ("notstripe.com", None),
    ("stripe.com.evil.test", None),
    ("", None),
    ("cdnjs.cloudflare.com", "cloudflare"),
])
def test_processor_for_host(host: str, party: str | None) -> None:
    got = processor_for_host(host)
    assert (got.id if got else None) == party


def _fake(*table: Processor) -> Any:
    return lambda: table


def test_the_longest_domain_wins_whatever_the_order(monkeypatch: pytest.MonkeyPatch) -> None:
    short = Processor("short", ("Short",), "cdn", ("a.test",))
    long = Processor("long", ("Long",), "cdn", ("b.a.test",))
    same = Processor("same", ("Same",), "cdn", ("b.a.test",))
    for table, winner in (((short, long), "long"), ((long, short), "long"),
                          ((long, same), "long"), ((same, long), "same")):
        monkeypatch.setattr(webdata, "processors", _fake(*table))
        got = processor_for_host("c.b.a.test")
        assert got is not None and got.id == winner
        other = processor_for_host("c.a.test")
        assert other is not None and other.id == "short" if short in table else other is None


@pytest.mark.parametrize(("host", "serves"), [
    ("stripe.com", True), ("js.stripe.com", True), ("JS.Stripe.COM.", True),
    ("notstripe.com", False), ("stripe.com.test", False), ("stripe.network", True),
])
def test_a_processor_serves_its_domains(host: str, serves: bool) -> None:
    stripe = processor("stripe")
    assert stripe is not None and stripe.serves(host) is serves


@pytest.mark.parametrize(("name", "domain", "category"), [
    ("OCSESSID", "", "strictly_necessary"),
    ("PHPSESSID", "shop.test", "strictly_necessary"),
    ("xPHPSESSID", "", "unclassified"),           # the whole name must match
    ("PHPSESSIDx", "", "unclassified"),
    ("language", "", "functional"),
    ("_ga", "", "analytics"),
    ("_ga_ABC123", "", "analytics"),
    ("_fbp", "", "marketing"),
    ("ocsessid", "", "unclassified"),             # names are case-sensitive
    ("language", "doubleclick.net", "marketing"),  # the domain decides first
    ("language", ".doubleclick.net", "marketing"),
    ("language", "ad.DoubleClick.net", "marketing"),
    ("language", "notdoubleclick.net", "functional"),
    ("zz", "stats.google-analytics.com", "analytics"),
    ("zz", "", "unclassified"),
])
def test_classify_cookie(name: str, domain: str, category: str) -> None:
    assert classify_cookie(name, domain) == category


def test_classify_cookie_domain_defaults_to_none() -> None:
    assert classify_cookie("_ga") == "analytics"


class _Files:
    def __init__(self, text: str) -> None:
        self.text = text
        self.asked: list[tuple[str, ...]] = []

    def files(self, package: str) -> _Files:
        self.asked.append((package,))
        return self

    def joinpath(self, *parts: str) -> _Files:
        self.asked.append(parts)
        return self

    def read_text(self, encoding: str) -> str:
        assert encoding == "utf-8"
        return self.text


def test_a_table_that_is_not_a_mapping_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _Files("- a\n- b\n")
    monkeypatch.setattr(webdata, "resources", fake)
    with pytest.raises(ValueError, match=r"^checks/data/x\.yml: expected a mapping$"):
        webdata._load("x.yml")
    assert fake.asked == [("checks",), ("data", "x.yml")]


def test_a_table_is_read_from_checks_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webdata, "resources", _Files("a: 1\n"))
    assert webdata._load("y.yml") == {"a": 1}


def _rules(monkeypatch: pytest.MonkeyPatch, data: dict[str, Any]) -> Any:
    monkeypatch.setattr(webdata, "_load", lambda name: data if name == "cookies.yml" else {})
    return webdata._cookie_rules.__wrapped__()


def test_cookie_rules_are_compiled_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    names, domains = _rules(monkeypatch, {
        "names": [{"pattern": "a+", "category": "functional"}],
        "domains": [{"suffix": "Ads.TEST", "category": "marketing"}]})
    assert [(p.pattern, c) for p, c in names] == [("a+", "functional")]
    assert domains == (("ads.test", "marketing"),)


@pytest.mark.parametrize("where", ["names", "domains"])
def test_an_unknown_cookie_category_is_refused(monkeypatch: pytest.MonkeyPatch,
                                               where: str) -> None:
    data: dict[str, Any] = {"names": [{"pattern": "a", "category": "functional"}],
                            "domains": [{"suffix": "a.test", "category": "analytics"}]}
    data[where][0]["category"] = "tracking"
    with pytest.raises(ValueError, match=r"^checks/data/cookies\.yml: unknown category "
                                         r"'tracking'$"):
        _rules(monkeypatch, data)
