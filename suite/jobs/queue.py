"""The `jobs` table as a queue, with a per-module lock row in the store so one job per module runs at a time.

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

from suite.errors import NotFound
from suite.settings import Settings
from suite.store import Store, from_json, new_id, now, to_json

logger = logging.getLogger(__name__)

STALE_AFTER_S = 15 * 60
ACTIVE = ("queued", "running")


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


def enqueue(store: Store, module: str, *, requested_by: str, reason: str = "requested") -> tuple[str, bool]:
    """Queue a retraining of `module` unless one is already queued or running; returns (job_id, created)."""
    with store.transaction() as con:
        row = con.execute(
            "SELECT job_id FROM jobs WHERE module = ? AND state IN ('queued', 'running') ORDER BY created_at LIMIT 1",
            [module],
        ).fetchone()
        if row:
            return row[0], False
        job_id = new_id()
        con.execute(
            """INSERT INTO jobs (job_id, module, kind, state, requested_by, created_at, progress, log)
               VALUES (?, ?, 'retrain', 'queued', ?, ?, 0, ?)""",
            [job_id, module, requested_by, now(), f"{now():%Y-%m-%d %H:%M:%S} queued: {reason}\n"],
        )
    logger.info("queued %s retraining %s (%s)", module, job_id, reason)
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
            "UPDATE jobs SET state = 'running', started_at = ?, worker = ?, progress = 0 WHERE job_id = ?",
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


def finish(store: Store, job_id: str, *, state: str, outcome: dict, log: str = "") -> None:
    """Record the end of a job and release its module's lock, in one transaction."""
    with store.transaction() as con:
        con.execute(
            """UPDATE jobs SET state = ?, finished_at = ?, outcome = ?, log = coalesce(log, '') || ?,
                      progress = CASE WHEN ? = 'succeeded' THEN 1 ELSE progress END
               WHERE job_id = ?""",
            [state, now(), to_json(outcome), log, state, job_id],
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
    return job


def get_job(store: Store, job_id: str) -> dict:
    rows = store.query("SELECT * FROM jobs WHERE job_id = ?", [job_id])
    if not rows:
        raise NotFound(f"There is no job {job_id!r}.")
    return _decode(rows[0])


def list_jobs(store: Store, module: str | None = None, limit: int = 100) -> list[dict]:
    where, params = ("WHERE module = ?", [module]) if module else ("", [])
    rows = store.query(f"SELECT * FROM jobs {where} ORDER BY created_at DESC LIMIT ?", [*params, limit])
    return [_decode(r) for r in rows]
