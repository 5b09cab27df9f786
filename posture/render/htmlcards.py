"""The administrator's finding cards of the HTML report, written here as escaped markup.

A fleet's report holds tens of thousands of findings: laid out by the Jinja2 template, each
card cost about a hundred template steps (one per tag, label and escape), most of the time of
rendering the page. Here a card is one string built from parts, each one escaped with
:func:`markupsafe.escape` exactly where the template's autoescaping escaped it, so the page is
byte for byte what the template wrote (the golden reports hold it to that). The words of the
cards stay in the template (``card_labels``, ``status_labels``, ...), translated there and
passed in as markup, so the message catalogs keep one source; the two rare parts that need
Jinja2's own formatting (a waiver's note, the plural of "more values") are macros of the
template, passed in too.

What comes from targets or the inventory is neutralised by :func:`~posture.sanitize.safe_text`
first, as everywhere in the report; texts that repeat from card to card (a check's title and
remediation, a fact source without a reason) are built once per report.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from markupsafe import Markup
from markupsafe import escape as markup_escape

from checks.base import known_reason
from posture.jsontext import ContentMemo, content_key, keep_newest, plain_tree
from posture.models import JSON, FactSource, Finding, Status, WaiverState
from posture.render.evidence import KEY_LIMIT, ROWS_SHOWN, VALUE_LIMIT, flat_rows
from posture.render.i18n import catalog_text
from posture.render.messages import MessageMemo
from posture.sanitize import safe_text
from posture.store.jsonable import to_jsonable

EVIDENCE_MEMO = 20_000
"""Distinct evidence tables kept per report, the newest (past it, the oldest goes)."""

ROW_MEMO = 50_000
"""Distinct evidence rows (key and value text) kept per report as table rows, the newest."""

TAIL_MEMO = 5_000
"""Distinct card ends (summary to the end) kept per report, the newest."""

_SPECIAL = re.compile("[&<>\"']")

FIELD_LIMIT = 4000
"""As :data:`posture.render.htmlview.FIELD_LIMIT`: the longest text field shown."""

Commands = Mapping[tuple[str, str, bool], str]
CardWriter = Callable[..., Iterator[Markup]]


def escape(value: str) -> str:
    """``markupsafe.escape(value)`` as text: a plain string without a character to escape
    (nearly every one) is returned as it is, without building markup."""
    if value.__class__ is str and _SPECIAL.search(value) is None:
        return value
    return str(markup_escape(value))


def neutral(value: str, limit: int = FIELD_LIMIT) -> str:
    """A target- or inventory-derived string, neutralised (HTML escaping comes after)."""
    return safe_text(value, limit, keep_newlines=True)


def waiver_brief(waiver: WaiverState | None) -> dict[str, Any] | None:
    """A waiver as the template's ``waiver_note`` shows it, or None."""
    if waiver is None:
        return None
    return {"id": neutral(waiver.id, 300), "reason": neutral(waiver.reason, 1000),
            "owner": neutral(waiver.owner, 300), "expires": neutral(waiver.expires, 20),
            "active": waiver.active}


def _content(finding: Finding) -> bytes | None:
    """The evidence's content key, made afresh (cards of findings without a result)."""
    return content_key(finding.evidence)


