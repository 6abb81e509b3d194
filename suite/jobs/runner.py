"""Run jobs: a module's `retrain` (or its data-set trainer) into a staging folder, then the registry records it.

`run_job` never holds a database connection while the trainer runs (the dashboard needs the file). The
trainer writes into `models/<module>/.staging-<job_id>/`; only a finished, recorded challenger is moved
to `models/<module>/<version>/`, so a worker killed or cancelled mid-job leaves nothing half-made in the
registry and the serving model as it was.

Who runs a job: `suite worker` (forever, on the schedule; `suite serve` keeps one running beside the dashboard),
`suite retrain --module M` (one now, in that process), or `start_in_background` (what a page calls: a
`python -m suite.jobs JOB_ID` process that waits for the module's lock). All of them go through `queue.claim`,
so one job per module runs at a time.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any, Protocol

from suite.errors import InvalidInput, SuiteError
from suite.jobs import queue
from suite.jobs.control import (
    JobCancelled,
    JobControl,
    clear_shutdown,
    request_shutdown,
    shutdown_requested,
    wait_for_shutdown,
)
from suite.jobs.housekeeping import Housekeeper
from suite.jobs.schedule import Schedule, due
from suite.jobs.workers import Heartbeat
from suite.modules import MODULE_KEYS, hooks
from suite.progress import Progress, no_progress
from suite.registry.versions import register_outcome
from suite.settings import Settings
from suite.store import Store
from suite.training import TrainingOutcome

logger = logging.getLogger(__name__)

Trainer = Callable[..., TrainingOutcome]  # retrain(store, *, output_dir, progress) -> TrainingOutcome
# Where a claimed job's training step runs: (store, job, staging folder, control) -> TrainingOutcome. None: here,
# in this process; `suite.jobs.ray_jobs.RayTrainer`: as a Ray task (`suite worker --ray`).
TrainStep = Callable[[Store, dict, Path, JobControl], TrainingOutcome]


class DatasetTrainer(Protocol):
    """Trains a module on a data set named in the job's params (job kind "train")."""

    def __call__(
        self, store: Store, *, output_dir: Path, params: dict[str, Any], job: JobControl
    ) -> TrainingOutcome: ...


_test_trainers: dict[str, Trainer] = {}


def use_trainer(module: str, trainer: Trainer | None) -> None:
    """For tests only: run `trainer` instead of the module's `retrain` hook in this process (None: the hook again).

    A subprocess worker gets the same by a small script that calls this before starting the real worker.
    """
    if trainer is None:
        _test_trainers.pop(module, None)
    else:
        _test_trainers[module] = trainer


def trainer_for(settings: Settings, module: str) -> Trainer | None:
    """The module's `retrain` hook (or the trainer a test put in its place); None for an unknown module."""
    if module in _test_trainers:
        return _test_trainers[module]
    if module not in MODULE_KEYS:
        return None
    return hooks(module).retrain


def dataset_trainer_for(module: str) -> DatasetTrainer:
    """The function that trains `module` on an uploaded data set; only inspection has one so far."""
    if module == "inspect":
        from suite.inspect.service import train_job

        return train_job
    raise InvalidInput(f"{module} cannot be trained on an uploaded data set.")


def trainable_modules(settings: Settings) -> list[str]:
    return [key for key in MODULE_KEYS if trainer_for(settings, key) is not None]


