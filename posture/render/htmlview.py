"""The view model of the HTML report: plain, neutralised data the template only lays out.

The template translates status codes (``contradicted``, ``access``...) into sentences of the
report's language; posture's own sentences that carry data (finding summaries, claim reasons:
:class:`~posture.models.Msg`) are translated here by :mod:`posture.render.messages`, which
returns escaped markup with the data inside ``<span class="tgt">``. What else comes from
targets or the inventory passes :func:`_t` (visible escapes for control and bidi characters,
bounded length); HTML escaping is Jinja2's job. The owner's page (card order, the three steps
that raise the score most) comes from :mod:`posture.render.owner`.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from urllib.parse import urlsplit

from checks.base import known_reason
from posture.judge.score import CREDITS, GRADE_BANDS, GRADE_CAPS, WEIGHTS
from posture.models import ClaimResult, Finding, ScanResult, Status, Verdict, WaiverState
from posture.render.charts import gauge_arc, gauge_track, trend_dots, trend_polyline
from posture.render.common import SEVERITY_ORDER, claims_by_finding, finding_sort_key
from posture.render.htmlcards import finding_cards, waiver_brief
from posture.render.htmlcards import neutral as _t
from posture.render.i18n import catalog_text
from posture.render.ledger_view import claim_sentences, ledger_view
from posture.render.messages import MessageMemo, message_html
from posture.render.owner import ACTIONS_SHOWN, Action, actions, card_order, shown_verdict
from posture.store.history import ReportHistory
from posture.store.results import summary_counts

COMMAND_LIMIT = 6000
FOUND_SHOWN = 2
"""Finding summaries shown per claim on the owner's page; the rest is in the admin part."""


def https_url(value: str) -> str:
    """``value`` when it is a plain https URL we may link to, else ``""`` (shown as text)."""
    if not value or value != value.strip() or not value.isprintable() or " " in value:
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    return value if parts.scheme == "https" and parts.netloc and "@" not in parts.netloc else ""


def build_view(result: ScanResult, lang: str, history: ReportHistory) -> dict[str, Any]:
    """Everything the template shows."""
    ordered = sorted(result.findings, key=finding_sort_key)
    anchors = {f.id: f"f-{n}" for n, f in enumerate(ordered, start=1)}
    cards = card_order(result.claims)
    claim_anchors = {c.id: f"c-{n}" for n, c in enumerate(cards, start=1)}
    sentences = claim_sentences(result)
    says_lang = _t(str(result.statement.get("language", "")), 12) or "en"
    owners = claims_by_finding(result)
    commands = _commands(ordered)
    by_id = {f.id: f for f in result.findings}
    url = str(result.statement.get("url", ""))
    memo = MessageMemo(lang)
    return {
        "lang": lang,
        "organisation": _t(result.organisation, 300),
        "statement_title": _t(str(result.statement.get("title", "")), 500),
        "statement_url": _t(url, 500),
        "statement_link": https_url(url),
        "started_at": _t(result.started_at, 64),
        "finished_at": _t(result.finished_at, 64),
        "scan_time": _t(result.scan_time, 64),
        "tool_version": _t(result.tool_version, 64),
        "inventory_sha256": _t(result.inventory_sha256, 128),
        "facts_sha256": _t(result.facts_sha256, 128),
        "score": _score_view(result, lang),
        "summary": summary_counts(result),
        "verdicts": _verdict_counts(result),
        "waived_count": sum(c.waived for c in result.claims),
        "says_lang": says_lang,
        "actions": [_action_view(a, lang, anchors) for a in actions(result)[:ACTIONS_SHOWN]],
        "claims": [_claim_view(c, claim_anchors[c.id], by_id, anchors, memo,
                               sentences.get(c.id, ""))
                   for c in cards],
        "finding_cards": finding_cards(ordered, anchors, commands, memo, owners, claim_anchors,
                                       result.evidence_key),
        "commands": [{"anchor": a, "key": _t(k, 200), "command": _t(c, COMMAND_LIMIT),
                      "privileged": p} for (k, c, p), a in commands.items()],
        "hosts": [{"name": _t(h.name, 300), "reachable": h.reachable,
                   "host_key": _t(h.host_key, 300), "round_trips": h.round_trips,
                   "errors": [memo.html(known_reason(e)) for e in h.errors]}
                  for h in result.hosts],
        "trend": _trend_view(history),
        "changes": _changes_view(history, lang),
        "waivers": [_waiver_view(w, result) for w in result.waivers],
        "formula": _formula(),
        "ledger": ledger_view(result, claim_anchors, lang),
    }


