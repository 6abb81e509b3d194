"""Operations: usage over time, speed, errors and feedback, straight from the store."""

import altair as alt
import streamlit as st

from pages.ui import get_store, page_header, run
from suite.ops import feedback_counts, latency_by_model, usage_by_day

page_header(
    "Operations",
    "How much each assistant is used, how fast it answers, how often it fails and what people think of it.",
)
store = get_store()
days = st.segmented_control("Period", [7, 30, 90], default=30, format_func=lambda d: f"Last {d} days")
days = days or 30

usage = run(lambda: usage_by_day(store, days), what="Loading usage")
if usage is not None and not usage.empty:
    st.subheader("Uses per day")
    chart = (
        alt.Chart(usage)
        .mark_bar()
        .encode(
            x=alt.X("day:T", title="Day"),
            y=alt.Y("requests:Q", title="Uses"),
            color=alt.Color("module:N", title="Module"),
            tooltip=["day:T", "module:N", "requests:Q", "errors:Q"],
        )
    )
    st.altair_chart(chart, use_container_width=True)
    total, errors = int(usage["requests"].sum()), int(usage["errors"].sum())
    a, b = st.columns(2)
    a.metric("Uses in period", f"{total:,}")
    b.metric("Failed", f"{errors:,}", help="Requests that ended with an error", delta=None)
elif usage is not None:
    st.info("Nothing has been used in this period yet. Try a module, or load the demo data on the Home page.")

st.subheader("Speed and errors by model")
st.caption("p50 is the typical response time; p95 is how long the slowest 1 in 20 requests took.")
latency = run(lambda: latency_by_model(store, days), what="Loading latency")
if latency is not None and not latency.empty:
    st.dataframe(
        latency,
        hide_index=True,
        use_container_width=True,
        column_config={"error_rate": st.column_config.ProgressColumn("Error rate", min_value=0, max_value=1)},
    )
else:
    st.info("No timings recorded yet.")

st.subheader("Feedback")
fb = run(lambda: feedback_counts(store), what="Loading feedback")
if fb is not None and not fb.empty:
    st.dataframe(fb, hide_index=True, use_container_width=True)
else:
    st.info("No feedback yet. Thumbs, corrections and labels from every module show up here.")
