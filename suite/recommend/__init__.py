"""Recommendations: the ten products each shopper is most likely to want next, with a reason for each.

Hooks for the suite (heavy imports stay inside the functions): `prepare`, `load_demo`, `model_status`, `retrain`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before anything imports implicit

from suite.progress import Progress, no_progress  # noqa: E402


def prepare(settings, progress: Progress = no_progress) -> None:
    """Train the default model from the sample shop if it is not on disk yet."""
    from suite.recommend.training import prepare as _prepare

    _prepare(settings, progress)


def load_demo(store) -> dict[str, Any]:
    from suite.recommend.demo import load_demo as _load_demo

    return _load_demo(store)


def model_status(settings) -> list[dict[str, Any]]:
    from suite.recommend.service import default_dir
    from suite.registry.champion import champion_dir

    folder = champion_dir(settings, "recommend") or default_dir(settings)
    version_file = folder / "VERSION"
    return [
        {
            "model": "hybrid recommender (ALS + co-occurrence + content + popularity)",
            "version": version_file.read_text().strip() if version_file.exists() else None,
            "path": str(folder),
            "on_disk": (folder / "model.json").exists(),
        }
    ]


def retrain(store, *, output_dir: Path, progress: Progress = no_progress):
    from suite.recommend.training import retrain as _retrain

    return _retrain(store, output_dir=output_dir, progress=progress)
