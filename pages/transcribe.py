"""Transcription: upload or record audio, read and correct the time-stamped transcript, download, search history."""

from __future__ import annotations

import re
from datetime import datetime
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
    number,
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
    Line,
    available_engines,
    export,
    minutes_per_day,
    playable_audio,
    save_correction,
    save_line,
    save_vocabulary,
    search_history,
    took_worth_saying,
    transcribe_uploads,
    transcript_lines,
    vocabulary,
)

BROWSER_RECORDING = re.compile(r"audio-\d{4}-\d\d-\d\dT[\d-]+Z?\.wav")
SPEAKER = re.compile(r"Speaker (\d+)")
SPOKEN = [None, "en", "zh", "de", "fr", "es", "ja"]  # None: detect automatically

page_header(module_title("transcribe"), module_summary("transcribe"), module="transcribe")
settings, store = get_settings(), get_store()


def _spoken(code: str) -> str:
    """A spoken language's name ('auto': detect automatically); an unlisted code as it is."""
    return t(f"tr.lang.{code}") if code == "auto" or code in SPOKEN else code


def clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def speaker_name(speaker: str) -> str:
    """'Speaker 2' (as speaker turns are labelled) in the page's language; any other name as it is."""
    found = SPEAKER.fullmatch(speaker)
    return t("tr.line.speaker", number=found.group(1)) if found else plain(speaker)


def play_from(key: str, seconds: float) -> None:
    """A line's play button: the player above starts there and plays at once."""
    st.session_state[f"play-at-{key}"] = seconds
    st.session_state[f"autoplay-{key}"] = True


def open_line(key: str, index: int | None) -> None:
    st.session_state[f"editing-{key}"] = index


def show_line(transcript: Transcript, line: Line, key: str, playable: bool) -> None:
    """One line: its time (a play button when the audio is kept), speaker, 'edited' mark, text, and an edit button
    that turns the line into a text box in place."""
    editing = st.session_state.get(f"editing-{key}") == line.index
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    if playable:
        row.button(
            clock(line.start),
            icon=":material/play_arrow:",
            type="tertiary",
            key=f"play-{key}-{line.index}",
            help=t("tr.line.play_help"),
            on_click=play_from,
            args=(key, line.start),
        )
    else:
        row.caption(clock(line.start))
    if line.speaker:
        row.caption(speaker_name(line.speaker))
    if line.edited:
        row.markdown(f":violet-badge[:material/edit_note: {t('tr.line.edited')}]", width="content")
    if not editing:
        row.button(
            t("tr.line.edit"),
            icon=":material/edit:",
            type="tertiary",
            key=f"edit-{key}-{line.index}",
            help=t("tr.line.edit_help"),
            on_click=open_line,
            args=(key, line.index),
        )
        st.markdown(plain(line.text) or "&nbsp;")
        return
    typed = st.text_area(
        t("tr.line.label", number=line.index + 1),
        value=line.text,
        key=f"line-{key}-{line.index}",
        label_visibility="collapsed",
        height=68 if len(line.text) < 120 else "content",
    )
    buttons = st.container(horizontal=True, gap="small")
    if buttons.button(t("tr.line.save"), key=f"save-line-{key}-{line.index}", type="primary") and done(
        lambda: save_line(store, transcript, line.index, typed, identity=signed_identity()),
        what=t("tr.what.line"),
    ):
        st.session_state.pop(f"editing-{key}", None)
        st.session_state[f"line-saved-{key}"] = line.index
        st.rerun()  # the line shows its saved text and the 'edited' mark at once
    buttons.button(t("tr.line.cancel"), key=f"cancel-line-{key}-{line.index}", on_click=open_line, args=(key, None))


def show_transcript(transcript: Transcript, key: str) -> None:
    """One transcript: player, time-stamped lines to play from and correct in place, whole-text box, downloads."""
    st.subheader(plain(transcript.file_name))
    if transcript.notice:
        st.warning(plain(transcript.notice))
    audio = playable_audio(settings, transcript)
    if audio is not None:
        start = st.session_state.get(f"play-at-{key}", 0.0)
        st.audio(str(audio), start_time=int(start), autoplay=st.session_state.pop(f"autoplay-{key}", False))
    if not transcript.segments:
        st.info(t("tr.no_speech"))
        return
    if transcript.duration_s is not None:
        spoken = transcript.language or ""
        about = t("tr.about", minutes=clock(transcript.duration_s), language=_spoken(spoken) if spoken else "?")
        # how long it took only for a long recording, where it helps to plan; never the model's version
        took_it = took_worth_saying(transcript.duration_s, transcript.elapsed_s)
        st.caption(about + (t("tr.took", seconds=number(round(transcript.elapsed_s or 0))) if took_it else ""))
    now = run(lambda: transcript_lines(store, transcript), what=t("tr.what.lines"))
    if now is None:
        return
    saved = st.session_state.pop(f"line-saved-{key}", None)
    if saved is not None:
        st.toast(t("tr.line.saved", number=saved + 1))
    st.caption(t("tr.lines.hint") if audio is not None else t("tr.lines.hint_no_audio"))
    if now.whole_text_corrected:
        st.info(t("tr.lines.whole_note"))
    box = st.container(height=520) if len(now.lines) > 12 else st.container()
    with box:
        for line in now.lines:
            show_line(transcript, line, key, audio is not None)
    with st.expander(t("tr.whole")):
        edited = st.text_area(t("tr.correct"), value=now.current_text, key=f"edit-{key}")
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
    among = ", ".join(_spoken(code) for code in settings.transcribe_languages)
    language = st.selectbox(
        t("tr.language"),
        SPOKEN,
        format_func=lambda code: _spoken(code or "auto"),
        help=t("tr.language_help", among=among) if among else t("tr.language_help_any"),
    )

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
            # the browser names a recording "audio-2026-12-04T20-15-35-123Z.wav"; people see "Recording 20-15.wav"
            name = recording.name or ""
            if not name or BROWSER_RECORDING.fullmatch(name):
                name = t("tr.recording_file", time=datetime.now().strftime("%H-%M"))
            items.append((name, recording.getvalue()))
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
