"""One review card per feedback item, in the words of its module: never a dict, a column name or `None`.

The review page shows a `Card`: a headline, labelled facts (the question and the answer given, the photo and
what the person reported, what the model heard and the correction, the product, the alert), the image or
audio to show beside it, who gave it and where it stands. What a reviewer may correct is a `Correction`: free
text or one choice, typed as words; `correct` turns it back into the stored value and accepts the item.

    card = card_for(item, titles={"support": "Support answers"})
    card.headline, [f"{f.label}: {f.text}" for f in card.facts]
    card_for(item, language="zh_CN").facts[0].label          # '问题'

Every word of a card comes from the catalogue (`suite/i18n/locales/*/LC_MESSAGES/review.po`), in the language
asked for; what people wrote (questions, answers, corrections, names) is shown as they wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pipelines.text_classifier import LABELS
from suite import i18n
from suite.errors import InvalidInput, NotFound, message
from suite.review.media import media_for
from suite.review.models import FeedbackItem, Filters, Media
from suite.review.queue import edit, list_feedback
from suite.store import Store

MAX_CORRECTION_CHARS = 20_000
KINDS = ("thumbs", "rating", "correction", "label", "click", "dismiss", "confirm", "missed", "false_alarm")
STATE_ICONS = {"new": ":material/pending:", "accepted": ":material/check_circle:", "rejected": ":material/cancel:"}
# Fields a generic card never shows: identifiers, file paths, model versions, machinery.
_HIDDEN = re.compile(r"(^|_)(id|ids|path|file|version|model|position|score|summary|demo|list_shown|size)$")


def kind_words(kind: str, language: str | None = None) -> str:
    """A feedback kind as people say it ("Missed defect"); an unknown kind with its underscores as spaces."""
    key = f"review.kind.{kind}"
    return i18n.t(language, key) if key in i18n.catalogue(i18n.DEFAULT) else _words(kind)


def state_words(state: str, language: str | None = None) -> str:
    """A review state as people say it ("Waiting for review")."""
    key = f"review.state.{state}"
    return i18n.t(language, key) if key in i18n.catalogue(i18n.DEFAULT) else _words(state)


KIND_WORDS = {kind: kind_words(kind) for kind in KINDS}  # English, for callers that show no other language
STATE_WORDS = {state: state_words(state) for state in ("new", "accepted", "rejected")}


@dataclass(frozen=True)
class Fact:
    """One labelled line of a card ("Question", "Answer given", ...)."""

    label: str
    text: str


@dataclass(frozen=True)
class Correction:
    """What a reviewer may correct on an item: free text (no choices) or one of `choices`.

    `choice_words` names each choice in the card's language (the stored value stays the choice itself).
    """

    label: str
    key: str  # the field of the stored value it replaces
    current: str
    choices: tuple[str, ...] = ()
    what: str = "answer"  # answer / text / tone: which sentence a refusal uses
    choice_words: dict[str, str] = field(default_factory=dict)


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
    image_name: str = ""  # the photo's name as the person uploaded it (kept copies are named by an id)


def when(ts: datetime | None, language: str | None = None) -> str:
    """A time as people read it, in UTC ("3 Dec 2026, 14:05 UTC"); "" when unknown."""
    if ts is None:
        return ""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return i18n.when(language, ts, tz=UTC)


class _Say:
    """The catalogue words of one language, for the builders: `say("review.fact.question")`, `say.text(value)`."""

    def __init__(self, language: str | None) -> None:
        self.language = i18n.check_language(language)

    def __call__(self, key: str, /, **params: Any) -> str:
        return i18n.t(self.language, key, **params)

    def text(self, value: Any) -> str:
        """Any stored value as words: lists joined, numbers as they read, nothing for None."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return self("review.yes") if value else self("review.no")
        if isinstance(value, float):
            return (
                i18n.percent(self.language, value) if 0 <= value <= 1 else i18n.number(self.language, value, decimals=2)
            )
        if isinstance(value, list | tuple):
            return "; ".join(t for t in (self.text(v) for v in value) if t)
        if isinstance(value, dict):
            shown = ((k, self.text(v)) for k, v in value.items() if not _HIDDEN.search(str(k)))
            return "; ".join(f"{_words(k)}: {text}" for k, text in shown if text)
        return " ".join(str(value).split())

    def facts(self, *pairs: tuple[str, Any]) -> tuple[Fact, ...]:
        """Facts labelled by catalogue key (a label that is no key is shown as it is)."""
        return tuple(
            Fact(self(label) if label.startswith("review.") else label, text)
            for label, value in pairs
            if (text := self.text(value))
        )

    def day(self, value: Any) -> Any:
        """A stored ISO day ("2026-11-03") as people write dates in the language; anything else as it is."""
        try:
            return i18n.when(self.language, date.fromisoformat(str(value)))
        except ValueError:
            return value

    def sure(self, value: Any) -> str:
        try:
            return self("review.card.sure", percent=i18n.percent(self.language, float(value)))
        except (TypeError, ValueError):
            return ""


