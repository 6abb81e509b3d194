"""Cards in the words of each module, corrections typed as words, and undo of a reviewer's latest batch."""

from __future__ import annotations

import re

import pytest

from suite.errors import InvalidInput
from suite.review import decide, list_feedback
from suite.review.cards import card_for, correct, get_item
from suite.review.history import last_batch, undo_last
from suite.review.models import Filters
from tests.review.seed import MODEL_HASH, ORDER, seed_all_kinds

LEAKS = re.compile(r"None|\{['\"]|review_state|_id\b|\+00:00|" + MODEL_HASH)


def _cards(store):
    items = list_feedback(store, Filters(state=None))
    return {item.feedback_id: card_for(item, home=store.settings.home) for item in items}


def _state(store, fid):
    row = store.query("SELECT review_state, reviewer, value FROM feedback WHERE feedback_id = ?", [fid])[0]
    return row["review_state"], row["reviewer"]


def test_each_module_reads_in_its_own_words(store):
    ids = seed_all_kinds(store)
    cards = _cards(store)
    facts = {name: {f.label: f.text for f in cards[fid].facts} for name, fid in ids.items()}
    assert facts["thumbs"]["Rating"] == "Thumbs down: not helpful"
    assert facts["thumbs"]["Answer given"] == "Refunds take 30 days."
    assert cards[ids["correction"]].correction.current == "Refunds take 5 working days."
    box = cards[ids["box"]]
    assert box.image is not None and box.image.box == [200, 5, 255, 60] and box.box_label == "scratch 41%"
    assert facts["box"]["Reported"] == "The scratch box (41% sure) is a real scratch"
    assert cards[ids["transcript"]].audio is not None
    assert facts["transcript"]["What the model heard"] == "the parcel will arrive on tuesday"
    assert cards[ids["dismiss"]].headline == "Shopper U17: not interested in Baby wipes (Baby)"
    tone = cards[ids["tone"]].correction
    assert tone.choices == ("negative", "neutral", "positive") and tone.current == "negative"
    assert facts["tone"]["The model said"] == "neutral (62% sure)"
    assert facts["alert"]["Company"] == "Acme Corp (ACME)" and facts["alert"]["Severity"] == "High"
    for card in cards.values():
        shown = " ".join([card.headline, card.kind_title, card.status, card.given, *(f.text for f in card.facts)])
        assert not LEAKS.search(shown), shown
        assert card.status == "Waiting for review" and card.given.startswith("From carol, ")


def test_a_correction_typed_as_words_is_saved_into_the_value_and_accepted(store):
    ids = seed_all_kinds(store)
    correct(store, ids["correction"], "  Refunds take 3 working days.  ", reviewer="alice")
    item = get_item(store, ids["correction"])
    assert item.value["correction"] == "Refunds take 3 working days."
    assert item.value["question"] == "How do I get a refund?"  # the rest of the value is kept
    assert (item.review_state, item.reviewer) == ("accepted", "alice")
    correct(store, ids["tone"], "positive", reviewer="alice")
    assert get_item(store, ids["tone"]).value["corrected_label"] == "positive"


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("correction", "   ", "Type the correct answer"),
        ("tone", "furious", "must be one of negative, neutral, positive"),
        ("thumbs", "better", "nothing to correct"),
    ],
)
def test_bad_corrections_are_refused_and_change_nothing(store, name, text, says):
    ids = seed_all_kinds(store)
    with pytest.raises(InvalidInput, match=says):
        correct(store, ids[name], text, reviewer="alice")
    assert _state(store, ids[name]) == ("new", None)


def test_undo_takes_back_the_latest_batch_then_the_one_before(store):
    ids = seed_all_kinds(store)
    first = [ids["thumbs"], ids["box"]]
    decide(store, first, "accept", reviewer="alice")
    decide(store, [ids["alert"]], "reject", reviewer="alice")
    assert last_batch(store, "alice").sentence() == "rejected 1 item"
    assert undo_last(store, "alice").feedback_ids == (ids["alert"],)
    assert _state(store, ids["alert"]) == ("new", None)
    assert _state(store, ids["thumbs"]) == ("accepted", "alice")
    batch = undo_last(store, "alice")
    assert set(batch.feedback_ids) == set(first) and batch.decision == "accept"
    assert all(_state(store, fid) == ("new", None) for fid in first)
    with pytest.raises(InvalidInput, match="no decision left to undo"):
        undo_last(store, "alice")


def test_undo_refuses_when_someone_decided_an_item_again_since(store):
    ids = seed_all_kinds(store)
    decide(store, [ids["thumbs"], ids["dismiss"]], "accept", reviewer="alice")
    decide(store, [ids["dismiss"]], "reject", reviewer="bob")
    with pytest.raises(InvalidInput, match="decided again since, by bob"):
        undo_last(store, "alice")
    assert _state(store, ids["thumbs"]) == ("accepted", "alice")
    assert _state(store, ids["dismiss"]) == ("rejected", "bob")


def test_an_edit_is_undone_with_its_value(store):
    ids = seed_all_kinds(store)
    correct(store, ids["transcript"], "The parcel comes on Friday.", reviewer="alice")
    assert last_batch(store, "alice").sentence() == "corrected and accepted 1 item"
    undo_last(store, "alice")
    item = get_item(store, ids["transcript"])
    assert item.value["corrected_text"] == "The parcel will arrive on Thursday." and item.review_state == "new"


def test_seed_order_is_the_queue_order(store):
    ids = seed_all_kinds(store)
    assert [i.feedback_id for i in list_feedback(store)] == [ids[name] for name in ORDER]
