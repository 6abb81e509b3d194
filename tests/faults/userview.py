"""What a user sees of the `suite` command: its JSON Lines, its exit code and its one line on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SUITE = str(Path(sys.executable).with_name("suite"))


def run_suite(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([SUITE, *args], capture_output=True, text=True, env=dict(os.environ), timeout=timeout)


def json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def one_line(result: subprocess.CompletedProcess) -> str:
    """The single stderr line a failed command must print (no traceback)."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]
