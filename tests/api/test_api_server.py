"""The real `suite api` server on 127.0.0.1 (a free port): it starts, warms up, answers with a token, stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import accounts_and_tokens

from suite.api.tokens import forget_cached
from tests.serving_kit import free_port

pytestmark = pytest.mark.slow


def wait_for(url: str, status: int, limit_s: float, process: subprocess.Popen) -> httpx.Response:
    deadline = time.monotonic() + limit_s
    while True:
        assert process.poll() is None, f"the server exited with {process.returncode}"
        try:
            response = httpx.get(url, timeout=5)
            if response.status_code == status:
                return response
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{url} did not answer {status} within {limit_s:g} s"
        time.sleep(0.5)


def stop(process: subprocess.Popen) -> str:
    """Stop a `suite api` server as a service manager would (SIGTERM, then a kill after 60 s); its stderr."""
    process.send_signal(signal.SIGTERM)
    try:
        _, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    finally:
        forget_cached()
    return err


def test_suite_api_serves_on_loopback_and_stops_cleanly(loaded_store):
    tokens = accounts_and_tokens(loaded_store)
    port = free_port()
    suite = str(Path(sys.executable).with_name("suite"))  # the console script next to this Python
    command = [suite, "api", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    env = {**os.environ, "SUITE_HOME": str(loaded_store.settings.home), "SUITE_DEVICE": "cpu"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(f"{base}/v1/health", 200, 120, process).json()["status"] == "ok"
        ready = wait_for(f"{base}/v1/ready", 200, 600, process).json()
        assert ready["ready"] and set(ready["modules"].values()) == {"warm"}, ready
        headers = {"Authorization": f"Bearer {tokens['staff']}", "X-Request-ID": "server-test-1"}
        body = {"headlines": [{"headline": "Acmera beats estimates and raises guidance"}]}
        response = httpx.post(f"{base}/v1/risk/headlines", json=body, headers=headers, timeout=60)
        assert response.status_code == 200 and response.headers["x-request-id"] == "server-test-1"
        assert response.json()["results"][0]["label"] in ("negative", "neutral", "positive")
        assert httpx.get(f"{base}/v1/risk/alerts", timeout=10).status_code == 401
        assert httpx.get(f"{base}/docs", timeout=10).status_code == 200
    finally:
        err = stop(process)
    # uvicorn shuts down gracefully, then re-raises the signal it caught: -SIGTERM is a clean stop
    assert process.returncode in (0, -signal.SIGTERM), err[-2000:]
    assert "Traceback" not in err, err[-2000:]
    loaded_store.flush(wait_s=10)
    logged = loaded_store.query("SELECT \"user\" FROM events WHERE module = 'api' AND action LIKE 'POST /v1/risk%'")
    assert [row["user"] for row in logged] == ["sam"]
