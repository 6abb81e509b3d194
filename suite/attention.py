"""Needs attention: one inbox for reviewers, built only from the modules' service functions and the review queue.

Four kinds of work, in one list, most urgent first and newest first within the same urgency:
tickets handed to staff (support), photos the detector sent to a person (inspection verdict REVIEW), open
market-risk alerts, and feedback waiting for review. Each entry says in words what it is and names the page
(and the item) that opens its card, in the language asked for (`needs_attention(store, language="zh_CN")`,
English by default), with the catalogue of suite/i18n.

    inbox = needs_attention(store)
    inbox.counts   # {"ticket": 2, "inspection": 1, "alert": 3, "feedback": 12}
    [e.title for e in inbox.entries]
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from suite import i18n
from suite.errors import SuiteError
from suite.inspect import service as inspect_service
from suite.modules import MODULES
from suite.review import Filters, list_feedback
from suite.review.cards import card_for
from suite.risk import service as risk_service
from suite.store import Store
from suite.support import service as support_service

logger = logging.getLogger(__name__)
KINDS = ("ticket", "inspection", "alert", "feedback")
PAGES = {  # the page that opens each kind's card, and the query parameter naming the item there
    "ticket": ("pages/support.py", "ticket"),
    "inspection": ("pages/inspect.py", "result"),
    "alert": ("pages/risk.py", "alert"),
    "feedback": ("pages/review.py", "item"),
}
PER_KIND = 100  # at most this many entries of each kind
_ALERT_URGENCY = {"high": 3, "medium": 2, "low": 1}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def kind_title(language: str, kind: str) -> str:
    """'Questions handed to staff', 'Photos to check', ... in the language."""
    return i18n.t(language, f"ui.attention.{kind}")


def urgency_words(language: str, urgency: int) -> str:
    """'Urgent', 'Soon', 'When you can' in the language ('' for an unknown urgency)."""
    return i18n.t(language, f"attention.urgency.{urgency}") if urgency in (1, 2, 3) else ""


@dataclass(frozen=True)
class Entry:
    """One thing waiting for a person, in words."""

    kind: str  # ticket / inspection / alert / feedback
    item_id: str
    ts: datetime | None
    urgency: int  # 3 urgent, 2 soon, 1 when you can
    title: str
    detail: str
    page: str
    param: str  # the page's query parameter naming the item
    image: str = ""  # a photo to show with the entry (inspection), as stored
    boxes: tuple[tuple[list[float], str], ...] = ()  # (box, label) to draw on it

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Inbox:
    entries: list[Entry] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # a source that could not be read, in words

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def sentence(self, language: str = i18n.DEFAULT) -> str:
        """ "Questions handed to staff: 2 · Photos to check: 1 · ..." (only kinds with something waiting)."""
        parts = [
            f"{kind_title(language, k)}: {i18n.number(language, self.counts[k])}" for k in KINDS if self.counts.get(k)
        ]
        return " · ".join(parts) if parts else i18n.t(language, "attention.nothing")

    def as_dict(self) -> dict[str, Any]:
        return {"entries": [e.as_dict() for e in self.entries], "counts": self.counts, "problems": self.problems}


def _tickets(store: Store, language: str) -> list[Entry]:
    entries = []
    for t in support_service.list_tickets(store, "open")[:PER_KIND]:
        who = t.user or i18n.t(language, "staff.attention.a_visitor")
        found = t.candidates[0].title if t.candidates else ""
        detail = (
            i18n.t(language, "staff.attention.ticket_closest", user=who, article=found)
            if found
            else i18n.t(language, "staff.attention.ticket", user=who)
        )
        title = i18n.t(language, "staff.attention.ticket_title", question=t.question)
        entries.append(Entry("ticket", t.ticket_id, t.ts, 3, title, detail, *PAGES["ticket"]))
    return entries


def _inspections(store: Store, language: str) -> list[Entry]:
    entries = []
    for w in inspect_service.waiting_reviews(store, limit=PER_KIND):
        who = w.user or i18n.t(language, "staff.attention.someone")
        if w.uncertain:
            boxes = i18n.tn(language, "staff.attention.uncertain_boxes", w.uncertain)
        else:
            boxes = i18n.t(language, "staff.attention.uncertain_some")
        detail = i18n.t(language, "staff.attention.inspection", boxes=boxes, user=who)
        marks = tuple((d.box, f"{d.class_name} {i18n.percent(language, d.confidence)}") for d in w.boxes)
        title = i18n.t(language, "staff.attention.inspection_title", name=w.image_name)
        entries.append(Entry("inspection", w.result_id, w.ts, 2, title, detail,
                             *PAGES["inspection"], image=w.image_path, boxes=marks))  # fmt: skip
    return entries


def _alerts(store: Store, language: str) -> list[Entry]:
    entries = []
    for a in risk_service.list_alerts(store, states=("open",), limit=PER_KIND):
        who = f"{a.company} ({a.ticker})" if a.company else a.ticker
        ts = a.created_at or datetime(a.day.year, a.day.month, a.day.day, tzinfo=UTC)
        known = a.severity in _ALERT_URGENCY
        severity = i18n.t(language, f"staff.attention.severity.{a.severity}") if known else str(a.severity)
        detail = i18n.t(
            language, "staff.attention.alert", severity=severity, day=i18n.when(language, a.day), reason=a.reason
        )
        if a.headlines:
            detail += i18n.t(language, "staff.attention.alert_headline", headline=a.headlines[0])
        urgency = _ALERT_URGENCY.get(a.severity, 2)
        title = i18n.t(language, "staff.attention.alert_title", company=who)
        entries.append(Entry("alert", a.alert_id, ts, urgency, title, detail, *PAGES["alert"]))
    return entries


def feedback_kind_title(language: str, english: str) -> str:
    """A review card's kind ('Tone corrected', 'Thumbs down', ...) in the language; as written when unknown."""
    key = "staff.card." + "_".join(english.lower().split())
    return i18n.t(language, key) if key in i18n.catalogue(i18n.DEFAULT) else english


