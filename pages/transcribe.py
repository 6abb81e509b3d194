"""Transcription: upload or record audio, read and correct the time-stamped transcript, download, search history."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from pages.session import identity as signed_identity
from pages.ui import done, get_settings, get_store, page_header, plain, progress_bar, run
from suite.modules import MODULES
from suite.transcribe.models import Transcript
from suite.transcribe.service import (
    AUDIO_SUFFIXES,
    FORMATS,
    MAX_AUDIO_HOURS,
    MAX_UPLOAD_MB,
    MIME,
    available_engines,
    export,
    minutes_per_day,
    playable_audio,
    save_correction,
    save_vocabulary,
    search_history,
    transcribe_uploads,
    vocabulary,
)

LANGUAGES = {
    "Detect automatically": None,
    "English (fastest)": "en",
    "Chinese": "zh",
    "German": "de",
    "French": "fr",
    "Spanish": "es",
    "Japanese": "ja",
}

info = next(m for m in MODULES if m.key == "transcribe")
page_header(info.title, info.summary, module=info.key)
settings, store = get_settings(), get_store()


def clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def show_transcript(transcript: Transcript, key: str) -> None:
    """One transcript: player, time-stamped lines, correction box, downloads."""
    st.subheader(plain(transcript.file_name))
    if transcript.notice:
        st.warning(plain(transcript.notice))
    segments = transcript.segments
    audio = playable_audio(settings, transcript)
    if audio is not None:
        # a line clicked in the table below (kept in session state across the rerun) moves the player there
        picked = (st.session_state.get(f"lines-{key}") or {}).get("selection", {}).get("rows", [])
        start = int(segments[picked[0]].start) if picked and picked[0] < len(segments) else 0
        st.audio(str(audio), start_time=start)
    if not segments:
        st.info("No speech was heard in this recording, so the transcript is empty.")
        return
    if transcript.duration_s is not None and transcript.elapsed_s:
        st.caption(
            f"{transcript.duration_s:.0f} s of audio transcribed in {transcript.elapsed_s:.1f} s · language "
            f"{plain(transcript.language or '?')} · {plain(transcript.model_name or '')} "
            f"{plain(transcript.model_version or '')}"
        )
    columns = {"from": [clock(s.start) for s in segments], "to": [clock(s.end) for s in segments]}
    if transcript.speakers:
        columns["speaker"] = [s.speaker or "" for s in segments]
    columns["what was said"] = [s.text for s in segments]
    st.dataframe(
        pd.DataFrame(columns),
        hide_index=True,
        width="stretch",
        key=f"lines-{key}",
        on_select="rerun",
        selection_mode="single-row",
    )
    if audio is not None:
        st.caption("Click a line to play the recording from there.")
    edited = st.text_area(
        "Correct the transcript if something was misheard", value=transcript.current_text, key=f"edit-{key}"
    )
    if st.button("Save correction", key=f"save-{key}") and done(
        lambda: save_correction(store, transcript.transcript_id, edited, identity=signed_identity()), what="Saving"
    ):
        st.success("Thank you. Your correction was saved and will help the assistant learn names it mishears.")
    stem = Path(transcript.file_name).stem
    for column, fmt in zip(st.columns(len(FORMATS)), FORMATS, strict=True):
        column.download_button(
            f"Download {fmt.upper()}", export(transcript, fmt), f"{stem}.{fmt}", MIME[fmt], key=f"dl-{fmt}-{key}"
        )


with st.sidebar.expander("Transcription settings"):
    engines = available_engines() or ["faster-whisper"]
    default = engines.index(settings.transcribe_engine) if settings.transcribe_engine in engines else 0
    engine = st.selectbox("Engine", engines, index=default, help="faster-whisper is the fastest on this computer.")
    language = LANGUAGES[st.selectbox("Language", list(LANGUAGES))]
    redact = st.checkbox(
        "Hide personal data (names, addresses, e-mails, phone and card numbers)", value=settings.redact_transcripts
    )
    vocab_text = st.text_area(
        "Names and words to listen for (one per line)",
        value="\n".join(vocabulary(settings)),
        help="Product names, people and jargon the assistant should expect. Shared by everyone in this workspace.",
    )
    if st.button("Save word list"):
        saved_terms = run(
            lambda: save_vocabulary(settings, vocab_text, identity=signed_identity()), what="Saving the word list"
        )
        if saved_terms is not None:
            st.success(f"{len(saved_terms)} words saved.")

new_tab, history_tab = st.tabs(["New transcript", "Past transcripts"])

with new_tab:
    uploads = st.file_uploader(
        "Drop call recordings, meetings or voice notes (audio or video files)",
        type=[s.lstrip(".") for s in AUDIO_SUFFIXES],
        accept_multiple_files=True,
        help=f"Up to {MAX_UPLOAD_MB} MB and {MAX_AUDIO_HOURS:g} hours per file; split longer recordings first.",
    )
    recording = st.audio_input("…or record a voice note")
    if st.button("Transcribe", type="primary", disabled=not (uploads or recording)):
        items = [(item.name, item.getvalue()) for item in uploads or []]
        if recording:
            items.append((recording.name or "recording.wav", recording.getvalue()))
        with progress_bar("Transcribing…") as progress:
            st.session_state["transcribe_batch"] = run(
                lambda: transcribe_uploads(
                    store,
                    items,
                    engine=engine,
                    language=language,
                    redact=redact,
                    identity=signed_identity(),
                    progress=progress,
                ),
                what="Transcribing",
            )
    batch = st.session_state.get("transcribe_batch")
    if batch is not None:
        for failure in batch.failures:
            st.error(plain(failure.sentence()))
        for index, transcript in enumerate(batch.transcripts):
            show_transcript(transcript, f"new-{index}")

with history_tab:
    usage = run(lambda: minutes_per_day(store), what="Loading usage") or []
    if usage:
        st.caption("Minutes of audio transcribed per day (last 30 days)")
        st.bar_chart(pd.Series([u.minutes for u in usage], index=[u.day for u in usage], name="minutes"), height=160)
    query = st.text_input("Search past transcripts", placeholder="e.g. invoice Friday")
    found = run(lambda: search_history(store, query), what="Searching") or []
    if not found:
        st.info("No transcripts yet." if not query else "Nothing matches those words.")
    else:
        st.caption(f"{len(found)} transcript(s), newest first.")
        labels = {
            t.transcript_id: f"{t.created_at:%Y-%m-%d %H:%M} · {t.file_name} · {(t.text or '')[:60]}" for t in found
        }
        chosen = st.selectbox("Open a transcript", list(labels), format_func=labels.get, key="history-pick")
        show_transcript(next(t for t in found if t.transcript_id == chosen), f"hist-{chosen}")
