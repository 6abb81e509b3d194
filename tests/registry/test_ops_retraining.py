from __future__ import annotations

import io

import pandas as pd
import pytest

from suite.errors import InvalidInput
from suite.jobs import queue
from suite.modules import MODULE_KEYS
from suite.ops import drift, export_table, job_history, model_timeline, satisfaction_trend


def test_satisfaction_trend_measures(store):
    for up in (True, True, False, True):
        store.log_feedback(module="support", kind="thumbs", value={"question": "q", "up": up})
    for kind in ("confirm", "false_alarm", "false_alarm", "confirm"):
        store.log_feedback(module="risk", kind=kind, value={"headline": "h"})
    for _ in range(4):
        store.log_event(module="transcribe", action="transcribe")
    store.log_feedback(module="transcribe", kind="correction", value={"audio": "a.wav", "text": "fixed"})
    trend = satisfaction_trend(store).set_index(["module", "measure"])["value"]
    assert trend[("support", "thumbs-up share")].item() == 0.75
    assert trend[("risk", "alert false-alarm rate")].item() == 0.5
    assert trend[("transcribe", "transcript correction rate")].item() == 0.25


def test_drift_gathers_each_modules_signals_and_flags_a_changed_mix(store):
    """Support's own hook: how often it answered vs handed over, and its mean confidence, recent vs before."""
    for answered in [False] * 2 + [True] * 8:
        store.log_event(module="support", action="ask", output_summary={"answered": answered, "confidence": 0.6})
    store.flush()
    store.execute("UPDATE events SET ts = now() - INTERVAL 20 DAY")
    for answered in [False] * 8 + [True] * 2:
        store.log_event(module="support", action="ask", output_summary={"answered": answered, "confidence": 0.6})
    signals = drift(store)
    order = [MODULE_KEYS.index(s.module) for s in signals]
    assert order == sorted(order)  # every module's signals, in catalogue order
    support = {s.signal: s for s in signals if s.module == "support"}
    mix = support["answered vs handed to a person"]
    assert mix.level == "drifting" and mix.change == pytest.approx(0.6)
    assert (mix.n_reference, mix.n_recent) == (10, 10)
    assert support["mean confidence of answers"].level == "stable"


def test_job_history_lists_the_queue(store):
    job_id, _ = queue.enqueue(store, "risk", requested_by="alice")
    [row] = job_history(store).to_dict("records")
    assert row["job_id"] == job_id and row["state"] == "queued" and row["requested_by"] == "alice"
    assert row["seconds"] is None and row["version"] is None
    assert job_history(store, "support").empty


def test_export_csv_and_parquet(store):
    store.log_event(module="support", action="ask", output_summary={"answered": True})
    store.log_feedback(module="support", kind="thumbs", value={"question": "q", "up": True})
    frame = pd.read_csv(io.BytesIO(export_table(store, "events", "csv")))
    assert list(frame["module"]) == ["support"]
    parquet = pd.read_parquet(io.BytesIO(export_table(store, "feedback", "parquet")))
    assert parquet["kind"].tolist() == ["thumbs"] and '"up": true' in parquet["value"][0]
    with pytest.raises(InvalidInput):
        export_table(store, "model_versions", "csv")


def test_empty_store_tables(store):
    assert model_timeline(store).empty and job_history(store).empty
    assert all(signal.level == "not enough data" for signal in drift(store))
    assert satisfaction_trend(store).empty


def test_export_command_writes_the_file(store, tmp_path):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    store.log_event(module="risk", action="score")
    store.close()
    out = tmp_path / "events.csv"
    suite = str(Path(sys.executable).with_name("suite"))
    result = subprocess.run(
        [suite, "export", "--table", "events", "--format", "csv", "--out", str(out)],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["bytes"] == out.stat().st_size
    assert list(pd.read_csv(out)["module"]) == ["risk"]
    bad = subprocess.run([suite, "export", "--table", "jobs", "--out", str(out)], capture_output=True, text=True)
    assert bad.returncode == 2 and "Only events, feedback" in bad.stderr
