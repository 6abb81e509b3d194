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
    from tests.auth.helpers import sign_in_app_test, signed_in

    at = sign_in_app_test(app_page("pages/operations.py"), signed_in(store, "admin")).run()  # exports need a sign-in
    assert not at.exception
    headers = [s.value for s in at.subheader]
    for title in ("Are people happier?", "Model versions over time", "Is incoming work changing?", "Retraining jobs"):
        assert title in headers
    frames = [d.value for d in at.dataframe]
    # headers and values in words: no raw column names, no version hash
    assert any("Gate's reasons" in f.columns and f["Status"].iloc[0] == "In use" for f in frames)
    assert any("State" in f.columns and f["State"].iloc[0] == "Finished" for f in frames)
    versions = next(f for f in frames if "Gate's reasons" in f.columns)
    assert versions["Version"].iloc[0].startswith("Version 1, trained ") and "UTC" in versions["Version"].iloc[0]
    at.radio[1].set_value("parquet").run()
    assert not at.exception
    button = at.get("download_button")[0]
    assert "Download the uses (events)" in button.proto.label


def _shown(element) -> str:
    """An element's text as the reader sees it (the page escapes Markdown punctuation)."""
    return element.value.replace("\\", "")


def test_operations_shows_the_worker_heartbeat(app_page, store):
    import os

    from suite.jobs.schedule import Schedule
    from suite.jobs.workers import Heartbeat

    at = app_page("pages/operations.py").run()
    assert not at.exception
    assert "Retraining worker" in [s.value for s in at.subheader]
    assert "not running (no worker has started yet)" in _shown(at.warning[0])
    assert any("suite serve" in c.value for c in at.caption)  # and how to start one

    beat = Heartbeat(store, Schedule(nightly_hour=2, min_feedback=20)).start()  # what `suite worker` writes
    try:
        at.run()
        assert not at.exception
        shown = _shown(at.success[0])
        assert "running since" in shown and str(os.getpid()) in shown
        assert "no job run yet" in shown and "02" in shown and "20 newly accepted feedback items" in shown
    finally:
        beat.stop()
    at.run()
    assert "not running since" in _shown(at.warning[0])


def test_operations_lists_rows_put_aside_and_the_retry_it_describes_works(app_page, store):
    """A row for a table this version lacks (as if written by a newer suite) is quarantined, listed, then retried."""
    import shutil

    at = app_page("pages/operations.py").run()
    assert "Every recorded row reached the database." in [i.value for i in at.info]

    store.journal_row("later_table", {"id": "a1", "note": "from a newer suite"})
    for _ in range(3):  # QUARANTINE_AFTER failed attempts
        store.flush()
    [kept] = store.quarantined()
    at.run()
    assert not at.exception
    assert "Rows that could not be saved" in [s.value for s in at.subheader]
    assert any("1 recorded row could not go into the database" in w.value for w in at.warning)
    [frame] = [d.value for d in at.dataframe if "Reason" in d.value.columns]
    assert frame["File"][0] == kept.file and frame["Table"][0] == "later_table"
    assert "later_table does not exist" in frame["Reason"][0] and "UTC" in frame["When"][0]
    advice = " ".join(m.value for m in at.markdown)
    spool = store.settings.spool_dir
    assert "To retry" in advice and f"mv {spool / 'quarantine'}/FILE {spool}/retry-FILE" in advice

    store.execute("CREATE TABLE later_table (id VARCHAR PRIMARY KEY, note VARCHAR)")  # the cause is fixed
    shutil.move(spool / "quarantine" / kept.file, spool / f"retry-{kept.file}")  # what the page says to do
    assert store.flush() and store.scalar("SELECT note FROM later_table") == "from a newer suite"
    at.run()
    assert store.quarantined() == [] and "Every recorded row reached the database." in [i.value for i in at.info]