_DECIMAL_POINT = {"en": ".", "nl": ","}
"""The decimal sign of each report language (CLDR's, as Babel gives it)."""
_ONE_DECIMAL = re.compile(r"[+-]?0\.0")


def decimal(value: float, lang: str, pattern: str = "0.0") -> str:
    """A score-like number with one decimal in the language's notation (17.9 / 17,9).

    ``pattern`` is a CLDR number pattern; the ones of this report (``0.0``, ``+0.0``,
    ``+0.0;-0.0``) are formatted here exactly as Babel's ``format_decimal`` would, without
    loading Babel's locale data (a noticeable share of a small report's time); any other
    pattern or language goes to Babel.
    """
    point = _DECIMAL_POINT.get(lang)
    positive, _, negative = pattern.partition(";")
    number = Decimal(str(round(value, 1)))
    if (point is None or not number.is_finite() or not _ONE_DECIMAL.fullmatch(positive)
            or (negative and not _ONE_DECIMAL.fullmatch(negative))):
        from babel.numbers import format_decimal

        return str(format_decimal(round(value, 1), format=pattern, locale=lang))
    # Babel: the sign of -0.0 counts; without a negative subpattern, "-" + the positive one.
    shown = (negative or "-" + positive) if number.is_signed() else positive
    digits = str(abs(number).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN))
    return shown[:-3] + digits.replace(".", point)


def _verdict_counts(result: ScanResult) -> dict[str, int]:
    """Claims per shown verdict: attestations that hold count as attested, not verified."""
    shown = [shown_verdict(c) for c in result.claims]
    keys = ("verified", "attested", "contradicted", "inconclusive", "not_verifiable")
    return {"total": len(shown), **{k: shown.count(k) for k in keys}}


def _action_view(action: Action, lang: str, anchors: dict[str, str]) -> dict[str, Any]:
    first = action.first
    return {"check": _t(action.check, 200), "kind": action.kind, "who": action.who,
            "gain": f"{action.gain:.1f}", "gain_shown": decimal(action.gain, lang, "+0.0"),
            "title": _t(catalog_text(lang, first.title), 500),
            "remediation": _t(catalog_text(lang, first.remediation)),
            "count": len(action.findings), "anchor": anchors.get(first.id, ""),
            "targets": [_t(f.target, 120) for f in action.findings[:4]],
            "more_targets": max(len(action.findings) - 4, 0)}


def _score_view(result: ScanResult, lang: str) -> dict[str, Any]:
    score = result.score
    # The method paragraph is an English formula id; other languages get the id only (the
    # appendix explains the formula in the report's language).
    method = score.method if lang == "en" else score.method.split(":", 1)[0]
    return {
        "value": decimal(score.value, lang),
        "grade": _t(score.grade, 4),
        "grade_class": score.grade if score.grade in tuple("ABCDEF") else "F",
        "coverage": f"{score.coverage * 100:.0f}",
        "method": _t(method),
        "arc": gauge_arc(score.value / 100.0),
        "track": gauge_track(),
    }


def _remedy(finding: Finding, lang: str) -> str:
    """The check's remediation in ``lang`` (static catalogue text), else the finding's summary."""
    if finding.remediation:
        return _t(catalog_text(lang, finding.remediation))
    return message_html(finding.summary, lang)


def _first_step(claim: ClaimResult, findings: list[Finding], lang: str) -> tuple[str, str]:
    """(kind, text) of what to do first: fix, access, scope, improve, waived or none."""
    if claim.waived:
        return "waived", ""
    # The first of the most severe (min keeps the first of equals, as a stable sort does).
    fails = [f for f in findings if f.status is Status.FAIL]
    if fails:
        return "fix", _remedy(min(fails, key=_severity_rank), lang)
    if any(f.status is Status.ERROR for f in findings):  # the summaries say what is missing
        return "access", ""
    if claim.verdict is Verdict.NOT_VERIFIABLE:
        return "scope", message_html(claim.reason, lang)
    warns = [f for f in findings if f.status is Status.WARN]
    if warns:
        return "improve", _remedy(min(warns, key=_severity_rank), lang)
    return "none", ""


