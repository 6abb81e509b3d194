"""A 20-second benchmarks/soak.py: 16 threads, a second dashboard and a worker process; nothing lost or failed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SOAK = Path(__file__).resolve().parents[2] / "benchmarks" / "soak.py"

pytestmark = pytest.mark.slow  # 20 s of load: a truly long run for the fast tier


def test_twenty_seconds_of_threads_and_processes_lose_nothing_and_fail_nothing(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SOAK), "--seconds", "20", "--home", str(tmp_path / "home"), "--no-write", "--json"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["failed"] == 0, report["failures"]
    assert report["rows_written"] == report["rows_found"] > 100
    assert report["duplicate_rows"] == 0
    assert all(ops > 0 for ops in report["ops_by_role"].values()), report["ops_by_role"]
    assert report["rss_end_mb"] - report["rss_start_mb"] < 150
