"""Who runs the queue: each retraining worker's heartbeat in `job_workers`, and why a queued job is still waiting.

A worker (`suite worker`, or the one `suite serve` supervises) writes its row every `BEAT_S` seconds from a
thread of its own, also while a job trains: who it is, its pid, when it started and last beat, the job it runs,
its last job and the next scheduled run. A worker counts as alive while its pid exists (same host) or its last
beat is under `ALIVE_WITHIN_S` old (another host); one that stopped cleanly says when.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from suite.errors import SuiteError
from suite.jobs import queue
from suite.jobs.schedule import Schedule
from suite.store import Store, now

logger = logging.getLogger(__name__)

BEAT_S = 5.0  # seconds between heartbeats
ALIVE_WITHIN_S = 30.0  # a worker on another host whose last beat is older than this is taken for stopped
KEEP_STOPPED = timedelta(days=7)  # rows of workers stopped (or silent) longer ago are removed


@dataclass(frozen=True)
class WorkerStatus:
    """The newest retraining worker as the Operations page shows it (`alive` False: none runs now)."""

    alive: bool
    worker: str | None = None
    pid: int | None = None
    host: str | None = None
    since: datetime | None = None  # running since (alive), or not running since (stopped, or last beat)
    beat_at: datetime | None = None
    current_job: dict[str, Any] | None = None
    last_job: dict[str, Any] | None = None
    next_run_at: datetime | None = None
    next_run: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sentence(self) -> str:
        """The status in plain words: "Retraining worker: running since ..., last job ..., next run ..."."""
        if self.alive:
            head = f"running since {_when(self.since)} (pid {self.pid} on {self.host})"
        elif self.since is not None:
            head = f"not running since {_when(self.since)}"
        else:
            head = "not running (no worker has started yet)"
        parts = [f"Retraining worker: {head}"]
        if self.current_job:
            parts.append(f"now running {describe_job(self.current_job)}")
        parts.append(f"last job {describe_job(self.last_job)}" if self.last_job else "no job run yet")
        if self.alive or self.next_run:
            parts.append(f"next run {self.next_run or 'not scheduled'}")
        return ", ".join(parts) + "."


def _when(moment: datetime | None) -> str:
    return "an unknown time" if moment is None else f"{moment.astimezone(now().tzinfo):%Y-%m-%d %H:%M} UTC"


def describe_job(job: dict[str, Any]) -> str:
    """ "risk retraining 1a2b3c4d, succeeded at 2026-12-03 12:00 UTC" """
    kind = "training" if job.get("kind") == queue.TRAIN else "retraining"
    text = f"{job.get('module')} {kind} {str(job.get('job_id'))[:8]}, {job.get('state')}"
    if job.get("finished_at"):
        text += f" at {_when(job['finished_at'])}"
    elif job.get("started_at"):
        text += f" since {_when(job['started_at'])}"
    return text


def next_run(schedule: Schedule, at: datetime | None = None) -> tuple[datetime | None, str]:
    """When the schedule would retrain next, and that in words (the feedback threshold can come sooner)."""
    at = at or now()
    parts, moment = [], None
    if schedule.nightly_hour is not None:
        moment = at.replace(hour=schedule.nightly_hour, minute=0, second=0, microsecond=0)
        if moment <= at:
            moment += timedelta(days=1)
        parts.append(f"{_when(moment)} (nightly, if feedback was accepted since the last run)")
    if schedule.min_feedback > 0:
        parts.append(f"as soon as {schedule.min_feedback} newly accepted feedback items wait")
    return moment, " or ".join(parts) if parts else "not scheduled (only when someone presses Retrain now)"


class Heartbeat:
    """This process's worker row, written every `every_s` seconds by a daemon thread until `stop()`.

    Example:
        >>> beat = Heartbeat(store, schedule).start()   # doctest: +SKIP
        >>> beat.job("1a2b...")                          # while a job runs, then beat.job(None)  # doctest: +SKIP
        >>> beat.stop()                                  # doctest: +SKIP
    """

    def __init__(self, store: Store, schedule: Schedule, *, every_s: float = BEAT_S) -> None:
        self.store, self.schedule, self.every_s = store, schedule, every_s
        self.worker = queue.worker_name()
        self.started_at = now()
        self._current: str | None = None
        self._last: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Heartbeat:
        self.beat()
        self._thread = threading.Thread(target=self._loop, name="suite-worker-heartbeat", daemon=True)
        self._thread.start()
        return self

    def job(self, job_id: str | None) -> None:
        """The job this worker runs now (None when it is done: it becomes the last job); written at once."""
        if job_id is None and self._current is not None:
            self._last = self._current
        self._current = job_id
        self.beat()

    def beat(self, *, stopped: bool = False) -> None:
        """Write the row now; a busy or broken database is logged and the next beat tries again."""
        moment, text = next_run(self.schedule)
        stamp = now()
        try:
            with self.store.transaction(wait_s=5.0) as con:
                con.execute(
                    """INSERT OR REPLACE INTO job_workers
                           (worker, host, pid, started_at, beat_at, stopped_at, current_job, last_job,
                            next_run_at, next_run)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [self.worker, socket.gethostname(), os.getpid(), self.started_at, stamp,
                     stamp if stopped else None, None if stopped else self._current, self._last,
                     None if stopped else moment, None if stopped else text],
                )  # fmt: skip
                # a killed worker never writes stopped_at: its last beat counts
                con.execute("DELETE FROM job_workers WHERE coalesce(stopped_at, beat_at) < ?", [stamp - KEEP_STOPPED])
        except SuiteError as err:
            logger.info("worker heartbeat not written (%s); next try in %.0f s", err, self.every_s)
        except Exception:
            logger.exception("worker heartbeat failed; next try in %.0f s", self.every_s)

    def _loop(self) -> None:
        while not self._stop.wait(self.every_s):
            self.beat()

    def stop(self) -> None:
        """Stop beating and record that this worker stopped (the Operations page says since when)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._current is not None:
            self._last, self._current = self._current, None
        self.beat(stopped=True)


def _alive(row: dict[str, Any]) -> bool:
    if row["stopped_at"] is not None:
        return False
    if row["host"] == socket.gethostname():
        return queue.worker_alive(row["worker"])
    return now() - row["beat_at"] < timedelta(seconds=ALIVE_WITHIN_S)


def alive_workers(store: Store) -> list[dict[str, Any]]:
    """Heartbeat rows of the workers running now, newest beat first."""
    rows = store.query("SELECT * FROM job_workers WHERE stopped_at IS NULL ORDER BY beat_at DESC")
    return [row for row in rows if _alive(row)]


def worker_status(store: Store) -> WorkerStatus:
    """The worker running now (the newest, if several), else the last one that ran and since when it is gone."""
    rows = store.query("SELECT * FROM job_workers ORDER BY beat_at DESC LIMIT 50")
    running = [row for row in rows if _alive(row)]
    row = running[0] if running else (rows[0] if rows else None)
    latest = store.query("SELECT * FROM jobs WHERE finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1")
    if row is None:
        return WorkerStatus(alive=False, last_job=latest[0] if latest else None)
    last = _job(store, row["last_job"]) or (latest[0] if latest else None)
    if running:
        current = _job(store, row["current_job"])
        return WorkerStatus(
            alive=True, worker=row["worker"], pid=row["pid"], host=row["host"], since=row["started_at"],
            beat_at=row["beat_at"], current_job=current if current and current["state"] == "running" else None,
            last_job=last, next_run_at=row["next_run_at"], next_run=row["next_run"],
        )  # fmt: skip
    gone = row["stopped_at"] or row["beat_at"]
    return WorkerStatus(
        alive=False, worker=row["worker"], pid=row["pid"], host=row["host"], since=gone, beat_at=row["beat_at"],
        last_job=last,
    )  # fmt: skip


def _job(store: Store, job_id: str | None) -> dict[str, Any] | None:
    if not job_id:
        return None
    rows = store.query("SELECT * FROM jobs WHERE job_id = ?", [job_id])
    return rows[0] if rows else None


def why_waiting(store: Store, job: dict[str, Any]) -> str | None:
    """For a queued job: why it has not started yet, and what to do (None for a job that is not waiting)."""
    if job["state"] != "queued":
        return None
    lock = store.query(
        """SELECT l.worker, l.heartbeat_at, j.job_id, j.kind, j.started_at FROM job_locks l
           LEFT JOIN jobs j USING (job_id) WHERE l.module = ?""",
        [job["module"]],
    )
    if lock and lock[0]["job_id"] != job["job_id"] and queue.worker_alive(lock[0]["worker"], lock[0]["heartbeat_at"]):
        other = lock[0]
        kind = "training on uploaded data" if other["kind"] == queue.TRAIN else "retraining"
        return (
            f"Waiting: another job of this assistant ({kind}, job {str(other['job_id'])[:8]}) is running since "
            f"{_when(other['started_at'])}; this one starts when it ends."
        )
    if not alive_workers(store):
        return (
            "Waiting: no retraining worker is running, so nobody picks the job up. Start the dashboard with "
            "`make run` or `suite serve` (it runs a worker), or run `suite worker` next to it."
        )
    return "Queued: the retraining worker starts it within a few seconds."
