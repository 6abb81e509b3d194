"""All of the transcription module's reads and writes of the store (tables in `schema.py`)."""

from __future__ import annotations

import json
import logging
from typing import Any

from suite.store import Store, from_json, new_id, now
from suite.transcribe.models import DailyMinutes, Segment, Transcript, Word

logger = logging.getLogger(__name__)

# each transcript with its newest correction, if any
_WITH_CORRECTION = """
    SELECT t.*, c.corrected_text FROM transcripts t
    LEFT JOIN (SELECT transcript_id, arg_max(corrected_text, created_at) AS corrected_text
               FROM transcript_corrections GROUP BY transcript_id) c USING (transcript_id)"""


def add_transcript(store: Store, transcript: Transcript) -> None:
    """Queue the transcript for the history (journaled: it lands even while the database is busy).

    The JSON columns are written in full (not with the store's `to_json`, which cuts long values to a
    preview): a long meeting's segments are well over its size limit and must read back intact.

    Raises:
        StoreFull: the disk is full and the transcript was not saved.
    """
    store.journal_row(
        "transcripts",
        {
            "transcript_id": transcript.transcript_id,
            "request_id": transcript.request_id,
            "created_at": (transcript.created_at or now()).isoformat(),
            "user": transcript.user,
            "source": transcript.source,
            "file_name": transcript.file_name,
            "audio_path": transcript.audio_path,
            "language": transcript.language,
            "duration_s": transcript.duration_s,
            "engine": transcript.engine,
            "model_name": transcript.model_name,
            "model_version": transcript.model_version,
            "device": transcript.device,
            "elapsed_s": transcript.elapsed_s,
            "text": transcript.text,
            "segments": json.dumps([_segment_row(s) for s in transcript.segments], ensure_ascii=False),
            "redacted": transcript.redacted,
            "vocabulary": json.dumps(list(transcript.vocabulary), ensure_ascii=False),
        },
    )


def _segment_row(segment: Segment) -> dict[str, Any]:
    row: dict[str, Any] = {"start": segment.start, "end": segment.end, "text": segment.text}
    if segment.speaker:
        row["speaker"] = segment.speaker
    if segment.words:
        row["words"] = [[w.start, w.end, w.text] for w in segment.words]  # compact: a long meeting has many
    return row


def _segment(value: dict[str, Any]) -> Segment:
    words = tuple(Word(float(w[0]), float(w[1]), str(w[2])) for w in value.get("words") or ())
    speaker = value.get("speaker")
    return Segment(
        float(value["start"]), float(value["end"]), str(value["text"]), str(speaker) if speaker else None, words
    )


def add_correction(store: Store, transcript: Transcript, corrected_text: str, *, feedback_id: str, user: str) -> None:
    """Keep a correction beside the original text."""
    store.journal_row(
        "transcript_corrections",
        {
            "correction_id": new_id(),
            "transcript_id": transcript.transcript_id,
            "feedback_id": feedback_id,
            "created_at": now().isoformat(),
            "user": user,
            "original_text": transcript.text,
            "corrected_text": corrected_text,
        },
    )


def transcript(store: Store, transcript_id: str) -> Transcript | None:
    store.flush(wait_s=2.0)
    rows = store.query(f"{_WITH_CORRECTION} WHERE t.transcript_id = ?", [transcript_id])
    return _transcript(rows[0]) if rows else None


def search(store: Store, terms: list[str], *, limit: int) -> list[Transcript]:
    """Newest first; every term must occur in the text, the latest correction or the file name."""
    store.flush(wait_s=2.0)
    where, params = [], []
    for term in terms:
        where.append(
            "(t.text ILIKE ? ESCAPE '\\' OR coalesce(c.corrected_text, '') ILIKE ? ESCAPE '\\' "
            "OR t.file_name ILIKE ? ESCAPE '\\')"
        )
        params += [f"%{_literal(term)}%"] * 3
    sql = f"""{_WITH_CORRECTION}
              {"WHERE " + " AND ".join(where) if where else ""}
              ORDER BY t.created_at DESC LIMIT ?"""
    return [_transcript(r) for r in store.query(sql, [*params, int(limit)])]


def _literal(term: str) -> str:
    """`term` matched as typed: % and _ are ordinary characters in a search, not wildcards."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def corrections(store: Store, feedback_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The stored correction of each feedback id: transcript_id, original_text, corrected_text, audio_path.

    The feedback row's own copy of the texts is cut to a preview when they are long; this one is whole.
    """
    if not feedback_ids:
        return {}
    store.flush(wait_s=2.0)
    rows = store.query(
        """SELECT c.feedback_id, c.transcript_id, c.original_text, c.corrected_text, t.audio_path
           FROM transcript_corrections c LEFT JOIN transcripts t USING (transcript_id)
           WHERE list_contains(?, c.feedback_id)""",
        [list(feedback_ids)],
    )
    return {r["feedback_id"]: r for r in rows}


def demo_transcripts(store: Store) -> int:
    return int(store.scalar("SELECT count(*) FROM transcripts WHERE source = 'demo'") or 0)


def minutes_per_day(store: Store, *, days: int) -> list[DailyMinutes]:
    store.flush(wait_s=2.0)
    rows = store.query(
        """SELECT CAST(created_at AS DATE) AS day, round(sum(duration_s) / 60, 1) AS minutes, count(*) AS files
           FROM transcripts WHERE created_at >= now() - to_days(CAST(? AS INTEGER))
           GROUP BY day ORDER BY day""",
        [int(days)],
    )
    return [DailyMinutes(r["day"], float(r["minutes"] or 0.0), int(r["files"])) for r in rows]


def _segments(row: dict[str, Any]) -> tuple[Segment, ...]:
    """The stored segments; a damaged or cut value (older rows) becomes one segment holding the whole text."""
    value = from_json(row.get("segments"))
    try:
        if isinstance(value, list):
            return tuple(_segment(s) for s in value)
    except (KeyError, IndexError, TypeError, ValueError):
        pass
    if value:
        logger.warning("transcript %s has unreadable segments; showing its text as one", row["transcript_id"])
    text = row.get("text") or ""
    return (Segment(0.0, float(row.get("duration_s") or 0.0), text),) if text else ()


def _transcript(row: dict[str, Any]) -> Transcript:
    vocabulary = from_json(row.get("vocabulary"))
    return Transcript(
        transcript_id=row["transcript_id"],
        file_name=row["file_name"],
        text=row["text"],
        segments=_segments(row),
        language=row.get("language"),
        duration_s=row.get("duration_s"),
        created_at=row.get("created_at"),
        user=row.get("user"),
        source=row.get("source"),
        engine=row.get("engine"),
        model_name=row.get("model_name"),
        model_version=row.get("model_version"),
        device=row.get("device"),
        elapsed_s=row.get("elapsed_s"),
        audio_path=row.get("audio_path"),
        request_id=row.get("request_id"),
        redacted=bool(row.get("redacted")),
        vocabulary=tuple(str(v) for v in vocabulary) if isinstance(vocabulary, list) else (),
        corrected_text=row.get("corrected_text"),
    )


def latest_correction(store: Store, transcript_id: str) -> dict | None:
    """The value of the newest correction feedback of a transcript (with its line edits, if any), or None."""
    store.flush(wait_s=2.0)
    rows = store.query(
        """SELECT value FROM feedback WHERE module = 'transcribe' AND kind = 'correction'
           AND value->>'transcript_id' = ? ORDER BY ts DESC, feedback_id DESC LIMIT 1""",
        [transcript_id],
    )
    return (from_json(rows[0]["value"]) or {}) if rows else None
