"""The `suite` console script: JSON Lines on stdout, logs on stderr, exit 2 with one line on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SUITE = str(Path(sys.executable).with_name("suite"))


def run_suite(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env or {})}
    return subprocess.run([SUITE, *args], capture_output=True, text=True, env=env, timeout=300)


def test_status_json_reports_device_models_and_counts(settings):
    result = run_suite("status", "--json")
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.strip().splitlines()
    report = json.loads(line)
    assert report["device"] == "cpu"
    assert report["home"] == str(settings.home.resolve())
    assert report["counts"] == {"events": 0, "feedback": 0, "model_versions": 0, "jobs": 0}
    shared = next(m for m in report["models"] if m["module"] == "shared")
    assert shared["model"] == "all-MiniLM-L6-v2" and shared["on_disk"] is True


def test_bad_setting_exits_2_with_one_line():
    result = run_suite("status", "--json", env={"SUITE_DEVICE": "tpu"})
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "SUITE_DEVICE" in result.stderr


def test_help_lists_the_core_commands():
    result = run_suite("--help")
    assert result.returncode == 0
    for command in ("serve", "demo", "status", "prepare"):
        assert command in result.stdout
