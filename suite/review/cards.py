"""One review card per feedback item, in the words of its module: never a dict, a column name or `None`.

The review page shows a `Card`: a headline, labelled facts (the question and the answer given, the photo and
what the person reported, what the model heard and the correction, the product, the alert), the image or
audio to show beside it, who gave it and where it stands. What a reviewer may correct is a `Correction`: free
text or one choice, typed as words; `correct` turns it back into the stored value and accepts the item.

    card = card_for(item, titles={"support": "Support answers"})
    card.headline, [f"{f.label}: {f.text}" for f in card.facts]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.text_classifier import LABELS
from suite.errors import InvalidInput, NotFound
from suite.review.media import media_for
from suite.review.models import FeedbackItem, Filters, Media
from suite.review.queue import edit, list_feedback
from suite.store import Store

MAX_CORRECTION_CHARS = 20_000
KIND_WORDS = {
    "thumbs": "Thumbs up or down",
    "rating": "Rating",
    "correction": "Correction",
    "label": "Label",
    "click": "Interested",
    "dismiss": "Not interested",
    "confirm": "Confirmed",
    "missed": "Missed defect",
    "false_alarm": "False alarm",
}
STATE_WORDS = {"new": "Waiting for review", "accepted": "Accepted", "rejected": "Rejected"}
STATE_ICONS = {"new": ":material/pending:", "accepted": ":material/check_circle:", "rejected": ":material/cancel:"}
VERDICT_WORDS = {"PASS": "passed", "FAIL": "failed", "REVIEW": "needs a person to look"}
# Fields a generic card never shows: identifiers, file paths, model versions, machinery.
_HIDDEN = re.compile(r"(^|_)(id|ids|path|file|version|model|position|score|summary|demo|list_shown|size)$")


@dataclass(frozen=True)
class Fact:
    """One labelled line of a card ("Question", "Answer given", ...)."""

    label: str
    text: str


@dataclass(frozen=True)
class Correction:
    """What a reviewer may correct on an item: free text (no choices) or one of `choices`."""

    label: str
    key: str  # the field of the stored value it replaces
    current: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Card:
    """What the review page shows for one feedback item."""

    feedback_id: str
    module: str
    module_title: str
    kind_title: str  # "Thumbs down", "Missed defect", "Correction", ...
    icon: str  # a Streamlit material icon for the kind
    headline: str
    facts: tuple[Fact, ...]
    state: str
    status: str  # "Waiting for review", "Accepted by alice, 3 Dec 2026 14:05"
    given: str  # "From carol, 3 Dec 2026 13:40"
    correction: Correction | None = None
    image: Media | None = None
    box_label: str = ""
    audio: Media | None = None
    media: tuple[Media, ...] = field(default_factory=tuple)


def when(ts: datetime | None) -> str:
    """A time as people read it, in UTC ("3 Dec 2026, 14:05 UTC"); "" when unknown."""
    if ts is None:
        return ""
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC)
    return f"{ts.day} {ts:%b %Y, %H:%M} UTC"


def _text(value: Any) -> str:
    """Any stored value as words: lists joined, numbers as they read, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.0%}" if 0 <= value <= 1 else f"{value:,.2f}"
    if isinstance(value, list | tuple):
        return "; ".join(t for t in (_text(v) for v in value) if t)
    if isinstance(value, dict):
        return "; ".join(f"{_words(k)}: {_text(v)}" for k, v in value.items() if _text(v) and not _HIDDEN.search(k))
    return " ".join(str(value).split())


def _words(key: str) -> str:
    return str(key).replace("_", " ").strip().capitalize()


def _facts(*pairs: tuple[str, Any]) -> tuple[Fact, ...]:
    return tuple(Fact(label, text) for label, value in pairs if (text := _text(value)))


def _percent(value: Any) -> str:
    try:
        return f"{float(value):.0%} sure"
    except (TypeError, ValueError):
        return ""


