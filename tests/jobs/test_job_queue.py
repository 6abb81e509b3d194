from __future__ import annotations

from datetime import UTC, datetime

from suite.jobs import queue
from suite.jobs.runner import run_pending
from suite.jobs.schedule import Schedule, due
from suite.registry import champion_version


def test_enqueue_dedupes_and_lock_allows_one_runner(store):
    job_id, created = queue.enqueue(store, "risk", requested_by="alice")
    again, created_again = queue.enqueue(store, "risk", requested_by="bob")
    assert created and not created_again and again == job_id
    first = queue.claim(store, "risk", worker="thishost-1")  # a worker on another host, heartbeat fresh
    assert first["job_id"] == job_id and first["state"] == "running"
    queue.enqueue(store, "risk", requested_by="carol")  # still running: not queued twice
    assert store.scalar("SELECT count(*) FROM jobs") == 1
    store.execute("INSERT INTO jobs (job_id, module, state, created_at) VALUES ('second', 'risk', 'queued', now())")
    assert queue.claim(store, "risk", worker="otherhost-2") is None  # the module is locked
    queue.finish(store, job_id, state="succeeded", outcome={})
    assert queue.claim(store, "risk", worker="otherhost-2")["job_id"] == "second"


def test_recover_fails_dead_workers_job_and_removes_partial_files(store):
    job_id, _ = queue.enqueue(store, "risk", requested_by="alice")
    import socket

    dead = f"{socket.gethostname()}-999999"  # no such pid here
    queue.claim(store, "risk", worker=dead)
    partial = queue.staging_dir(store.settings, "risk", job_id)
    partial.mkdir(parents=True)
    (partial / "half.bin").write_bytes(b"x")
    moved = store.settings.models_dir / "risk" / f"v20300101-000000-{job_id[:8]}"  # moved, never recorded
    moved.mkdir()
    assert queue.recover(store) == [job_id]
    assert not moved.exists()
    job = queue.get_job(store, job_id)
    assert job["state"] == "failed" and "stopped mid-job" in job["log"]
    assert not partial.exists()
    assert store.scalar("SELECT count(*) FROM job_locks") == 0


def test_failed_training_is_recorded_and_cleaned(store, monkeypatch, fake_risk_trainer):
    monkeypatch.setenv("FAKE_SCORE", "not a number")
    job_id, _ = queue.enqueue(store, "risk", requested_by="alice")
    [result] = run_pending(store)
    assert result["state"] == "failed" and "ValueError" in result["error"]
    assert not queue.staging_dir(store.settings, "risk", job_id).exists()
    assert champion_version(store.settings, "risk") is None
    assert store.scalar("SELECT count(*) FROM job_locks") == 0


def test_job_records_progress_timings_and_version(store, monkeypatch, fake_risk_trainer):
    monkeypatch.setenv("FAKE_SCORE", "0.9")
    queue.enqueue(store, "risk", requested_by="alice")
    [result] = run_pending(store)
    assert result["state"] == "succeeded" and result["promoted"]
    job = queue.get_job(store, result["job_id"])
    assert job["progress"] == 1 and job["finished_at"] >= job["started_at"]
    assert job["outcome"]["version"] == champion_version(store.settings, "risk")


def test_schedule_threshold_and_nightly(store):
    schedule = Schedule(nightly_hour=2, min_feedback=3)
    for _ in range(2):
        store.log_feedback(module="risk", kind="label", value={"headline": "x", "label": "negative"})
    store.flush()
    store.execute("UPDATE feedback SET review_state = 'accepted', reviewed_at = now()")
    night = datetime(2030, 1, 1, 3, tzinfo=UTC)
    assert due(store, schedule, ["risk"], at=datetime(2030, 1, 1, 1, tzinfo=UTC)) == []
    assert [m for m, _ in due(store, schedule, ["risk"], at=night)] == ["risk"]
    store.log_feedback(module="risk", kind="label", value={"headline": "y", "label": "neutral"})
    store.flush()
    store.execute("UPDATE feedback SET review_state = 'accepted', reviewed_at = now()")
    [(module, reason)] = due(store, Schedule(nightly_hour=None, min_feedback=3), ["risk"])
    assert module == "risk" and "3 newly accepted" in reason
    assert due(store, Schedule(nightly_hour=None, min_feedback=4), ["risk"]) == []


