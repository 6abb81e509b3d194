"""Transcription: upload or record audio, read and correct the time-stamped transcript, download, search history."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from pages.session import identity as signed_identity
from pages.ui import (
    done,
    get_settings,
    get_store,
    module_summary,
    module_title,
    page_header,
    plain,
    progress_bar,
    run,
    t,
    tn,
    when,
)
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

SPOKEN = [None, "en", "zh", "de", "fr", "es", "ja"]  # None: detect automatically

page_header(module_title("transcribe"), module_summary("transcribe"), module="transcribe")
settings, store = get_settings(), get_store()


def _spoken(code: str) -> str:
    """A spoken language's name ('auto': detect automatically); an unlisted code as it is."""
    return t(f"tr.lang.{code}") if code == "auto" or code in SPOKEN else code


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
        st.info(t("tr.no_speech"))
        return
    if transcript.duration_s is not None:
        spoken = transcript.language or ""
        about = t("tr.about", minutes=clock(transcript.duration_s), language=_spoken(spoken) if spoken else "?")
        # how long it took only when that was long enough to matter (a long recording), never the model's version
        took = t("tr.took", seconds=f"{transcript.elapsed_s:.0f}") if (transcript.elapsed_s or 0) >= 60 else ""
        st.caption(about + took)
    columns = {t("tr.col.from"): [clock(s.start) for s in segments], t("tr.col.to"): [clock(s.end) for s in segments]}
    if transcript.speakers:
        columns[t("tr.col.speaker")] = [s.speaker or "" for s in segments]
    columns[t("tr.col.said")] = [s.text for s in segments]
    st.dataframe(
        pd.DataFrame(columns),
        hide_index=True,
        width="stretch",
        key=f"lines-{key}",
        on_select="rerun",
        selection_mode="single-row",
    )
    if audio is not None:
        st.caption(t("tr.click_line"))
    edited = st.text_area(t("tr.correct"), value=transcript.current_text, key=f"edit-{key}")
    if st.button(t("tr.save"), key=f"save-{key}") and done(
        lambda: save_correction(store, transcript.transcript_id, edited, identity=signed_identity()),
        what=t("tr.what.save"),
    ):
        st.success(t("tr.saved"))
    stem = Path(transcript.file_name).stem
    for column, fmt in zip(st.columns(len(FORMATS)), FORMATS, strict=True):
        column.download_button(
            t("tr.download", format=fmt.upper()),
            export(transcript, fmt),
            f"{stem}.{fmt}",
            MIME[fmt],
            key=f"dl-{fmt}-{key}",
        )


with st.sidebar.expander(t("tr.settings")):
    engines = available_engines() or ["faster-whisper"]
    default = engines.index(settings.transcribe_engine) if settings.transcribe_engine in engines else 0
    engine = st.selectbox(t("tr.engine"), engines, index=default, help=t("tr.engine_help"))
    language = st.selectbox(t("tr.language"), SPOKEN, format_func=lambda code: _spoken(code or "auto"))
    redact = st.checkbox(t("tr.redact"), value=settings.redact_transcripts)
    vocab_text = st.text_area(
        t("tr.vocab"),
        value="\n".join(vocabulary(settings)),
        help=t("tr.vocab_help"),
    )
    if st.button(t("tr.save_vocab")):
        saved_terms = run(
            lambda: save_vocabulary(settings, vocab_text, identity=signed_identity()), what=t("tr.what.vocab")
        )
        if saved_terms is not None:
            st.success(tn("tr.vocab_saved", len(saved_terms)))

new_tab, history_tab = st.tabs([t("tr.tab.new"), t("tr.tab.past")])

with new_tab:
    uploads = st.file_uploader(
        t("tr.upload"),
        type=[s.lstrip(".") for s in AUDIO_SUFFIXES],
        accept_multiple_files=True,
        help=t("tr.upload_help", mb=MAX_UPLOAD_MB, hours=f"{MAX_AUDIO_HOURS:g}"),
    )
    recording = st.audio_input(t("tr.record"))
    if st.button(t("tr.transcribe"), type="primary", disabled=not (uploads or recording)):
        items = [(item.name, item.getvalue()) for item in uploads or []]
        if recording:
            items.append((recording.name or "recording.wav", recording.getvalue()))
        with progress_bar(t("tr.transcribing")) as progress:
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
                what=t("tr.what.transcribe"),
            )
    batch = st.session_state.get("transcribe_batch")
    if batch is not None:
        for failure in batch.failures:
            st.error(plain(failure.sentence()))
        for index, transcript in enumerate(batch.transcripts):
            show_transcript(transcript, f"new-{index}")

with history_tab:
    usage = run(lambda: minutes_per_day(store), what=t("tr.what.usage")) or []
    if usage:
        st.caption(t("tr.per_day"))
        st.bar_chart(
            pd.Series([u.minutes for u in usage], index=[u.day for u in usage], name=t("tr.minutes")), height=160
        )
    query = st.text_input(t("tr.search"), placeholder=t("tr.search_placeholder"))
    found = run(lambda: search_history(store, query), what=t("tr.what.search")) or []
    if not found:
        st.info(t("tr.none_yet") if not query else t("tr.no_match"))
    else:
        st.caption(tn("tr.found", len(found)))
        labels = {k.transcript_id: f"{when(k.created_at)} · {k.file_name} · {(k.text or '')[:60]}" for k in found}
        chosen = st.selectbox(t("tr.open"), list(labels), format_func=labels.get, key="history-pick")
        show_transcript(next(k for k in found if k.transcript_id == chosen), f"hist-{chosen}")
