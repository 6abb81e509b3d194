"""Long transcriptions as background jobs of the API process: a bounded backlog, progress in the store.

`POST /v1/transcribe` with a long file queues a job and answers at once with its id; the job waits for a
slot of the transcription model (the same limit as synchronous calls) and writes its progress to `api_jobs`,
so `GET /v1/transcribe/{id}` answers from any worker process. A job whose process stops is marked failed
when that host's API starts again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any

from suite.api import queries
from suite.api.gates import ModelGates
from suite.api.models import Busy, Job
from suite.errors import NotFound, SuiteError
from suite.store import Store, from_json, new_id, now, to_json

logger = logging.getLogger(__name__)
MAX_BACKLOG = 8  # jobs queued or running per process; more are refused as busy
PROGRESS_EVERY_S = 1.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Jobs:
    def __init__(self, store: Store, gates: ModelGates) -> None:
        self.store = store
        self.gates = gates
        self.worker = worker_name()
        self._tasks: set[asyncio.Task] = set()

    def recover(self) -> int:
        """Mark jobs that a stopped API process of this host left behind as failed; returns how many."""
        prefix = f"{socket.gethostname()}:"
        return queries.fail_orphaned_jobs(self.store, prefix, {self.worker, *self._live_workers(prefix)}, now())

    @staticmethod
    def _live_workers(prefix: str) -> set[str]:
        alive = set()
        for pid in os.listdir("/proc") if os.path.isdir("/proc") else ():
            if pid.isdigit():
                alive.add(f"{prefix}{pid}")
        return alive

    def submit(self, owner: str, file_name: str, work: Callable[[Callable[[float, float, str], None]], Any]) -> Job:
        """Queue `work(progress)` (it returns the result's `as_dict()`); returns the queued job.

        Raises:
            Busy: `MAX_BACKLOG` jobs are queued or running in this process already.
        """
        if len([t for t in self._tasks if not t.done()]) >= MAX_BACKLOG:
            raise Busy(f"{MAX_BACKLOG} long transcriptions are waiting already; try again in a few minutes.")
        job_id = new_id()
        queries.insert_job(
            self.store,
            {
                "job_id": job_id, "kind": "transcribe", "owner": owner, "file_name": file_name, "state": "queued",
                "progress": 0.0, "message": "waiting for the speech model", "worker": self.worker,
                "created_at": now(),
            },
        )  # fmt: skip
        task = asyncio.get_running_loop().create_task(self._run(job_id, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return self.get(job_id)

    async def _run(self, job_id: str, work: Callable[[Callable[[float, float, str], None]], Any]) -> None:
        def body() -> None:
            queries.update_job(self.store, job_id, state="running", started_at=now(), message="transcribing")
            last = [0.0]

            def progress(done: float, total: float, message: str = "") -> None:
                if time.monotonic() - last[0] < PROGRESS_EVERY_S:
                    return
                last[0] = time.monotonic()
                share = min(max(done / total, 0.0), 1.0) if total else 0.0
                queries.update_job(self.store, job_id, progress=round(share, 4), message=message[:300] or None)

            try:
                result = work(progress)
            except SuiteError as err:
                queries.update_job(self.store, job_id, state="failed", finished_at=now(), error=str(err)[:2000])
                return
            except Exception as err:
                logger.exception("transcription job %s failed", job_id)
                error = f"Internal error ({type(err).__name__}); the server's log has the details."
                queries.update_job(self.store, job_id, state="failed", finished_at=now(), error=error)
                return
            queries.update_job(
                self.store, job_id, state="succeeded", finished_at=now(), progress=1.0, message="done",
                result=to_json(result),
            )  # fmt: skip

        try:
            await self.gates.run("transcribe", body)
        except Exception as err:  # cancelled at shutdown, or the store refused the update
            logger.warning("transcription job %s did not finish: %s", job_id, err)
            try:
                queries.update_job(self.store, job_id, state="failed", finished_at=now(), error="The server stopped.")
            except Exception:
                logger.exception("could not mark job %s as failed", job_id)

    def get(self, job_id: str) -> Job:
        """A job by id (from the store, so any worker process can answer).

        Raises:
            NotFound: no such job.
        """
        row = queries.job_row(self.store, job_id) if job_id else None
        if row is None:
            raise NotFound(f"There is no transcription job {str(job_id)[:64]!r}.")
        return Job(**{**row, "result": from_json(row["result"])})

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
