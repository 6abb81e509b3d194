"""The worker's chores on its loop: the risk alert outbox reaches a real local webhook, the privacy purge runs
when `suite.privacy` provides it, a failing chore never stops the worker; the heartbeat says what it did."""

from __future__ import annotations

import http.server
import json
import sys
import threading
import types
from contextlib import contextmanager

import pytest

from suite.jobs import housekeeping, workers
from suite.jobs.runner import run_worker
from suite.jobs.schedule import Schedule
from suite.risk.alerts import refresh_alerts
from suite.risk.service import deliveries, upsert_watchlist
from suite.store import Store
from tests.risk.risk_helpers import seed_scored_headlines, watchlist

NO_SCHEDULE = Schedule(nightly_hour=None, min_feedback=0, poll_s=0.05)


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server API)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.calls.append(json.loads(body or b"{}"))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@contextmanager
def webhook():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    server.daemon_threads, server.calls = True, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server, f"http://127.0.0.1:{server.server_port}/services/T0/B0/secret"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def no_privacy(monkeypatch):
    monkeypatch.setitem(sys.modules, "suite.privacy", None)  # as if suite/privacy.py did not exist


def test_the_worker_delivers_a_pending_outbox_message(store, monkeypatch, no_privacy):
    monkeypatch.setattr("suite.risk.outbox.deliver_soon", lambda *args, **kwargs: None)  # no first attempt
    upsert_watchlist(store, watchlist(("FNWK",)))
    seed_scored_headlines(store)
    with webhook() as (server, url):
        [alert_id] = refresh_alerts(Store(store.settings.with_(alert_webhook=url)))
        [waiting] = deliveries(store)
        assert waiting.status in ("waiting", "pending") and server.calls == []
        assert run_worker(store, schedule=NO_SCHEDULE, once=True) == []  # no job: only the chores ran
        [sent] = deliveries(store)
        assert sent.status == "delivered" and sent.attempts == 1
        assert len(server.calls) == 1 and "FNWK" in server.calls[0]["text"] and alert_id.startswith("FNWK-")
        assert housekeeping.housekeep(store) == {"risk": {}}  # delivered once: nothing is due any more
    assert len(server.calls) == 1


def test_the_privacy_purge_runs_when_suite_privacy_has_it(store, monkeypatch):
    calls = []
    privacy = types.ModuleType("suite.privacy")
    privacy.purge_expired = lambda store_, settings: calls.append((store_, settings)) or {"purged": 2}
    monkeypatch.setitem(sys.modules, "suite.privacy", privacy)
    report = housekeeping.housekeep(store)
    assert report["privacy"] == {"purged": 2} and calls == [(store, store.settings)]
    assert "privacy" not in housekeeping.housekeep(store, purge=False)
    keeper = housekeeping.Housekeeper(store, every_s=0, purge_every_s=3600)
    keeper.run_if_due()
    keeper.run_if_due()
    assert len(calls) == 2  # the purge is due once an hour here; the module chores every time

    monkeypatch.setitem(sys.modules, "suite.privacy", types.ModuleType("suite.privacy"))  # no purge_expired yet
    assert housekeeping.privacy_purge() is None and "privacy" not in housekeeping.housekeep(store)


def test_a_failing_chore_is_reported_and_the_worker_goes_on(store, monkeypatch, no_privacy):
    def broken(store_):
        raise RuntimeError("hook is down")

    monkeypatch.setattr(housekeeping, "housekeepers", lambda: {"risk": broken})
    assert housekeeping.housekeep(store) == {"risk": {"error": "RuntimeError: hook is down"}}
    assert run_worker(store, schedule=NO_SCHEDULE, once=True) == []
    status = workers.worker_status(store)
    assert not status.alive and status.since is not None  # the worker ran, stopped, and said so


def test_the_heartbeat_shows_the_running_job_and_the_next_run(store):
    from datetime import UTC, datetime

    moment, text = workers.next_run(Schedule(nightly_hour=2, min_feedback=20), at=datetime(2030, 1, 1, 3, tzinfo=UTC))
    assert moment == datetime(2030, 1, 2, 2, tzinfo=UTC) and "20 newly accepted" in text
    store.execute(
        "INSERT INTO job_workers (worker, host, pid, started_at, beat_at) VALUES "
        "('gone-1', 'gone', 1, now() - INTERVAL 9 DAY, now() - INTERVAL 8 DAY)"
    )  # killed long ago: it never wrote its stop
    beat = workers.Heartbeat(store, Schedule(nightly_hour=2, min_feedback=20), every_s=0.05).start()
    assert store.scalar("SELECT count(*) FROM job_workers WHERE worker = 'gone-1'") == 0  # pruned by the beat
    try:
        store.execute("INSERT INTO jobs (job_id, module, state, created_at, started_at) VALUES "
                      "('job-1', 'risk', 'running', now(), now())")  # fmt: skip
        beat.job("job-1")
        status = workers.worker_status(store)
        assert status.alive and status.current_job["job_id"] == "job-1" and status.next_run_at.hour == 2
        assert "running since" in status.sentence() and "now running risk retraining job-1" in status.sentence()
        store.execute("UPDATE jobs SET state = 'succeeded', finished_at = now() WHERE job_id = 'job-1'")
        beat.job(None)
        assert workers.worker_status(store).last_job["job_id"] == "job-1"
    finally:
        beat.stop()
    status = workers.worker_status(store)
    assert not status.alive and "not running since" in status.sentence()
    assert "last job risk retraining job-1, succeeded" in status.sentence()
