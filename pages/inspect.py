"""Defect inspection: check photos, review each box, train on your own images, see defect rates over time."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import altair as alt
import pandas as pd
import streamlit as st

from pages.session import identity as signed_identity
from pages.ui import done, get_store, module_summary, module_title, page_header, progress_bar, run
from pages.ui import plain as escaped
from suite.errors import SuiteError
from suite.inspect import service
from suite.inspect.models import CLASSES, FAIL, PASS, REVIEW, Thresholds, plural
from suite.modules import MODULES
from suite.uploads import MAX_UPLOAD_MB

T = TypeVar("T")

info = next(m for m in MODULES if m.key == "inspect")
page_header(module_title(info.key), module_summary(info.key), module=info.key)
store = get_store()
DEFAULTS = Thresholds()
VERDICT_STYLE = {PASS: ":green-background[PASS]", FAIL: ":red-background[FAIL]", REVIEW: ":orange-background[REVIEW]"}
POLL_S = 2.0  # how often a running training's progress is read again


def plain(text: object) -> str:
    """Untrusted text (file names, class names from an uploaded data.yaml) on one line, shown as written."""
    return escaped(" ".join(str(text).split()))


def plain_errors(action: Callable[[], T]) -> Callable[[], T]:
    """The call, with the message of an expected error escaped (it names files and classes) for `run`/`done`."""

    def call() -> T:
        try:
            return action()
        except SuiteError as err:
            raise SuiteError(plain(err)) from err

    return call


with st.expander("How sure must the model be? (sensitivity)"):
    fail_at = {
        cls: st.slider(
            f"Flag {plural(cls)} when the model is at least this sure",
            5,
            95,
            round(DEFAULTS.fail_threshold(cls) * 100),
            step=5,
            format="%d%%",
            key=f"fail-{cls}",
        )
        / 100
        for cls in CLASSES
    }
    band = st.slider(
        "Ask a person (REVIEW) when the model is this much less sure than that",
        0,
        50,
        round(DEFAULTS.review_band * 100),
        step=5,
        format="%d%%",
        key="review-band",
    )
thresholds = Thresholds(fail_at=fail_at, review_band=band / 100)
check_tab, train_tab, stats_tab = st.tabs(["Check images", "Train on your images", "Statistics"])


def show_result(inspection) -> None:
    rid = inspection.result_id
    st.markdown(f"#### {plain(inspection.image_name)} &nbsp; {VERDICT_STYLE[inspection.verdict]}")
    left, right = st.columns([1, 1])
    left.image(service.draw_boxes(inspection), width="stretch")
    shown = inspection.shown_defects()
    if not shown:
        right.success("No defects found.")
    else:
        right.dataframe(service.defect_table(inspection), hide_index=True)
        right.caption("Grey boxes: the model is unsure, so a person should look (REVIEW).")
    for d in shown:
        row = st.columns([3, 2, 2, 2, 2], vertical_alignment="center")
        row[0].markdown(f"**Box {d.index + 1}**: {plain(d.class_name)} ({d.confidence:.0%} sure)")

        def review(action: str, new_class: str | None = None, index: int = d.index) -> bool:
            who = signed_identity()
            return done(
                plain_errors(
                    lambda: service.review_box(store, inspection, index, action, new_class=new_class, identity=who)
                ),
                what="Saving",
            )

        if row[1].button("Confirm", key=f"ok-{rid}-{d.index}") and review("confirm"):
            st.toast(f"Box {d.index + 1} confirmed as {plain(d.class_name)}.")
        other = [c for c in CLASSES if c != d.class_name]
        new_class = row[2].selectbox("It is a", other, key=f"cls-{rid}-{d.index}", label_visibility="collapsed")
        wrong = row[3].button("Wrong type", key=f"fix-{rid}-{d.index}", help="Save the type chosen on the left")
        if wrong and review("wrong_class", new_class):
            st.toast(f"Box {d.index + 1} saved as {new_class}.")
        if row[4].button("Not a defect", key=f"no-{rid}-{d.index}") and review("not_defect"):
            st.toast(f"Box {d.index + 1} marked as not a defect.")
    with st.popover("The model missed a defect"):
        cls = st.selectbox("What kind?", CLASSES, key=f"miss-cls-{rid}")
        mark_area = st.checkbox("I can give the area (in pixels)", key=f"miss-area-{rid}")
        box = None
        if mark_area:
            c = st.columns(4)
            box = [
                c[0].number_input("left", 0, inspection.width, 0, key=f"mx1-{rid}"),
                c[1].number_input("top", 0, inspection.height, 0, key=f"my1-{rid}"),
                c[2].number_input("right", 0, inspection.width, min(32, inspection.width), key=f"mx2-{rid}"),
                c[3].number_input("bottom", 0, inspection.height, min(32, inspection.height), key=f"my2-{rid}"),
            ]
        if st.button("Report missed defect", key=f"miss-{rid}"):
            saved = done(
                plain_errors(
                    lambda: service.report_missed(store, inspection, cls, box=box, identity=signed_identity())
                ),
                what="Saving the report",
            )
            if saved:
                st.toast(f"Thanks: a missed {cls} was recorded for review.")
    st.caption(
        f"Model {inspection.model_version}"
        + (f" · large image checked in {inspection.tiles} tiles" if inspection.tiled else "")
    )
    st.divider()


def show_training_result(result) -> None:
    with st.container(border=True):
        st.subheader(f"New model {result.version}: {result.status}")
        c = st.columns(4)
        c[0].metric("mAP50", f"{result.metrics.map50:.2f}")
        c[1].metric("mAP50-95", f"{result.metrics.map50_95:.2f}")
        c[2].metric("precision", f"{result.metrics.precision:.0%}")
        c[3].metric("recall", f"{result.metrics.recall:.0%}")
        per_class = pd.DataFrame(
            {"defect": list(result.metrics.per_class_ap50), "AP50": list(result.metrics.per_class_ap50.values())}
        )
        st.altair_chart(alt.Chart(per_class).mark_bar().encode(x="defect", y="AP50"), width="stretch")
        st.caption(plain("; ".join(result.gate_reasons)))
        if any(reason.startswith("not good enough") for reason in result.gate_reasons):
            st.warning(
                plain(
                    f"This model is not good enough to use (mAP50 {result.metrics.map50:.2f}); the current model "
                    f"keeps checking images. {service.training_advice(result)}"
                )
            )
        if result.misses:
            st.write("Examples of defects it still misses:")
            cols = st.columns(min(len(result.misses), 3))
            for col, miss in zip(cols, result.misses, strict=False):
                col.image(miss.image, caption=f"missed {plain(miss.class_name)}")


def training_panel(job_id: str, polling: bool) -> None:
    """The training's live progress (read again every POLL_S while it runs), its Stop button and its result."""
    job = run(lambda: service.training_job(store, job_id), what="Loading the training")
    if job is None:
        return
    if polling and not job.active:
        st.rerun()  # it just ended: show the result and stop polling
    if job.active and not job.cancel_requested:
        slot = st.empty()
        stop = slot.button(
            "Stop training",
            key=f"stop-{job_id}",
            help="Stops after the current batch; no new model is saved and the current one keeps serving.",
        )
        if stop:
            job = (
                run(lambda: service.cancel_training(store, job_id, identity=signed_identity()), what="Stopping") or job
            )
            if job.cancel_requested:
                slot.empty()
    if job.active:
        if job.state == "queued":
            text = "Waiting for the training worker to start…"
        elif job.epoch:
            text = f"{job.stage}: epoch {job.epoch} of {job.epochs}"
        else:
            text = f"{job.stage or 'starting'}…"
        st.progress(min(max(job.progress, 0.0), 1.0), text=text)
        if job.cancel_requested:
            st.info("Stopping at the end of the current batch; the current model keeps serving.")
        if job.history:
            history = pd.DataFrame([row.as_dict() for row in job.history]).set_index("epoch")
            st.line_chart(history[["loss", "map50"]])
    elif job.state == "succeeded":
        result = run(lambda: service.training_result(store, job_id), what="Loading the new model's scores")
        if result is not None:
            show_training_result(result)
    elif job.state == "cancelled":
        st.info("The training was stopped; no new model version was made. The current model still serves.")
    else:
        st.error(f"The training failed: {plain(job.error or 'see the job log on the Models page')}")