def run_job(store: Store, job: dict, *, progress: Progress = no_progress, train: TrainStep | None = None) -> dict:
    """Run one claimed job to the end; returns its outcome dict (also saved on the job row).

    `train` runs the training step elsewhere (a Ray task); the claim, the registry, the gate and the job row stay
    here. The job ends 'succeeded' (a version was recorded, and promoted if the gate allows), 'cancelled' (someone
    asked it to stop; nothing kept) or 'failed' (the error is in the outcome and the log).
    """
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
    control = JobControl(
        store, job_id, progress, stage_from_messages=(job.get("kind") or queue.RETRAIN) == queue.RETRAIN
    )
    try:
        staging.mkdir(parents=True, exist_ok=True)
        training = (train or _train)(store, job, staging, control)
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
    except JobCancelled as err:
        logger.info("%s job %s cancelled", module, job_id)
        result, state = {"cancelled": True, "message": str(err)}, "cancelled"
    except Exception as err:
        result, state = {"error": f"{type(err).__name__}: {err}"}, "failed"
        if isinstance(err, SuiteError):  # an expected refusal ("nothing to learn from yet"): one line in the job log
            capture.write(f"{module} job {job_id} refused: {err}\n")
            result["refused"] = str(err)
        else:
            logger.exception("%s job %s failed", module, job_id)
    finally:
        for lg, level in zip(watched, levels, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)
    shutil.rmtree(staging, ignore_errors=True)
    result["total_s"] = round(time.monotonic() - started, 2)
    queue.finish(store, job_id, state=state, outcome=result, log=capture.getvalue()[-20_000:])
    return {"job_id": job_id, "module": module, "state": state, **result}


def _train(store: Store, job: dict, staging: Path, control: JobControl) -> TrainingOutcome:
    module, kind = job["module"], job.get("kind") or queue.RETRAIN
    if kind == queue.TRAIN:
        return dataset_trainer_for(module)(store, output_dir=staging, params=job["params"], job=control)
    trainer = trainer_for(store.settings, module)
    if trainer is None:
        raise InvalidInput(f"{module} is not trainable yet (it has no retrain step).")
    return trainer(store, output_dir=staging, progress=control)


def run_pending(
    store: Store,
    modules: list[str] | None = None,
    *,
    progress: Progress = no_progress,
    on_job: Callable[[str | None], None] = lambda job_id: None,
    train: TrainStep | None = None,
) -> list[dict]:
    """Run every queued job this worker can lock (one per module); returns their outcomes.

    `on_job` hears the id of each job as it starts and None when it is over (the worker's heartbeat).
    """
    modules = modules or [r["module"] for r in store.query("SELECT DISTINCT module FROM jobs WHERE state = 'queued'")]
    results = []
    for module in modules:
        if shutdown_requested():
            break
        job = queue.claim(store, module)
        if job is not None:
            on_job(job["job_id"])
            try:
                results.append(run_job(store, job, progress=progress, train=train))
            finally:
                on_job(None)
    return results


def retrain_now(store: Store, module: str, *, requested_by: str, progress: Progress = no_progress) -> dict:
    """Queue and run a retraining of `module` in this process (what `suite retrain --module M` does)."""
    if trainer_for(store.settings, module) is None:
        raise InvalidInput(f"{module} is not trainable yet (it has no retrain step).")
    queue.recover(store)
    job_id, _ = queue.enqueue(store, module, requested_by=requested_by, reason="suite retrain")
    return run_now(store, job_id, progress=progress)


def run_now(store: Store, job_id: str, *, progress: Progress = no_progress) -> dict:
    """Run the queued job `job_id` in this process, if its module's lock is free."""
    job = queue.get_job(store, job_id)
    claimed = queue.claim(store, job["module"], job_id=job_id)
    if claimed is None:
        raise InvalidInput(
            f"A job of {job['module']} is already running; see `suite models list` or the Models page, "
            "and try again when it is done."
        )
    return run_job(store, claimed, progress=progress)


def run_when_free(store: Store, job_id: str, *, poll_s: float = 2.0) -> dict | None:
    """Wait for the module's lock, then run `job_id`; None if it was cancelled or another worker took it."""
    queue.recover(store)
    while True:
        job = queue.get_job(store, job_id)
        if job["state"] != "queued":
            logger.info("job %s is %s; nothing to do", job_id, job["state"])
            return None
        claimed = queue.claim(store, job["module"], job_id=job_id)
        if claimed is not None:
            return run_job(store, claimed)
        time.sleep(poll_s)


