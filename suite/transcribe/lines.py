"""A transcript line by line, as people read and correct it: each line's text now and whether someone edited it.

A line edited in place is saved through the one correction path (`service.save_correction`: a `correction`
feedback for the review queue and the transcript's latest corrected text); the feedback also records every
line's text and which lines were edited, so the page shows them as edited after a rerun or a reload. A later
correction of the whole text at once supersedes the line edits (the lines then show what the model heard).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from suite.auth.trail import audited
from suite.store import Store
from suite.transcribe import queries
from suite.transcribe.models import InvalidCorrection, Transcript

LONG_RECORDING_S = 600.0  # from ten minutes of audio on, how long transcribing took is worth saying
MAX_LINE = 5000  # characters of one corrected line


@dataclass(frozen=True)
class Line:
    """One time-stamped line: `text` as it reads now, `heard` as the model heard it."""

    index: int
    start: float
    end: float
    text: str
    heard: str
    speaker: str | None = None
    edited: bool = False


@dataclass(frozen=True)
class Lines:
    """A transcript's lines now; `whole_text_corrected`: the latest correction rewrote the text as a whole."""

    lines: tuple[Line, ...]
    whole_text_corrected: bool = False
    current_text: str = ""

    @property
    def edited(self) -> list[int]:
        return [line.index for line in self.lines if line.edited]


def _saved_lines(value: dict[str, Any], count: int) -> tuple[list[str], set[int]] | None:
    """The line texts and edited line numbers a correction recorded, when they fit a transcript of `count` lines."""
    lines = value.get("lines")
    if not isinstance(lines, dict):
        return None
    texts, edited = lines.get("texts"), lines.get("edited")
    if not isinstance(texts, list) or len(texts) != count or not isinstance(edited, list):
        return None
    return [str(t) for t in texts], {int(i) for i in edited if isinstance(i, int) and 0 <= i < count}


def transcript_lines(store: Store, transcript: Transcript) -> Lines:
    """The lines of `transcript` with the edits saved so far (read from the store, not from the page's copy)."""
    heard = [s.text.strip() for s in transcript.segments]
    latest = queries.latest_correction(store, transcript.transcript_id)
    texts, edited, whole = list(heard), set(), False
    if latest is not None:
        saved = _saved_lines(latest, len(heard))
        if saved is not None:
            texts, edited = saved
        else:
            whole = True
    current = str(latest.get("corrected_text") or "") if latest is not None else ""
    lines = tuple(
        Line(i, s.start, s.end, texts[i], heard[i], s.speaker, i in edited) for i, s in enumerate(transcript.segments)
    )
    return Lines(lines, whole, current or " ".join(t for t in texts if t) or transcript.text)


@audited("transcribe.correct", target=lambda a: a["transcript"].transcript_id)
def save_line(store: Store, transcript: Transcript, index: int, text: str, *, user: str | None = None) -> str:
    """Correct one line in place; returns the feedback id of the correction.

    Raises:
        InvalidCorrection: no such line, an empty or overlong line, or nothing changed.
    """
    now = transcript_lines(store, transcript)
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(now.lines):
        raise InvalidCorrection(f"There is no line {index!r} in {transcript.file_name}.")
    line = now.lines[index]
    corrected = " ".join(str(text or "").split())
    if not corrected:
        raise InvalidCorrection(
            f"Line {index + 1} cannot be empty. Type what was said, or leave it as it is (to remove a line, "
            "correct the whole text at once)."
        )
    if len(corrected) > MAX_LINE:
        raise InvalidCorrection(f"Line {index + 1} has {len(corrected):,} characters; a line may have {MAX_LINE:,}.")
    if corrected == line.text:
        raise InvalidCorrection(f"Line {index + 1} was not changed, so there is nothing to save.")
    texts = [other.text for other in now.lines]
    texts[index] = corrected
    edited = set(now.edited) - {index} | ({index} if corrected != line.heard else set())
    from suite.transcribe import service  # the service re-exports this module's functions

    return service.save_correction(
        store,
        transcript.transcript_id,
        " ".join(t for t in texts if t),
        user=user,
        lines={
            "texts": texts,
            "edited": sorted(edited),
            "changed": {"index": index, "start": line.start, "end": line.end, "before": line.text, "after": corrected},
        },
    )


def took_worth_saying(duration_s: float | None, elapsed_s: float | None) -> bool:
    """Whether to tell how long transcribing took: only for a long recording (a short one is done either way)."""
    return bool(duration_s and elapsed_s and duration_s >= LONG_RECORDING_S)
