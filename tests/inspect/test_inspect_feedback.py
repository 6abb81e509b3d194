"""Box reviews become self-contained feedback; accepted ones train a challenger scored against the champion."""

from __future__ import annotations

import json

import pytest
from inspect_helpers import SAMPLE_SET

from suite.errors import InvalidInput
from suite.inspect.models import Inspection
from suite.inspect.service import get_result, inspect_image, report_missed, review_box
from suite.settings import Settings
from suite.store import Store

pytestmark = pytest.mark.slow  # every test here runs the real detector


def _inspection_with_boxes(store) -> Inspection:
    for i in range(12):
        result = inspect_image(store, SAMPLE_SET / "images" / "test" / f"test_{i:03d}.jpg")
        if len(result.shown_defects()) >= 2:
            return result
    pytest.fail("no sample test image produced two boxes")


def test_reviews_carry_their_context_and_bad_reviews_are_refused(store):
    result = _inspection_with_boxes(store)
    first, second = result.shown_defects()[:2]
    review_box(store, result, first.index, "confirm")
    other = "stain" if second.class_name != "stain" else "pit"
    review_box(store, result, second.index, "wrong_class", new_class=other)
    report_missed(store, result, "pit", box=[10, 10, 22, 22])
    with pytest.raises(InvalidInput):
        review_box(store, result, 99, "confirm")
    with pytest.raises(InvalidInput):
        report_missed(store, result, "pit", box=[10, 10, 9999, 22])
    store.flush(wait_s=5)
    rows = store.query("SELECT kind, value, request_id FROM feedback WHERE module = 'inspect' ORDER BY ts")
    assert [r["kind"] for r in rows] == ["confirm", "correction", "missed"]
    confirm = json.loads(rows[0]["value"])
    assert confirm["image_path"] == result.image_path and confirm["box"] == first.box
    assert confirm["class"] == first.class_name and "summary" in confirm
    assert json.loads(rows[1]["value"])["corrected_class"] == other
    assert {r["request_id"] for r in rows} == {result.request_id}
    assert get_result(store, result.result_id).defects == result.defects


def test_retrain_merges_accepted_reviews_and_scores_both_models(tmp_path, monkeypatch):
    import suite.inspect

    monkeypatch.setenv("SUITE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SUITE_INSPECT_RETRAIN_EPOCHS", "1")
    store = Store(Settings.from_env(device="cpu"), flush_interval_s=0.2)
    result = _inspection_with_boxes(store)
    boxes = result.shown_defects()
    review_box(store, result, boxes[0].index, "confirm")
    review_box(store, result, boxes[1].index, "not_defect")
    report_missed(store, result, "scratch", box=[5, 5, 60, 12])
    store.flush(wait_s=5)
    store.execute("UPDATE feedback SET review_state = 'accepted' WHERE module = 'inspect'")
    outcome = suite.inspect.retrain(store, output_dir=tmp_path / "challenger")
    assert (tmp_path / "challenger" / "best.pt").exists()
    assert outcome.primary_metric == "map50" and outcome.higher_is_better
    assert 0 <= outcome.challenger_metrics["map50"] <= 1 and 0 <= outcome.champion_metrics["map50"] <= 1
    assert set(outcome.feedback_metrics) == {"challenger", "champion"}
    assert len(outcome.trained_on["feedback_ids"]) == 3 and outcome.trained_on["reviewed_images"] == 1
    store.close()


def test_demo_loads_inspections_and_reviews_once(store):
    import suite.inspect

    first = suite.inspect.load_demo(store)
    assert first.counts["images"] == 6 and first.counts["reviews"] >= 1
    again = suite.inspect.load_demo(store)
    assert again.note == "already loaded"
    store.flush(wait_s=5)
    assert store.scalar("SELECT count(*) FROM inspect_results") == 6
    assert store.scalar("SELECT count(*) FROM feedback WHERE module = 'inspect'") == first.counts["reviews"]
