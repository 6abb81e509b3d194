"""The `jobs` table as a queue, with a per-module lock row in the store so one job per module runs at a time.

A job has a `kind`: "retrain" (the module's `retrain` hook on accepted feedback) or "train" (training on a data
set someone uploaded; its arguments are in `params`). While it runs, the trainer writes its live progress
(`stage`, `epoch`/`epochs`, the latest `metrics` and their `history`) into the row, and `cancel` asks it to stop
(the runner checks `cancel_requested` at every progress report).

A worker is named `<host>-<pid>`. The lock row names the worker that holds it; a row whose worker died
(same host, pid gone; or another host silent for `STALE_AFTER_S`) is stale and `recover` clears it, marks
that worker's running job failed and removes its partial artifacts.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from suite.auth.trail import audited
from suite.errors import InvalidInput, NotFound
from suite.settings import Settings
from suite.store import Store, from_json, new_id, now, to_json

logger = logging.getLogger(__name__)

STALE_AFTER_S = 15 * 60
ACTIVE = ("queued", "running")
FINISHED = ("succeeded", "failed", "cancelled")
RETRAIN, TRAIN = "retrain", "train"  # job kinds


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def staging_dir(settings: Settings, module: str, job_id: str) -> Path:
    """Where a running job's trainer writes; moved into place only when the job succeeds."""
    return settings.models_dir / module / f".staging-{job_id}"


def worker_alive(worker: str, heartbeat_at: datetime | None = None) -> bool:
    host, _, pid = worker.rpartition("-")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    if heartbeat_at is None:
        return False
    return now() - heartbeat_at < timedelta(seconds=STALE_AFTER_S)


@audited(lambda a: "inspect.train" if a["kind"] == TRAIN else "models.retrain", target="module")
def enqueue(
    store: Store,
    module: str,
    *,
    requested_by: str,
    reason: str = "requested",
    kind: str = RETRAIN,
    params: dict[str, Any] | None = None,
) -> tuple[str, bool]:
    """Queue a job of `kind` for `module` unless one of that kind is already queued or running.

    Returns (job_id, created): the existing job's id and False when one was waiting already.
    """
    if kind not in (RETRAIN, TRAIN):
        raise InvalidInput(f"Unknown job kind {kind!r}; use {RETRAIN} or {TRAIN}.")
    with store.transaction() as con:
        row = con.execute(
            """SELECT job_id FROM jobs WHERE module = ? AND kind = ? AND state IN ('queued', 'running')
               ORDER BY created_at LIMIT 1""",
            [module, kind],
        ).fetchone()
        if row:
            return row[0], False
        job_id = new_id()
        con.execute(
            """INSERT INTO jobs (job_id, module, kind, state, requested_by, created_at, progress, log, params, stage)
               VALUES (?, ?, ?, 'queued', ?, ?, 0, ?, ?, 'queued')""",
            [job_id, module, kind, requested_by, now(), f"{now():%Y-%m-%d %H:%M:%S} queued: {reason}\n",
             to_json(params or {})],
        )  # fmt: skip
    logger.info("queued %s %s job %s (%s)", module, kind, job_id, reason)
    return job_id, True


def claim(store: Store, module: str, worker: str | None = None, job_id: str | None = None) -> dict | None:
    """Take the module's lock and its oldest queued job (or `job_id`); None if locked or nothing is queued."""
    worker = worker or worker_name()
    with store.transaction() as con:
        lock = con.execute("SELECT worker, heartbeat_at FROM job_locks WHERE module = ?", [module]).fetchone()
        if lock and worker_alive(lock[0], lock[1]):
            return None
        if lock:
            con.execute("DELETE FROM job_locks WHERE module = ?", [module])
        sql = "SELECT job_id FROM jobs WHERE module = ? AND state = 'queued'"
        params: list[Any] = [module]
        if job_id:
            sql, params = sql + " AND job_id = ?", [module, job_id]
        row = con.execute(sql + " ORDER BY created_at LIMIT 1", params).fetchone()
        if not row:
            return None
        stamp = now()
        con.execute("INSERT INTO job_locks VALUES (?, ?, ?, ?, ?)", [module, row[0], worker, stamp, stamp])
        con.execute(
            "UPDATE jobs SET state = 'running', started_at = ?, worker = ?, progress = 0, stage = 'starting' "
            "WHERE job_id = ?",
            [stamp, worker, row[0]],
        )
    return get_job(store, row[0])


def heartbeat(store: Store, job_id: str, fraction: float | None, line: str | None = None) -> None:
    with store.transaction() as con:
        if fraction is not None:
            con.execute("UPDATE jobs SET progress = ? WHERE job_id = ?", [fraction, job_id])
        if line:
            con.execute("UPDATE jobs SET log = coalesce(log, '') || ? WHERE job_id = ?", [line + "\n", job_id])
        con.execute("UPDATE job_locks SET heartbeat_at = ? WHERE job_id = ?", [now(), job_id])


def report(
    store: Store,
    job_id: str,
    *,
    stage: str,
    epoch: int | None = None,
    epochs: int | None = None,
    metrics: dict[str, float] | None = None,
) -> None:
    """Record where a running job is: its stage, the epoch it finished and that epoch's metrics (added to history)."""
    with store.transaction() as con:
        con.execute("UPDATE jobs SET stage = ? WHERE job_id = ?", [stage, job_id])
        if epoch is not None:
            con.execute(
                "UPDATE jobs SET epoch = ?, epochs = ?, progress = ? WHERE job_id = ?",
                [epoch, epochs, min(epoch / epochs, 1.0) if epochs else None, job_id],
            )
        if metrics is not None:
            row = con.execute("SELECT history FROM jobs WHERE job_id = ?", [job_id]).fetchone()
            history = (from_json(row[0]) if row else None) or []
            history.append({"epoch": epoch, **metrics})
            con.execute(
                "UPDATE jobs SET metrics = ?, history = ? WHERE job_id = ?",
                [to_json(metrics), to_json(history), job_id],
            )
        con.execute("UPDATE job_locks SET heartbeat_at = ? WHERE job_id = ?", [now(), job_id])


