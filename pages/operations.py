"""Operations: usage over time, speed, errors and feedback, straight from the store."""

import altair as alt
import pandas as pd
import streamlit as st

from pages.charts import per_day
from pages.session import identity as signed_identity
from pages.ui import get_store, module_title, page_header, plain, run, t
from suite.auth import allowed
from suite.jobs.workers import worker_status
from suite.ops import (
    EXPORTABLE,
    RECENT_DAYS,
    drift,
    export_table,
    feedback_by_day,
    feedback_counts,
    job_history,
    latency_by_model,
    model_timeline,
    satisfaction_trend,
    usage_by_day,
)

page_header(t("operations.title"), t("operations.summary"))
store = get_store()

st.subheader("Retraining worker")
worker = run(lambda: worker_status(store), what="Loading the worker's heartbeat")
if worker is not None:
    (st.success if worker.alive else st.warning)(plain(worker.sentence()))
    if not worker.alive:
        st.caption(
            "Without a worker, queued retraining waits. `make run` (or `suite serve`) runs one beside the dashboard "
            "and starts it again if it stops; on another machine, run `suite worker`."
        )

days = st.segmented_control("Period", [7, 30, 90], default=30, format_func=lambda d: f"Last {d} days")
days = days or 30

usage = run(lambda: usage_by_day(store, days), what="Loading usage")
if usage is not None and not usage.empty:
    st.subheader("Uses per day")
    per_day(usage, "requests", "Uses", tooltip=["day:T", "module:N", "requests:Q", "errors:Q"])
    total, errors = int(usage["requests"].sum()), int(usage["errors"].sum())
    a, b = st.columns(2)
    a.metric("Uses in period", f"{total:,}")
    b.metric("Failed", f"{errors:,}", help="Requests that ended with an error", delta=None)
elif usage is not None:
    st.info("Nothing has been used in this period yet. Try a module, or load the demo data on the Home page.")

st.subheader(t("ops.speed"))
st.caption(t("ops.speed_note"))
latency = run(lambda: latency_by_model(store, days), what=t("ops.what.latency"))
if latency is not None and not latency.empty:
    # words for people: module titles, no version names or hashes, no raw column names, blanks instead of NaN
    shown = latency.drop(columns=["version"], errors="ignore").assign(
        module=latency["module"].map(module_title), model=latency["model"].replace("-", "")
    )
    shown = shown.rename(columns={c: t(f"ops.col.{c.removesuffix('_ms')}") for c in shown.columns})
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            t("ops.col.error_rate"): st.column_config.ProgressColumn(t("ops.col.error_rate"), min_value=0, max_value=1),
            t("ops.col.p50"): st.column_config.NumberColumn(format="%.0f"),
            t("ops.col.p95"): st.column_config.NumberColumn(format="%.0f"),
        },
    )
else:
    st.info(t("ops.no_timings"))

st.subheader("Feedback")
volume = run(lambda: feedback_by_day(store, days), what="Loading feedback volume")
if volume is not None and not volume.empty:
    per_day(volume, "items", "Feedback items", tooltip=["day:T", "module:N", "items:Q"])
fb = run(lambda: feedback_counts(store), what="Loading feedback")
if fb is not None and not fb.empty:
    st.dataframe(fb, hide_index=True, width="stretch")
else:
    st.info("No feedback yet. Thumbs, corrections and labels from every module show up here.")

st.subheader("Are people happier?")
st.caption(
    "Thumbs-up share (higher is better), how often a risk alert was a false alarm and how often a transcript "
    "needed correcting (lower is better), per day."
)
trend = run(lambda: satisfaction_trend(store, days), what="Loading satisfaction")
if trend is not None and not trend.empty:
    tooltip = ["day:T", "module:N", "measure:N", alt.Tooltip("value:Q", format=".0%"), "items:Q"]
    per_day(trend, "value", "Share", tooltip=tooltip, lines_by="measure", share=True)
