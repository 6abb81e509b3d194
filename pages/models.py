"""Models: which model each assistant uses, its versions and their scores, retraining jobs, promote/roll back."""

import pandas as pd
import streamlit as st

from pages.ui import current_user, get_store, page_header, run
from suite.jobs.queue import enqueue, list_jobs
from suite.registry.overview import module_overview
from suite.registry.versions import list_versions, promote, rollback

page_header(
    "Models",
    "Each assistant learns from the feedback your team accepted in the review queue. Retraining makes a new "
    "version; it is put to use only if it scores better on a fixed test set than the one in use now.",
)
store = get_store()
overview = run(lambda: module_overview(store), what="Loading models") or []
if overview:
    table = pd.DataFrame(overview)
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

titles = {row["module"]: row["title"] for row in overview}
module = st.selectbox("Assistant", list(titles), format_func=lambda key: titles[key])
if module:
    row = next(r for r in overview if r["module"] == module)
    left, right = st.columns([3, 1])
    left.subheader(f"{titles[module]}: {row['serving']}")
    if not row["trainable"]:
        right.info("Not trainable yet: this assistant has no retraining step.")
    elif right.button("Retrain now", type="primary", help="Queues a retraining for the background worker."):
        queued = run(lambda: enqueue(store, module, requested_by=current_user(), reason="Models page"), what="Queueing")
        if queued is not None:
            job_id, created = queued
            if created:
                st.success(f"Retraining queued (job {job_id[:8]}). The worker picks it up within a minute.")
            else:
                st.info(f"A retraining of this assistant is already waiting or running (job {job_id[:8]}).")

    st.markdown("**Versions**")
    versions = run(lambda: list_versions(store, module), what="Loading versions") or []
    if versions:
        rows = []
        for v in versions:
            m = v["metrics"]
            metric = m.get("primary_metric", "")
            rows.append(
                {
                    "version": v["version"],
                    "status": v["status"],
                    "made": v["created_at"],
                    "measure": metric,
                    "score": (m.get("challenger") or {}).get(metric),
                    "previous model's score": (m.get("champion") or {}).get(metric),
                    "feedback items used": len(v["trained_on"].get("feedback_ids", []) or []),
                    "why": "; ".join((m.get("gate") or {}).get("reasons", [])),
                }
            )
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        others = [v["version"] for v in versions if v["status"] != "champion"]
        a, b = st.columns(2)
        with a:
            choice = st.selectbox("Put a version to use", others, index=None, placeholder="Pick a version")
            if choice and st.button("Use this version"):
                if run(lambda: promote(store, module, choice, by=current_user()) or True, what="Promoting"):
                    st.success(f"{choice} is now in use.")
        with b:
            st.write("Go back to the version used before the current one.")
            if st.button("Roll back"):
                back = run(lambda: rollback(store, module, by=current_user()) or "default model", what="Rolling back")
                if back:
                    st.success(f"Now using {back}.")
    else:
        st.caption("No retrained versions yet: the assistant uses its default model.")

    st.markdown("**Retraining jobs**")
    jobs = run(lambda: list_jobs(store, module, limit=20), what="Loading jobs") or []
    if jobs:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "job": j["job_id"][:8],
                        "state": j["state"],
                        "asked by": j["requested_by"],
                        "queued": j["created_at"],
                        "finished": j["finished_at"],
                        "seconds": round((j["finished_at"] - j["started_at"]).total_seconds(), 1)
                        if j["finished_at"] and j["started_at"]
                        else None,
                        "progress": j["progress"] or 0.0,
                        "result": (j["outcome"] or {}).get("status") or (j["outcome"] or {}).get("error", ""),
                        "version": (j["outcome"] or {}).get("version", ""),
                    }
                    for j in jobs
                ]
            ),
            hide_index=True,
            width="stretch",
            column_config={"progress": st.column_config.ProgressColumn("progress", min_value=0, max_value=1)},
        )
        with st.expander(f"Log of the latest job ({jobs[0]['job_id'][:8]})"):
            st.code(jobs[0]["log"] or "(empty)", language=None)
    else:
        st.caption("No retraining jobs yet.")
