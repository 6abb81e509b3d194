"""Transcribe files into the history, search it, and keep corrections beside the originals."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipelines.transcriber import Segment, TranscribeOptions, Transcript, load_transcriber
from suite.errors import InvalidInput, NotFound, SuiteError
from suite.progress import Progress, no_progress
from suite.store import Store, new_id, now, to_json
from suite.tracking import track
from suite.transcribe.redaction import redact as redact_text
from suite.transcribe.vocabulary import apply_replacements, current_hints

logger = logging.getLogger(__name__)
MODULE = "transcribe"


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
) -> dict[str, Any]:
    """Transcribe one file, store it in the history and return it as a dict (see `Transcript.to_dict`).

    Extra keys: `transcript_id`, `request_id`, `file` (display name), `model`, `audio_path`, `hints_version`.
    `keep_audio` copies the file under SUITE_HOME so the history can play it later (uploads are temporary).
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
        result = transcriber.transcribe(path, options, progress)
        result = _finish(result, hints.replacements, redact)
        call.record(result)
        call.output = {
            "transcript_id": transcript_id,
            "duration_s": result.duration_s,
            "words": len(result.text.split()),
        }
    audio_path = _keep(settings, path, transcript_id) if keep_audio else str(path.resolve())
    record = result.to_dict()
    record.update(
        transcript_id=transcript_id,
        request_id=call.request_id,
        file=name,
        model=result.model_name,
        audio_path=audio_path,
        hints_version=hints.version,
        redacted=redact,
    )
    store.journal_row(
        "transcripts",
        {
            "transcript_id": transcript_id,
            "request_id": call.request_id,
            "created_at": now().isoformat(),
            "user": user or settings.user,
            "source": source,
            "file_name": name,
            "audio_path": audio_path,
            "language": result.language,
            "duration_s": result.duration_s,
            "engine": result.engine,
            "model_name": result.model_name,
            "model_version": result.model_version,
            "device": result.device,
            "elapsed_s": result.elapsed_s,
            "text": result.text,
            "segments": to_json([{"start": s.start, "end": s.end, "text": s.text} for s in result.segments]),
            "redacted": redact,
            "vocabulary": to_json(list(hints.vocabulary)),
        },
    )
    return record


def _finish(result: Transcript, replacements: dict[str, str], redact: bool) -> Transcript:
    def clean(text: str) -> str:
        text = apply_replacements(text, replacements) if replacements else text
        return redact_text(text) if redact else text

    if not replacements and not redact:
        return result
    result.segments = [replace(s, text=clean(s.text)) for s in result.segments]
    return result


def _keep(settings, path: Path, transcript_id: str) -> str:
    folder = settings.module_dir(MODULE) / "audio"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{transcript_id}{path.suffix.lower()}"
    shutil.copyfile(path, target)
    return str(target)


def transcribe_files(
    store: Store, paths: Sequence[str | Path], *, progress: Progress = no_progress, **kwargs: Any
) -> list[dict[str, Any]]:
    """Transcribe a batch; a file that fails gives `{"file", "error"}` and the others still finish and are saved.

    `display_names` (optional, same length as `paths`) names uploads; other keywords go to `transcribe_file`.
    """
    names = kwargs.pop("display_names", None) or [Path(p).name for p in paths]
    results: list[dict[str, Any]] = []
    for index, (path, name) in enumerate(zip(paths, names, strict=True)):

        def step(done: float, total: float, message: str = "", _i: int = index, _n: str = name) -> None:
            share = (done / total) if total else 0.0
            progress(_i + share, len(paths), f"{_n}: {message}")

        try:
            results.append(transcribe_file(store, path, display_name=name, progress=step, **kwargs))
        except SuiteError as err:
            results.append({"file": name, "error": str(err)})
        except Exception as err:  # one broken file must not lose the rest of the batch
            logger.exception("transcribing %s failed", name)
            results.append({"file": name, "error": f"Could not transcribe {name} ({type(err).__name__})."})
    progress(len(paths), len(paths), "done")
    return results


