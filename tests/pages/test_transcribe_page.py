from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from suite.store import Store

SPEECH = Path(__file__).resolve().parents[2] / "sample_data" / "transcribe"


def _count(settings, sql: str) -> int:
    """Read through a fresh Store. Two Stores flushing one journal in one process can race (foundation issue:
    the second INSERT OR IGNORE conflicts with the first's open transaction), so retry once."""
    store = Store(settings)
    try:
        return store.scalar(sql)
    except duckdb.ConstraintException:
        time.sleep(1.0)
        return store.scalar(sql)


@pytest.mark.slow  # the real Whisper model
def test_upload_a_clip_and_see_the_transcript(app_page, settings):
    at = app_page("pages/transcribe.py").run()
    assert not at.exception
    assert at.title[0].value == "Transcription"
    at.file_uploader[0].set_value(("report.wav", (SPEECH / "report_us.wav").read_bytes(), "audio/wav"))
    at.run()
    next(b for b in at.button if b.label == "Transcribe").click()
    at.run()
    assert not at.exception
    assert not at.error
    assert "quarterly report" in _said(at)
    assert any(shown(s.value) == "report.wav" for s in at.subheader)
    editor = at.text_area(key="edit-new-0")
    assert "finance" in editor.value
    new_downloads = [b.label for b in at.get("download_button") if b.key.endswith("-new-0")]
    assert new_downloads == ["Download TXT", "Download SRT", "Download VTT", "Download JSON"]

    editor.set_value("Please send the quarterly report to the Northstar finance team before Friday.")
    next(b for b in at.button if b.label == "Save correction").click()
    at.run()
    assert not at.exception
    assert any("correction was saved" in s.value for s in at.success)
    assert _count(settings, "SELECT count(*) FROM feedback WHERE module = 'transcribe' AND kind = 'correction'") == 1


@pytest.mark.slow  # the real Whisper model
def test_history_search_shows_past_transcripts(app_page, store):
    from suite.transcribe.service import transcribe_files

    transcribe_files(store, [SPEECH / "report_us.wav", SPEECH / "silence.wav"])
    store.close()  # everything is in DuckDB and this store's flusher is stopped before the page's store starts
    at = app_page("pages/transcribe.py").run()
    assert not at.exception
    at.text_input[0].set_value("finance").run()
    assert not at.exception
    assert any("1 transcript, newest first" in shown(c.value) for c in at.caption)
    assert any("Minutes of audio transcribed per day" in c.value for c in at.caption)
    picker = at.selectbox(key="history-pick")
    assert "report_us.wav" in picker.format_func(picker.value)
    assert any(shown(s.value) == "report_us.wav" for s in at.subheader)


@pytest.mark.slow  # the real Whisper model
def test_a_browser_recording_is_transcribed(app_page):
    at = app_page("pages/transcribe.py").run()
    at.audio_input[0].set_value(("voice-note.wav", (SPEECH / "meeting_gb.flac").read_bytes(), "audio/wav"))
    at.run()
    next(b for b in at.button if b.label == "Transcribe").click()
    at.run()
    assert not at.exception and not at.error
    assert any(shown(s.value) == "voice-note.wav" for s in at.subheader)
    assert "tuesday afternoon" in _said(at).lower()


def test_a_refused_upload_names_the_file_as_uploaded(app_page):
    at = app_page("pages/transcribe.py").run()
    at.file_uploader[0].set_value(("../calls/broken.wav", b"RIFF\x00\x00\x00\x00WAVEjunk", "audio/wav"))
    at.run()
    next(b for b in at.button if b.label == "Transcribe").click()
    at.run()
    assert not at.exception
    (error,) = at.error
    read = shown(error.value)
    assert read.startswith("broken.wav") and "-broken.wav" not in read and "/" not in read


BEACON = "![x](http://evil.example/beacon.png)"
LINK = "[click here](http://evil.example/login)"


def shown(value: str) -> str:
    """What a reader sees of an escaped Markdown value: the text without its escaping backslashes."""
    return value.replace("\\", "")


def _said(at) -> str:
    """The transcript's lines as a reader sees them."""
    return " ".join(shown(m.value) for m in at.markdown)


def _markdown_values(at) -> list[str]:
    """What every element that renders Markdown was given."""
    kinds = ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info", "success")
    return [element.value for kind in kinds for element in at.get(kind)]


def test_untrusted_names_and_transcripts_never_render_as_live_markdown(app_page, store):
    """A transcript whose name and text carry an image beacon and a link: shown as typed, never as elements."""
    from suite.store import new_id, now
    from suite.transcribe import queries
    from suite.transcribe.models import Segment, Transcript

    text = f"please see {BEACON} and {LINK} or www.evil.example"
    queries.add_transcript(
        store,
        Transcript(new_id(), f"{BEACON} {LINK}.wav", text, (Segment(0.0, 3.0, text),), duration_s=3.0,
                   created_at=now(), request_id=new_id(), audio_path="/etc/passwd"),
    )  # fmt: skip
    store.close()
    at = app_page("pages/transcribe.py").run()
    assert not at.exception
    rendered = _markdown_values(at)
    assert any("beacon.png" in shown(v) for v in rendered)  # the name is shown ...
    for value in rendered:  # ... but as text: no image, link or autolink syntax left unescaped
        assert "![" not in value and "](" not in value and "http://" not in value and "www.evil" not in value
    assert text in _said(at)  # the lines show the words as they are
    assert not at.get("audio")  # a stored path outside SUITE_HOME is never served


def test_a_refused_upload_with_markdown_in_its_name_is_shown_as_text(app_page):
    at = app_page("pages/transcribe.py").run()
    assert "3 hours" in at.file_uploader[0].proto.help and "200 MB" in at.file_uploader[0].proto.help
    at.file_uploader[0].set_value(("![x](beacon.png) [a](http:evil).wav", b"not audio", "audio/wav"))
    at.run()
    next(b for b in at.button if b.label == "Transcribe").click()
    at.run()
    assert not at.exception
    (error,) = at.error
    assert "beacon.png" in shown(error.value) and "could not be read as audio" in shown(error.value)
    assert "![" not in error.value and "](" not in error.value