with check_tab:
    uploads = st.file_uploader(
        "Photos of parts or surfaces (or a zip of them)",
        type=[suffix.lstrip(".") for suffix in service.UPLOAD_TYPES],
        accept_multiple_files=True,
        help=f"Up to {MAX_UPLOAD_MB} MB a file. {service.ZIP_LIMITS}",
    )
    if st.button("Check images", type="primary", disabled=not uploads):
        with progress_bar("Checking images") as progress:
            batch = run(
                plain_errors(
                    lambda: service.inspect_many(
                        store,
                        [(f.name, f.getvalue()) for f in uploads],
                        thresholds=thresholds,
                        identity=signed_identity(),
                        progress=progress,
                    )
                ),
                what="Checking the images",
            )
        if batch is not None:
            st.session_state["inspect_results"], st.session_state["inspect_problems"] = batch.results, batch.problems
    for problem in st.session_state.get("inspect_problems", []):
        st.error(plain(f"{problem.name}: {problem.message}"))
    results = st.session_state.get("inspect_results", [])
    if results:
        verdicts = pd.Series([r.verdict for r in results]).value_counts()
        cols = st.columns(3)
        for col, verdict in zip(cols, (PASS, REVIEW, FAIL), strict=True):
            col.metric(verdict, int(verdicts.get(verdict, 0)))
        for inspection in results:
            show_result(inspection)

