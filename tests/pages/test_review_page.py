from __future__ import annotations

from pathlib import Path

IMAGE = Path(__file__).resolve().parents[2] / "sample_data/inspect/defects/images/test/test_001.jpg"


def _seed(store):
    rid = store.log_event(
        module="risk",
        action="score",
        input_summary="Acme shares slump after recall",
        output_summary={"label": "neutral"},
    )
    first = store.log_feedback(
        module="risk",
        kind="label",
        request_id=rid,
        value={"headline": "Acme shares slump after recall", "label": "negative"},
    )
    second = store.log_feedback(module="support", kind="thumbs", value={"question": "Refund?", "up": False})
    store.flush()
    return first, second


def test_pick_and_accept_records_the_reviewer(app_page, store):
    first, second = _seed(store)
    at = app_page("pages/review.py").run()
    assert not at.exception
    assert at.metric[4].value == "1"  # risk: one waiting
    assert len(at.dataframe[0].value) == 2
    assert "Acme shares slump" in at.dataframe[0].value["about"].iloc[0]
    at.text_input[0].set_value("alice").run()
    at.multiselect[0].set_value([first]).run()
    next(b for b in at.button if b.label == "Accept picked").click().run()
    assert not at.exception
    rows = {r["feedback_id"]: r for r in store.query("SELECT * FROM feedback")}
    assert rows[first]["review_state"] == "accepted" and rows[first]["reviewer"] == "alice"
    assert rows[second]["review_state"] == "new"


def test_bulk_reject_with_filter_and_edit(app_page, store):
    first, second = _seed(store)
    at = app_page("pages/review.py").run()
    at.selectbox[0].set_value("support").run()
    next(b for b in at.button if b.label.startswith("Reject all 1")).click().run()
    assert not at.exception
    assert store.scalar("SELECT review_state FROM feedback WHERE feedback_id = ?", [second]) == "rejected"
    at.selectbox[0].set_value("risk").run()
    assert "Acme" in at.text_area[0].value
    at.text_area[0].set_value('{"headline": "Acme shares slump after recall", "label": "neutral"}').run()
    next(b for b in at.button if b.label == "Save correction and accept").click().run()
    assert not at.exception and at.success
    value = store.scalar("SELECT value->>'label' FROM feedback WHERE feedback_id = ?", [first])
    assert value == "neutral"


def test_review_page_shows_the_image_of_a_box_review(app_page, store):
    kept = store.settings.module_dir("inspect") / "feedback_images" / IMAGE.name  # inspect keeps its own copy
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(IMAGE.read_bytes())
    store.log_feedback(
        module="inspect",
        kind="label",
        value={"image_path": str(kept), "box": [10, 10, 60, 50], "class": "scratch", "summary": "test_001: scratch"},
    )
    store.flush()
    at = app_page("pages/review.py").run()
    assert not at.exception
    assert at.dataframe[0].value["feedback"][0] == "test_001: scratch"
    assert at.get("image")