class _Cards:
    """Everything the cards of one report share; :meth:`write` makes them one at a time."""

    def __init__(self, findings: Sequence[Finding], anchors: Mapping[str, str],
                 commands: Commands, memo: MessageMemo, owners: Mapping[str, list[str]],
                 claim_anchors: Mapping[str, str],
                 key: Callable[[Finding], bytes | None] | None = None) -> None:
        self.findings, self.anchors, self.commands = findings, anchors, commands
        self.memo, self.lang = memo, memo.lang
        self.owners, self.claim_anchors = owners, claim_anchors
        self.key: Callable[[Finding], bytes | None] = key or _content
        # Report-wide memos keyed on values (never on object identity), so two cards share
        # a part only when the template would have written the same text for both.
        self.titles: dict[str, str] = {}
        self.remedies: dict[str, str] = {}
        self.sources: dict[tuple[str, str, str, bool], str] = {}
        self.evidence = ContentMemo(EVIDENCE_MEMO)  # the table of each evidence content
        # Bounded memos keep their newest entries (jsontext.keep_newest).
        self.tails: OrderedDict[tuple[Any, ...], str] = OrderedDict()
        self.same: OrderedDict[tuple[Any, ...], tuple[str, tuple[FactSource, ...], str]] = \
            OrderedDict()
        self.links: dict[tuple[str, ...], str] = {}
        self.rows: OrderedDict[tuple[str, str], str] = OrderedDict()  # each row's markup
        self.targets: OrderedDict[str, str] = OrderedDict()  # each target's name as shown

    def write(self, labels: Mapping[str, Markup], status: Mapping[str, Markup],
              severity: Mapping[str, Markup], facts: Mapping[str, Markup],
              waiver_note: Callable[[dict[str, Any]], Markup],
              more_values: Callable[[int], Markup]) -> Iterator[Markup]:
        """Each finding's card, in report order (the template's arguments, see the module)."""
        self.labels, self.status, self.severity = labels, status, severity
        self.facts, self.waiver_note, self.more_values = facts, waiver_note, more_values
        # Markup(text) for a plain str, without Markup.__new__'s Python-level checks (a card
        # is one str, never an object with __html__), once per card.
        make = str.__new__
        for finding in self.findings:
            yield make(Markup, self._card(finding))  # every part escaped in _card

    def _card(self, f: Finding) -> str:
        fid = f.id
        labels, state, anchor = self.labels, f.status._value_, escape(self.anchors[fid])
        target = self.targets.get(f.target)
        if target is None:  # a fleet's hosts each hold a few dozen findings
            target = escape(neutral(f.target, 300))
            keep_newest(self.targets, f.target, target, TAIL_MEMO * 10)
        out = [f'  <article class="card finding status-{state}" id="{anchor}">\n'
               f'    <h4 class="finding-head">\n'
               f'      <span class="status status-{state}">{self.status[state]}</span>\n'
               f'      <span class="mono">{escape(neutral(fid, 300))}</span>\n'
               f'    </h4>\n', self._title(f.title),
               f'    <dl class="finding-meta">\n'
               f'      <dt>{labels["target"]}</dt><dd class="mono">{target}</dd>\n'
               f'      <dt>{labels["severity"]}</dt><dd>{self.severity[f.severity._value_]}</dd>\n']
        claims = self.owners.get(fid)
        if claims:
            out.append(self._claims(tuple(claims)))
        if f.waiver is not None and (brief := waiver_brief(f.waiver)) is not None:
            out.append(f'<dt>{labels["waiver"]}</dt><dd>{self.waiver_note(brief)}</dd>')
        out.append(self._tail(f))
        return "".join(out)

    def _tail(self, f: Finding) -> str:
        """The card from its summary on: the same for every finding of equal summary,
        evidence content, fact sources, remediation and kind of status (a fleet's hosts
        repeat a few dozen), so made once for each (see :meth:`_tail_key`)."""
        content = self.key(f)
        if content is None:
            return self._made_tail(f, None, None)
        # The findings a judge memo shared share their summary and sources objects: their
        # tail is found by identity, without building the key of those values again. Each
        # entry holds the objects it names, so an id is never read for another object.
        ident = (id(f.summary), id(f.sources), content, f.remediation,
                 f.status is Status.PASS or f.status is Status.NOT_APPLICABLE)
        same = self.same.get(ident)
        if same is not None and same[0] is f.summary and same[1] is f.sources:
            return same[2]
        key = self._tail_key(f, content)
        text = self.tails.get(key) or self._made_tail(f, content, key)
        keep_newest(self.same, ident, (f.summary, f.sources, text), TAIL_MEMO)
        return text

    def _made_tail(self, f: Finding, content: bytes | None, key: tuple[Any, ...] | None) -> str:
        """:meth:`_tail` made (and kept under ``key`` when there is one)."""
        labels = self.labels
        summary = (self.memo.html(f.summary) if key is None
                   else self.memo.keyed_html(f.summary, key[0]))
        out = [f'    </dl>\n    <p class="summary">{summary}</p>\n']
        if f.evidence:
            out.append(self._evidence(f, content))
        if f.sources:
            out.append(f'    <h5>{labels["facts_used"]}</h5>\n    <ul class="sources">\n')
            out.extend(self._source(s) for s in f.sources)
            out.append("    </ul>\n")
        remedy = self._remedy(f.remediation)
        if remedy and f.status not in (Status.PASS, Status.NOT_APPLICABLE):
            out.append(f'    <h5>{labels["remediation"]}</h5>\n'
                       f'    <p class="remediation">{remedy}</p>\n')
        out.append("  </article>\n")
        text = "".join(out)
        if key is not None:
            keep_newest(self.tails, key, text, TAIL_MEMO)
        return text

    def _tail_key(self, f: Finding, content: bytes) -> tuple[Any, ...]:
        """Everything :meth:`_tail` reads, as the memos of its parts tell values apart: the
        summary and each source's reason as :class:`MessageMemo` keys them, the evidence by
        its content, a source as :meth:`_source` keys it, the remediation by its text."""
        key = self.memo.key
        sources = tuple([(s.key, s.status, s.command, s.privileged,
                          key(s.reason, 500) if s.reason else "") for s in f.sources])
        return (key(f.summary), content, sources, f.remediation,
                f.status is Status.PASS or f.status is Status.NOT_APPLICABLE)

    def _claims(self, claims: tuple[str, ...]) -> str:
        known = self.links.get(claims)
        if known is None:
            links = ", ".join(f'<a href="#{escape(self.claim_anchors[c])}" class="mono">'
                              f'{escape(neutral(c))}</a>' for c in claims)
            known = self.links[claims] = f'      <dt>{self.labels["claims"]}</dt><dd>{links}</dd>\n'
        return known

    def _title(self, title: str) -> str:
        known = self.titles.get(title)
        if known is None:
            text = neutral(catalog_text(self.lang, title), 500)
            known = self.titles[title] = f'<p class="title">{escape(text)}</p>' if text else ""
        return known

    def _remedy(self, remediation: str) -> str:
        known = self.remedies.get(remediation)
        if known is None:
            known = self.remedies[remediation] = str(escape(neutral(catalog_text(self.lang,
                                                                            remediation))))
        return known

    def _evidence(self, f: Finding, content: bytes | None) -> str:
        evidence = f.evidence
        # Equal content (exact types and order, see content_key) is the same table: a fleet's
        # findings repeat a few dozen. Evidence without a key (a message or an enum in it) is
        # laid out each time: a repr would not tell a str subclass from its text.
        known: str | None = self.evidence.get(content)
        if known is None:
            # Plain JSON data (nearly all evidence) is read as it is: to_jsonable would copy
            # it unchanged (tuples aside, whose rows are those of the list).
            known = self._table(evidence if plain_tree(evidence) else to_jsonable(evidence))
            self.evidence.put(content, known)
        return known

    def _table(self, data: JSON) -> str:
        # As data_rows(data) laid out: the first ROWS_SHOWN rows, each neutralised and
        # escaped. Evidence that differs from host to host (a process id, an address) still
        # repeats most of its rows, so each distinct row's markup is made once.
        rows = flat_rows(data)
        if not rows:
            return ""
        known, parts = self.rows, []
        for row in rows[:ROWS_SHOWN]:
            text = known.get(row)
            if text is None:
                text = (f'<tr><th scope="row" class="mono">{escape(safe_text(row[0], KEY_LIMIT))}'
                        f'</th><td class="mono">{escape(safe_text(row[1], VALUE_LIMIT))}</td></tr>')
                keep_newest(known, row, text, ROW_MEMO)
            parts.append(text)
        left_out = max(len(rows) - ROWS_SHOWN, 0)
        more = f'<p class="more">{self.more_values(left_out)}</p>' if left_out else ""
        return (f'    <h5>{self.labels["evidence"]}</h5>\n'
                f'    <table class="evidence kv"><tbody>\n{"".join(parts)}    </tbody></table>\n'
                f'{more}')

    def _source(self, s: FactSource) -> str:
        key = (s.key, s.status, s.command, s.privileged)
        if not s.reason and key in self.sources:
            return self.sources[key]
        status = neutral(s.status, 20)
        line = [f'      <li><span class="mono">{escape(neutral(s.key, 200))}</span>: '
                f'{self.facts.get(status) or escape(status)}']
        if s.privileged:
            line.append(f' ({self.labels["with_sudo"]})')
        anchor = self.commands.get((s.key, s.command, s.privileged), "")
        if anchor:
            line.append(f' – <a href="#{escape(anchor)}">{self.labels["command"]}</a>')
        reason = self.memo.html(known_reason(s.reason), 500)
        if reason:
            line.append(f" – {reason}")
        line.append("</li>\n")
        text = "".join(line)
        if not s.reason:
            self.sources[key] = text
        return text


def finding_cards(findings: Sequence[Finding], anchors: Mapping[str, str], commands: Commands,
                  memo: MessageMemo, owners: Mapping[str, list[str]],
                  claim_anchors: Mapping[str, str],
                  key: Callable[[Finding], bytes | None] | None = None) -> CardWriter:
    """The template's ``report.finding_cards(...)``: the cards of ``findings`` (report order).

    ``key`` gives the content key of a finding's evidence
    (:meth:`~posture.models.ScanResult.evidence_key`, made once for all formats)."""
    return _Cards(findings, anchors, commands, memo, owners, claim_anchors, key).write
