"""`suite worker --ray`: the training step of each job runs as a Ray task on the cluster at `SUITE_RAY_ADDRESS`.

Only the work moves. The worker still claims the job and takes the module's lock in the store (`queue.claim`),
registers the challenger, gates and promotes it (`registry.versions.register_outcome`) and finishes the job row,
exactly as on the local path; the Ray task gets the job, the settings and the staging folder, opens the store
itself (live progress, the cancel switch) and returns the `TrainingOutcome` with the log lines it wrote.

So that a task on another machine can write where the worker reads, a cluster needs the shared store
(`SUITE_DATABASE_URL`) and the shared model folder (`SUITE_MODELS_URI`); a local Ray (`ray.init` on this
machine) works without them.

Example:
    >>> run_worker(store, train=RayTrainer(store.settings))  # what `suite worker --ray` runs  # doctest: +SKIP
"""

from __future__ import annotations

import io
import logging
import os
import socket
import time
from pathlib import Path
from typing import Any

from suite.errors import InvalidInput, SuiteError
from suite.jobs.control import JobCancelled, JobControl
from suite.settings import Settings
from suite.store import Store
from suite.training import TrainingOutcome

logger = logging.getLogger(__name__)

POLL_S = 1.0  # how often the worker looks at the cancel switch while the task trains
TASK_CPUS = 1  # Ray resources of one training task
_task: Any = None  # the remote function, made once ray is imported


def connect(settings: Settings, *, address: str | None = None) -> str:
    """Join the Ray cluster (once per process); returns the address used.

    Raises:
        InvalidInput: no address is set, ray is not installed, or the cluster cannot be reached.
    """
    address = address or settings.ray_address
    try:
        import ray
    except ImportError:
        raise InvalidInput(
            "Ray is not installed; install the scale extra (pip install -e '.[scale]') to run jobs with --ray."
        ) from None
    if ray.is_initialized():
        return address or "the Ray cluster this process joined"
    if not address:
        raise InvalidInput(
            "suite worker --ray needs the cluster's address: set SUITE_RAY_ADDRESS (e.g. ray://head:10001 or "
            "auto on a cluster node)."
        )
    try:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
    except Exception as err:  # ConnectionError, or a RuntimeError that names the address
        raise InvalidInput(f"Cannot reach the Ray cluster at {address}: {err}") from None
    logger.info("retraining jobs train as Ray tasks on the cluster at %s", address)
    if not settings.database_url or not settings.models_uri:
        logger.warning(
            "jobs run on Ray at %s with a store or model folder on this machine only (SUITE_DATABASE_URL=%s, "
            "SUITE_MODELS_URI=%s): tasks on other machines cannot reach them",
            address,
            "set" if settings.database_url else "unset",
            settings.models_uri or "unset",
        )
    return address


def _train_remotely(settings: Settings, job: dict, staging: str) -> tuple[TrainingOutcome, str]:
    """Inside the Ray task: train `job` into `staging` with this task's own store; returns (outcome, log lines)."""
    from suite.jobs import queue
    from suite.jobs.runner import _train

    capture = io.StringIO()
    handler = logging.StreamHandler(capture)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    handler.setLevel(logging.INFO)
    watched = [logging.getLogger(name) for name in ("suite", "pipelines")]
    for lg in watched:
        lg.addHandler(handler)
        lg.setLevel(min(lg.getEffectiveLevel(), logging.INFO))
    store = Store(settings)
    logger.info("training %s job %s in Ray worker pid %d on %s", job["module"], job["job_id"], os.getpid(),
                socket.gethostname())  # fmt: skip
    try:
        kind = job.get("kind") or queue.RETRAIN
        control = JobControl(store, job["job_id"], stage_from_messages=kind == queue.RETRAIN)
        outcome = _train(store, job, Path(staging), control)
        return outcome, capture.getvalue()
    except SuiteError as err:  # refusals and cancels travel back as themselves, with the log so far
        err.add_note(capture.getvalue())
        raise
    finally:
        store.close()
        for lg in watched:
            lg.removeHandler(handler)


def _remote():
    global _task
    if _task is None:
        import ray

        # max_retries=0: a task whose node died is a failed job (the worker records it), never a silent second run
        _task = ray.remote(num_cpus=TASK_CPUS, max_retries=0)(_train_remotely)
    return _task


class RayTrainer:
    """The training step of `runner.run_job` as a Ray task (`run_job(store, job, train=RayTrainer(settings))`)."""

    def __init__(self, settings: Settings, *, address: str | None = None) -> None:
        self.address = connect(settings, address=address)

    def __call__(self, store: Store, job: dict, staging: Path, control: JobControl) -> TrainingOutcome:
        import ray
        from ray.exceptions import RayTaskError, TaskCancelledError

        ref = _remote().remote(store.settings, job, str(staging))
        logger.info("%s job %s runs as Ray task %s on %s", job["module"], job["job_id"], ref.task_id().hex(),
                    self.address)  # fmt: skip
        while True:
            done, _ = ray.wait([ref], timeout=POLL_S)
            if done:
                break
            if control.should_stop():  # cancelled, or this worker asked to stop: the task is ended, not awaited
                ray.cancel(ref, force=True)
                raise JobCancelled("The job was cancelled.")
        started = time.monotonic()
        try:
            outcome, log = ray.get(ref)
        except RayTaskError as err:
            cause = err.cause if isinstance(err.cause, BaseException) else None
            if isinstance(cause, SuiteError):
                _relay(getattr(cause, "__notes__", []))
                raise cause from None
            raise RuntimeError(f"the Ray task failed: {cause or err}") from None
        except TaskCancelledError:
            raise JobCancelled("The job was cancelled.") from None
        _relay([log])
        logger.debug("outcome of %s fetched in %.2f s", job["job_id"], time.monotonic() - started)
        return outcome


def _relay(logs: list[str]) -> None:
    """The task's log lines into this process's log (so the job's log shows them, as on the local path)."""
    for text in logs:
        for line in text.splitlines():
            if line.strip():
                logger.info("[ray] %s", line)