def test_worker_queues_due_modules_from_the_schedule(store, fake_risk_trainer):
    from suite.jobs.runner import run_worker

    for _ in range(2):
        store.log_feedback(module="risk", kind="label", value={"headline": "x", "label": "negative"})
    store.flush()
    store.execute("UPDATE feedback SET review_state = 'accepted', reviewer = 'a', reviewed_at = now()")
    schedule = Schedule(nightly_hour=None, min_feedback=2, poll_s=0.01)
    [result] = run_worker(store, schedule=schedule, should_stop=lambda: True)
    assert result["state"] == "succeeded" and result["module"] == "risk"
    assert queue.get_job(store, result["job_id"])["requested_by"] == "schedule"
    assert run_worker(store, schedule=schedule, once=True) == []  # nothing new accepted since that run


def test_cancel_a_queued_job_and_a_running_one(store, monkeypatch, fake_risk_trainer):
    import threading
    import time

    waiting, _ = queue.enqueue(store, "risk", requested_by="alice")
    assert queue.cancel(store, waiting, by="bob") == "cancelled"
    job = queue.get_job(store, waiting)
    assert job["state"] == "cancelled" and job["finished_at"] and "cancel requested by bob" in job["log"]
    assert run_pending(store) == []  # a cancelled job is never claimed

    monkeypatch.setenv("FAKE_SLEEP", "30")  # ten progress reports, three seconds apart
    job_id, created = queue.enqueue(store, "risk", requested_by="alice")
    assert created
    results: list[dict] = []
    worker = threading.Thread(target=lambda: results.extend(run_pending(store)))
    worker.start()
    deadline = time.monotonic() + 30
    while queue.get_job(store, job_id)["state"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    started = time.monotonic()
    assert queue.cancel(store, job_id, by="bob") == "running"  # the trainer notices at its next progress report
    worker.join(30)
    assert not worker.is_alive() and time.monotonic() - started < 10
    [result] = results
    assert result["state"] == "cancelled" and result["cancelled"]
    job = queue.get_job(store, job_id)
    assert job["state"] == "cancelled" and job["cancel_requested"] and job["stage"] == "cancelled"
    assert not queue.staging_dir(store.settings, "risk", job_id).exists()
    assert champion_version(store.settings, "risk") is None  # nothing registered, the default model serves
    assert store.scalar("SELECT count(*) FROM model_versions") == 0
    assert store.scalar("SELECT count(*) FROM job_locks") == 0


def test_kinds_are_queued_apart_and_report_live_progress(store):
    retrain, _ = queue.enqueue(store, "inspect", requested_by="alice")
    train, created = queue.enqueue(store, "inspect", requested_by="alice", kind=queue.TRAIN, params={"epochs": 3})
    assert created and train != retrain  # a waiting retraining does not swallow a training on uploaded data
    assert queue.enqueue(store, "inspect", requested_by="bob", kind=queue.TRAIN) == (train, False)
    assert queue.claim(store, "inspect", worker="otherhost-1", job_id=train)["params"] == {"epochs": 3}
    queue.report(store, train, stage="training", epoch=1, epochs=3, metrics={"loss": 2.5, "map50": 0.1})
    queue.report(store, train, stage="training", epoch=2, epochs=3, metrics={"loss": 2.0, "map50": 0.2})
    job = queue.get_job(store, train)
    assert (job["stage"], job["epoch"], job["epochs"]) == ("training", 2, 3)
    assert job["metrics"] == {"loss": 2.0, "map50": 0.2}
    assert [row["epoch"] for row in job["history"]] == [1, 2] and abs(job["progress"] - 2 / 3) < 1e-9
    assert [j["job_id"] for j in queue.list_jobs(store, "inspect", kind=queue.TRAIN)] == [train]


def test_rows_queued_before_the_new_columns_still_run(settings, fake_risk_trainer):
    """A database made before the jobs migration: its queued row gets the new columns and runs as before."""
    import duckdb

    from suite.store import Store
    from suite.store.schema import _component_migrations

    settings.home.mkdir(parents=True)
    con = duckdb.connect(str(settings.db_path))
    con.execute(
        """CREATE TABLE schema_migrations (component VARCHAR, version INTEGER, applied_at TIMESTAMPTZ DEFAULT now(),
           PRIMARY KEY (component, version))"""
    )
    for component, migrations in _component_migrations():
        if component != "jobs":
            for version, sql in enumerate(migrations, start=1):
                con.execute(sql)
                con.execute("INSERT INTO schema_migrations (component, version) VALUES (?, ?)", [component, version])
    con.execute("INSERT INTO jobs (job_id, module, state, created_at) VALUES ('old', 'risk', 'queued', now())")
    con.close()
    store = Store(settings, flush_interval_s=0.2)
    job = queue.get_job(store, "old")
    assert job["kind"] == "retrain" and job["params"] == {} and job["cancel_requested"] is False
    [result] = run_pending(store)
    assert result["job_id"] == "old" and result["state"] == "succeeded"
    store.close()
