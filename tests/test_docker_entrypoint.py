"""The Docker image starts any of the suite's three processes: the entrypoint maps each role to a real command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENTRYPOINT = ROOT / "scripts" / "docker-entrypoint"
SUITE_BIN = Path(sys.executable).with_name("suite")


def entrypoint(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SUITE_BIN": str(SUITE_BIN), "SUITE_PREPARE": "0"}
    return subprocess.run(["sh", str(ENTRYPOINT), *args], capture_output=True, text=True, env=env, timeout=120)


def test_the_dockerfile_runs_the_entrypoint_with_the_dashboard_by_default():
    text = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["/app/scripts/docker-entrypoint"]' in text and 'CMD ["dashboard"]' in text
    assert "EXPOSE 8501 8000" in text


@pytest.mark.parametrize(("role", "option"), [("dashboard", "--address"), ("api", "--workers"), ("worker", "--help")])
def test_each_role_reaches_its_suite_command(role, option):
    result = entrypoint(role, "--help")
    assert result.returncode == 0, result.stderr
    assert option in result.stdout


def test_other_arguments_run_as_a_suite_command():
    result = entrypoint("users", "--help")
    assert result.returncode == 0, result.stderr
    assert "reset-password" in result.stdout
