"""Models: which model each assistant uses, its versions and their scores, retraining jobs, promote/roll back.

Versions are named by when they were trained ("Model trained 3 Dec 2026, 14:05 UTC"), never by their hash.
"""

import pandas as pd
import streamlit as st

from pages.session import identity as signed_identity
from pages.ui import done, get_store, language, module_title, number, page_header, plain, run, t, when
from suite.jobs.live import live_job
from suite.jobs.queue import enqueue, get_job
from suite.ops import job_history
from suite.ops.display import blank, version_label, versions_made, when_words, word
from suite.registry.gate import FLOORS
from suite.registry.overview import module_overview
from suite.registry.versions import MAX_REASON_CHARS, gate_rejected, list_versions, promote, rollback

page_header(t("models.title"), t("models.summary"))
LIVE_EVERY_S = 2.0  # how often a waiting or running job is read again
lang = language()

store = get_store()
made = versions_made(run(lambda: list_versions(store), what=t("staff.models.what.versions")) or [])
overview = run(lambda: module_overview(store), what=t("staff.models.what.models")) or []
latest_jobs = run(lambda: job_history(store, limit=200), what=t("staff.models.what.jobs"))


def version_name(version: object) -> str:
    return version_label(lang, version, made)


def last_job(module: str) -> str:
    """The module's latest job in words: 'succeeded, 3 Dec 2026, 14:05 UTC' or 'never'."""
    if latest_jobs is None or latest_jobs.empty:
        return t("staff.models.never")
    mine = latest_jobs[latest_jobs["module"] == module]
    if mine.empty:
        return t("staff.models.never")
    job = mine.iloc[0]
    return t(
        "staff.models.last_job", state=word(lang, "job_state", job["state"]), when=when_words(lang, job["created_at"])
    )


if overview:
    table = pd.DataFrame(
        [
            {
                "title": module_title(row.module),
                "trainable": t("staff.models.trainable.yes") if row.trainable else t("staff.models.trainable.no"),
                "serving": version_name(row.serving),
                "versions": row.versions,
                "accepted_feedback": row.accepted_feedback,
                "waiting_review": row.waiting_review,
                "last_job": last_job(row.module),
            }
            for row in overview
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "title": t("staff.col.module"),
            "trainable": t("staff.models.col.trainable"),
            "serving": t("staff.models.col.serving"),
            "versions": t("staff.models.col.versions"),
            "accepted_feedback": t("staff.models.col.accepted"),
            "waiting_review": t("staff.models.col.waiting"),
            "last_job": t("staff.models.col.last_job"),
        },
    )

