"""Transcript lines as people use them: play from a line, correct it in place, see it marked edited after a reload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from suite.store import Store, new_id, now
from suite.transcribe import queries
from suite.transcribe.lines import save_line, took_worth_saying, transcript_lines
from suite.transcribe.models import InvalidCorrection, Segment, Transcript
from suite.transcribe.service import as_uploaded, save_correction

SPEECH = Path(__file__).resolve().parents[2] / "sample_data" / "transcribe"
LINES = ("Please send the quarterly report", "to the north star finance team", "before Friday.")


def _stored(store: Store, settings, *, duration_s: float = 6.0, elapsed_s: float = 5.1) -> Transcript:
    """A transcript of three lines with its audio kept under SUITE_HOME (so the page can play it)."""
    kept = Path(settings.home) / "audio"
    kept.mkdir(parents=True, exist_ok=True)
    audio = kept / "report.wav"
    audio.write_bytes((SPEECH / "report_us.wav").read_bytes())
    segments = tuple(Segment(2.0 * i, 2.0 * i + 2.0, text) for i, text in enumerate(LINES))
    transcript = Transcript(
        new_id(), "report.wav", " ".join(LINES), segments, language="en", duration_s=duration_s, elapsed_s=elapsed_s,
        created_at=now(), request_id=new_id(), audio_path=str(audio),
    )  # fmt: skip
    queries.add_transcript(store, transcript)
    store.flush(wait_s=5)
    return transcript


def _corrections(settings) -> list[dict]:
    store = Store(settings)
    store.flush(wait_s=5)
    rows = store.query("SELECT value FROM feedback WHERE module = 'transcribe' AND kind = 'correction' ORDER BY ts")
    return [json.loads(r["value"]) for r in rows]


def _shown(at) -> list[str]:
    """Each Markdown element as a reader sees it (escapes removed)."""
    return [m.value.replace("\\", "") for m in at.markdown]


def _open_past(at, transcript: Transcript):
    """The history tab with the transcript picked (the first past transcript is shown)."""
    assert not at.exception
    assert at.selectbox(key="history-pick").value == transcript.transcript_id
    return f"hist-{transcript.transcript_id}"


def test_a_line_is_played_from_and_corrected_in_place(app_page, store, settings):
    transcript = _stored(store, settings)
    store.close()
    at = app_page("pages/transcribe.py").run()
    key = _open_past(at, transcript)
    assert not any("transcribed in" in c.value or "took" in c.value for c in at.caption)  # short: no timing
    assert [m for m in _shown(at) if m in LINES] == list(LINES)

    at.button(key=f"play-{key}-2").click().run()  # the third line's time: the player starts there
    assert at.get("audio")[0].proto.start_time == 4 and at.get("audio")[0].proto.autoplay

    at.button(key=f"edit-{key}-1").click().run()
    editor = at.text_area(key=f"line-{key}-1")
    assert editor.value == LINES[1]
    editor.set_value("to the Northstar finance team")
    at.button(key=f"save-line-{key}-1").click().run()
    assert not at.exception and not at.error
    shown = _shown(at)
    assert "to the Northstar finance team" in shown and LINES[1] not in shown
    assert sum("edited" in m.value for m in at.markdown) == 1  # only that line is marked

    (value,) = _corrections(settings)
    assert value["transcript_id"] == transcript.transcript_id
    assert value["corrected_text"] == "Please send the quarterly report to the Northstar finance team before Friday."
    assert value["lines"]["edited"] == [1] and value["lines"]["changed"]["before"] == LINES[1]

    again = app_page("pages/transcribe.py").run()  # a reload: a new session reads the edit back from the store
    key = _open_past(again, transcript)
    assert "to the Northstar finance team" in _shown(again)
    assert sum("edited" in m.value for m in again.markdown) == 1
    assert "Northstar finance" in again.text_area(key=f"edit-{key}").value  # the whole-text box agrees


def test_an_empty_line_is_refused_in_plain_words(app_page, store, settings):
    transcript = _stored(store, settings)
    store.close()
    at = app_page("pages/transcribe.py").run()
    key = _open_past(at, transcript)
    at.button(key=f"edit-{key}-0").click().run()
    at.text_area(key=f"line-{key}-0").set_value("   ")
    at.button(key=f"save-line-{key}-0").click().run()
    assert not at.exception
    (error,) = at.error
    assert "Line 1 cannot be empty" in error.value.replace("\\", "")
    assert _corrections(settings) == []


def test_line_edits_build_on_each_other_and_a_revert_clears_the_mark(store, settings):
    transcript = _stored(store, settings)
    save_line(store, transcript, 0, "Please send the quarterly report now")
    save_line(store, transcript, 2, "before Friday!")
    lines = transcript_lines(store, transcript)
    assert lines.edited == [0, 2]
    assert lines.current_text == "Please send the quarterly report now to the north star finance team before Friday!"
    save_line(store, transcript, 0, LINES[0])  # back to what was heard
    assert transcript_lines(store, transcript).edited == [2]
    with pytest.raises(InvalidCorrection, match="not changed"):
        save_line(store, transcript, 2, "before  Friday!")
    with pytest.raises(InvalidCorrection, match="no line"):
        save_line(store, transcript, 3, "x")
    save_correction(store, transcript.transcript_id, "Send the report to finance by Friday.")
    whole = transcript_lines(store, transcript)  # a correction of the whole text supersedes the line edits
    assert whole.whole_text_corrected and whole.edited == []
    assert [line.text for line in whole.lines] == list(LINES)
    assert whole.current_text == "Send the report to finance by Friday."


def test_timing_is_only_said_for_long_recordings():
    assert not took_worth_saying(3.0, 5.1)  # "3 s of audio transcribed in 5.1 s" helps nobody
    assert took_worth_saying(45 * 60.0, 130.0)
    assert not took_worth_saying(45 * 60.0, None)


def test_messages_name_the_upload_not_its_staged_copy(tmp_path):
    staged = tmp_path / "suite-transcribe-x1y2" / "003-my_call_1_.wav"
    said = as_uploaded(f"ffmpeg: {staged}: Invalid data in 003-my_call_1_", staged, "my call (1).wav")
    assert said == "ffmpeg: my call (1).wav: Invalid data in my call (1)"
    assert "suite-transcribe" not in said and "003-" not in said
    assert as_uploaded("call.wav is empty", Path("call.wav"), "call.wav") == "call.wav is empty"
