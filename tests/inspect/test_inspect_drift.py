"""The drift hook: the verdict mix and the mean top box confidence of recent inspections against the weeks before."""

from __future__ import annotations

import suite.inspect


def test_drift_compares_verdicts_and_top_confidence(store):
    old = [("PASS", 0.2), ("PASS", 0.3)] * 3  # 20 days ago
    new = [("FAIL", 0.9)] * 6
    for verdict, top in old + new:
        store.log_event(module="inspect", action="inspect", output_summary={"verdict": verdict, "top_confidence": top})
    store.flush(wait_s=5)
    store.execute(
        "UPDATE events SET ts = ts - INTERVAL 20 DAY WHERE json_extract_string(output_summary, '$.verdict') = 'PASS'"
    )
    mix, confidence = suite.inspect.drift(store, recent_days=7, reference_days=60)
    assert (mix.module, mix.signal, mix.level, mix.n_recent, mix.n_reference) == (
        "inspect",
        "verdict mix",
        "drifting",
        6,
        6,
    )
    assert mix.change == 1.0 and "PASS 100%" in mix.reference and "FAIL 100%" in mix.recent
    assert confidence.signal == "mean top box confidence" and confidence.level == "drifting"
    assert (confidence.reference, confidence.recent) == ("0.250", "0.900") and confidence.change > 1


def test_drift_without_enough_inspections_says_so(store):
    signals = suite.inspect.drift(store, recent_days=7, reference_days=60)
    assert [s.level for s in signals] == ["not enough data", "not enough data"]
