"""Market-sentiment risk alerts: headline tone per watched company, alerts with the headlines behind them.

The five `suite.modules.ModuleHooks` (heavy imports stay inside the functions); pages, the CLI and the API
call `suite.risk.service`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from suite.progress import Progress, no_progress

# Imported before the hook of the same name is defined: importing a submodule binds it on its package, so a
# lazy import inside `retrain()` would replace the hook with the module object after its first call.
from suite.risk import retrain as _retraining

if TYPE_CHECKING:
    from suite.drift import DriftSignal
    from suite.modules import DemoReport, ModelStatus
    from suite.settings import Settings
    from suite.store import Store
    from suite.training import TrainingOutcome


def prepare(settings: Settings, progress: Progress = no_progress) -> None:
    """Train the default headline classifier into SUITE_HOME/models/risk/default/ (seconds; skipped if current)."""
    from suite.risk.classifier import prepare as prepare_model

    prepare_model(settings, progress)


def load_demo(store: Store, progress: Progress = no_progress) -> DemoReport:
    """The sample watchlist, prices and a year of headlines, scored; a few sample feedback rows (idempotent)."""
    from suite.risk.demo import load_demo as load

    return load(store, progress)


def model_status(settings: Settings) -> list[ModelStatus]:
    from suite.risk.classifier import model_status as status

    return status(settings)


def retrain(store: Store, *, output_dir: Path, progress: Progress = no_progress) -> TrainingOutcome:
    """A challenger from accepted label corrections, with per-company thresholds tuned by accepted false alarms."""
    return _retraining.retrain(store, output_dir=output_dir, progress=progress)


def drift(store: Store, *, recent_days: int, reference_days: int) -> list[DriftSignal]:
    """Labels of the latest headlines vs the labelled training set, and of recently scored vs earlier headlines."""
    from suite.drift import label_mix
    from suite.risk import queries
    from suite.risk.classifier import labelled_set

    training = [r["label"] for r in labelled_set() if r["split"] == "train"]
    latest = queries.latest_labels(store, recent_days)
    earlier, recent = queries.scored_labels(store, recent_days=recent_days, reference_days=reference_days)
    return [
        label_mix("risk", "headline labels: latest week vs training", training, latest),
        label_mix("risk", "labels of recently scored headlines", earlier, recent),
    ]


def housekeep(store: Store) -> dict[str, int]:
    """The worker's chore: send the alert webhook messages that are due (retries, or a process that exited)."""
    from collections import Counter

    from suite.risk.outbox import deliver_pending

    return dict(Counter(delivery.status for delivery in deliver_pending(store)))
