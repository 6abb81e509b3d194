"""The history in the store: long transcripts and their corrections read back whole (no model runs)."""

from __future__ import annotations

import json

from suite.store import new_id, now
from suite.transcribe import queries
from suite.transcribe.models import Segment, Transcript
from suite.transcribe.retrain import _accepted_corrections
from suite.transcribe.service import get_transcript, playable_audio, save_correction, search_history


def _meeting(minutes: int) -> Transcript:
    segments = tuple(
        Segment(i * 3.0, i * 3.0 + 2.5, f"this is sentence number {i} of a long meeting about budgets")
        for i in range(minutes * 20)
    )
    return Transcript(
        transcript_id=new_id(),
        file_name="board.wav",
        text=" ".join(s.text for s in segments),
        segments=segments,
        duration_s=minutes * 60.0,
        created_at=now(),
        request_id=new_id(),
    )


def test_a_long_meeting_reads_back_whole(store):
    """Before: segments over the store's 20,000-character JSON limit were cut to a preview, and every search
    that listed the transcript failed with a TypeError (the page's history tab too)."""
    meeting = _meeting(30)
    assert len(json.dumps([s.__dict__ for s in meeting.segments])) > 20_000
    queries.add_transcript(store, meeting)
    (found,) = search_history(store, "budgets")
    assert found.segments == meeting.segments and found.text == meeting.text


def test_rows_with_cut_or_damaged_segments_still_open(store):
    meeting = _meeting(1)
    queries.add_transcript(store, meeting)
    store.flush(wait_s=5.0)
    store.execute(
        "UPDATE transcripts SET segments = ? WHERE transcript_id = ?",
        ['{"truncated": true, "preview": "[{\\"start\\": 0"}', meeting.transcript_id],
    )
    found = get_transcript(store, meeting.transcript_id)
    assert found.segments == (Segment(0.0, 60.0, meeting.text),)


def test_a_long_correction_is_learned_from_in_full(store):
    """The feedback row keeps a preview of long texts; retraining reads the whole correction from its table."""
    meeting = _meeting(30)
    queries.add_transcript(store, meeting)
    corrected = meeting.text.replace("budgets", "Northstar budgets")
    feedback_id = save_correction(store, meeting.transcript_id, corrected)
    store.flush(wait_s=5.0)
    store.execute("UPDATE feedback SET review_state = 'accepted' WHERE feedback_id = ?", [feedback_id])
    (case,) = _accepted_corrections(store)
    assert case["corrected_text"] == corrected and case["original_text"] == meeting.text
    assert case["feedback_id"] == feedback_id and case["transcript_id"] == meeting.transcript_id


def test_only_audio_kept_under_suite_home_is_playable(settings, tmp_path):
    kept = settings.module_dir("transcribe") / "audio" / "t1.wav"
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(b"RIFF")
    elsewhere = tmp_path / "secret.wav"
    elsewhere.write_bytes(b"RIFF")
    assert playable_audio(settings, Transcript("t1", "a.wav", "", (), audio_path=str(kept))) == kept.resolve()
    for path in (str(elsewhere), "/etc/passwd", f"{kept.parent}/../../../secret.wav", None, "\x00"):
        assert playable_audio(settings, Transcript("t2", "a.wav", "", (), audio_path=path)) is None