else:
    st.info("No thumbs, alert confirmations or transcript corrections in this period yet.")

st.subheader("Model versions over time")
timeline = run(lambda: model_timeline(store), what="Loading model versions")
if timeline is not None and not timeline.empty:
    chart = (
        alt.Chart(timeline.dropna(subset=["challenger"]))
        .mark_point(filled=True, size=90)
        .encode(
            x=alt.X("created_at:T", title="Made"),
            y=alt.Y("challenger:Q", title="Score on the fixed test set"),
            color=alt.Color("module:N", title="Module"),
            shape=alt.Shape("status:N", title="Status"),
            tooltip=["module:N", "version:N", "status:N", "metric:N", "challenger:Q", "champion_then:Q", "gate:N"],
        )
    )
    st.altair_chart(chart, width="stretch")
    st.dataframe(timeline, hide_index=True, width="stretch")
else:
    st.info("No retrained model versions yet. Retraining happens on the Models page or on its schedule.")

st.subheader("Is incoming work changing?")
st.caption(
    f"Compares the last {RECENT_DAYS} days with the weeks before: the mix of results each assistant gives, and "
    "its average confidence. 'Drifting' means it may be time to review feedback and retrain."
)
signals = run(lambda: drift(store), what="Loading drift")
if signals:
    st.dataframe(pd.DataFrame([s.as_dict() for s in signals]), hide_index=True, width="stretch")
elif signals is not None:
    st.info("Not enough recorded results to compare yet.")

st.subheader("Retraining jobs")
jobs = run(lambda: job_history(store), what="Loading jobs")
if jobs is not None and not jobs.empty:
    st.dataframe(
        jobs,
        hide_index=True,
        width="stretch",
        column_config={"progress": st.column_config.ProgressColumn("progress", min_value=0, max_value=1)},
    )
else:
    st.info("No retraining jobs yet.")

st.subheader("Rows that could not be saved")
kept = run(lambda: store.quarantined(), what="Loading rows put aside")
if kept:
    spool = store.settings.spool_dir
    st.warning(
        f"{len(kept)} recorded row(s) could not go into the database and were put aside with the reason. "
        "Nothing was dropped, and everything recorded after them was saved."
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "file": row.file,
                    "table": row.table or "(unreadable line)",
                    "reason": row.reason,
                    "when": row.quarantined_at,
                    "row": "" if row.row is None else str(row.row)[:300],
                }
                for row in kept
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.markdown(
        f"""**To inspect** a file, open it in `{spool / "quarantine"}`: one line per row, with the database's
reason beside it. `suite store check` counts them.

**To retry**, first fix what the reason names (for example, a newer version of the suite wrote to a table this one
does not have yet: upgrade), then move the file back into the journal, e.g.
`mv {spool / "quarantine"}/FILE {spool}/retry-FILE`. The next save copies its rows in; rows already
saved are skipped, and a row that still fails is put aside again.

Lines in `{spool / "torn"}` were cut short by a crash or a full disk and cannot be read back; they are kept
only so you can see what was lost."""
    )
elif kept is not None:
    st.info("Every recorded row reached the database.")

st.subheader("Download the records")
who = signed_identity()
if allowed(who, "data.export"):  # exports are admin-only (export_table refuses others) and audited when clicked
    table_name = st.radio("What", list(EXPORTABLE), horizontal=True, format_func=str.capitalize)
    fmt = st.radio(
        "Format",
        ["csv", "parquet"],
        horizontal=True,
        format_func=lambda f: {"csv": "CSV (spreadsheets)", "parquet": "Parquet (analysis tools)"}[f],
    )
    st.download_button(
        f"Download {table_name} of the last {days} days",
        data=lambda: export_table(store, table_name, fmt, days, identity=who),
        file_name=f"{table_name}-last-{days}-days.{fmt}",
        mime="text/csv" if fmt == "csv" else "application/octet-stream",
    )
else:
    st.caption("Downloading the events and feedback needs the admin role.")
