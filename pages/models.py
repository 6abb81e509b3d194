"""Models: which model each assistant uses, its versions and their scores, retraining jobs, promote/roll back."""

import pandas as pd
import streamlit as st

from pages.session import identity as signed_identity
from pages.ui import done, get_store, page_header, plain, run, t
from suite.jobs.live import live_job
from suite.jobs.queue import enqueue, get_job
from suite.ops import job_history
from suite.registry.gate import FLOORS
from suite.registry.overview import module_overview
from suite.registry.versions import MAX_REASON_CHARS, gate_rejected, list_versions, promote, rollback

page_header(t("models.title"), t("models.summary"))
LIVE_EVERY_S = 2.0  # how often a waiting or running job is read again

store = get_store()
overview = run(lambda: module_overview(store), what="Loading models") or []
if overview:
    table = pd.DataFrame([row.as_dict() for row in overview])
    table["trainable"] = table["trainable"].map({True: "yes", False: "not trainable yet"})
    st.dataframe(
        table.drop(columns=["module"]),
        hide_index=True,
        width="stretch",
        column_config={
            "title": "Assistant",
            "trainable": "Can learn from feedback",
            "serving": "Version in use",
            "versions": "Versions made",
            "accepted_feedback": "Accepted feedback",
            "waiting_review": "Waiting for review",
            "last_job": "Last retraining",
        },
    )

rows = {row.module: row for row in overview}
module = st.selectbox("Assistant", list(rows), format_func=lambda key: rows[key].title)
if module:
    row = rows[module]
    left, right = st.columns([3, 1])
    left.subheader(f"{row.title}: {row.serving}")
    if not row.trainable:
        right.info("Not trainable yet: this assistant has no retraining step.")
    elif right.button("Retrain now", type="primary", help="Queues a retraining for the background worker."):
        queued = run(
            lambda: enqueue(store, module, requested_by=None, identity=signed_identity(), reason="Models page"),
            what="Queueing",
        )
        if queued is not None:
            job_id, created = queued
            st.session_state[f"watched_job_{module}"] = job_id
            if created:
                st.success(f"Retraining queued (job {job_id[:8]}); its progress shows below until the gate decides.")
            else:
                st.info(f"A retraining of this assistant is already waiting or running (job {job_id[:8]}).")

    watched = st.session_state.get(f"watched_job_{module}")
    first = run(lambda: live_job(store, module, watched), what="Loading the job")

    @st.fragment(run_every=LIVE_EVERY_S if first is not None and first.active else None)
    def live_panel() -> None:
        """The watched (or running) job, read again every few seconds while it waits or runs."""
        job = run(lambda: live_job(store, module, watched), what="Loading the job")
        if job is None:
            return
        st.session_state[f"watched_job_{module}"] = job.job_id  # a scheduled job too: keep its decision in view
        with st.container(border=True):
            st.markdown(f"**Job {job.job_id[:8]}** ({job.kind}, {job.state})")
            if job.state == "queued":
                st.info(plain(job.headline))
            elif job.state == "running":
                st.progress(min(max(job.progress, 0.0), 1.0), text=plain(job.headline))
                if job.metrics:
                    st.caption("Latest scores: " + ", ".join(f"{plain(k)} {v:.4g}" for k, v in job.metrics.items()))
            elif job.state == "succeeded":
                (st.success if job.promoted else st.warning)(plain(job.headline))
            else:
                st.error(plain(job.headline))
            if job.last_log:
                st.caption(plain(job.last_log))
        if first is not None and first.active and not job.active:
            st.rerun()  # the gate has decided: show the new version in the tables below

    live_panel()

    st.markdown("**Versions**")
    versions = run(lambda: list_versions(store, module), what="Loading versions") or []
    if versions:
        table = pd.DataFrame(
            [
                {
                    "version": v.version,
                    "status": v.status,
                    "made": v.created_at,
                    "measure": v.scores.metric or "",
                    "score": v.scores.challenger,
                    "previous model's score": v.scores.champion,
                    "feedback items used": v.feedback_used,
                    "why": "; ".join(v.scores.gate_reasons),
                    "used anyway because": v.override_reason or "",
                }
                for v in versions
            ]
        )
        st.dataframe(table, hide_index=True, width="stretch")
        floor = FLOORS.get(module)
        if floor is not None:
            st.caption(f"A version is put to use automatically only with {floor.describe()} on the fixed test set.")
        by_name = {v.version: v for v in versions}
        others = [v.version for v in versions if v.status != "champion"]
        a, b = st.columns(2)
        with a:
            choice = st.selectbox("Put a version to use", others, index=None, placeholder="Pick a version")
            override = None
            if choice and gate_rejected(by_name[choice]):
                st.warning("The promotion gate rejected this version. To use it anyway, say why (kept in the history).")
                override = st.text_input("Reason for using it anyway", max_chars=MAX_REASON_CHARS)
            if choice and st.button("Use this version"):
                if done(
                    lambda: promote(
                        store, module, choice, by=None, identity=signed_identity(), override_reason=override
                    ),
                    what="Promoting",
                ):
                    st.success(f"{choice} is now in use.")
        with b:
            st.write("Go back to the version used before the current one.")
            if st.button("Roll back"):
                back = run(
                    lambda: rollback(store, module, by=None, identity=signed_identity()) or "default model",
                    what="Rolling back",
                )
                if back:
                    st.success(f"Now using {back}.")
    else:
        st.caption("No retrained versions yet: the assistant uses its default model.")

    st.markdown("**Retraining jobs**")
    jobs = run(lambda: job_history(store, module, limit=20), what="Loading jobs")
    if jobs is not None and not jobs.empty:
        st.dataframe(
            jobs,
            hide_index=True,
            width="stretch",
            column_order=[
                "job_id",
                "state",
                "requested_by",
                "created_at",
                "finished_at",
                "seconds",
                "progress",
                "result",
                "error",
                "version",
            ],  # fmt: skip
            column_config={
                "job_id": "job",
                "requested_by": "asked by",
                "created_at": "queued",
                "finished_at": "finished",
                "progress": st.column_config.ProgressColumn("progress", min_value=0, max_value=1),
            },
        )
        latest = jobs["job_id"].iloc[0]
        with st.expander(f"Log of the latest job ({latest[:8]})"):
            log = run(lambda: get_job(store, latest)["log"], what="Loading the job log")
            st.code(log or "(empty)", language=None)
    else:
        st.caption("No retraining jobs yet.")
