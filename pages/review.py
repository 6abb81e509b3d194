"""Review queue: staff accept, reject or correct feedback before the assistants learn from it."""

import json

import pandas as pd
import streamlit as st

from pages.ui import current_user, done, get_store, page_header, run
from suite.modules import MODULES
from suite.review import Filters, counts, decide, decide_matching, edit, list_feedback
from suite.review.media import image_with_box, media_for
from suite.review.models import STATES
from suite.store import FEEDBACK_KINDS

page_header(
    "Review feedback",
    "Check what people told the assistants before they learn from it. Only feedback you accept is used "
    "for retraining; every decision records your name and the time.",
)
store = get_store()
SHOWN = 500  # items listed, and the most that "all shown" decides on at once
titles = {info.key: info.title for info in MODULES}

waiting = run(lambda: counts(store), what="Loading counts")
cols = st.columns(len(MODULES))
for column, info in zip(cols, MODULES, strict=True):
    column.metric(info.title, waiting.of(info.key) if waiting is not None else 0, help="Feedback waiting for review")

reviewer = st.text_input("Your name", value=current_user(), help="Saved with every decision you make.")
a, b, c, d = st.columns(4)
module = a.selectbox("Assistant", [None, *titles], format_func=lambda k: "All" if k is None else titles[k])
kind = b.selectbox("Kind", [None, *FEEDBACK_KINDS], format_func=lambda k: "All" if k is None else k)
state = c.selectbox("Status", list(STATES), format_func=str.capitalize)
text = d.text_input("Contains", placeholder="a word from the feedback or question")
filters = Filters(module=module, kind=kind, state=state, text=text or None)
items = run(lambda: list_feedback(store, filters, limit=SHOWN), what="Loading feedback") or []

if not items:
    st.info("Nothing to review with these filters.")
else:
    table = pd.DataFrame(
        [
            {
                "#": number,
                "when": item.ts,
                "assistant": titles.get(item.module, item.module),
                "kind": item.kind,
                "feedback": item.summary(),
                "about": str(item.context.get("input", ""))[:160],
                "status": item.review_state,
                "reviewer": item.reviewer or "",
            }
            for number, item in enumerate(items, start=1)
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")
    by_id = {item.feedback_id: (number, item) for number, item in enumerate(items, start=1)}
    ids = st.multiselect(
        "Pick items by number",
        list(by_id),
        format_func=lambda fid: f"#{by_id[fid][0]} {by_id[fid][1].kind}: {by_id[fid][1].summary()[:60]}",
    )
    st.caption(f"{len(items)} item(s) shown, {len(ids)} picked.")
    buttons = st.columns(4)
    actions = [
        ("Accept picked", lambda: decide(store, ids, "accept", reviewer=reviewer)),
        ("Reject picked", lambda: decide(store, ids, "reject", reviewer=reviewer)),
        (
            f"Accept all {len(items)} shown",
            lambda: decide_matching(store, filters, "accept", reviewer=reviewer, limit=SHOWN),
        ),
        (
            f"Reject all {len(items)} shown",
            lambda: decide_matching(store, filters, "reject", reviewer=reviewer, limit=SHOWN),
        ),
    ]
    for column, (label, action) in zip(buttons, actions, strict=True):
        if column.button(label, width="stretch"):
            changed = run(action, what=label)
            if changed is not None:
                st.success(f"{changed} item(s) updated.")
                st.rerun()

    st.subheader("Look closer or correct one item")
    index = st.selectbox(
        "Item",
        range(len(items)),
        format_func=lambda i: (
            f"{titles.get(items[i].module, items[i].module)} · {items[i].kind} · {items[i].summary()[:80]}"
        ),
    )
    item = items[index]
    left, right = st.columns(2)
    with left:
        st.markdown("**What the assistant was asked and answered**")
        if item.context:
            st.write(item.context.get("input", "(no question recorded)"))
            st.json(item.context.get("output", {}), expanded=False)
        else:
            st.caption("This feedback is not linked to a recorded request.")
        for media in media_for(item.value):
            if media.kind == "image":
                label = str(item.value.get("class", ""))
                st.image(image_with_box(media.path, media.box, label), caption=media.path.name)
            else:
                st.audio(str(media.path), start_time=int(media.start))
    with right:
        st.markdown("**The feedback** (edit to correct it, then save: it is accepted with your change)")
        value = st.text_area("Feedback value", json.dumps(item.value, indent=2, ensure_ascii=False), height=200)
        if st.button("Save correction and accept"):
            if done(lambda: edit(store, item.feedback_id, value, reviewer=reviewer), what="Saving"):
                st.success("Saved and accepted.")
