"""What the transcription module hands out (dataclasses with `as_dict()` for JSON) and the errors it raises."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from suite.errors import InvalidInput, NotFound, SuiteError


class TranscriptNotFound(NotFound):
    """No transcript has the id that was asked for."""


class InvalidCorrection(InvalidInput):
    """A correction that is empty or changes nothing."""


class UnknownFormat(InvalidInput):
    """A download format other than txt, srt, vtt or json."""


class UploadNotStaged(SuiteError):
    """Uploads could not be written to a temporary folder (a full disk on the server)."""


@dataclass(frozen=True)
class Word:
    """One word of a segment and when it was said (seconds from the start), for seeking the player to it."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Segment:
    """One time-stamped line of a transcript (seconds from the start of the recording).

    `speaker` is "Speaker 1", "Speaker 2", ... when speaker turns were detected (None otherwise); `words`
    holds each word's own times (empty for transcripts stored before word times were kept).
    """

    start: float
    end: float
    text: str
    speaker: str | None = None
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class Transcript:
    """One stored transcript: what was said, when, by which model, and the latest correction if any.

    `hints_version` (the vocabulary/replacements in use) and `notice` (e.g. "the other engine was used")
    are only known right after transcribing; transcripts read back from the history leave them empty.
    """

    transcript_id: str
    file_name: str
    text: str
    segments: tuple[Segment, ...]
    language: str | None = None
    duration_s: float | None = None
    created_at: datetime | None = None
    user: str | None = None
    source: str | None = None
    engine: str | None = None
    model_name: str | None = None
    model_version: str | None = None
    device: str | None = None
    elapsed_s: float | None = None
    audio_path: str | None = None
    request_id: str | None = None
    redacted: bool = False
    vocabulary: tuple[str, ...] = ()
    corrected_text: str | None = None
    hints_version: str | None = None
    notice: str = ""

    @property
    def speakers(self) -> list[str]:
        """The speakers heard, in order of first appearance (empty when turns were not detected)."""
        return list(dict.fromkeys(s.speaker for s in self.segments if s.speaker))

    @property
    def current_text(self) -> str:
        """The corrected text when someone corrected it, else what the model heard."""
        return self.corrected_text or self.text

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat() if self.created_at else None
        data["segments"] = [{**asdict(s), "words": [asdict(w) for w in s.words]} for s in self.segments]
        data["vocabulary"] = list(self.vocabulary)
        return data


@dataclass(frozen=True)
class TranscriptionFailure:
    """A file of a batch that could not be transcribed, and why in plain words."""

    file_name: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sentence(self) -> str:
        """The reason, naming the file once (most reasons already name it)."""
        return self.reason if self.file_name in self.reason else f"{self.file_name}: {self.reason}"


@dataclass(frozen=True)
class TranscriptionBatch:
    """The files of a batch that were transcribed (in order) and those that failed; one never stops the rest."""

    transcripts: tuple[Transcript, ...] = ()
    failures: tuple[TranscriptionFailure, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "transcripts": [t.as_dict() for t in self.transcripts],
            "failures": [f.as_dict() for f in self.failures],
        }


@dataclass(frozen=True)
class DailyMinutes:
    """Audio transcribed on one day."""

    day: date
    minutes: float
    files: int

    def as_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "minutes": self.minutes, "files": self.files}