def get_transcript(store: Store, transcript_id: str) -> dict[str, Any]:
    store.flush(wait_s=2.0)
    rows = store.query(
        """SELECT t.*, c.corrected_text FROM transcripts t
           LEFT JOIN (SELECT transcript_id, arg_max(corrected_text, created_at) AS corrected_text
                      FROM transcript_corrections GROUP BY transcript_id) c USING (transcript_id)
           WHERE t.transcript_id = ?""",
        [transcript_id],
    )
    if not rows:
        raise NotFound(f"No transcript with id {transcript_id}.")
    return _row(rows[0])


def _row(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("segments", "vocabulary"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    return row


def search_history(store: Store, query: str = "", *, limit: int = 50) -> list[dict[str, Any]]:
    """Past transcripts, newest first; every word of `query` must occur in the text, correction or file name."""
    store.flush(wait_s=2.0)
    terms = query.split()
    where, params = [], []
    for term in terms:
        where.append("(t.text ILIKE ? OR coalesce(c.corrected_text, '') ILIKE ? OR t.file_name ILIKE ?)")
        params += [f"%{term}%"] * 3
    sql = f"""SELECT t.transcript_id, t.created_at, t."user", t.file_name, t.duration_s, t.engine, t.model_name,
                     t.text, c.corrected_text, t.audio_path, t.segments
              FROM transcripts t
              LEFT JOIN (SELECT transcript_id, arg_max(corrected_text, created_at) AS corrected_text
                         FROM transcript_corrections GROUP BY transcript_id) c USING (transcript_id)
              {"WHERE " + " AND ".join(where) if where else ""}
              ORDER BY t.created_at DESC LIMIT ?"""
    return [_row(r) for r in store.query(sql, [*params, int(limit)])]


def save_correction(store: Store, transcript_id: str, corrected_text: str, *, user: str | None = None) -> str:
    """Keep the corrected text beside the original and send it to the review queue; returns the feedback id."""
    corrected = corrected_text.strip()
    if not corrected:
        raise InvalidInput("The corrected transcript is empty. Type the text you heard, or leave it unchanged.")
    original = get_transcript(store, transcript_id)
    if corrected == (original.get("corrected_text") or original["text"]).strip():
        raise InvalidInput("Nothing was changed, so there is no correction to save.")
    feedback_id = store.log_feedback(
        module=MODULE,
        kind="correction",
        request_id=original.get("request_id"),
        user=user,
        value={
            "transcript_id": transcript_id,
            "file": original["file_name"],
            "audio_path": original.get("audio_path"),
            "model": f"{original.get('engine')} {original.get('model_name')} {original.get('model_version')}",
            "original_text": original["text"],
            "corrected_text": corrected,
        },
    )
    store.journal_row(
        "transcript_corrections",
        {
            "correction_id": new_id(),
            "transcript_id": transcript_id,
            "feedback_id": feedback_id,
            "created_at": now().isoformat(),
            "user": user or store.settings.user,
            "original_text": original["text"],
            "corrected_text": corrected,
        },
    )
    return feedback_id


def segments_of(record: dict[str, Any]) -> list[Segment]:
    return [Segment(float(s["start"]), float(s["end"]), str(s["text"])) for s in record.get("segments") or []]


def minutes_per_day(store: Store, *, days: int = 30) -> list[dict[str, Any]]:
    """Audio minutes transcribed per day over the last `days` days (for the history chart)."""
    store.flush(wait_s=2.0)
    return store.query(
        """SELECT CAST(created_at AS DATE) AS day, round(sum(duration_s) / 60, 1) AS minutes, count(*) AS files
           FROM transcripts WHERE created_at >= now() - to_days(CAST(? AS INTEGER))
           GROUP BY day ORDER BY day""",
        [int(days)],
    )
