"""Run retraining jobs: one module's `retrain` into a staging folder, then the registry records and gates it.

`run_job` never holds a database connection while the trainer runs (the dashboard needs the file). The
trainer writes into `models/<module>/.staging-<job_id>/`; only a finished, recorded challenger is moved
to `models/<module>/<version>/`, so a worker killed mid-job leaves nothing half-made in the registry.
"""

from __future__ import annotations

import importlib
import io
import logging
import shutil
import time
from collections.abc import Callable
from typing import Any

from suite.errors import InvalidInput, SuiteError
from suite.jobs import queue
from suite.jobs.schedule import Schedule, due, module_keys
from suite.modules import hook
from suite.progress import Progress, no_progress
from suite.registry.versions import register_outcome
from suite.settings import Settings
from suite.store import Store
from suite.training import TrainingOutcome

logger = logging.getLogger(__name__)

Trainer = Callable[..., TrainingOutcome]


def trainer_for(settings: Settings, module: str) -> Trainer | None:
    """The module's `retrain` hook, or a replacement named by `SUITE_TRAINER_<MODULE>=package.module:function`."""
    override = settings.extra.get(f"trainer_{module}")
    if override:
        path, _, name = override.partition(":")
        return getattr(importlib.import_module(path), name or "retrain")
    return hook(module, "retrain")


def trainable_modules(settings: Settings) -> list[str]:
    return [key for key in module_keys() if trainer_for(settings, key) is not None]


class _JobProgress:
    """Turns the trainer's progress calls into (throttled) jobs-table updates plus the caller's own bar."""

    def __init__(self, store: Store, job_id: str, outer: Progress, every_s: float = 1.0) -> None:
        self.store, self.job_id, self.outer, self.every_s = store, job_id, outer, every_s
        self._last = 0.0
        self._message = ""

    def __call__(self, done: float, total: float, message: str = "") -> None:
        self.outer(done, total, message)
        moment = time.monotonic()
        if moment - self._last < self.every_s and done < total:
            return
        self._last = moment
        fraction = min(max(done / total, 0.0), 1.0) if total else 0.0
        line = None
        if message and message != self._message:
            self._message = message
            line = f"{time.strftime('%H:%M:%S')} {fraction:.0%} {message}"
        try:
            queue.heartbeat(self.store, self.job_id, fraction, line)
        except SuiteError:  # a busy database must not stop the training
            logger.debug("progress of %s not saved (store busy)", self.job_id)


def run_job(store: Store, job: dict, *, progress: Progress = no_progress) -> dict:
    """Run one claimed job to the end; returns its outcome dict (also saved on the job row)."""
    settings, module, job_id = store.settings, job["module"], job["job_id"]
    staging = queue.staging_dir(settings, module, job_id)
    capture = io.StringIO()
    handler = logging.StreamHandler(capture)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    handler.setLevel(logging.INFO)
    watched = [logging.getLogger(name) for name in ("suite", "pipelines")]
    levels = [lg.level for lg in watched]
    for lg in watched:
        lg.addHandler(handler)
        lg.setLevel(min(lg.getEffectiveLevel(), logging.INFO))
    started = time.monotonic()
    try:
        trainer = trainer_for(settings, module)
        if trainer is None:
            raise InvalidInput(f"{module} is not trainable yet (it has no retrain step).")
        staging.mkdir(parents=True, exist_ok=True)
        training = trainer(store, output_dir=staging, progress=_JobProgress(store, job_id, progress))
        train_s = time.monotonic() - started
        result: dict[str, Any] = register_outcome(store, training, job_id=job_id)
        result.update(
            train_s=round(train_s, 2),
            primary_metric=training.primary_metric,
            challenger=training.challenger_metrics,
            champion=training.champion_metrics,
            feedback=training.feedback_metrics,
            trained_on_items=len(training.trained_on.get("feedback_ids", []) or []),
        )
        state = "succeeded"
    except Exception as err:
        logger.exception("retraining %s failed", module)
        result, state = {"error": f"{type(err).__name__}: {err}"}, "failed"
    finally:
        for lg, level in zip(watched, levels, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)
    shutil.rmtree(staging, ignore_errors=True)
    result["total_s"] = round(time.monotonic() - started, 2)
    queue.finish(store, job_id, state=state, outcome=result, log=capture.getvalue()[-20_000:])
    return {"job_id": job_id, "module": module, "state": state, **result}


def run_pending(store: Store, modules: list[str] | None = None, *, progress: Progress = no_progress) -> list[dict]:
    """Run every queued job this worker can lock (one per module); returns their outcomes."""
    modules = modules or [r["module"] for r in store.query("SELECT DISTINCT module FROM jobs WHERE state = 'queued'")]
    results = []
    for module in modules:
        job = queue.claim(store, module)
        if job is not None:
            results.append(run_job(store, job, progress=progress))
    return results


def retrain_now(store: Store, module: str, *, requested_by: str, progress: Progress = no_progress) -> dict:
    """Queue and run a retraining of `module` in this process (what `suite retrain --module M` does)."""
    if trainer_for(store.settings, module) is None:
        raise InvalidInput(f"{module} is not trainable yet (it has no retrain step).")
    queue.recover(store)
    job_id, _ = queue.enqueue(store, module, requested_by=requested_by, reason="suite retrain")
    job = queue.claim(store, module, job_id=job_id)
    if job is None:
        raise InvalidInput(f"A retraining of {module} is already running; see `suite models list` or the Models page.")
    return run_job(store, job, progress=progress)


def run_worker(
    store: Store,
    *,
    once: bool = False,
    schedule: Schedule | None = None,
    progress: Progress = no_progress,
    should_stop: Callable[[], bool] = lambda: False,
) -> list[dict]:
    """Recover after a crash, then queue due jobs and run them; forever, or one pass with `once`."""
    schedule = schedule or Schedule.from_settings(store.settings)
    results: list[dict] = []
    while True:
        failed = queue.recover(store)
        if failed:
            logger.warning("marked %d job(s) of a dead worker as failed", len(failed))
        for module, reason in due(store, schedule, trainable_modules(store.settings)):
            queue.enqueue(store, module, requested_by="schedule", reason=reason)
        results.extend(run_pending(store, progress=progress))
        if once or should_stop():
            return results
        time.sleep(schedule.poll_s)
