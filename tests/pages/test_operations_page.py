from __future__ import annotations

import pytest

from suite.jobs import queue
from suite.jobs.runner import run_pending, use_trainer
from tests.jobs.fake_trainer import retrain as fake_retrain


@pytest.fixture
def fake_risk_trainer():
    """The job machinery's stand-in trainer (the real risk retraining is tested end to end elsewhere)."""
    use_trainer("risk", fake_retrain)
    yield
    use_trainer("risk", None)


def test_operations_shows_trends_versions_jobs_and_exports(app_page, store, fake_risk_trainer):
    rid = store.log_event(module="support", action="ask", latency_ms=40, output_summary={"answered": True})
    store.log_feedback(module="support", kind="thumbs", request_id=rid, value={"question": "q", "up": True})
    store.log_feedback(module="risk", kind="false_alarm", value={"headline": "h"})
    queue.enqueue(store, "risk", requested_by="test")
    run_pending(store)
    at = app_page("pages/operations.py").run()
    assert not at.exception
    headers = [s.value for s in at.subheader]
    for title in ("Are people happier?", "Model versions over time", "Is incoming work changing?", "Retraining jobs"):
        assert title in headers
    frames = [d.value for d in at.dataframe]
    assert any("gate" in f.columns and f["status"].iloc[0] == "champion" for f in frames)
    assert any("state" in f.columns and f["state"].iloc[0] == "succeeded" for f in frames)
    at.radio[1].set_value("parquet").run()
    assert not at.exception
    button = at.get("download_button")[0]
    assert "Download events" in button.proto.label
