"""`suite worker --ray`: a queued risk retraining (the real model, sample data) trains as a task of a local Ray
cluster, while the claim, the lock, the gate and the job row stay with the worker, in a PostgreSQL store, with
the model files in a shared folder (SUITE_MODELS_URI): recorded exactly as the local path records it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from suite.jobs import queue
from suite.jobs.runner import run_pending, run_worker
from suite.jobs.schedule import Schedule
from suite.registry import champion_version
from suite.registry.versions import get_version
from suite.store import Store
from tests.risk.risk_helpers import accepted_correction, install_default_model
from tests.scale.postgres_server import postgres_server, postgres_url  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.slow, pytest.mark.scale]  # several processes: make test-scale

NO_SCHEDULE = Schedule(nightly_hour=None, min_feedback=0, poll_s=0.5)
NEW_CASE = "Fennwick says the steering recall will be far costlier than planned"


@pytest.fixture(scope="module")
def local_ray():
    """A one-CPU Ray cluster on this machine (127.0.0.1), for this module's tests."""
    ray = pytest.importorskip("ray")
    ray.init(address="local", num_cpus=1, include_dashboard=False, logging_level=logging.WARNING)
    yield ray
    ray.shutdown()


@pytest.fixture
def pg_store(settings, tmp_path, postgres_url):  # noqa: F811
    shared = settings.with_(database_url=postgres_url, models_uri=f"file://{tmp_path / 'shared-models'}")
    install_default_model(shared)
    store = Store(shared, flush_interval_s=0.2)
    accepted_correction(store, NEW_CASE)
    yield store
    store.close()


def test_queued_retraining_runs_on_ray_and_is_gated_and_recorded_like_the_local_path(pg_store, local_ray):
    from suite.jobs.ray_jobs import RayTrainer

    store = pg_store
    assert store.settings.models_dir == Path(store.settings.models_uri.removeprefix("file://"))
    job_id, created = queue.enqueue(store, "risk", requested_by="test", reason="retrain on ray")
    assert created

    [result] = run_worker(store, once=True, schedule=NO_SCHEDULE, train=RayTrainer(store.settings))

    assert result["job_id"] == job_id and result["state"] == "succeeded", result
    job = queue.get_job(store, job_id)
    assert job["state"] == "succeeded" and job["worker"] == queue.worker_name()  # the claim was this process's
    remote = next(line for line in job["log"].splitlines() if "in Ray worker pid" in line)
    assert f"pid {os.getpid()} " not in remote  # the training itself ran in a Ray worker process
    assert f"risk job {job_id} runs as Ray task" in job["log"]
    assert store.query("SELECT * FROM job_locks") == []  # the lock was released
    assert job["stage"] == "succeeded" and job["progress"] == 1

    # gated and recorded by the worker: the version row, its report and its files in the shared folder
    version = get_version(store, "risk", result["version"])
    assert version.metrics["gate"] == result["gate"] and version.metrics["primary_metric"] == "macro_f1"
    assert version.trained_on["job_id"] == job_id and len(version.trained_on["feedback_ids"]) == 1
    assert Path(version.artifact_path).parent == store.settings.models_dir / "risk"
    assert (Path(version.artifact_path) / "VERSION").is_file()
    assert result["promoted"] == result["gate"]["passed"]
    assert (champion_version(store.settings, "risk") == result["version"]) == result["promoted"]
    assert not list((store.settings.models_dir / "risk").glob(".staging-*"))

    # the local path, same data: the same challenger, the same fields recorded
    local_id, _ = queue.enqueue(store, "risk", requested_by="test", reason="retrain here")
    [local] = run_pending(store, ["risk"])
    assert local["job_id"] == local_id and local["state"] == "succeeded"
    assert set(local) == set(result)
    assert local["challenger"] == result["challenger"]
    assert set(local["gate"]) == set(result["gate"])


def test_a_job_cancelled_while_its_ray_task_trains_ends_cancelled_with_nothing_kept(pg_store, local_ray):
    from suite.jobs.ray_jobs import RayTrainer

    store = pg_store
    trainer = RayTrainer(store.settings)
    job_id, _ = queue.enqueue(store, "risk", requested_by="test", reason="to be cancelled")
    outcome: list[dict] = []
    thread = threading.Thread(target=lambda: outcome.extend(run_pending(store, ["risk"], train=trainer)))
    thread.start()
    deadline = time.monotonic() + 120
    while queue.get_job(store, job_id)["state"] == "queued" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert queue.cancel(store, job_id, by="test") == "running"
    thread.join(timeout=120)
    assert not thread.is_alive()

    [result] = outcome
    assert result["state"] == "cancelled" and result["cancelled"]
    assert queue.get_job(store, job_id)["state"] == "cancelled"
    assert store.scalar("SELECT count(*) FROM model_versions") == 0
    assert champion_version(store.settings, "risk") is None
    assert store.query("SELECT * FROM job_locks") == []
    assert not queue.staging_dir(store.settings, "risk", job_id).exists()


def test_worker_ray_without_an_address_says_what_to_set(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SUITE_RAY_ADDRESS"}
    env["SUITE_HOME"] = str(tmp_path / "home")
    suite = str(Path(sys.executable).with_name("suite"))
    done = subprocess.run([suite, "worker", "--ray", "--once"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "SUITE_RAY_ADDRESS" in done.stderr and "Traceback" not in done.stderr