def start_in_background(settings: Settings, job_id: str) -> int:
    """Run a queued job in a process of its own (`python -m suite.jobs JOB_ID`); returns its pid.

    The page that asks stays responsive and polls the job row; the process takes the module's lock like
    any worker, so it waits while another job of the module runs. Its output goes to `jobs/<job_id>.log`.
    """
    folder = settings.home / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **_settings_env(settings)}
    with open(folder / f"{job_id}.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "suite.jobs", job_id],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Streamlit restart does not take the training down with it
        )
    logger.info("job %s runs in process %s", job_id, process.pid)
    return process.pid


def _settings_env(settings: Settings) -> dict[str, str]:
    """The settings as SUITE_* variables, so the job's process sees exactly the caller's settings."""
    env = {}
    for spec in fields(settings):
        value = getattr(settings, spec.name)
        if isinstance(value, tuple | list):
            text = ",".join(map(str, value))
        elif isinstance(value, bool):
            text = "1" if value else "0"
        else:
            text = "off" if value is None else str(value)
        env[f"SUITE_{spec.name.upper()}"] = text
    return env


QUEUE_POLL_S = 2.0  # how often a worker looks for queued jobs ("Retrain now" starts within seconds)


def run_worker(
    store: Store,
    *,
    once: bool = False,
    schedule: Schedule | None = None,
    progress: Progress = no_progress,
    should_stop: Callable[[], bool] = lambda: False,
    train: TrainStep | None = None,
) -> list[dict]:
    """Recover after a crash, then run queued jobs and those the schedule makes due; forever, or one pass with `once`.

    `train` runs each job's training step elsewhere (`suite worker --ray`: `ray_jobs.RayTrainer`).

    Queued jobs are looked for every `QUEUE_POLL_S` seconds (or `schedule.poll_s` when shorter); the schedule
    and crash recovery are checked every `schedule.poll_s`, housekeeping (`suite.jobs.housekeeping`) every
    `HOUSEKEEP_EVERY_S`. The worker's heartbeat (`suite.jobs.workers`) is written throughout. SIGTERM or Ctrl-C
    (in the main thread) stop it cleanly: a running job ends 'cancelled' at its next progress report, nothing
    half-made is kept, and the heartbeat records the stop. A second Ctrl-C interrupts at once.
    """
    schedule = schedule or Schedule.from_settings(store.settings)
    poll_s = min(schedule.poll_s, QUEUE_POLL_S)
    results: list[dict] = []
    heartbeat = Heartbeat(store, schedule).start()
    restore_signals = _stop_on_signals()
    keeper = Housekeeper(store)

    def stopping() -> bool:
        return shutdown_requested() or should_stop()

    checked_at = float("-inf")
    try:
        while True:
            if time.monotonic() - checked_at >= schedule.poll_s:
                checked_at = time.monotonic()
                failed = queue.recover(store)
                if failed:
                    logger.warning("marked %d job(s) of a dead worker as failed", len(failed))
                for module, reason in due(store, schedule, trainable_modules(store.settings)):
                    queue.enqueue(store, module, requested_by="schedule", reason=reason)
            results.extend(run_pending(store, progress=progress, on_job=heartbeat.job, train=train))
            keeper.run_if_due()
            if once or stopping():
                return results
            wait_for_shutdown(poll_s)
    finally:
        restore_signals()
        heartbeat.stop()


def _stop_on_signals() -> Callable[[], None]:
    """SIGTERM/SIGINT ask this process's worker to stop (main thread only); returns what puts the old handlers back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def stop(signum: int, frame: object) -> None:
        if signum == signal.SIGINT and shutdown_requested():
            raise KeyboardInterrupt  # a second Ctrl-C: do not wait for the job's next progress report
        logger.warning("worker asked to stop (%s); a running job stops at its next progress report",
                       signal.Signals(signum).name)  # fmt: skip
        request_shutdown()

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        clear_shutdown()

    return restore
