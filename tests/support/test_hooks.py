import json

from suite.modules import hook


def test_load_demo_is_idempotent_and_fills_the_review_queue(store):
    load_demo = hook("support", "load_demo")
    first = load_demo(store)
    assert first == {"documents_added": 30, "chunks": first["chunks"], "feedback_logged": 3} and first["chunks"] > 80
    second = load_demo(store)
    assert second == {"documents_added": 0, "chunks": 0, "feedback_logged": 0}
    rows = store.query("SELECT kind, value, request_id FROM feedback WHERE module = 'support'")
    assert sorted(r["kind"] for r in rows) == ["correction", "correction", "thumbs", "thumbs", "thumbs"]
    corrections = [json.loads(r["value"]) for r in rows if r["kind"] == "correction"]
    assert all(c["question"] and c["answer"] and c["correction"] for c in corrections)
    assert all(r["request_id"] for r in rows)


def test_model_status_lists_both_text_models(settings):
    entries = hook("support", "model_status")(settings)
    assert [e["model"] for e in entries] == ["all-MiniLM-L6-v2", "use-multilingual-v3"]
    assert all(e["on_disk"] for e in entries)
    assert hook("support", "prepare")(settings) == []