def _words(key: str) -> str:
    return str(key).replace("_", " ").strip().capitalize()


def card_for(
    item: FeedbackItem, titles: dict[str, str] | None = None, *, home: Path | None = None, language: str | None = None
) -> Card:
    """The card of one feedback item (see the module docstring).

    Args:
        titles: module key -> title as the dashboard names it (default: the catalogue's title in `language`).
        home: the SUITE_HOME whose files may be shown (default: the settings' one).
        language: the language of the card's words (default English).
    """
    say = _Say(language)
    value = item.value if isinstance(item.value, dict) else {"feedback": item.value}
    build = _BUILDERS.get(item.module, _generic)
    kind_title, icon, headline, facts, correction, box_label = build(item, value, say)
    media = tuple(media_for(value, home=home))
    image = next((m for m in media if m.kind == "image"), None)
    audio = next((m for m in media if m.kind == "audio"), None)
    status = state_words(item.review_state, say.language)
    if item.review_state != "new" and item.reviewer:
        at = when(item.reviewed_at, say.language)
        status = say("review.status.by_when" if at else "review.status.by", state=status, who=item.reviewer, at=at)
    given = say("review.given.from", who=item.user) if item.user else say("review.given.unnamed")
    if item.ts:
        given = say("review.given.at", given=given, at=when(item.ts, say.language))
    title_key = f"module.{item.module}.title"
    own_title = say(title_key) if title_key in i18n.catalogue(i18n.DEFAULT) else _words(item.module)
    return Card(
        feedback_id=item.feedback_id,
        module=item.module,
        module_title=(titles or {}).get(item.module, own_title),
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
        image_name=say.text(value.get("image_name")),
    )


_Built = tuple[str, str, str, tuple[Fact, ...], Correction | None, str]


def _support(item: FeedbackItem, v: dict[str, Any], say: _Say) -> _Built:
    output = item.context.get("output")
    answer = v.get("answer") or (output.get("answer") if isinstance(output, dict) else "")
    if v.get("answered") is False:
        answer = say("review.card.support.unsure", answer=answer) if answer else say("review.card.support.no_answer")
    sources = [c.get("title") or c.get("source") for c in v.get("citations") or [] if isinstance(c, dict)]
    question = v.get("question") or item.context.get("input")
    if item.kind == "thumbs":
        up = v.get("thumbs") == "up" or v.get("up") is True
        rating = say("review.card.support.helpful") if up else say("review.card.support.not_helpful")
        title = say("review.card.support.up") if up else say("review.card.support.down")
        icon = ":material/thumb_up:" if up else ":material/thumb_down:"
        facts = say.facts(("review.fact.question", question), ("review.fact.answer_given", answer),
                          ("review.fact.rating", rating), ("review.fact.sources", sources))  # fmt: skip
        return title, icon, say.text(question), facts, None, ""
    correction = Correction(say("review.fix.answer"), "correction", say.text(v.get("correction")), what="answer")
    facts = say.facts(
        ("review.fact.question", question), ("review.fact.answer_given", answer),
        ("review.fact.correct_answer_given", v.get("correction")), ("review.fact.sources", sources),
    )  # fmt: skip
    return say("review.card.support.corrected"), ":material/edit_note:", say.text(question), facts, correction, ""


