from __future__ import annotations

import pytest

from suite.errors import InvalidInput, NotFound
from suite.review import Filters, counts, decide, decide_matching, decisions, edit, list_feedback
from suite.review.queue import undo


def _feedback(store):
    rid = store.log_event(
        module="risk",
        action="score",
        input_summary="Acme shares slump after recall",
        output_summary={"label": "neutral", "score": 0.1},
    )
    a = store.log_feedback(
        module="risk",
        kind="label",
        request_id=rid,
        value={"headline": "Acme shares slump after recall", "label": "negative"},
    )
    b = store.log_feedback(module="risk", kind="false_alarm", value={"headline": "Beta beats estimates"})
    c = store.log_feedback(module="support", kind="thumbs", value={"question": "refund?", "up": False})
    return a, b, c


def test_list_shows_context_and_filters(store):
    a, b, c = _feedback(store)
    items = {i.feedback_id: i for i in list_feedback(store)}
    assert set(items) == {a, b, c}
    assert items[a].context["input"] == "Acme shares slump after recall"
    assert items[a].context["output"] == {"label": "neutral", "score": 0.1}
    assert items[a].value["label"] == "negative"
    assert [i.feedback_id for i in list_feedback(store, Filters(module="risk", kind="false_alarm"))] == [b]
    assert [i.feedback_id for i in list_feedback(store, Filters(text="acme"))] == [a]


def test_accept_reject_bulk_and_audit(store):
    a, b, c = _feedback(store)
    with pytest.raises(InvalidInput):
        decide(store, [a], "accept", reviewer="")
    assert decide(store, [a], "accept", reviewer="alice") == 1
    assert decide(store, [a], "accept", reviewer="alice") == 0  # already accepted
    assert decide_matching(store, Filters(module="support"), "reject", reviewer="bob", note="spam") == 1
    assert counts(store).as_dict() == {"risk": {"accepted": 1, "new": 1}, "support": {"rejected": 1}}
    row = store.query("SELECT reviewer, reviewed_at FROM feedback WHERE feedback_id = ?", [c])[0]
    assert row["reviewer"] == "bob" and row["reviewed_at"] is not None
    assert [d.decision for d in decisions(store)] == ["reject", "accept"]
    assert list_feedback(store, Filters(state="new"))[0].feedback_id == b


def test_edit_keeps_the_original_and_accepts(store):
    a, _, _ = _feedback(store)
    with pytest.raises(InvalidInput):
        edit(store, a, "{not json", reviewer="alice")
    edit(store, a, '{"headline": "Acme shares slump after recall", "label": "neutral"}', reviewer="alice")
    [item] = list_feedback(store, Filters(state="accepted"))
    assert item.value["label"] == "neutral" and item.reviewer == "alice"
    [log] = decisions(store, a)
    assert log.decision == "edit" and log.old_value["label"] == "negative" and log.new_value["label"] == "neutral"


def _state(store, feedback_id: str) -> tuple:
    [row] = store.query("SELECT review_state, reviewer, reviewed_at FROM feedback WHERE feedback_id = ?", [feedback_id])
    return row["review_state"], row["reviewer"], row["reviewed_at"]


def test_undo_puts_each_item_back_one_decision_at_a_time(store):
    a, b, _ = _feedback(store)
    assert decide(store, [a, b], "accept", reviewer="alice") == 2
    accepted = _state(store, a)
    assert decide(store, [a], "reject", reviewer="bob") == 1  # the page may change a decision
    assert undo(store, [a], reviewer="carol") == 1
    assert _state(store, a) == accepted  # state, reviewer and review time as alice left them
    assert undo(store, [a, b], reviewer="carol") == 2
    assert _state(store, a) == ("new", None, None) and _state(store, b) == ("new", None, None)
    with pytest.raises(InvalidInput, match="no decision left to undo"):
        undo(store, [a], reviewer="carol")
    log = decisions(store, a)
    assert [d.decision for d in log] == ["undo", "undo", "reject", "accept"]
    assert all(d.undone_at is not None for d in log if d.decision != "undo")
    assert (log[2].old_state, log[2].new_state, log[2].old_reviewer) == ("accepted", "rejected", "alice")


def test_undo_an_edit_restores_the_value(store):
    a, _, _ = _feedback(store)
    edit(store, a, {"headline": "Acme shares slump after recall", "label": "neutral"}, reviewer="alice")
    assert undo(store, [a], reviewer="alice") == 1
    [item] = list_feedback(store, Filters(state="new", module="risk", kind="label"))
    assert item.value["label"] == "negative" and item.reviewer is None


def test_undo_and_strict_decisions_are_all_or_nothing(store):
    a, b, c = _feedback(store)
    decide(store, [a], "reject", reviewer="alice")
    before = {fid: _state(store, fid) for fid in (a, b, c)}
    with pytest.raises(InvalidInput, match=f"Feedback {a} is already rejected; undo that decision first"):
        decide(store, [b, a], "accept", reviewer="bob", strict=True)
    with pytest.raises(NotFound, match="There is no feedback item 'nope'"):
        decide(store, [b, "nope"], "accept", reviewer="bob", strict=True)
    with pytest.raises(NotFound):
        undo(store, [a, "nope"], reviewer="bob")
    with pytest.raises(InvalidInput, match="no decision left to undo"):
        undo(store, [a, b], reviewer="bob")  # b was never decided: a is not undone either
    assert {fid: _state(store, fid) for fid in (a, b, c)} == before
    assert decide(store, [a, b], "reject", reviewer="bob", strict=True) == 1  # already rejected: unchanged


def test_undo_refuses_an_item_changed_outside_the_queue(store):
    a, _, _ = _feedback(store)
    decide(store, [a], "accept", reviewer="alice")
    store.execute("UPDATE feedback SET review_state = 'rejected' WHERE feedback_id = ?", [a])  # a stray script
    with pytest.raises(InvalidInput, match="changed outside the review queue"):
        undo(store, [a], reviewer="alice")