def card_for(item: FeedbackItem, titles: dict[str, str] | None = None, *, home: Path | None = None) -> Card:
    """The card of one feedback item (see the module docstring).

    Args:
        titles: module key -> title as the dashboard names it.
        home: the SUITE_HOME whose files may be shown (default: the settings' one).
    """
    value = item.value if isinstance(item.value, dict) else {"feedback": item.value}
    build = _BUILDERS.get(item.module, _generic)
    kind_title, icon, headline, facts, correction, box_label = build(item, value)
    media = tuple(media_for(value, home=home))
    image = next((m for m in media if m.kind == "image"), None)
    audio = next((m for m in media if m.kind == "audio"), None)
    status = STATE_WORDS.get(item.review_state, item.review_state.capitalize())
    if item.review_state != "new" and item.reviewer:
        status += f" by {item.reviewer}" + (f", {when(item.reviewed_at)}" if item.reviewed_at else "")
    given = "From " + (item.user or "someone unnamed") + (f", {when(item.ts)}" if item.ts else "")
    return Card(
        feedback_id=item.feedback_id,
        module=item.module,
        module_title=(titles or {}).get(item.module, _words(item.module)),
        kind_title=kind_title,
        icon=icon,
        headline=headline or kind_title,
        facts=facts,
        state=item.review_state,
        status=status,
        given=given,
        correction=correction,
        image=image,
        box_label=box_label,
        audio=audio,
        media=media,
    )


_Built = tuple[str, str, str, tuple[Fact, ...], Correction | None, str]


def _support(item: FeedbackItem, v: dict[str, Any]) -> _Built:
    output = item.context.get("output")
    answer = v.get("answer") or (output.get("answer") if isinstance(output, dict) else "")
    if v.get("answered") is False:
        answer = f"{answer} (not sure: it offered a person)" if answer else "No answer: it offered a person"
    sources = [c.get("title") or c.get("source") for c in v.get("citations") or [] if isinstance(c, dict)]
    question = v.get("question") or item.context.get("input")
    if item.kind == "thumbs":
        up = v.get("thumbs") == "up" or v.get("up") is True
        rating = "Thumbs up: helpful" if up else "Thumbs down: not helpful"
        title, icon = ("Thumbs up", ":material/thumb_up:") if up else ("Thumbs down", ":material/thumb_down:")
        facts = _facts(("Question", question), ("Answer given", answer), ("Rating", rating), ("Sources", sources))
        return title, icon, _text(question), facts, None, ""
    correction = Correction("Correct answer", "correction", _text(v.get("correction")))
    facts = _facts(
        ("Question", question), ("Answer given", answer), ("Correct answer, as given", v.get("correction")),
        ("Sources", sources),
    )  # fmt: skip
    return "Answer corrected", ":material/edit_note:", _text(question), facts, correction, ""


def _inspect(item: FeedbackItem, v: dict[str, Any]) -> _Built:
    name, cls = _text(v.get("image_name")) or "the photo", _text(v.get("class")) or "defect"
    sure = _percent(v.get("confidence"))
    verdict = VERDICT_WORDS.get(str(v.get("verdict")), "")
    photo = ("Photo", f"{name} (the check {verdict})" if verdict else name)
    if item.kind == "missed":
        where = "" if v.get("box") else " (no area marked)"
        facts = _facts(photo, ("Reported", f"A {cls} the model did not box{where}"), ("Note", v.get("note")))
        return "Missed defect", ":material/search_off:", f"{name}: a {cls} was missed", facts, None, f"missed {cls}"
    box = f"{cls} box" + (f" ({sure})" if sure else "")
    if item.kind == "confirm":
        title, icon, reported = "Box confirmed", ":material/check:", f"The {box} is a real {cls}"
    elif item.kind == "false_alarm":
        title, icon, reported = "Not a defect", ":material/block:", f"The {box} is a false alarm: no defect there"
    else:
        real = _text(v.get("corrected_class")) or "another type"
        title, icon, reported = "Wrong defect type", ":material/swap_horiz:", f"The {box} is really a {real}"
    tag = f"{cls} {float(v['confidence']):.0%}" if isinstance(v.get("confidence"), int | float) else cls
    return title, icon, f"{name}: {reported[0].lower()}{reported[1:]}", _facts(photo, ("Reported", reported)), None, tag


def _transcribe(item: FeedbackItem, v: dict[str, Any]) -> _Built:
    name = _text(v.get("file")) or "a recording"
    correction = Correction("Corrected text", "corrected_text", _text(v.get("corrected_text")))
    facts = _facts(("Recording", name), ("What the model heard", v.get("original_text")),
                   ("Corrected text, as given", v.get("corrected_text")))  # fmt: skip
    return "Transcript corrected", ":material/edit_note:", f"Correction of {name}", facts, correction, ""


def _recommend(item: FeedbackItem, v: dict[str, Any]) -> _Built:
    product = _text(v.get("title")) or "a product"
    if v.get("category"):
        product += f" ({_text(v.get('category'))})"
    shopper = _text(v.get("user_id")) or "a new visitor"
    interested = item.kind == "click" or v.get("answer") == "interested"
    answer = "Interested" if interested else "Not interested"
    pick = f"pick #{v['position']}" if isinstance(v.get("position"), int) else ""
    facts = _facts(("Product", product), ("Shopper", shopper), ("Answer", answer), ("Shown as", pick),
                   ("Reason shown", v.get("reason_shown")))  # fmt: skip
    icon = ":material/thumb_up:" if interested else ":material/thumb_down:"
    return answer, icon, f"Shopper {shopper}: {answer.lower()} in {product}", facts, None, ""


