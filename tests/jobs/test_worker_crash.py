"""Real `suite worker` processes: kill -9 mid-job, and two workers started at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from suite.jobs import queue
from suite.registry import champion_version
from suite.store import Store

ROOT = Path(__file__).resolve().parents[2]
FAKE_WORKER = Path(__file__).with_name("fake_worker.py")  # the real CLI with the stand-in risk trainer


def _worker(settings, *args: str, **env: str) -> subprocess.Popen:
    environ = {
        **os.environ,
        "SUITE_HOME": str(settings.home),
        "SUITE_DEVICE": "cpu",
        "PYTHONPATH": str(ROOT),
        **env,
    }
    return subprocess.Popen(
        [sys.executable, str(FAKE_WORKER), *args],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.1)


def test_kill_9_mid_job_then_recovery_and_rerun(settings):
    store = Store(settings, flush_interval_s=0.2)
    first = _worker(settings, "retrain", "--module", "risk", FAKE_SCORE="0.7")
    assert first.wait(120) == 0, first.stderr.read()
    champion = champion_version(settings, "risk")
    assert champion is not None

    job_id, _ = queue.enqueue(store, "risk", requested_by="test")
    slow = _worker(settings, "worker", "--once", FAKE_SLEEP="60", FAKE_SCORE="0.95")
    _wait_for(queue.staging_dir(settings, "risk", job_id) / "started")
    os.kill(slow.pid, signal.SIGKILL)
    slow.wait(30)
    assert champion_version(settings, "risk") == champion
    assert queue.get_job(store, job_id)["state"] == "running"  # nobody has noticed yet

    restart = _worker(settings, "worker", "--once")
    assert restart.wait(120) == 0, restart.stderr.read()
    job = queue.get_job(store, job_id)
    assert job["state"] == "failed" and "stopped mid-job" in job["log"]
    assert not queue.staging_dir(settings, "risk", job_id).exists()
    assert champion_version(settings, "risk") == champion
    assert store.scalar("SELECT count(*) FROM model_versions") == 1

    rerun = _worker(settings, "retrain", "--module", "risk", FAKE_SCORE="0.95")
    assert rerun.wait(120) == 0, rerun.stderr.read()
    assert champion_version(settings, "risk") not in (None, champion)
    store.close()


def test_two_workers_started_at_once_run_one_job(settings):
    store = Store(settings, flush_interval_s=0.2)
    job_id, _ = queue.enqueue(store, "risk", requested_by="test")
    store.close()
    workers = [_worker(settings, "worker", "--once", FAKE_SLEEP="3") for _ in range(2)]
    outputs = [w.communicate(timeout=180) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    ran = [line for out, _ in outputs for line in out.splitlines() if line.strip()]
    assert len(ran) == 1 and job_id in ran[0]
    store = Store(settings, flush_interval_s=0.2)
    assert store.scalar("SELECT count(*) FROM jobs") == 1
    assert queue.get_job(store, job_id)["state"] == "succeeded"
    assert store.scalar("SELECT count(*) FROM model_versions") == 1
    store.close()
