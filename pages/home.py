"""Home: what each module does (each card opens its page), live counts, and a button that loads the demo data."""

import time

import streamlit as st

from pages.session import identity as signed_identity
from pages.ui import get_store, page_header, progress_bar, run
from suite.lifecycle import load_demo
from suite.modules import MODULES, title
from suite.ops import ModuleActivity, module_activity

page_header(
    "Northstar Suite",
    "Five AI assistants for your team in one place. Pick one below or on the left; everything you do here is "
    "recorded so the assistants can learn from your feedback.",
)
store = get_store()
activity = run(lambda: module_activity(store), what="Loading activity") or {}
counts = run(store.counts, what="Loading counts") or {}

# The demo box comes first, so its progress and its outcome show where the button is, without scrolling.
left, right = st.columns([2, 1])
with right.container(border=True):
    st.subheader("Try it with sample data")
    st.write("Loads the example help articles, shop, photos, recordings and headlines used in demos.")
    if st.button("Load demo data", type="primary"):
        started = time.perf_counter()
        with progress_bar("Loading demo data…") as progress:
            loaded = run(lambda: load_demo(store, progress, identity=signed_identity()), what="Loading demo data")
        if loaded is not None:
            took = time.perf_counter() - started
            st.success(f"Demo data loaded in {took:.0f} s: every assistant has sample data to try.")
            with st.expander("What was loaded"):
                st.markdown("\n".join(f"- **{title(report.module)}**: {report.sentence()}" for report in loaded))
with left:
    st.subheader("What is in the database")
    st.write(
        f"**{counts.get('events', 0):,}** recorded uses · **{counts.get('feedback', 0):,}** pieces of "
        f"feedback · **{counts.get('model_versions', 0):,}** model versions · **{counts.get('jobs', 0):,}** "
        "retraining jobs"
    )

st.divider()
columns = st.columns(len(MODULES))
for column, info in zip(columns, MODULES, strict=True):
    used = activity.get(info.key) or ModuleActivity(info.key)
    with column.container(border=True):
        st.markdown(f"#### {info.icon} {info.title}")
        st.write(info.summary)
        st.metric("Uses this week", used.week, help=f"{used.total} uses in all")
        st.caption(f"{used.feedback} pieces of feedback so far")
        st.page_link(f"pages/{info.key}.py", label=f"Open {info.title}", icon=":material/arrow_forward:")
