"""The transcription demo: one sample clip transcribed into the history, and one sample correction (once)."""

from __future__ import annotations

import json
from pathlib import Path

from suite.modules import DemoReport
from suite.progress import Progress, no_progress
from suite.store import Store
from suite.transcribe import queries
from suite.transcribe.service import save_correction, transcribe_file

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data" / "transcribe"
DEMO_CLIP = "northstar_slow.m4a"


def load_demo(store: Store, progress: Progress = no_progress) -> DemoReport:
    """Transcribe the demo clip and correct it from its reference text; a second call changes nothing."""
    if queries.demo_transcripts(store):
        return DemoReport("transcribe", {"transcripts": 0, "corrections": 0}, "already loaded")
    references = json.loads((SAMPLE_DIR / "references.json").read_text())
    transcript = transcribe_file(
        store, SAMPLE_DIR / DEMO_CLIP, keep_audio=True, source="demo", user="demo", progress=progress
    )
    corrections = 0
    if transcript.text.strip() != references[DEMO_CLIP]:
        save_correction(store, transcript.transcript_id, references[DEMO_CLIP], user="demo")
        corrections = 1
    store.flush(wait_s=2.0)
    return DemoReport("transcribe", {"transcripts": 1, "corrections": corrections})
