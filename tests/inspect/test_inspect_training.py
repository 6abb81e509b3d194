"""Training on a tiny set as a job, with the network blocked: a loadable version with metrics, or nothing at all."""

from __future__ import annotations

import time

import pytest
from inspect_helpers import SAMPLE_SET

from suite.errors import InvalidInput
from suite.inspect import service
from suite.jobs import queue

pytestmark = pytest.mark.slow  # every test here trains or loads the real detector


def test_two_epochs_on_a_tiny_set_make_a_loadable_version_offline(store, tiny_set, no_network):
    from pipelines.detector import load_detector
    from suite.inspect.images import load_image

    result = service.train_now(store, tiny_set / "data.yaml", epochs=2)
    assert [row.epoch for row in result.history] == [1, 2]
    assert result.version and result.status in ("challenger", "rejected", "champion")
    assert set(result.metrics.as_dict()) >= {"map50", "map50_95", "precision", "recall", "per_class_ap50"}
    assert 0.0 <= result.metrics.map50 <= 1.0
    weights = store.settings.models_dir / "inspect" / result.version / "best.pt"
    detector = load_detector(weights, version=result.version, device="cpu")
    out = detector.detect(load_image(tiny_set / "images" / "test" / "test_000.jpg"))
    assert out.model_version == result.version
    row = store.query("SELECT status FROM model_versions WHERE module = 'inspect' AND version = ?", [result.version])
    assert row and row[0]["status"] == result.status
    assert no_network == [], f"tried to reach the network: {no_network}"
    assert not list(SAMPLE_SET.rglob("*.cache")), "Ultralytics wrote into sample_data/"
    job = service.training_job(store, result.job_id)  # what the page polls: the job row has the live progress
    assert job.state == "succeeded" and [row.epoch for row in job.history] == [1, 2] and job.version == result.version
    assert store.scalar("SELECT count(*) FROM job_locks") == 0


def test_stop_mid_training_in_the_worker_process_keeps_the_serving_model(store, tiny_set):
    """What the page does: start the training (a worker process of its own), poll its epochs, press Stop."""
    serving = service.serving_detector(store.settings).model_version
    job = service.start_training(store, tiny_set / "data.yaml", epochs=200, imgsz=64)
    deadline = time.monotonic() + 300
    try:
        while not (current := service.training_job(store, job.job_id)).history:
            assert current.active, f"the training ended before its first epoch: {current}"
            assert time.monotonic() < deadline, "no epoch finished within 5 minutes"
            time.sleep(0.5)
        assert current.state == "running" and current.stage == "training" and current.epochs == 200
        stopping = service.cancel_training(store, job.job_id, user="tester")
        assert stopping.cancel_requested
        while (current := service.training_job(store, job.job_id)).active:
            assert time.monotonic() < deadline, "the training did not stop"
            time.sleep(0.5)
    finally:  # never leave a 200-epoch training running behind a failed test
        queue.cancel(store, job.job_id, by="test cleanup")
    assert current.state == "cancelled", current
    assert current.epoch < 200 and current.history  # it stopped early, and its progress stays readable
    assert service.training_result(store, job.job_id) is None
    assert store.query("SELECT * FROM model_versions WHERE module = 'inspect'") == []
    assert service.serving_detector(store.settings).model_version == serving
    assert not queue.staging_dir(store.settings, "inspect", job.job_id).exists()
    assert not (store.settings.home / "inspect" / "runs" / job.job_id).exists()
    assert store.scalar("SELECT count(*) FROM job_locks") == 0
    runs = [(run.run_id, run.state) for run in service.training_runs(store)]
    assert runs == [(job.job_id, "cancelled")]


def test_invalid_trainings_are_refused_before_anything_is_queued(store, tiny_set):
    with pytest.raises(InvalidInput, match="between 1 and 500 epochs"):
        service.queue_training(store, tiny_set / "data.yaml", epochs=0)
    for image in sorted((tiny_set / "images" / "train").iterdir())[1:]:
        image.unlink()
    with pytest.raises(InvalidInput, match="at least 4"):
        service.train_now(store, tiny_set / "data.yaml", epochs=1)
    assert store.query("SELECT * FROM model_versions WHERE module = 'inspect'") == []
    assert store.scalar("SELECT count(*) FROM jobs") == 0


def test_a_cold_process_predicts_with_the_network_blocked_from_the_start(tmp_path):
    """Import-time checks count too: block sockets before Ultralytics is first imported."""
    import os
    import subprocess
    import sys

    code = f"""
import socket
attempts = []
def refuse(*a, **k):
    attempts.append(repr(a[:2]))
    raise OSError("blocked")
socket.socket.connect = socket.socket.connect_ex = refuse
socket.getaddrinfo = socket.create_connection = refuse
from pathlib import Path
from suite.inspect.service import inspect_image
from suite.settings import Settings
from suite.store import Store
store = Store(Settings.from_env(home=Path({str(tmp_path / "home")!r}), device="cpu"))
result = inspect_image(store, Path({str(SAMPLE_SET / "images" / "test" / "test_014.jpg")!r}))
store.close()
assert result.verdict == "FAIL", result.as_dict()
assert attempts == [], attempts
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOLO_")}  # the suite must set them itself
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
