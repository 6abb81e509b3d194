from __future__ import annotations

import json

import pytest

from suite.tracking import track


@pytest.mark.slow
def test_track_logs_latency_model_and_output(store, embedder):
    with track(store, module="support", action="embed", input_summary="two texts") as call:
        vectors = embedder.embed(["a", "b"])
        call.record(embedder)
        call.output = {"rows": len(vectors)}
    row = store.query("SELECT * FROM events WHERE request_id = ?", [call.request_id])[0]
    assert row["status"] == "ok" and row["model_name"] == "all-MiniLM-L6-v2" and row["device"] == "cpu"
    assert row["latency_ms"] > 0 and json.loads(row["output_summary"]) == {"rows": 2}


def test_track_records_errors_and_reraises(store):
    with pytest.raises(ValueError), track(store, module="risk", action="classify"):
        raise ValueError("bad headline")
    row = store.query("SELECT status, error FROM events")[0]
    assert row == {"status": "error", "error": "ValueError: bad headline"}
