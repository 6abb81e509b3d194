"""Fault fixtures: a small real disk that fills up."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from suite.settings import Settings


@pytest.fixture
def small_disk(tmp_path, monkeypatch):
    """SUITE_HOME on a real 4 MB tmpfs (needs root, as in CI); skipped with the reason where it cannot be mounted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({(result.stderr or result.stdout).strip() or 'not root'})")
    monkeypatch.setenv("SUITE_HOME", str(mount / "home"))
    monkeypatch.setenv("SUITE_DEVICE", "cpu")
    yield Settings.from_env()
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(folder: Path) -> Path:
    """Write a filler file until the disk under `folder` is full; delete it to free the space again."""
    filler = folder / "filler.bin"
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass
        try:
            while True:
                handle.write(b"\0" * 512)
        except OSError:
            pass
    return filler