def _risk(item: FeedbackItem, v: dict[str, Any]) -> _Built:
    if item.kind in ("confirm", "false_alarm"):
        who = _text(v.get("company")) or _text(v.get("ticker")) or "a company"
        if v.get("company") and v.get("ticker"):
            who = f"{_text(v['company'])} ({_text(v['ticker'])})"
        real = item.kind == "confirm"
        title, icon = ("Alert confirmed", ":material/notifications_active:") if real else (
            "False alarm", ":material/notifications_off:")  # fmt: skip
        facts = _facts(("Company", who), ("Day", v.get("day")), ("Severity", _text(v.get("severity")).capitalize()),
                       ("What happened", v.get("reason")), ("Headlines", (v.get("headlines") or [])[:3]),
                       ("Note", v.get("note")))  # fmt: skip
        what = "a real alert" if real else "a false alarm"
        return title, icon, f"{who}: marked {what}", facts, None, ""
    headline = v.get("headline") or item.context.get("input")
    key = "corrected_label" if "corrected_label" in v else "label"
    output = item.context.get("output")
    said = _text(v.get("model_label")) or (_text(output.get("label")) if isinstance(output, dict) else "")
    sure = _percent(v.get("model_confidence"))
    correction = Correction("Right tone", key, _text(v.get(key)), LABELS)
    facts = _facts(("Headline", headline), ("The model said", f"{said} ({sure})" if said and sure else said),
                   ("Tone, as corrected", v.get(key)))  # fmt: skip
    return "Tone corrected", ":material/edit_note:", _text(headline), facts, correction, ""


def _generic(item: FeedbackItem, v: dict[str, Any]) -> _Built:
    asked = item.context.get("input")
    facts = _facts(("About", asked), *((_words(k), val) for k, val in v.items() if not _HIDDEN.search(str(k))))
    summary = v.get("summary") if isinstance(v.get("summary"), str) else (facts[0].text if facts else "")
    return _words(item.kind), ":material/feedback:", _text(summary), facts, None, ""


_BUILDERS = {
    "support": _support,
    "inspect": _inspect,
    "transcribe": _transcribe,
    "recommend": _recommend,
    "risk": _risk,
}


def get_item(store: Store, feedback_id: str) -> FeedbackItem:
    """One feedback item with the request it is about.

    Raises:
        NotFound: no such item.
    """
    store.flush(wait_s=store.wait_s)
    rows = store.query("SELECT review_state, ts FROM feedback WHERE feedback_id = ?", [str(feedback_id)])
    if rows:
        since = Filters(state=rows[0]["review_state"], since=rows[0]["ts"])
        for item in list_feedback(store, since, limit=1_000):  # oldest first from its own time: it comes early
            if item.feedback_id == feedback_id:
                return item
    raise NotFound(f"There is no feedback item {str(feedback_id)[:80]!r}; refresh the page.")


def correct(
    store: Store, feedback_id: str, text: str, *, reviewer: str, note: str | None = None, **access: Any
) -> None:
    """Save a reviewer's correction typed as words (or picked) into the item's value, and accept it.

    `access` goes to `edit` as it is (the acting `identity`, whose role `edit` checks and audits).

    Raises:
        InvalidInput: the item has nothing to correct, the text is empty or too long, or not one of the choices.
        NotFound: no such item.
    """
    item = get_item(store, feedback_id)
    correction = card_for(item, home=store.settings.home).correction
    if correction is None:
        raise InvalidInput("This kind of feedback has nothing to correct; accept or reject it instead.")
    text = " ".join(str(text or "").split()) if correction.choices else str(text or "").strip()
    if not text:
        raise InvalidInput(f"Type the {correction.label.lower()} before saving, or accept the item as it is.")
    if len(text) > MAX_CORRECTION_CHARS:
        raise InvalidInput(f"That is {len(text):,} characters; keep a correction under {MAX_CORRECTION_CHARS:,}.")
    if correction.choices and text not in correction.choices:
        raise InvalidInput(f"The {correction.label.lower()} must be one of {', '.join(correction.choices)}.")
    value = dict(item.value) if isinstance(item.value, dict) else {}
    value[correction.key] = text
    edit(store, feedback_id, value, reviewer=reviewer, note=note, **access)
