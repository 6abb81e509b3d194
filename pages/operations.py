"""Operations: usage over time, speed, errors and feedback, straight from the store, in the reader's language."""

import altair as alt
import pandas as pd
import streamlit as st

from pages.charts import per_day
from pages.session import identity as signed_identity
from pages.ui import get_store, language, module_title, number, page_header, plain, run, t, tn, when
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
from suite.ops.display import blank, detail_words, modules_only, version_label, versions_made, when_words, word
from suite.registry.versions import list_versions

page_header(t("operations.title"), t("operations.summary"))
store = get_store()
lang = language()


def words(group: str):
    """A mapper of machine values (states, kinds) to this language's words."""
    return lambda value: word(lang, group, value)


st.subheader(t("staff.ops.worker"))


def job_words(job: dict) -> str:
    """'Market risk alerts retraining, succeeded 3 Dec 2026, 14:05 UTC' in this language."""
    done_at = job.get("finished_at") or job.get("started_at")
    return t(
        "staff.ops.worker.job",
        module=module_title(str(job.get("module"))),
        kind=word(lang, "job_kind", job.get("kind")),
        state=word(lang, "job_state", job.get("state")),
        when=when(done_at),
    )


worker = run(lambda: worker_status(store), what=t("staff.ops.what.worker"))
if worker is not None:
    if worker.alive:
        head = t("staff.ops.worker.alive", since=when(worker.since), pid=worker.pid, host=worker.host or "")
    elif worker.since is not None:
        head = t("staff.ops.worker.stopped", since=when(worker.since))
    else:
        head = t("staff.ops.worker.never")
    parts = [head]
    if worker.current_job:
        parts.append(t("staff.ops.worker.now", job=job_words(worker.current_job)))
    parts.append(
        t("staff.ops.worker.last", job=job_words(worker.last_job)) if worker.last_job else t("staff.ops.worker.no_job")
    )
    if worker.alive or worker.next_run:
        # the schedule says why in English; other languages get the time
        upcoming = worker.next_run if lang == "en" else when(worker.next_run_at)
        parts.append(t("staff.ops.worker.next", next=upcoming or t("staff.ops.worker.unscheduled")))
    (st.success if worker.alive else st.warning)(
        plain(t("staff.ops.worker.sentence", parts=t("staff.list_sep").join(parts)))
    )
    if not worker.alive:
        st.caption(t("staff.ops.worker.how"))

days = st.segmented_control(
    t("staff.ops.period"), [7, 30, 90], default=30, format_func=lambda d: t("staff.ops.last_days", days=d)
)
days = days or 30

usage = run(lambda: usage_by_day(store, days), what=t("staff.ops.what.usage"))
usage = modules_only(usage) if usage is not None else None  # demo loading is the suite's own work, not a module
if usage is not None and not usage.empty:
    st.subheader(t("staff.ops.uses_per_day"))
    per_day(
        usage.assign(module=usage["module"].map(module_title)),
        "requests",
        t("staff.ops.uses"),
        extra=(("errors", t("staff.ops.failed")),),
    )
    total, errors = int(usage["requests"].sum()), int(usage["errors"].sum())
    a, b = st.columns(2)
    a.metric(t("staff.ops.uses_in_period"), number(total))
    b.metric(t("staff.ops.failed"), number(errors), help=t("staff.ops.failed_help"))
elif usage is not None:
    st.info(t("staff.ops.no_use"))

