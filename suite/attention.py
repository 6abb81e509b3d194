"""Needs attention: one inbox for reviewers, built only from the modules' service functions and the review queue.

Four kinds of work, in one list, most urgent first and newest first within the same urgency:
tickets handed to staff (support), photos the detector sent to a person (inspection verdict REVIEW), open
market-risk alerts, and feedback waiting for review. Each entry says in words what it is and names the page
(and the item) that opens its card.

    inbox = needs_attention(store)
    inbox.counts   # {"ticket": 2, "inspection": 1, "alert": 3, "feedback": 12}
    [e.title for e in inbox.entries]
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from suite.errors import SuiteError
from suite.inspect import service as inspect_service
from suite.modules import MODULES
from suite.review import Filters, list_feedback
from suite.review.cards import card_for, when
from suite.risk import service as risk_service
from suite.store import Store
from suite.support import service as support_service

logger = logging.getLogger(__name__)
KINDS = ("ticket", "inspection", "alert", "feedback")
KIND_TITLES = {
    "ticket": "Questions handed to staff",
    "inspection": "Photos to check",
    "alert": "Open risk alerts",
    "feedback": "Feedback to review",
}
URGENCY_WORDS = {3: "Urgent", 2: "Soon", 1: "When you can"}
PAGES = {  # the page that opens each kind's card, and the query parameter naming the item there
    "ticket": ("pages/support.py", "ticket"),
    "inspection": ("pages/inspect.py", "result"),
    "alert": ("pages/risk.py", "alert"),
    "feedback": ("pages/review.py", "item"),
}
PER_KIND = 100  # at most this many entries of each kind
_ALERT_URGENCY = {"high": 3, "medium": 2, "low": 1}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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

    @property
    def urgency_words(self) -> str:
        return URGENCY_WORDS.get(self.urgency, "")

    @property
    def when(self) -> str:
        return when(self.ts)

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

    def sentence(self) -> str:
        """ "2 questions handed to staff · 1 photo to check · ..." (only kinds with something waiting)."""
        parts = [f"{KIND_TITLES[k]}: {self.counts[k]}" for k in KINDS if self.counts.get(k)]
        return " · ".join(parts) if parts else "Nothing needs attention."

    def as_dict(self) -> dict[str, Any]:
        return {"entries": [e.as_dict() for e in self.entries], "counts": self.counts, "problems": self.problems}


def _tickets(store: Store) -> list[Entry]:
    entries = []
    for t in support_service.list_tickets(store, "open")[:PER_KIND]:
        found = t.candidates[0].title if t.candidates else ""
        detail = f"Asked by {t.user or 'a visitor'}; the assistant was not sure" + (
            f" (closest article: {found})" if found else ""
        )
        title = f"Question for staff: {t.question}"
        entries.append(Entry("ticket", t.ticket_id, t.ts, 3, title, detail, *PAGES["ticket"]))
    return entries


def _inspections(store: Store) -> list[Entry]:
    entries = []
    for w in inspect_service.waiting_reviews(store, limit=PER_KIND):
        boxes = f"{w.uncertain} uncertain box{'es' if w.uncertain != 1 else ''}" if w.uncertain else "uncertain boxes"
        detail = f"The detector was not sure ({boxes}); checked by {w.user or 'someone unnamed'}"
        marks = tuple((d.box, f"{d.class_name} {d.confidence:.0%}") for d in w.boxes)
        entries.append(Entry("inspection", w.result_id, w.ts, 2, f"Photo to check: {w.image_name}", detail,
                             *PAGES["inspection"], image=w.image_path, boxes=marks))  # fmt: skip
    return entries


def _alerts(store: Store) -> list[Entry]:
    entries = []
    for a in risk_service.list_alerts(store, states=("open",), limit=PER_KIND):
        who = f"{a.company} ({a.ticker})" if a.company else a.ticker
        ts = a.created_at or datetime(a.day.year, a.day.month, a.day.day, tzinfo=UTC)
        severity = {"high": "High", "medium": "Medium", "low": "Low"}.get(a.severity, a.severity)
        detail = f"{severity} severity, {a.day:%d %b %Y}: {a.reason}"
        if a.headlines:
            detail += f" — “{a.headlines[0]}”"
        urgency = _ALERT_URGENCY.get(a.severity, 2)
        entries.append(Entry("alert", a.alert_id, ts, urgency, f"Risk alert: {who}", detail, *PAGES["alert"]))
    return entries


def _feedback(store: Store) -> tuple[list[Entry], int]:
    titles = {m.key: m.title for m in MODULES}
    items = list_feedback(store, Filters(state="new"), limit=10_000)
    items.sort(key=lambda i: i.ts or _EPOCH, reverse=True)
    entries = []
    for item in items[:PER_KIND]:
        card = card_for(item, titles, home=store.settings.home)
        title = f"{card.module_title} · {card.kind_title}: {card.headline}"
        entries.append(Entry("feedback", item.feedback_id, item.ts, 1, title, card.given, *PAGES["feedback"]))
    return entries, len(items)


def needs_attention(store: Store) -> Inbox:
    """Everything waiting for a reviewer, most urgent first, then newest first.

    A source that cannot be read right now (a module not set up yet, a busy database) is left out and said in
    `problems`; the others are still listed.
    """
    entries: list[Entry] = []
    counts: dict[str, int] = {}
    problems: list[str] = []
    for kind, read in (("ticket", _tickets), ("inspection", _inspections), ("alert", _alerts)):
        try:
            found = read(store)
        except SuiteError as err:
            problems.append(f"{KIND_TITLES[kind]} could not be read: {err}")
            continue
        entries += found
        counts[kind] = len(found)
    try:
        found, waiting = _feedback(store)
    except SuiteError as err:
        problems.append(f"{KIND_TITLES['feedback']} could not be read: {err}")
    else:
        entries += found
        counts["feedback"] = waiting
    entries.sort(key=lambda e: (-e.urgency, -(e.ts or _EPOCH).timestamp()))
    return Inbox(entries, counts, problems)


def counts(store: Store) -> dict[str, int]:
    """How many of each kind wait (for the sidebar)."""
    return needs_attention(store).counts
