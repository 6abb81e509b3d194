"""What a running job's trainer talks to: progress into the jobs table, live stage/epoch/metrics, the stop switch.

A `JobControl` is the `progress` callable handed to a module's `retrain` (so every retraining reports into
the jobs table and can be stopped at any progress report), and the `job` handed to a data-set trainer,
which also calls `report` once per epoch and asks `should_stop` between batches.
"""

from __future__ import annotations

import logging
import threading
import time

from suite.errors import SuiteError
from suite.jobs import queue
from suite.progress import Progress, no_progress
from suite.store import Store

logger = logging.getLogger(__name__)


class JobCancelled(SuiteError):
    """Someone pressed stop: the job ends as 'cancelled', nothing it made is kept, the serving model stays."""


_shutdown = threading.Event()  # set when the worker process is asked to stop (SIGTERM, Ctrl-C)
SHUTDOWN_MESSAGE = "The worker was stopped (the server shut down) before the job ended; retrain again when it is back."


def request_shutdown() -> None:
    """Make every running job of this process stop at its next progress report (as 'cancelled')."""
    _shutdown.set()


def shutdown_requested() -> bool:
    return _shutdown.is_set()


def clear_shutdown() -> None:
    _shutdown.clear()


def wait_for_shutdown(timeout_s: float) -> bool:
    """Sleep up to `timeout_s`, waking at once when the worker is asked to stop; True if it was."""
    return _shutdown.wait(timeout_s)


class JobControl:
    """The running job `job_id`, seen from inside its trainer.

    Database writes are throttled to one every `every_s` seconds (the last report of a step always goes
    through), so a trainer may report as often as it likes.
    """

    def __init__(
        self,
        store: Store,
        job_id: str,
        outer: Progress = no_progress,
        every_s: float = 1.0,
        *,
        stage_from_messages: bool = False,
    ) -> None:
        self.store, self.job_id, self.outer, self.every_s = store, job_id, outer, every_s
        self.stage_from_messages = stage_from_messages  # a retraining reports no stage: its progress message is one
        self._last_write = 0.0
        self._last_check = 0.0
        self._message = ""
        self._stop = False

    def __call__(self, done: float, total: float, message: str = "") -> None:
        """Progress (`suite.progress.Progress`); raises JobCancelled once a cancel was requested."""
        self.outer(done, total, message)
        if self.should_stop():
            raise JobCancelled(SHUTDOWN_MESSAGE if _shutdown.is_set() else "The job was cancelled.")
        moment = time.monotonic()
        if moment - self._last_write < self.every_s and done < total:
            return
        self._last_write = moment
        fraction = min(max(done / total, 0.0), 1.0) if total else 0.0
        line = None
        if message and message != self._message:
            self._message = message
            line = f"{time.strftime('%H:%M:%S')} {fraction:.0%} {message}"
        try:
            queue.heartbeat(self.store, self.job_id, fraction, line)
            if line and self.stage_from_messages:
                queue.report(self.store, self.job_id, stage=message[:120])
        except SuiteError:  # a busy database must not stop the training
            logger.debug("progress of %s not saved (store busy)", self.job_id)

    def report(
        self, stage: str, *, epoch: int | None = None, epochs: int | None = None, metrics: dict | None = None
    ) -> None:
        """Live progress for the page: the stage ("training", "evaluating"), the epoch just finished and its metrics."""
        try:
            queue.report(self.store, self.job_id, stage=stage, epoch=epoch, epochs=epochs, metrics=metrics)
        except SuiteError:
            logger.debug("progress of %s not saved (store busy)", self.job_id)

    def should_stop(self) -> bool:
        """True once someone asked to cancel this job or the worker to stop (the database is read once a second)."""
        if self._stop or _shutdown.is_set():
            return True
        moment = time.monotonic()
        if moment - self._last_check >= min(self.every_s, 1.0):
            self._last_check = moment
            try:
                self._stop = queue.cancel_requested(self.store, self.job_id)
            except SuiteError:
                logger.debug("could not read the cancel switch of %s (store busy)", self.job_id)
        return self._stop