@audited("models.cancel", target="job_id")
def cancel(store: Store, job_id: str, *, by: str) -> str:
    """Stop a job: a queued one is cancelled at once, a running one is asked to stop at its next progress report.

    Returns the job's state afterwards ("cancelled", or "running" until the trainer notices). A job that is
    already over is left as it is.
    """
    with store.transaction() as con:
        row = con.execute("SELECT state FROM jobs WHERE job_id = ?", [job_id]).fetchone()
        if row is None:
            raise NotFound(f"There is no job {job_id!r}.")
        state = row[0]
        line = f"{now():%Y-%m-%d %H:%M:%S} cancel requested by {by}\n"
        if state == "queued":
            con.execute(
                """UPDATE jobs SET state = 'cancelled', stage = 'cancelled', finished_at = ?, cancel_requested = true,
                          log = coalesce(log, '') || ? WHERE job_id = ?""",
                [now(), line, job_id],
            )
            state = "cancelled"
        elif state == "running":
            con.execute(
                "UPDATE jobs SET cancel_requested = true, log = coalesce(log, '') || ? WHERE job_id = ?", [line, job_id]
            )
    logger.info("cancel of job %s requested by %s (%s)", job_id, by, state)
    return state


def cancel_requested(store: Store, job_id: str) -> bool:
    return bool(store.scalar("SELECT coalesce(cancel_requested, false) FROM jobs WHERE job_id = ?", [job_id]))


def finish(store: Store, job_id: str, *, state: str, outcome: dict, log: str = "") -> None:
    """Record the end of a job and release its module's lock, in one transaction."""
    with store.transaction() as con:
        con.execute(
            """UPDATE jobs SET state = ?, stage = ?, finished_at = ?, outcome = ?, log = coalesce(log, '') || ?,
                      progress = CASE WHEN ? = 'succeeded' THEN 1 ELSE progress END
               WHERE job_id = ?""",
            [state, state, now(), to_json(outcome), log, state, job_id],
        )
        con.execute("DELETE FROM job_locks WHERE job_id = ?", [job_id])


def recover(store: Store) -> list[str]:
    """Mark running jobs whose worker died as failed, remove their partial artifacts and stale locks."""
    settings = store.settings
    failed = []
    running = store.query(
        "SELECT j.*, l.heartbeat_at FROM jobs j LEFT JOIN job_locks l USING (job_id) WHERE j.state = 'running'"
    )
    for job in running:
        if worker_alive(job["worker"] or "", job["heartbeat_at"]):
            continue
        message = f"{now():%Y-%m-%d %H:%M:%S} the worker {job['worker']} stopped mid-job; marked failed on restart\n"
        finish(store, job["job_id"], state="failed", outcome={"error": "worker died mid-job"}, log=message)
        shutil.rmtree(staging_dir(settings, job["module"], job["job_id"]), ignore_errors=True)
        _remove_unrecorded_versions(store, job["module"], job["job_id"])
        failed.append(job["job_id"])
        logger.warning("job %s (%s) failed: its worker %s died", job["job_id"], job["module"], job["worker"])
    for lock in store.query("SELECT * FROM job_locks"):
        if not worker_alive(lock["worker"], lock["heartbeat_at"]):
            store.execute("DELETE FROM job_locks WHERE module = ? AND worker = ?", [lock["module"], lock["worker"]])
    # Leftovers of jobs that are over; listed before reading states so a job claimed meanwhile is spared.
    folders = list(settings.models_dir.glob("*/.staging-*")) if settings.models_dir.exists() else []
    active = {r["job_id"] for r in store.query("SELECT job_id FROM jobs WHERE state IN ('queued', 'running')")}
    for folder in folders:
        if folder.name.removeprefix(".staging-") not in active:
            shutil.rmtree(folder, ignore_errors=True)
    return failed


def _remove_unrecorded_versions(store: Store, module: str, job_id: str) -> None:
    """A version folder the job moved into place just before dying, without its registry row."""
    folder = store.settings.models_dir / module
    for candidate in folder.glob(f"v*-{job_id[:8]}") if folder.exists() else []:
        if not store.scalar(
            "SELECT count(*) FROM model_versions WHERE module = ? AND version = ?", [module, candidate.name]
        ):
            shutil.rmtree(candidate, ignore_errors=True)


def _decode(job: dict) -> dict:
    job["outcome"] = from_json(job.get("outcome"))
    job["params"] = from_json(job.get("params")) or {}  # rows queued before the column existed: no parameters
    job["metrics"] = from_json(job.get("metrics")) or {}
    job["history"] = from_json(job.get("history")) or []
    job["cancel_requested"] = bool(job.get("cancel_requested"))
    return job


def get_job(store: Store, job_id: str) -> dict:
    rows = store.query("SELECT * FROM jobs WHERE job_id = ?", [job_id])
    if not rows:
        raise NotFound(f"There is no job {job_id!r}.")
    return _decode(rows[0])


def list_jobs(store: Store, module: str | None = None, limit: int = 100, *, kind: str | None = None) -> list[dict]:
    """Jobs, newest first (of one module and one kind when given)."""
    rows = store.query(
        """SELECT * FROM jobs WHERE (? IS NULL OR module = ?) AND (? IS NULL OR kind = ?)
           ORDER BY created_at DESC LIMIT ?""",
        [module, module, kind, kind, limit],
    )
    return [_decode(r) for r in rows]
