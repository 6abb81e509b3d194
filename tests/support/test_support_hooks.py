import json

import pytest

from suite.modules import ModelStatus, hooks


@pytest.mark.slow
def test_load_demo_is_idempotent_and_fills_the_review_queue(store):
    load_demo = hooks("support").load_demo
    first = load_demo(store)
    assert first.module == "support"
    assert first.counts == {"documents_added": 30, "chunks": first.counts["chunks"], "feedback_logged": 3}
    assert first.counts["chunks"] > 80
    second = load_demo(store)
    assert second.counts == {"documents_added": 0, "chunks": 0, "feedback_logged": 0}
    rows = store.query("SELECT kind, value, request_id FROM feedback WHERE module = 'support'")
    assert sorted(r["kind"] for r in rows) == ["correction", "correction", "thumbs", "thumbs", "thumbs"]
    corrections = [json.loads(r["value"]) for r in rows if r["kind"] == "correction"]
    assert all(c["question"] and c["answer"] and c["correction"] for c in corrections)
    assert all(r["request_id"] for r in rows)


def test_model_status_lists_both_text_models(settings):
    entries = hooks("support").model_status(settings)
    assert all(isinstance(e, ModelStatus) and e.module == "support" for e in entries)
    assert [e.model for e in entries] == ["all-MiniLM-L6-v2", "use-multilingual-v3"]
    assert all(e.on_disk for e in entries)
    assert hooks("support").prepare(settings) is None


def _ask_events(store, outcomes, *, days_ago):
    ids = [
        store.log_event(module="support", action="ask", output_summary={"answered": answered, "confidence": confidence})
        for answered, confidence in outcomes
    ]
    store.flush()
    store.execute(
        "UPDATE events SET ts = now() - to_days(CAST(? AS INTEGER)) WHERE list_contains(?, request_id)", [days_ago, ids]
    )


def test_drift_compares_answered_share_and_confidence_of_ask_events(store):
    _ask_events(store, [(True, 0.9), (True, 0.85), (True, 0.8), (True, 0.95), (False, 0.3), (True, 0.9)], days_ago=20)
    _ask_events(store, [(False, 0.2), (False, 0.3), (False, 0.25), (True, 0.6), (False, 0.1), (False, 0.2)], days_ago=1)
    store.log_event(module="support", action="demo", output_summary={"answered": True})  # not an answer: ignored
    mix, confidence = hooks("support").drift(store, recent_days=7, reference_days=60)
    assert mix.signal == "answered vs handed to a person" and mix.level == "drifting"
    assert mix.n_reference == 6 and mix.n_recent == 6
    assert "answered 83%" in mix.reference and "handed to a person 83%" in mix.recent
    assert confidence.signal == "mean confidence of answers" and confidence.level == "drifting"
    assert confidence.change < 0


def test_drift_without_enough_questions_says_so(store):
    _ask_events(store, [(True, 0.9)], days_ago=1)
    signals = hooks("support").drift(store, recent_days=7, reference_days=60)
    assert [s.level for s in signals] == ["not enough data", "not enough data"]
