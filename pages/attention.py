"""Needs attention: tickets handed to staff, photos to check, open risk alerts and feedback to review, in one list."""

import streamlit as st

from pages.ui import get_store, language, number, page_header, plain, run, t, when
from suite.attention import KINDS, needs_attention
from suite.review.media import image_with_boxes, media_for

ICONS = {
    "ticket": ":material/support_agent:",
    "inspection": ":material/frame_inspect:",
    "alert": ":material/notifications_active:",
    "feedback": ":material/rate_review:",
}
BADGE = {3: "red", 2: "orange", 1: "blue"}
SHOWN = 60  # entries listed at once, most urgent first

page_header(t("attention.title"), t("attention.summary"))
store = get_store()
inbox = run(lambda: needs_attention(store, language()), what=t("attention.what"))  # its words in this language

if inbox is not None:
    for problem in inbox.problems:
        st.warning(plain(problem))
    columns = st.columns(len(KINDS))
    for column, kind in zip(columns, KINDS, strict=True):
        column.metric(t(f"ui.attention.{kind}"), number(inbox.counts.get(kind, 0)))
    wanted = st.segmented_control(
        t("attention.show"),
        list(KINDS),
        format_func=lambda k: t(f"ui.attention.{k}"),
        selection_mode="multi",
        default=list(KINDS),
    )
    entries = [e for e in inbox.entries if e.kind in (wanted or KINDS)]
    if not entries:
        st.success(t("attention.nothing"), icon=":material/done_all:")
    for entry in entries[:SHOWN]:
        urgency = t(f"attention.urgency.{entry.urgency}") if entry.urgency in BADGE else ""
        badge = f":{BADGE.get(entry.urgency, 'gray')}-badge[{urgency}]"
        with st.expander(
            t("staff.attention.entry", urgency=urgency, title=plain(entry.title[:110]), when=when(entry.ts)),
            icon=ICONS[entry.kind],
        ):
            st.markdown(f"{badge} **{plain(t(f'ui.attention.{entry.kind}'))}**")
            st.markdown(plain(entry.detail))
            photo = media_for({"image_path": entry.image}, home=store.settings.home) if entry.image else []
            if photo:  # only a kept copy inside SUITE_HOME is shown
                st.image(image_with_boxes(photo[0].path, list(entry.boxes)), caption=t("attention.boxes"), width=480)
            link = {entry.param: entry.item_id}
            st.page_link(
                entry.page, label=t(f"attention.link.{entry.kind}"), icon=":material/open_in_new:", query_params=link
            )
    if len(entries) > SHOWN:
        st.caption(t("attention.more", shown=SHOWN, count=number(len(entries))))
