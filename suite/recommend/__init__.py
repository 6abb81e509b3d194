"""Recommendations: the ten products each shopper is most likely to want next, with a reason for each.

The five hooks of `suite.modules.ModuleHooks`; heavy imports stay inside the functions.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before anything imports implicit

from suite.progress import Progress, no_progress  # noqa: E402

# Imported before the hook of the same name is defined: importing a submodule binds it on its package, so a
# lazy import of `suite.recommend.retrain` would later replace the `retrain` hook with the module object.
# (No other submodule is named like a hook.) It costs ~0.1 s: implicit itself is imported only to train.
from suite.recommend import retrain as _retraining  # noqa: E402

if TYPE_CHECKING:
    from suite.drift import DriftSignal
    from suite.modules import DemoReport, ModelStatus
    from suite.settings import Settings
    from suite.store import Store
    from suite.training import TrainingOutcome


def prepare(settings: Settings, progress: Progress = no_progress) -> None:
    """Train the default model from the sample shop if it is not on disk yet."""
    from suite.recommend.default_model import build_default

    build_default(settings, progress)


def load_demo(store: Store, progress: Progress = no_progress) -> DemoReport:
    from suite.recommend.demo import load_demo as _load_demo

    return _load_demo(store, progress)


def model_status(settings: Settings) -> list[ModelStatus]:
    from suite.recommend.service import model_status as _model_status

    return [_model_status(settings)]


def retrain(store: Store, *, output_dir: Path, progress: Progress = no_progress) -> TrainingOutcome:
    return _retraining.retrain(store, output_dir=output_dir, progress=progress)


def drift(store: Store, *, recent_days: int, reference_days: int) -> list[DriftSignal]:
    from suite.recommend.drift_signals import drift_signals

    return drift_signals(store, recent_days=recent_days, reference_days=reference_days)
