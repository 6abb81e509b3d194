"""Transcribe files into the history, search it, keep corrections beside the originals, export subtitles.

What pages, the CLI and the API call; results are the dataclasses of `suite.transcribe.models`.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipelines.transcriber import TranscribeOptions, load_transcriber
from pipelines.transcriber import Transcript as Decoded
from pipelines.transcriber import available_engines as _installed_engines
from suite.errors import SuiteError
from suite.progress import Progress, no_progress
from suite.settings import Settings
from suite.store import Store, new_id, now
from suite.tracking import track
from suite.transcribe import queries
from suite.transcribe.formats import FORMATS, MIME, render
from suite.transcribe.models import (
    DailyMinutes,
    InvalidCorrection,
    Segment,
    Transcript,
    TranscriptionBatch,
    TranscriptionFailure,
    TranscriptNotFound,
)
from suite.transcribe.redaction import redact as redact_text
from suite.transcribe.vocabulary import (
    apply_replacements,
    current_hints,
    save_workspace_vocabulary,
    workspace_vocabulary,
)
from suite.uploads import check_upload, staged
from suite.uploads import display_name as upload_name

__all__ = [
    "AUDIO_SUFFIXES",
    "FORMATS",
    "MIME",
    "available_engines",
    "export",
    "get_transcript",
    "minutes_per_day",
    "save_correction",
    "save_vocabulary",
    "search_history",
    "transcribe_file",
    "transcribe_files",
    "transcribe_uploads",
    "vocabulary",
]

logger = logging.getLogger(__name__)
MODULE = "transcribe"
# what ffmpeg reads for us (audio, and the sound track of videos)
AUDIO_SUFFIXES = tuple(
    f".{s}"
    for s in ("wav", "mp3", "m4a", "ogg", "oga", "opus", "flac", "webm", "aac", "wma", "mp4", "mov", "mkv", "avi")
)


def available_engines() -> list[str]:
    """Speech engines whose bundled weights are on this machine (faster-whisper first)."""
    return _installed_engines()


def transcribe_file(
    store: Store,
    path: str | Path,
    *,
    engine: str | None = None,
    model: str | None = None,
    language: str | None = None,
    vocabulary: str | Sequence[str] | None = None,
    redact: bool = False,
    keep_audio: bool = False,
    display_name: str | None = None,
    source: str = "page",
    user: str | None = None,
    progress: Progress = no_progress,
) -> Transcript:
    """Transcribe one file, store it in the history and return it.

    `display_name` is what people see (an upload's own name; the file on disk has another one); errors name
    the file by it. `keep_audio` copies the file under SUITE_HOME so the history can play it later.
    """
    settings = store.settings
    path = Path(path)
    name = display_name or path.name
    hints = current_hints(settings, vocabulary)
    options = TranscribeOptions(language=language or None, vocabulary=hints.vocabulary)
    transcript_id = new_id()
    with track(store, module=MODULE, action="transcribe", user=user, input_summary=name) as call:
        transcriber = load_transcriber(
            engine or settings.transcribe_engine, model or settings.transcribe_model or None, settings.device
        )
        try:
            decoded = transcriber.transcribe(path, options, progress)
        except SuiteError as err:  # the pipeline names the file on disk; people know it by its own name
            if name == path.name:
                raise
            raise type(err)(str(err).replace(path.name, name)) from err
        decoded = _clean(decoded, hints.replacements, redact)
        call.record(decoded)
        call.output = _summary(transcript_id, decoded)
    transcript = Transcript(
        transcript_id=transcript_id,
        file_name=name,
        text=decoded.text,
        segments=tuple(Segment(s.start, s.end, s.text) for s in decoded.segments),
        language=decoded.language,
        duration_s=decoded.duration_s,
        created_at=now(),
        user=user or settings.user,
        source=source,
        engine=decoded.engine,
        model_name=decoded.model_name,
        model_version=decoded.model_version,
        device=decoded.device,
        elapsed_s=decoded.elapsed_s,
        audio_path=_keep(settings, path, transcript_id) if keep_audio else str(path.resolve()),
        request_id=call.request_id,
        redacted=redact,
        vocabulary=hints.vocabulary,
        hints_version=hints.version,
        notice=decoded.notice,
    )
    queries.add_transcript(store, transcript)
    return transcript


def _clean(decoded: Decoded, replacements: dict[str, str], redact: bool) -> Decoded:
    def clean(text: str) -> str:
        text = apply_replacements(text, replacements) if replacements else text
        return redact_text(text) if redact else text

    if not replacements and not redact:
        return decoded
    decoded.segments = [replace(s, text=clean(s.text)) for s in decoded.segments]
    return decoded


def _summary(transcript_id: str, decoded: Decoded) -> dict[str, Any]:
    """The event's output: sizes and the decoder's confidence, which the drift hook compares over time."""
    logprobs = [s.avg_logprob for s in decoded.segments if s.avg_logprob is not None]
    return {
        "transcript_id": transcript_id,
        "duration_s": decoded.duration_s,
        "words": len(decoded.text.split()),
        "mean_logprob": round(sum(logprobs) / len(logprobs), 4) if logprobs else None,
    }


def _keep(settings: Settings, path: Path, transcript_id: str) -> str:
    folder = settings.module_dir(MODULE) / "audio"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{transcript_id}{path.suffix.lower()}"
    shutil.copyfile(path, target)
    return str(target)


def transcribe_files(
    store: Store,
    paths: Sequence[str | Path],
    *,
    display_names: Sequence[str] | None = None,
    progress: Progress = no_progress,
    **options: Any,
) -> TranscriptionBatch:
    """Transcribe a batch: a file that fails becomes a `TranscriptionFailure`; the others still finish and are saved.

    `display_names` (same length as `paths`) names uploads; `options` are `transcribe_file`'s keywords.
    """
    names = list(display_names) if display_names is not None else [Path(p).name for p in paths]
    transcripts: list[Transcript] = []
    failures: list[TranscriptionFailure] = []
    for index, (path, name) in enumerate(zip(paths, names, strict=True)):

        def step(done: float, total: float, message: str = "", _i: int = index, _n: str = name) -> None:
            share = (done / total) if total else 0.0
            progress(_i + share, len(paths), f"{_n}: {message}")

        try:
            transcripts.append(transcribe_file(store, path, display_name=name, progress=step, **options))
        except SuiteError as err:
            failures.append(TranscriptionFailure(name, str(err)))
        except Exception as err:  # one broken file must not lose the rest of the batch
            logger.exception("transcribing %s failed", name)
            failures.append(TranscriptionFailure(name, f"Could not transcribe {name} ({type(err).__name__})."))
    progress(len(paths), len(paths), "done")
    return TranscriptionBatch(tuple(transcripts), tuple(failures))


def transcribe_uploads(
    store: Store,
    uploads: Iterable[tuple[str, bytes]],
    *,
    engine: str | None = None,
    language: str | None = None,
    vocabulary: str | Sequence[str] | None = None,
    redact: bool = False,
    user: str | None = None,
    progress: Progress = no_progress,
) -> TranscriptionBatch:
    """Transcribe uploaded (name, bytes) pairs; the audio is kept so the history can play it.

    Upload names are only shown, never used as paths: each file is checked (type, size), written under a
    safe name in a temporary folder that is removed afterwards. A refused upload is a failure of the batch.
    """
    accepted: list[tuple[str, bytes]] = []
    refused: list[TranscriptionFailure] = []
    for name, data in uploads:
        try:
            accepted.append((check_upload(name, data, allowed=AUDIO_SUFFIXES), data))
        except SuiteError as err:
            refused.append(TranscriptionFailure(upload_name(name), str(err)))
    with staged(accepted, prefix="suite-transcribe-") as paths:
        batch = transcribe_files(
            store,
            paths,
            display_names=[name for name, _ in accepted],
            engine=engine,
            language=language,
            vocabulary=vocabulary,
            redact=redact,
            keep_audio=True,
            user=user,
            progress=progress,
        )
    return replace(batch, failures=(*refused, *batch.failures))


def get_transcript(store: Store, transcript_id: str) -> Transcript:
    found = queries.transcript(store, transcript_id)
    if found is None:
        raise TranscriptNotFound(f"No transcript with id {transcript_id}.")
    return found


def search_history(store: Store, query: str = "", *, limit: int = 50) -> list[Transcript]:
    """Past transcripts, newest first; every word of `query` must occur in the text, correction or file name."""
    return queries.search(store, query.split(), limit=limit)


def save_correction(store: Store, transcript_id: str, corrected_text: str, *, user: str | None = None) -> str:
    """Keep the corrected text beside the original and send it to the review queue; returns the feedback id."""
    corrected = corrected_text.strip()
    if not corrected:
        raise InvalidCorrection("The corrected transcript is empty. Type the text you heard, or leave it unchanged.")
    original = get_transcript(store, transcript_id)
    if corrected == original.current_text.strip():
        raise InvalidCorrection("Nothing was changed, so there is no correction to save.")
    feedback_id = store.log_feedback(
        module=MODULE,
        kind="correction",
        request_id=original.request_id,
        user=user,
        value={
            "transcript_id": transcript_id,
            "file": original.file_name,
            "audio_path": original.audio_path,
            "model": f"{original.engine} {original.model_name} {original.model_version}",
            "original_text": original.text,
            "corrected_text": corrected,
        },
    )
    queries.add_correction(store, original, corrected, feedback_id=feedback_id, user=user or store.settings.user)
    return feedback_id


def minutes_per_day(store: Store, *, days: int = 30) -> list[DailyMinutes]:
    """Audio minutes transcribed per day over the last `days` days (for the history chart)."""
    return queries.minutes_per_day(store, days=days)


def export(transcript: Transcript, fmt: str) -> str:
    """The transcript as a download: one of `FORMATS` (plain text, SubRip, WebVTT, JSON)."""
    return render(fmt, transcript)


def vocabulary(settings: Settings) -> list[str]:
    """The workspace's names and jargon that every transcription listens for."""
    return workspace_vocabulary(settings)


def save_vocabulary(settings: Settings, terms: str | Iterable[str]) -> list[str]:
    """Replace the workspace vocabulary ("Northstar, ACME Cloud" or one term per line); returns the saved list."""
    return save_workspace_vocabulary(settings, terms)