def _inspect(item: FeedbackItem, v: dict[str, Any], say: _Say) -> _Built:
    name = say.text(v.get("image_name")) or say("review.card.inspect.the_photo")
    cls = say.text(v.get("class")) or say("review.card.inspect.defect")
    sure = say.sure(v.get("confidence"))
    verdict_key = f"review.verdict.{v.get('verdict')}"
    verdict = say(verdict_key) if verdict_key in i18n.catalogue(i18n.DEFAULT) else ""
    photo = (
        "review.fact.photo",
        say("review.card.inspect.photo_verdict", name=name, verdict=verdict) if verdict else name,
    )
    if item.kind == "missed":
        reported = say("review.card.inspect.missed" if v.get("box") else "review.card.inspect.missed_no_box", cls=cls)
        facts = say.facts(photo, ("review.fact.reported", reported), ("review.fact.note", v.get("note")))
        headline = say("review.card.inspect.missed_headline", name=name, cls=cls)
        # the tag drawn on the photo keeps to the class name: the image font has no Chinese letters
        return say("review.kind.missed"), ":material/search_off:", headline, facts, None, f"missed {cls}"
    box = say("review.card.inspect.box_sure", cls=cls, sure=sure) if sure else say("review.card.inspect.box", cls=cls)
    if item.kind == "confirm":
        title, icon = say("review.card.inspect.confirmed"), ":material/check:"
        reported = say("review.card.inspect.real", box=box, cls=cls)
    elif item.kind == "false_alarm":
        title, icon = say("review.card.inspect.not_defect"), ":material/block:"
        reported = say("review.card.inspect.false_alarm", box=box)
    else:
        real = say.text(v.get("corrected_class")) or say("review.card.inspect.another_type")
        title, icon = say("review.card.inspect.wrong_type"), ":material/swap_horiz:"
        reported = say("review.card.inspect.really", box=box, real=real)
    tag = f"{cls} {float(v['confidence']):.0%}" if isinstance(v.get("confidence"), int | float) else cls
    headline = say("review.card.inspect.headline", name=name, reported=f"{reported[0].lower()}{reported[1:]}")
    return title, icon, headline, say.facts(photo, ("review.fact.reported", reported)), None, tag


def _transcribe(item: FeedbackItem, v: dict[str, Any], say: _Say) -> _Built:
    name = say.text(v.get("file")) or say("review.card.transcribe.a_recording")
    correction = Correction(say("review.fix.text"), "corrected_text", say.text(v.get("corrected_text")), what="text")
    facts = say.facts(("review.fact.recording", name), ("review.fact.heard", v.get("original_text")),
                      ("review.fact.corrected_text_given", v.get("corrected_text")))  # fmt: skip
    headline = say("review.card.transcribe.headline", name=name)
    return say("review.card.transcribe.corrected"), ":material/edit_note:", headline, facts, correction, ""


def _recommend(item: FeedbackItem, v: dict[str, Any], say: _Say) -> _Built:
    product = say.text(v.get("title")) or say("review.card.recommend.a_product")
    if v.get("category"):
        product = say("review.card.recommend.in_category", product=product, category=say.text(v.get("category")))
    shopper = say.text(v.get("user_id")) or say("review.card.recommend.new_visitor")
    interested = item.kind == "click" or v.get("answer") == "interested"
    answer = say("review.kind.click") if interested else say("review.kind.dismiss")
    pick = say("review.card.recommend.pick", n=v["position"]) if isinstance(v.get("position"), int) else ""
    facts = say.facts(("review.fact.product", product), ("review.fact.shopper", shopper),
                      ("review.fact.answer", answer), ("review.fact.shown_as", pick),
                      ("review.fact.reason_shown", v.get("reason_shown")))  # fmt: skip
    icon = ":material/thumb_up:" if interested else ":material/thumb_down:"
    key = "review.card.recommend.interested" if interested else "review.card.recommend.not_interested"
    return answer, icon, say(key, shopper=shopper, product=product), facts, None, ""