with train_tab:
    st.write(
        "Train the inspector on your own labelled photos: a zip with `data.yaml`, `images/` and `labels/` "
        "(YOLO format), or a zip with a `good/` folder of defect-free photos. The new model is checked on "
        "your test images and replaces the current one only if it does better."
    )
    data_zip = st.file_uploader(
        "Training images (zip)",
        type=["zip"],
        key="train-zip",
        help=f"One zip of up to {MAX_UPLOAD_MB} MB. {service.ZIP_LIMITS}",
    )
    budget = st.slider(
        "Time budget (minutes): training stops then, or sooner when it stops improving", 1, 120, 20, key="train-budget"
    )
    if st.button("Check the data", disabled=data_zip is None):
        report = run(
            plain_errors(
                lambda: service.check_dataset_upload(
                    store.settings, data_zip.name, data_zip.getvalue(), identity=signed_identity()
                )
            ),
            what="Checking the data",
        )
        if report is not None:
            st.session_state["train-report"] = report
    report = st.session_state.get("train-report")
    if report is not None:
        boxes = ", ".join(f"{plain(name)}: {count}" for name, count in report.boxes.items()) or "none"
        images = ", ".join(f"{split} {count}" for split, count in report.images.items()) or "none"
        st.markdown(f"Images: {images} · boxes per defect: {boxes}")
        if report.problems:
            st.dataframe(pd.DataFrame([p.as_dict() for p in report.problems]), hide_index=True, width="stretch")
        if report.ok:
            st.success("The data is ready for training.")
            plan = run(lambda: service.training_plan(report.data_yaml, time_budget_min=budget), what="Planning")
            if plan is not None:
                st.caption(plain(plan.describe()))
        else:
            st.error(f"Fix the {len(report.errors)} problem(s) marked 'error' first.")
    if report is not None and report.ok and st.button("Start training", type="primary"):
        job = run(
            plain_errors(
                lambda: service.start_training(
                    store, report.data_yaml, time_budget_min=budget, identity=signed_identity()
                )
            ),
            what="Starting the training",
        )
        if job is not None:
            st.session_state["train-job"] = job.job_id
    job_id = st.session_state.get("train-job")
    if job_id is None:
        active = run(lambda: service.active_training(store), what="Looking for a running training")
        job_id = active.job_id if active is not None else None
    if job_id is not None:
        current = run(lambda: service.training_job(store, job_id), what="Loading the training")
        polling = current is not None and current.active
        st.fragment(training_panel, run_every=POLL_S if polling else None)(job_id, polling)

with stats_tab:
    counts = run(lambda: service.verdict_counts(store), what="Loading statistics")
    cols = st.columns(3)
    for col, verdict in zip(cols, (PASS, REVIEW, FAIL), strict=True):
        col.metric(f"{verdict} (all time)", counts.of(verdict) if counts else 0)
    rates = run(lambda: service.defect_rates(store), what="Loading statistics")
    if rates is not None and not rates.empty:
        st.write("Share of checked images with each defect, by day")
        chart = (
            alt.Chart(rates)
            .mark_line(point=True)
            .encode(
                x=alt.X("day:T", title="day"),
                y=alt.Y("rate:Q", axis=alt.Axis(format="%"), title="images with the defect"),
                color="defect:N",
                tooltip=["day:T", "defect", "with_defect", "images"],
            )
        )
        st.altair_chart(chart, width="stretch")
    else:
        st.info("No images checked yet.")
    runs = run(lambda: service.training_runs(store), what="Loading training runs")
    if runs:
        st.write("Recent training runs")
        st.dataframe(pd.DataFrame([r.as_dict() for r in runs]), hide_index=True)