def _feedback(store: Store, language: str) -> tuple[list[Entry], int]:
    titles = {m.key: i18n.t(language, f"module.{m.key}.title") for m in MODULES}
    items = list_feedback(store, Filters(state="new"), limit=10_000)
    items.sort(key=lambda i: i.ts or _EPOCH, reverse=True)
    entries = []
    for item in items[:PER_KIND]:
        card = card_for(item, titles, home=store.settings.home)
        kind = feedback_kind_title(language, card.kind_title)
        headline = card.headline if card.headline != card.kind_title else kind
        title = f"{card.module_title} · {kind}: {headline}"
        who = item.user or i18n.t(language, "staff.attention.someone")
        detail = i18n.t(language, "staff.attention.given", user=who, when=i18n.when(language, item.ts))
        entries.append(Entry("feedback", item.feedback_id, item.ts, 1, title, detail, *PAGES["feedback"]))
    return entries, len(items)


def needs_attention(store: Store, language: str = i18n.DEFAULT) -> Inbox:
    """Everything waiting for a reviewer, most urgent first, then newest first, said in `language`.

    A source that cannot be read right now (a module not set up yet, a busy database) is left out and said in
    `problems`; the others are still listed.
    """
    language = i18n.check_language(language)
    entries: list[Entry] = []
    counts: dict[str, int] = {}
    problems: list[str] = []
    for kind, read in (("ticket", _tickets), ("inspection", _inspections), ("alert", _alerts)):
        try:
            found = read(store, language)
        except SuiteError as err:
            problems.append(i18n.t(language, "staff.attention.unreadable", kind=kind_title(language, kind), error=err))
            continue
        entries += found
        counts[kind] = len(found)
    try:
        found, waiting = _feedback(store, language)
    except SuiteError as err:
        problems.append(
            i18n.t(language, "staff.attention.unreadable", kind=kind_title(language, "feedback"), error=err)
        )
    else:
        entries += found
        counts["feedback"] = waiting
    entries.sort(key=lambda e: (-e.urgency, -(e.ts or _EPOCH).timestamp()))
    return Inbox(entries, counts, problems)


def counts(store: Store) -> dict[str, int]:
    """How many of each kind wait (for the sidebar)."""
    return needs_attention(store).counts