def _risk(item: FeedbackItem, v: dict[str, Any], say: _Say) -> _Built:
    if item.kind in ("confirm", "false_alarm"):
        who = say.text(v.get("company")) or say.text(v.get("ticker")) or say("review.card.risk.a_company")
        if v.get("company") and v.get("ticker"):
            who = say("review.card.risk.company", company=say.text(v["company"]), ticker=say.text(v["ticker"]))
        real = item.kind == "confirm"
        title = say("review.card.risk.confirmed") if real else say("review.kind.false_alarm")
        icon = ":material/notifications_active:" if real else ":material/notifications_off:"
        severity = say.text(v.get("severity")).lower()
        severity_key = f"review.severity.{severity}"
        if severity_key in i18n.catalogue(i18n.DEFAULT):
            severity = say(severity_key)
        facts = say.facts(("review.fact.company", who), ("review.fact.day", say.day(v.get("day"))),
                          ("review.fact.severity", severity.capitalize()),
                          ("review.fact.what_happened", v.get("reason")),
                          ("review.fact.headlines", (v.get("headlines") or [])[:3]),
                          ("review.fact.note", v.get("note")))  # fmt: skip
        key = "review.card.risk.marked_real" if real else "review.card.risk.marked_false"
        return title, icon, say(key, who=who), facts, None, ""
    headline = v.get("headline") or item.context.get("input")
    key = "corrected_label" if "corrected_label" in v else "label"
    output = item.context.get("output")
    said = say.text(v.get("model_label")) or (say.text(output.get("label")) if isinstance(output, dict) else "")
    tones = {label: say(f"review.tone.{label}") for label in LABELS}
    said = tones.get(said, said)
    sure = say.sure(v.get("model_confidence"))
    current = say.text(v.get(key))
    correction = Correction(say("review.fix.tone"), key, current, LABELS, what="tone", choice_words=tones)
    model_said = say("review.card.risk.said_sure", said=said, sure=sure) if said and sure else said
    facts = say.facts(("review.fact.headline", headline), ("review.fact.model_said", model_said),
                      ("review.fact.tone_corrected", tones.get(current, current)))  # fmt: skip
    return say("review.card.risk.tone_corrected"), ":material/edit_note:", say.text(headline), facts, correction, ""


def _generic(item: FeedbackItem, v: dict[str, Any], say: _Say) -> _Built:
    asked = item.context.get("input")
    shown = ((_words(k), val) for k, val in v.items() if not _HIDDEN.search(str(k)))
    facts = say.facts(("review.fact.about", asked), *shown)
    summary = v.get("summary") if isinstance(v.get("summary"), str) else (facts[0].text if facts else "")
    return kind_words(item.kind, say.language), ":material/feedback:", say.text(summary), facts, None, ""


_BUILDERS = {
    "support": _support,
    "inspect": _inspect,
    "transcribe": _transcribe,
    "recommend": _recommend,
    "risk": _risk,
}
_TYPE_FIRST = {
    "answer": "services.review.type_answer",
    "text": "services.review.type_text",
    "tone": "services.review.type_tone",
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
    raise NotFound(message("services.review.no_item", item=repr(str(feedback_id)[:80])))


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
        raise InvalidInput(message("services.review.nothing_to_correct"))
    text = " ".join(str(text or "").split()) if correction.choices else str(text or "").strip()
    if not text:
        raise InvalidInput(message(_TYPE_FIRST.get(correction.what, _TYPE_FIRST["answer"])))
    if len(text) > MAX_CORRECTION_CHARS:
        raise InvalidInput(message("services.review.too_long", n=len(text), limit=MAX_CORRECTION_CHARS))
    if correction.choices and text not in correction.choices:
        raise InvalidInput(message("services.review.one_of", choices=", ".join(correction.choices)))
    value = dict(item.value) if isinstance(item.value, dict) else {}
    value[correction.key] = text
    edit(store, feedback_id, value, reviewer=reviewer, note=note, **access)
