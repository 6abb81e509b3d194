"""Home: what each module does (each card opens its page), live counts, and a button that loads the demo data."""

import time

import streamlit as st

from pages.session import identity as signed_identity
from pages.ui import get_store, module_summary, module_title, number, page_header, progress_bar, run, t, tn
from suite.lifecycle import load_demo
from suite.modules import MODULES
from suite.ops import ModuleActivity, module_activity

page_header(t("home.title"), t("home.summary"))
store = get_store()
activity = run(lambda: module_activity(store), what=t("home.what.activity")) or {}
counts = run(store.counts, what=t("home.what.counts")) or {}

# The demo box comes first, so its progress and its outcome show where the button is, without scrolling.
left, right = st.columns([2, 1])
with right.container(border=True):
    st.subheader(t("home.demo.title"))
    st.write(t("home.demo.text"))
    if st.button(t("home.demo.button"), type="primary"):
        started = time.perf_counter()
        with progress_bar(t("home.demo.loading")) as progress:
            loaded = run(lambda: load_demo(store, progress, identity=signed_identity()), what=t("home.demo.what"))
        if loaded is not None:
            took = time.perf_counter() - started
            st.success(t("home.demo.done", seconds=f"{took:.0f}"))
            with st.expander(t("home.demo.loaded")):
                st.markdown("\n".join(f"- **{module_title(report.module)}**: {report.sentence()}" for report in loaded))
with left:
    st.subheader(t("home.db.title"))
    kinds = (("events", "events"), ("feedback", "feedback"), ("model_versions", "versions"), ("jobs", "jobs"))
    st.write(" · ".join(tn(f"home.db.{key}", counts.get(count, 0)) for count, key in kinds))

st.divider()
CARDS_PER_ROW = 3  # five cards in one row broke titles like "Recommendations" mid-word at 1440 px
for start in range(0, len(MODULES), CARDS_PER_ROW):
    row = MODULES[start : start + CARDS_PER_ROW]
    for column, info in zip(st.columns(CARDS_PER_ROW), row, strict=False):
        used = activity.get(info.key) or ModuleActivity(info.key)
        with column.container(border=True):
            st.markdown(f"#### {info.icon} {module_title(info.key)}")
            st.write(module_summary(info.key))
            st.metric(t("home.card.week"), number(used.week), help=tn("home.card.total", used.total))
            st.caption(tn("home.card.feedback", used.feedback))
            st.page_link(
                f"pages/{info.key}.py",
                label=t("home.card.open", title=module_title(info.key)),
                icon=":material/arrow_forward:",
            )
