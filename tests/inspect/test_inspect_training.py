"""Training on a tiny set, with the network blocked: a loadable version with metrics, or nothing at all."""

from __future__ import annotations

import pytest
from inspect_helpers import SAMPLE_SET

from suite.errors import InvalidInput
from suite.inspect.training import TrainingCancelledError, request_cancel, train_version


def test_two_epochs_on_a_tiny_set_make_a_loadable_version_offline(store, tiny_set, no_network):
    from pipelines.detector import load_detector
    from suite.inspect.images import load_image

    seen = []
    result = train_version(store, tiny_set / "data.yaml", epochs=2, on_epoch=seen.append)
    assert [row["epoch"] for row in seen] == [1, 2]
    assert result.version and result.status in ("challenger", "rejected", "champion")
    assert set(result.metrics) >= {"map50", "map50_95", "precision", "recall", "per_class_ap50"}
    assert 0.0 <= result.metrics["map50"] <= 1.0
    weights = store.settings.models_dir / "inspect" / result.version / "best.pt"
    detector = load_detector(weights, version=result.version, device="cpu")
    out = detector.detect(load_image(tiny_set / "images" / "test" / "test_000.jpg"))
    assert out.model_version == result.version
    row = store.query("SELECT status FROM model_versions WHERE module = 'inspect' AND version = ?", [result.version])
    assert row and row[0]["status"] == result.status
    assert no_network == [], f"tried to reach the network: {no_network}"
    assert not list(SAMPLE_SET.rglob("*.cache")), "Ultralytics wrote into sample_data/"


def test_cancelled_and_invalid_trainings_register_nothing(store, tiny_set):
    request_cancel(store, "cancel-me")
    with pytest.raises(TrainingCancelledError):
        train_version(store, tiny_set / "data.yaml", epochs=3, run_id="cancel-me")
    for image in sorted((tiny_set / "images" / "train").iterdir())[1:]:
        image.unlink()
    with pytest.raises(InvalidInput, match="at least 4"):
        train_version(store, tiny_set / "data.yaml", epochs=1)
    assert store.query("SELECT * FROM model_versions WHERE module = 'inspect'") == []
    store.flush(wait_s=5)
    runs = store.query("SELECT run_id, state FROM inspect_training_runs")
    assert runs == [{"run_id": "cancel-me", "state": "cancelled"}]


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
from suite.inspect.inspection import inspect_image
from suite.settings import Settings
from suite.store import Store
store = Store(Settings.from_env(home=Path({str(tmp_path / "home")!r}), device="cpu"))
result = inspect_image(store, Path({str(SAMPLE_SET / "images" / "test" / "test_014.jpg")!r}))
store.close()
assert result.verdict == "FAIL", result.as_json()
assert attempts == [], attempts
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOLO_")}  # the suite must set them itself
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
