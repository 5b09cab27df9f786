"""Checks of what a shop's pages do in a visitor's browser: cookies and third parties.

Both judge the ``web.crawl`` fact (a bounded same-site crawl, no JavaScript) with the
readable tables in ``checks/data`` (:mod:`checks.websites.webdata`). Nothing here has clicked a
consent banner, so everything observed happened before any interaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from checks.base import Check, CheckContext, CheckMeta, Outcome, capped, missing, param_error
from checks.websites.webdata import (
    CATEGORIES,
    classify_cookie,
    processor,
    processor_for_host,
    processors,
)
from posture.models import Severity, Status, msg

CRAWL = "web.crawl"
_REFS = ("https://eur-lex.europa.eu/eli/dir/2002/58/oj (ePrivacy, art. 5(3))",
         "https://www.edpb.europa.eu/our-work-tools/our-documents/guidelines/guidelines-052020-consent-under-regulation-2016679_en")
DEFAULT_ALLOWED = ("strictly_necessary", "functional")
_SCRIPT_KINDS = {"script", "script-inline", "iframe", "img"}


def _crawl(ctx: CheckContext) -> Mapping[str, Any] | Outcome:
    value = ctx.fact(CRAWL).value
    if not isinstance(value, dict) or not value.get("page_count"):
        return Outcome(Status.ERROR, msg("could not determine: no page of the site could be "
                                         "read"),
                       {"fact": CRAWL})
    return value


def _allowed(ctx: CheckContext) -> set[str] | Outcome:
    raw = ctx.params.get("allowed", list(DEFAULT_ALLOWED))
    if not isinstance(raw, list) or any(c not in CATEGORIES for c in raw):
        return param_error(f"expect.allowed: a list of {', '.join(CATEGORIES)}")
    return {"strictly_necessary", *raw}


def _implied(resources: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Analytics/marketing parties whose scripts load on the first page (they set cookies)."""
    out = []
    for res in resources:
        proc = processor_for_host(str(res.get("host")))
        if proc and proc.category in ("analytics", "marketing") and res.get("first_page") \
                and set(res.get("kinds", [])) & _SCRIPT_KINDS:
            out.append({"host": res["host"], "party": proc.id, "category": proc.category})
    return out