def _severity_rank(finding: Finding) -> int:
    return SEVERITY_ORDER[finding.severity]


_UNMET = frozenset({Status.FAIL, Status.ERROR, Status.WARN})


def _found(findings: list[Finding], memo: MessageMemo,
           anchors: dict[str, str]) -> list[dict[str, Any]]:
    """Summaries of what keeps the claim from being verified, distinct, worst first."""
    # Picked out before sorting: a stable sort keeps their order either way.
    unmet = sorted([f for f in findings if f.status in _UNMET], key=finding_sort_key)
    shown: dict[str, dict[str, Any]] = {}
    for finding in unmet:
        text = memo.html(finding.summary, 600)
        if text not in shown:
            shown[text] = {"text": text, "status": finding.status.value,
                           "anchor": anchors.get(finding.id, "")}
    return list(shown.values())


def _claim_view(claim: ClaimResult, anchor: str, by_id: dict[str, Finding],
                anchors: dict[str, str], memo: MessageMemo, sentence: str) -> dict[str, Any]:
    lang = memo.lang
    found = [f for fid in claim.findings if (f := by_id.get(fid)) is not None]
    kind, step = _first_step(claim, found, lang)
    tally = Counter([f.status for f in found])
    counts = {s.value: tally[s] for s in Status}
    distinct = _found(found, memo, anchors)
    # Only errors: one example is enough to say what is missing; the details list the rest.
    shown = 1 if kind == "access" else FOUND_SHOWN
    return {
        "anchor": anchor,
        "id": _t(claim.id, 200),
        "type": _t(claim.type, 200),
        "says": _t(sentence or claim.says, 600),
        "shown": shown_verdict(claim),
        "reason": message_html(claim.reason, lang) if claim.reason else "",
        "counts": counts,
        "found": distinct[:shown],
        "more": max(len(distinct) - shown, 0),
        "first_finding": next((i["anchor"] for i in distinct), ""),
        "step_kind": kind,
        "step": step,
        "waived": claim.waived,
        "waiver": waiver_brief(claim.waiver),
    }


def _commands(findings: list[Finding]) -> dict[tuple[str, str, bool], str]:
    """Each distinct (fact key, command, privileged) once, with an anchor, in report order."""
    table: dict[tuple[str, str, bool], str] = {}
    for finding in findings:
        for src in finding.sources:
            key = (src.key, src.command, src.privileged)
            if src.command and key not in table:
                table[key] = f"cmd-{len(table) + 1}"
    return table


def _waiver_view(waiver: WaiverState, result: ScanResult) -> dict[str, Any]:
    ids = {c.id for c in result.claims} | {f.id for f in result.findings}
    ids |= {f.id.partition("#")[0] for f in result.findings}
    return {**(waiver_brief(waiver) or {}), "matched": waiver.id in ids}


def _trend_view(history: ReportHistory) -> dict[str, Any]:
    dots = trend_dots([(p.started_at, p.score, p.grade) for p in history.trend])
    return {"dots": dots, "line": trend_polyline(dots), "count": len(dots)}


def _changes_view(history: ReportHistory, lang: str) -> dict[str, Any] | None:
    changes = history.changes
    if changes is None:
        return None
    groups = {name: [{"kind": c.kind, "id": _t(c.id, 300), "before": c.before, "after": c.after}
                     for c in changes.group(name)]
              for name in ("regressed", "new", "fixed", "changed", "gone")}
    return {"previous": _t(history.previous_started_at, 64),
            "old_score": decimal(changes.old_score[0], lang),
            "old_grade": _t(changes.old_score[1], 4),
            "delta": decimal(changes.new_score[0] - changes.old_score[0], lang, "+0.0;-0.0"),
            "groups": groups, "empty": not changes.items}


def _formula() -> dict[str, Any]:
    """The score's constants, printed in the appendix so the number can be checked by hand."""
    return {
        "weights": [(s.value, w) for s, w in WEIGHTS.items()],
        "credits": [(s.value, f"{c:g}") for s, c in CREDITS.items()],
        "bands": [(g, f"{floor:g}") for floor, g in GRADE_BANDS],
        "caps": [(s.value, g) for s, g in GRADE_CAPS.items()],
    }
