"""Copies of a prepared SUITE_HOME for tests that need every model on disk."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path


def process_folder(prefix: str) -> Path:
    """A new folder that lasts as long as this test process (a test's tmp_path goes when the test passes)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def clone_home(source: Path, target: Path) -> None:
    """Copy a prepared SUITE_HOME, hard-linking the files under models/ (a few hundred MB per copy).

    The suite writes model files only as new files or atomic replacements, so a link never lets a test
    change the source; the store, spool and job logs are written in place and are real copies.
    """
    shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("models"))
    if (source / "models").is_dir():
        shutil.copytree(source / "models", target / "models", dirs_exist_ok=True, copy_function=_link_or_copy)


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(source, target)