def _cookie_rows(cookies: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for c in cookies:
        name = str(c.get("name", ""))
        category = classify_cookie(name, str(c.get("domain")))
        rows.setdefault(name, {"name": name, "category": category,
                               "secure": c.get("secure"), "httponly": c.get("httponly"),
                               "samesite": c.get("samesite") or None,
                               "persistent": c.get("persistent"),
                               "before_interaction": bool(c.get("first_page"))})
    return list(rows.values())


def _cookies(ctx: CheckContext) -> Outcome:
    gone = missing(ctx, CRAWL)
    crawl = gone or _crawl(ctx)
    if isinstance(crawl, Outcome):
        return crawl
    allowed = _allowed(ctx)
    if isinstance(allowed, Outcome):
        return allowed
    rows = _cookie_rows(crawl.get("cookies", []))
    implied = _implied(crawl.get("resources", []))
    bad = [r["name"] for r in rows if r["category"] not in allowed | {"unclassified"}]
    bad_scripts = [i for i in implied if i["category"] not in allowed]
    early = [r["name"] for r in rows if r["category"] == "analytics" and r["before_interaction"]]
    evidence = {"pages": crawl.get("page_count"), "allowed": sorted(allowed),
                "cookies": capped(rows), "trackers_before_interaction": capped(implied),
                "insecure_cookies": [r["name"] for r in rows if not r["secure"]][:50]}
    if bad or bad_scripts:
        names = bad + [i["party"] for i in bad_scripts]
        return Outcome(Status.FAIL, msg("Cookies or trackers outside the promised "
                                        "categories: {items}.", items=', '.join(names[:10])),
                       evidence)
    unknown = [r["name"] for r in rows if r["category"] == "unclassified"]
    if early or implied:
        first = (early + [i["party"] for i in implied])[:10]
        return Outcome(Status.WARN, msg("Analytics runs before the visitor could consent: "
                                        "{items}.", items=", ".join(first)), evidence)
    if unknown:
        return Outcome(Status.WARN, msg("Cookies no rule classifies: {items}.",
                                        items=', '.join(unknown[:10])),
                       evidence)
    pages = msg("on {n} page", "on {n} pages", n=int(crawl["page_count"]))  # > 0: see _crawl
    return Outcome(Status.PASS, msg("{n} cookie {pages}, within the promised categories.",
                                    "{n} cookies {pages}, all within the promised categories.",
                                    n=len(rows), pages=pages), evidence)


COOKIES = Check(CheckMeta(
    id="web.cookies_functional_only",
    title="The site sets only the cookie categories the statement allows",
    claim_types=("cookies_functional_only",),
    severity=Severity.HIGH,
    rationale="Analytics and marketing cookies need consent before they are set; a statement "
              "that promises functional cookies only is broken by any tracker on the pages.",
    remediation="Remove the trackers, or load them only after consent and say so in the "
                "statement; classify own cookies in checks/data/cookies.yml if needed.",
    references=_REFS, needs=(CRAWL,), target="endpoint"), _cookies)


def _declared(ctx: CheckContext, key: str) -> tuple[set[str], set[str]] | Outcome:
    """(processor ids, plain domains) named in ``expect.key``."""
    raw = ctx.params.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        return param_error(f"expect.{key}: a list of processor ids, names or domains")
    ids: set[str] = set()
    domains: set[str] = set()
    for item in raw:
        low = item.strip().lower()
        known = processor(low) or next((p for p in processors()
                                        if low in (n.lower() for n in p.names)), None)
        if known:
            ids.add(known.id)
        else:
            domains.add(low.removeprefix("www."))
    return ids, domains


def _party(host: str, ids: set[str], domains: set[str]) -> tuple[str, bool]:
    proc = processor_for_host(host)
    covered = any(host == d or host.endswith("." + d) for d in domains)
    return (proc.id if proc else "unknown"), covered or bool(proc and proc.id in ids)


def _third_parties(ctx: CheckContext) -> Outcome:
    gone = missing(ctx, CRAWL)
    crawl = gone or _crawl(ctx)
    if isinstance(crawl, Outcome):
        return crawl
    declared, not_used, first = (_declared(ctx, k) for k in ("declared", "not_used",
                                                              "first_party"))
    for part in (declared, not_used, first):
        if isinstance(part, Outcome):
            return part
    assert not isinstance(declared, Outcome) and not isinstance(not_used, Outcome)
    assert not isinstance(first, Outcome)
    seen: list[dict[str, Any]] = []
    for res in crawl.get("resources", []):
        host = str(res.get("host", ""))
        if _party(host, first[0], first[1])[1]:
            continue
        party, ok = _party(host, *declared)
        seen.append({"host": host, "party": party, "kinds": res.get("kinds", []),
                     "declared": ok, "excluded": _party(host, *not_used)[1]})
    undeclared = [s for s in seen if not s["declared"] or s["excluded"]]
    present = {s["party"] for s in seen}
    absent = sorted(declared[0] - present)
    evidence = {"pages": crawl.get("page_count"), "third_parties": capped(seen),
                "undeclared": [s["host"] for s in undeclared][:50],
                "declared_not_seen": absent, "crawl_complete": bool(crawl.get("complete"))}
    if undeclared:
        hosts = ", ".join(s["host"] for s in undeclared[:8])
        return Outcome(Status.FAIL, msg("{n} third party loaded but not named (or named as not "
                                        "used): {hosts}.", "{n} third parties loaded but not "
                                        "named (or named as not used): {hosts}.",
                                        n=len(undeclared), hosts=hosts), evidence)
    unseen = msg("{n} named but not seen", "{n} named but not seen", n=len(absent))
    return Outcome(Status.PASS, msg("{n} third-party host loaded, named in the statement; "
                                    "{unseen}.", "{n} third-party hosts loaded, all named in "
                                    "the statement; {unseen}.", n=len(seen), unseen=unseen),
                   evidence)


THIRD_PARTIES = Check(CheckMeta(
    id="web.third_parties_declared",
    title="Every third party the pages load is named in the statement",
    claim_types=("third_parties_declared",),
    severity=Severity.MEDIUM,
    rationale="Scripts, frames, images and forms from another party send it the visitor's "
              "IP address and browsing; a statement must name every such recipient.",
    remediation="Name the party in the statement (and expect.declared), or remove it.",
    references=("https://eur-lex.europa.eu/eli/reg/2016/679/oj (GDPR, art. 13(1)(e))",),
    needs=(CRAWL,), target="endpoint"), _third_parties)
