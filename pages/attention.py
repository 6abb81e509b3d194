"""Needs attention: tickets handed to staff, photos to check, open risk alerts and feedback to review, in one list."""

import streamlit as st

from pages.ui import get_store, page_header, plain, run, t
from suite.attention import KIND_TITLES, KINDS, needs_attention
from suite.review.media import image_with_boxes, media_for

ICONS = {
    "ticket": ":material/support_agent:",
    "inspection": ":material/frame_inspect:",
    "alert": ":material/notifications_active:",
    "feedback": ":material/rate_review:",
}
LINK_WORDS = {
    "ticket": "Open Support answers (Handed to staff)",
    "inspection": "Open Defect inspection",
    "alert": "Open Market risk alerts",
    "feedback": "Open this item in Review feedback",
}
BADGE = {3: "red", 2: "orange", 1: "blue"}
SHOWN = 60  # entries listed at once, most urgent first

page_header(t("attention.title"), t("attention.summary"))
store = get_store()
inbox = run(lambda: needs_attention(store), what="Loading what needs attention")

if inbox is not None:
    for problem in inbox.problems:
        st.warning(plain(problem))
    columns = st.columns(len(KINDS))
    for column, kind in zip(columns, KINDS, strict=True):
        column.metric(KIND_TITLES[kind], f"{inbox.counts.get(kind, 0):,}")
    wanted = st.segmented_control(
        "Show", list(KINDS), format_func=KIND_TITLES.get, selection_mode="multi", default=list(KINDS)
    )
    entries = [e for e in inbox.entries if e.kind in (wanted or KINDS)]
    if not entries:
        st.success("Nothing needs attention right now.", icon=":material/done_all:")
    for entry in entries[:SHOWN]:
        badge = f":{BADGE.get(entry.urgency, 'gray')}-badge[{entry.urgency_words}]"
        with st.expander(f"{entry.urgency_words}: {plain(entry.title[:110])} · {entry.when}", icon=ICONS[entry.kind]):
            st.markdown(f"{badge} **{plain(KIND_TITLES[entry.kind])}**")
            st.markdown(plain(entry.detail))
            photo = media_for({"image_path": entry.image}, home=store.settings.home) if entry.image else []
            if photo:  # only a kept copy inside SUITE_HOME is shown
                st.image(image_with_boxes(photo[0].path, list(entry.boxes)), caption="Uncertain boxes", width=480)
            link = {entry.param: entry.item_id}
            st.page_link(entry.page, label=LINK_WORDS[entry.kind], icon=":material/open_in_new:", query_params=link)
    if len(entries) > SHOWN:
        st.caption(f"The {SHOWN} most urgent of {len(entries):,} are listed; open a page to see the rest.")
