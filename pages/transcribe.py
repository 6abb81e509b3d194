"""Transcription: upload or record audio, read and correct the time-stamped transcript, download, search history."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from pages.ui import current_user, get_settings, get_store, page_header, progress_bar, run
from pipelines.transcriber import available_engines
from suite.modules import MODULES
from suite.transcribe.formats import FORMATS, MIME, render
from suite.transcribe.service import minutes_per_day, save_correction, search_history, transcribe_files
from suite.transcribe.vocabulary import save_workspace_vocabulary, workspace_vocabulary

AUDIO_TYPES = ["wav", "mp3", "m4a", "ogg", "oga", "opus", "flac", "webm", "aac", "wma", "mp4", "mov", "mkv", "avi"]
LANGUAGES = {"Detect automatically": None, "English": "en"}

info = next(m for m in MODULES if m.key == "transcribe")
page_header(info.title, info.summary)
settings, store = get_settings(), get_store()


def show_transcript(record: dict, key: str) -> None:
    """One transcript: player, time-stamped lines, correction box, downloads."""
    name = record.get("file") or record.get("file_name")
    st.subheader(name)
    if record.get("notice"):
        st.warning(record["notice"])
    audio = record.get("audio_path")
    if audio and Path(audio).is_file():
        st.audio(audio)
    segments = record.get("segments") or []
    if not segments:
        st.info("No speech was heard in this recording, so the transcript is empty.")
        return
    if record.get("duration_s") is not None and record.get("elapsed_s"):
        st.caption(f"{record['duration_s']:.0f} s of audio transcribed in {record['elapsed_s']:.1f} s.")
    table = pd.DataFrame(
        {
            "from": [f"{int(s['start'] // 60)}:{s['start'] % 60:04.1f}" for s in segments],
            "to": [f"{int(s['end'] // 60)}:{s['end'] % 60:04.1f}" for s in segments],
            "what was said": [s["text"] for s in segments],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    current = record.get("corrected_text") or record.get("text", "")
    edited = st.text_area("Correct the transcript if something was misheard", value=current, key=f"edit-{key}")
    if st.button("Save correction", key=f"save-{key}"):
        saved = run(lambda: save_correction(store, record["transcript_id"], edited, user=current_user()), what="Saving")
        if saved:
            st.success("Thank you. Your correction was saved and will help the assistant learn names it mishears.")
    columns = st.columns(len(FORMATS))
    stem = Path(name).stem
    for column, fmt in zip(columns, FORMATS, strict=True):
        column.download_button(
            f"Download {fmt.upper()}", render(fmt, record), f"{stem}.{fmt}", MIME[fmt], key=f"dl-{fmt}-{key}"
        )


with st.sidebar.expander("Transcription settings"):
    engines = available_engines() or ["faster-whisper"]
    default = engines.index(settings.transcribe_engine) if settings.transcribe_engine in engines else 0
    engine = st.selectbox("Engine", engines, index=default, help="faster-whisper is the fastest on this computer.")
    language = LANGUAGES[st.selectbox("Language", list(LANGUAGES))]
    redact = st.checkbox("Hide e-mail addresses, phone and card numbers", value=False)
    vocab_text = st.text_area(
        "Names and words to listen for (one per line)",
        value="\n".join(workspace_vocabulary(settings)),
        help="Product names, people and jargon the assistant should expect. Shared by everyone in this workspace.",
    )
    if st.button("Save word list"):
        saved_terms = run(lambda: save_workspace_vocabulary(settings, vocab_text), what="Saving the word list")
        if saved_terms is not None:
            st.success(f"{len(saved_terms)} words saved.")

new_tab, history_tab = st.tabs(["New transcript", "Past transcripts"])

with new_tab:
    uploads = st.file_uploader(
        "Drop call recordings, meetings or voice notes (audio or video files)",
        type=AUDIO_TYPES,
        accept_multiple_files=True,
    )
    recording = st.audio_input("…or record a voice note")
    if st.button("Transcribe", type="primary", disabled=not (uploads or recording)):
        items = list(uploads or []) + ([recording] if recording else [])
        with tempfile.TemporaryDirectory() as folder:
            paths, names = [], []
            for index, item in enumerate(items):
                name = getattr(item, "name", None) or f"recording-{index + 1}.wav"
                path = Path(folder) / f"{index}-{Path(name).name}"
                path.write_bytes(item.getvalue())
                paths.append(str(path))
                names.append(name)
            with progress_bar("Transcribing…") as progress:
                results = run(
                    lambda: transcribe_files(
                        store,
                        paths,
                        display_names=names,
                        engine=engine,
                        language=language,
                        redact=redact,
                        keep_audio=True,
                        user=current_user(),
                        progress=progress,
                    ),
                    what="Transcribing",
                )
        st.session_state["transcribe_results"] = results or []
    for index, result in enumerate(st.session_state.get("transcribe_results", [])):
        if "error" in result:
            st.error(f"{result['file']}: {result['error']}")
        else:
            show_transcript(result, f"new-{index}")

with history_tab:
    usage = run(lambda: minutes_per_day(store), what="Loading usage") or []
    if usage:
        st.caption("Minutes of audio transcribed per day (last 30 days)")
        st.bar_chart(pd.DataFrame(usage).set_index("day")["minutes"], height=160)
    query = st.text_input("Search past transcripts", placeholder="e.g. invoice Friday")
    rows = run(lambda: search_history(store, query), what="Searching") or []
    if not rows:
        st.info("No transcripts yet." if not query else "Nothing matches those words.")
    else:
        st.caption(f"{len(rows)} transcript(s), newest first.")
        labels = {
            r["transcript_id"]: f"{r['created_at']:%Y-%m-%d %H:%M} · {r['file_name']} · {(r['text'] or '')[:60]}"
            for r in rows
        }
        chosen = st.selectbox("Open a transcript", list(labels), format_func=labels.get, key="history-pick")
        picked = next(r for r in rows if r["transcript_id"] == chosen)
        show_transcript({**picked, "file": picked["file_name"]}, f"hist-{chosen}")