rows = {row.module: row for row in overview}
module = st.selectbox(t("staff.col.module"), list(rows), format_func=module_title)
if module:
    row = rows[module]
    left, right = st.columns([3, 1])
    left.subheader(t("staff.models.heading", module=module_title(module), version=version_name(row.serving)))
    if not row.trainable:
        right.info(t("staff.models.not_trainable"))
    elif right.button(t("staff.models.retrain"), type="primary", help=t("staff.models.retrain_help")):
        queued = run(
            lambda: enqueue(store, module, requested_by=None, identity=signed_identity(), reason="Models page"),
            what=t("staff.models.what.queue"),
        )
        if queued is not None:
            job_id, created = queued
            st.session_state[f"watched_job_{module}"] = job_id
            if created:
                st.success(t("staff.models.queued"))
            else:
                st.info(t("staff.models.already_queued"))

    watched = st.session_state.get(f"watched_job_{module}")
    first = run(lambda: live_job(store, module, watched), what=t("staff.models.what.job"))

    @st.fragment(run_every=LIVE_EVERY_S if first is not None and first.active else None)
    def live_panel() -> None:
        """The watched (or running) job, read again every few seconds while it waits or runs."""
        job = run(lambda: live_job(store, module, watched), what=t("staff.models.what.job"))
        if job is None:
            return
        st.session_state[f"watched_job_{module}"] = job.job_id  # a scheduled job too: keep its decision in view
        # the job's own sentence is written in English (suite.jobs.live); other languages get its state in words
        if lang == "en":  # the version by its number and date, not its hash
            said = job.headline.replace(job.version, version_name(job.version)) if job.version else job.headline
            headline = plain(said)
        else:
            headline = t(f"staff.models.job_sentence.{job.state}")
        with st.container(border=True):
            kind, state = word(lang, "job_kind", job.kind), word(lang, "job_state", job.state)
            st.markdown(t("staff.models.job_heading", kind=kind, state=state))
            if job.state == "queued":
                st.info(headline)
            elif job.state == "running":
                st.progress(min(max(job.progress, 0.0), 1.0), text=headline)
                if job.metrics:
                    scores = ", ".join(f"{plain(k)} {number(v, decimals=4)}" for k, v in job.metrics.items())
                    st.caption(t("staff.models.latest_scores", scores=scores))
            elif job.state == "succeeded":
                (st.success if job.promoted else st.warning)(headline)
            else:
                st.error(headline)
            if job.last_log and lang == "en":
                st.caption(plain(job.last_log))
        if first is not None and first.active and not job.active:
            st.rerun()  # the gate has decided: show the new version in the tables below

    live_panel()

    st.markdown(f"**{t('staff.models.versions')}**")
    versions = run(lambda: list_versions(store, module), what=t("staff.models.what.versions")) or []
    if versions:
        table = pd.DataFrame(
            [
                {
                    "version": version_name(v.version),
                    "status": word(lang, "version_status", v.status),
                    "made": when(v.created_at),
                    "measure": v.scores.metric or "",
                    "score": blank(v.scores.challenger),
                    "previous": blank(v.scores.champion),
                    "feedback_used": v.feedback_used,
                    "why": "; ".join(v.scores.gate_reasons),
                    "override": v.override_reason or "",
                }
                for v in versions
            ]
        )
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config={
                "version": t("staff.col.version"),
                "status": t("staff.col.status"),
                "made": t("staff.col.made"),
                "measure": t("staff.col.measure"),
                "score": t("staff.col.score"),
                "previous": t("staff.col.champion_score"),
                "feedback_used": t("staff.models.col.feedback_used"),
                "why": t("staff.col.gate"),
                "override": t("staff.models.col.override"),
            },
        )
        floor = FLOORS.get(module)
        if floor is not None:
            st.caption(t("staff.models.floor", floor=floor.describe()))
        by_name = {v.version: v for v in versions}
        others = [v.version for v in versions if v.status != "champion"]
        a, b = st.columns(2)
        with a:
            choice = st.selectbox(
                t("staff.models.pick_label"),
                others,
                index=None,
                placeholder=t("staff.models.pick"),
                format_func=lambda v: f"{version_name(v)} ({word(lang, 'version_status', by_name[v].status)})",
            )
            override = None
            if choice and gate_rejected(by_name[choice]):
                st.warning(t("staff.models.gate_rejected"))
                override = st.text_input(t("staff.models.override"), max_chars=MAX_REASON_CHARS)
            if choice and st.button(t("staff.models.use")):
                if done(
                    lambda: promote(
                        store, module, choice, by=None, identity=signed_identity(), override_reason=override
                    ),
                    what=t("staff.models.what.promote"),
                ):
                    st.success(t("staff.models.now_in_use", version=version_name(choice)))
        with b:
            st.write(t("staff.models.rollback_note"))
            if st.button(t("staff.models.rollback")):
                back = run(
                    lambda: rollback(store, module, by=None, identity=signed_identity()) or "default model",
                    what=t("staff.models.what.rollback"),
                )
                if back:
                    st.success(t("staff.models.now_using", version=version_name(back)))
    else:
        st.caption(t("staff.models.no_versions"))

    st.markdown(f"**{t('staff.ops.jobs')}**")
    jobs = run(lambda: job_history(store, module, limit=20), what=t("staff.models.what.jobs"))
    if jobs is not None and not jobs.empty:
        shown = pd.DataFrame(
            {
                "state": jobs["state"].map(lambda s: word(lang, "job_state", s)),
                "requested_by": jobs["requested_by"].map(blank),
                "created_at": jobs["created_at"].map(lambda v: when_words(lang, v)),
                "finished_at": jobs["finished_at"].map(lambda v: when_words(lang, v)),
                "seconds": jobs["seconds"].map(lambda s: "" if blank(s) == "" else number(s, decimals=1)),
                "progress": jobs["progress"],
                "result": jobs["result"].map(lambda r: word(lang, "job_result", r)),
                "error": jobs["error"].map(blank),
                "version": [version_name(v) if blank(v) != "" else "" for v in jobs["version"]],
            }
        )
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            column_config={
                "state": t("staff.col.state"),
                "requested_by": t("staff.col.asked_by"),
                "created_at": t("staff.col.queued"),
                "finished_at": t("staff.col.finished"),
                "seconds": t("staff.col.seconds"),
                "progress": st.column_config.ProgressColumn(t("staff.col.progress"), min_value=0, max_value=1),
                "result": t("staff.col.result"),
                "error": t("staff.col.error"),
                "version": t("staff.col.version"),
            },
        )
        latest = jobs["job_id"].iloc[0]
        with st.expander(t("staff.models.latest_log", when=when_words(lang, jobs["created_at"].iloc[0]))):
            log = run(lambda: get_job(store, latest)["log"], what=t("staff.models.what.log"))
            st.code(log or t("staff.models.empty_log"), language=None)
    else:
        st.caption(t("staff.models.no_jobs"))
