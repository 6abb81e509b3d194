"""Visual defect inspection: YOLO boxes, PASS/FAIL/REVIEW verdicts, box reviews that become training data.

The suite's five hooks (`suite.modules.ModuleHooks`); heavy imports stay inside the functions. Pages, the CLI
and the API use `suite.inspect.service` and `suite.inspect.models`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

# Imported before the hook of the same name is defined: importing a submodule binds it on its package, so a
# lazy import inside `retrain()` would replace the hook with the module object after its first call (the
# submodule is light: the model libraries load inside its functions).
from suite.inspect import retrain as _retraining
from suite.progress import Progress, no_progress

if TYPE_CHECKING:
    from suite.drift import DriftSignal
    from suite.modules import DemoReport, ModelStatus
    from suite.settings import Settings
    from suite.store import Store
    from suite.training import TrainingOutcome


def prepare(settings: Settings, progress: Progress = no_progress) -> None:
    """Rebuild the default model from the sample set if neither the committed nor a rebuilt copy exists."""
    from suite.inspect.model_files import build_default_model, default_weights, prepare_exported

    if not default_weights(settings).exists():
        build_default_model(settings, progress=progress)
    prepare_exported(settings)


def load_demo(store: Store, progress: Progress = no_progress) -> DemoReport:
    """Inspect a few sample images and log sample box reviews (once: a second call changes nothing)."""
    from suite.inspect.demo import load_demo as load

    return load(store, progress)


def model_status(settings: Settings) -> list[ModelStatus]:
    from suite.inspect.model_files import model_status as status

    return status(settings)


def retrain(store: Store, *, output_dir: Path, progress: Progress = no_progress) -> TrainingOutcome:
    """Challenger from accepted box reviews plus the base set (see suite.inspect.retrain)."""
    return _retraining.retrain(store, output_dir=output_dir, progress=progress)


def drift(store: Store, *, recent_days: int, reference_days: int) -> list[DriftSignal]:
    """The verdict mix and the mean confidence of each image's most confident box, recent vs reference."""
    from suite.drift import event_outputs, label_mix, score_shift

    reference, recent = event_outputs(
        store, "inspect", recent_days=recent_days, reference_days=reference_days, action="inspect"
    )
    return [
        label_mix("inspect", "verdict mix", [o.get("verdict") for o in reference], [o.get("verdict") for o in recent]),
        score_shift(
            "inspect",
            "mean top box confidence",
            [o.get("top_confidence") for o in reference],
            [o.get("top_confidence") for o in recent],
        ),
    ]
