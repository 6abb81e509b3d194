from __future__ import annotations

import pytest

from suite.errors import InvalidInput
from suite.review import Filters, counts, decide, decide_matching, decisions, edit, list_feedback


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
