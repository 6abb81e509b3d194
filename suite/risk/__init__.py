"""Market-sentiment risk alerts: headline tone per watched company, alerts with the headlines behind them.

Hooks for the suite (heavy imports stay inside the functions): `prepare`, `load_demo`, `model_status`, `retrain`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from suite.progress import Progress, no_progress

if TYPE_CHECKING:
    from suite.settings import Settings
    from suite.store import Store
    from suite.training import TrainingOutcome


def prepare(settings: Settings, progress: Progress = no_progress) -> Path:
    """Train the default headline classifier into SUITE_HOME/models/risk/default/ (seconds; skipped if current)."""
    from suite.risk.model import prepare as prepare_model

    return prepare_model(settings, progress)


def load_demo(store: Store, progress: Progress = no_progress) -> dict[str, Any]:
    from suite.risk.demo import load_demo as load

    return load(store, progress)


def model_status(settings: Settings) -> list[dict]:
    from suite.risk.model import model_status as status

    return status(settings)


def retrain(store: Store, *, output_dir: Path, progress: Progress = no_progress) -> TrainingOutcome:
    from suite.risk.training import retrain as train

    return train(store, output_dir=output_dir, progress=progress)