st.subheader(t("ops.speed"))
st.caption(t("ops.speed_note"))
latency = run(lambda: latency_by_model(store, days), what=t("ops.what.latency"))
latency = modules_only(latency) if latency is not None else None
if latency is not None and not latency.empty:
    # words for people: module titles, no version names or hashes, no raw column names, blanks instead of NaN
    shown = latency.drop(columns=["version"], errors="ignore").assign(
        module=latency["module"].map(module_title),
        action=latency["action"].map(words("action")),
        model=latency["model"].replace("-", ""),
        device=latency["device"].replace("-", ""),
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

st.subheader(t("staff.ops.feedback"))
volume = run(lambda: feedback_by_day(store, days), what=t("staff.ops.what.feedback"))
volume = modules_only(volume) if volume is not None else None
if volume is not None and not volume.empty:
    per_day(volume.assign(module=volume["module"].map(module_title)), "items", t("staff.ops.feedback_items"))
fb = run(lambda: feedback_counts(store), what=t("staff.ops.what.feedback"))
fb = modules_only(fb) if fb is not None else None
if fb is not None and not fb.empty:
    table = pd.DataFrame(
        {
            t("staff.col.module"): fb["module"].map(module_title),
            t("staff.col.feedback_kind"): fb["kind"].map(words("feedback_kind")),
            t("staff.col.review_state"): fb["review_state"].map(words("review_state")),
            t("staff.col.items"): fb["items"].astype(int),
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
else:
    st.info(t("staff.ops.no_feedback"))

st.subheader(t("staff.ops.happier"))
st.caption(t("staff.ops.happier_note"))
trend = run(lambda: satisfaction_trend(store, days), what=t("staff.ops.what.satisfaction"))
trend = modules_only(trend) if trend is not None else None
if trend is not None and not trend.empty:
    # one colour per (assistant, measure) and one legend: no second legend of identical dots
    pairs = zip(trend["module"], trend["measure"], strict=True)
    series = [f"{module_title(m)} · {word(lang, 'measure', s)}" for m, s in pairs]
    named = trend.assign(series=series, module=trend["module"].map(module_title))
    per_day(
        named,
        "value",
        t("staff.ops.share"),
        series="series",
        series_title=t("staff.ops.measure"),
        extra=(("items", t("staff.col.items")),),
        lines=True,
        share=True,
    )
else:
    st.info(t("staff.ops.no_satisfaction"))

st.subheader(t("staff.ops.versions"))
timeline = run(lambda: model_timeline(store), what=t("staff.ops.what.versions"))
if timeline is not None and not timeline.empty:
    made = versions_made(run(lambda: list_versions(store), what=t("staff.ops.what.versions")) or [])
    named = pd.DataFrame(
        {
            "made": timeline["created_at"],
            "assistant": timeline["module"].map(module_title),
            "version": timeline["version"].map(lambda v: version_label(lang, v, made)),
            "status": timeline["status"].map(words("version_status")),
            "score": timeline["challenger"],
        }
    )
    chart = (
        alt.Chart(named.dropna(subset=["score"]))
        .mark_point(filled=True, size=90)
        .encode(
            x=alt.X("made:T", title=t("staff.col.made")),
            y=alt.Y("score:Q", title=t("staff.ops.score_axis")),
            color=alt.Color("assistant:N", title=t("staff.col.module"), legend=alt.Legend(orient="bottom")),
            shape=alt.Shape("status:N", title=t("staff.col.status"), legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("assistant:N", title=t("staff.col.module")),
                alt.Tooltip("version:N", title=t("staff.col.version")),
                alt.Tooltip("status:N", title=t("staff.col.status")),
                alt.Tooltip("score:Q", title=t("staff.col.score"), format=".4f"),
            ],
        )
    )
    st.altair_chart(chart, width="stretch")
    st.dataframe(
        pd.DataFrame(
            {
                t("staff.col.made"): timeline["created_at"].map(lambda v: when_words(lang, v)),
                t("staff.col.module"): named["assistant"],
                t("staff.col.version"): named["version"],
                t("staff.col.status"): named["status"],
                t("staff.col.measure"): timeline["metric"].map(blank),
                t("staff.col.score"): timeline["challenger"].map(blank),
                t("staff.col.champion_score"): timeline["champion_then"].map(blank),
                t("staff.col.gate"): timeline["gate"].map(blank),
            }
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.info(t("staff.ops.no_versions"))

st.subheader(t("staff.ops.drift"))
st.caption(t("staff.ops.drift_note", days=RECENT_DAYS))
signals = run(lambda: drift(store), what=t("staff.ops.what.drift"))
if signals:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("staff.col.module"): module_title(s.module),
                    t("staff.col.signal"): s.signal,
                    t("staff.col.before"): blank(s.reference),
                    t("staff.col.recent"): blank(s.recent),
                    t("staff.col.change"): "" if s.change is None else number(s.change, decimals=2),
                    t("staff.col.level"): word(lang, "drift", s.level),
                    t("staff.col.n_recent"): s.n_recent,
                    t("staff.col.n_reference"): s.n_reference,
                }
                for s in signals
            ]
        ),
        hide_index=True,
        width="stretch",
    )
elif signals is not None:
    st.info(t("staff.ops.no_drift"))


def jobs_table(jobs: pd.DataFrame, made: dict) -> pd.DataFrame:
    """Retraining jobs in words (shared with the Models page's layout)."""
    return pd.DataFrame(
        {
            t("staff.col.module"): jobs["module"].map(module_title),
            t("staff.col.job_kind"): jobs["kind"].map(words("job_kind")),
            t("staff.col.state"): jobs["state"].map(words("job_state")),
            t("staff.col.asked_by"): jobs["requested_by"].map(blank),
            t("staff.col.queued"): jobs["created_at"].map(lambda v: when_words(lang, v)),
            t("staff.col.finished"): jobs["finished_at"].map(lambda v: when_words(lang, v)),
            t("staff.col.seconds"): jobs["seconds"].map(lambda s: "" if blank(s) == "" else number(s, decimals=1)),
            t("staff.col.progress"): jobs["progress"],
            t("staff.col.version"): [version_label(lang, v, made) if blank(v) != "" else "" for v in jobs["version"]],
            t("staff.col.result"): jobs["result"].map(words("job_result")),
            t("staff.col.error"): jobs["error"].map(blank),
        }
    )


st.subheader(t("staff.ops.jobs"))
jobs = run(lambda: job_history(store), what=t("staff.ops.what.jobs"))
if jobs is not None and not jobs.empty:
    made = versions_made(run(lambda: list_versions(store), what=t("staff.ops.what.jobs")) or [])
    progress = t("staff.col.progress")
    st.dataframe(
        jobs_table(jobs, made),
        hide_index=True,
        width="stretch",
        column_config={progress: st.column_config.ProgressColumn(progress, min_value=0, max_value=1)},
    )
else:
    st.info(t("staff.ops.no_jobs"))

st.subheader(t("staff.ops.unsaved"))
kept = run(lambda: store.quarantined(), what=t("staff.ops.what.unsaved"))
if kept:
    spool = store.settings.spool_dir
    st.warning(tn("staff.ops.unsaved_count", len(kept)))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("staff.col.file"): row.file,
                    t("staff.col.table"): row.table or t("staff.ops.unreadable"),
                    t("staff.col.reason"): row.reason,
                    t("staff.col.when"): when_words(lang, row.quarantined_at),
                    t("staff.col.row"): detail_words(row.row)[:300],  # words, never a Python dict
                }
                for row in kept
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.markdown(t("staff.ops.unsaved_howto", quarantine=spool / "quarantine", spool=spool, torn=spool / "torn"))
elif kept is not None:
    st.info(t("staff.ops.all_saved"))

st.subheader(t("staff.ops.download"))
who = signed_identity()
if allowed(who, "data.export"):  # exports are admin-only (export_table refuses others) and audited when clicked
    table_name = st.radio(
        t("staff.ops.what_table"), list(EXPORTABLE), horizontal=True, format_func=words("export_table")
    )
    fmt = st.radio(
        t("staff.ops.format"), ["csv", "parquet"], horizontal=True, format_func=lambda f: t(f"staff.ops.format.{f}")
    )
    st.download_button(
        t(f"staff.ops.download_button.{table_name}", days=days),
        data=lambda: export_table(store, table_name, fmt, days, identity=who),
        file_name=f"{table_name}-last-{days}-days.{fmt}",
        mime="text/csv" if fmt == "csv" else "application/octet-stream",
    )
else:
    st.caption(t("staff.ops.download_admin"))
