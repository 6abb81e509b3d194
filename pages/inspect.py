"""Defect inspection: check photos, review each box, train on your own images, see defect rates over time."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from pages.session import identity as signed_identity
from pages.ui import (
    done,
    get_store,
    module_summary,
    module_title,
    number,
    page_header,
    percent,
    progress_bar,
    run,
    t,
    tn,
    when,
)
from pages.ui import plain as escaped
from suite.errors import SuiteError
from suite.inspect import service
from suite.inspect.models import CLASSES, FAIL, PASS, REVIEW, Thresholds
from suite.inspect.service import LIMITS, SPLITS, box_states, pictures
from suite.uploads import MAX_UPLOAD_MB

T = TypeVar("T")

page_header(module_title("inspect"), module_summary("inspect"), module="inspect")
store = get_store()
DEFAULTS = Thresholds()
VERDICT_BADGE = {PASS: "green", FAIL: "red", REVIEW: "orange"}
STATE_BADGE = {
    box_states.CONFIRMED: ("green", ":material/check:"),
    box_states.OTHER_TYPE: ("violet", ":material/swap_horiz:"),
    box_states.NOT_DEFECT: ("gray", ":material/block:"),
    box_states.ADDED: ("blue", ":material/add_box:"),
}
POLL_S = 2.0  # how often a running training's progress is read again
CANVAS_WIDTH = 336  # the drawing area fits a 390 px phone screen; the photo is scaled into it
SHOWN_RESULTS = "checked"  # the URL's list of shown results, so a reload shows them (and their reviews) again
MAX_SHOWN = 20


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


def kind(class_name: str) -> str:
    """A defect type in the page's language (a type from an uploaded data set as it was named)."""
    return t(f"ins.class.{class_name}") if class_name in CLASSES else str(class_name)


def verdict_word(verdict: str) -> str:
    return t(f"ins.verdict.{verdict}")


def state_badge(state: str | None, class_name: str = "") -> str:
    """A box's review state as a coloured badge ('Not reviewed yet' when nobody has)."""
    if state is None:
        return f":gray-badge[{t('ins.state.none')}]"
    colour, icon = STATE_BADGE[state]
    return f":{colour}-badge[{icon} {t(f'ins.state.{state}', kind=plain(kind(class_name)))}]"


def box_label(number_: int, class_name: str, confidence: float | None, state: str | None) -> str:
    """The words drawn beside a box on the photo (Chinese only where a Chinese font is installed)."""
    name = kind(class_name) if pictures.has_cjk_font() else class_name
    if confidence is None:
        return f"+{number_} {name}"
    mark = {box_states.CONFIRMED: " ✓", box_states.NOT_DEFECT: " ✗", box_states.OTHER_TYPE: " ✓"}.get(state, "")
    return f"{number_} {name} {percent(confidence)}{mark}" if state is None else f"{number_} {name}{mark}"


with st.expander(t("ins.sens.title")):
    fail_at = {
        cls: st.slider(
            t("ins.sens.flag", kind=kind(cls)),
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
        t("ins.sens.band"),
        0,
        50,
        round(DEFAULTS.review_band * 100),
        step=5,
        format="%d%%",
        key="review-band",
    )
thresholds = Thresholds(fail_at=fail_at, review_band=band / 100)
check_tab, train_tab, stats_tab = st.tabs([t("ins.tab.check"), t("ins.tab.train"), t("ins.tab.stats")])


def later_toast(message: str) -> None:
    """Rerun the page so every box shows its saved state at once, then say what was saved."""
    st.session_state["inspect-toast"] = message
    st.rerun()


if "inspect-toast" in st.session_state:
    st.toast(st.session_state.pop("inspect-toast"))


def zip_limits() -> str:
    """The zip limits in words, for the uploaders' help text."""
    return t(
        "ins.zip_limits",
        files=number(LIMITS.members),
        mb=number(LIMITS.total_bytes >> 20),
        each=number(LIMITS.member_bytes >> 20),
    )


def review_buttons(inspection, d, state: str | None) -> None:
    """Confirm / Different defect type / Not a defect for one box; each saves feedback and reruns to show it."""
    rid = inspection.result_id

    def review(action: str, new_class: str | None = None, index: int = d.index) -> bool:
        who = signed_identity()
        return done(
            plain_errors(
                lambda: service.review_box(store, inspection, index, action, new_class=new_class, identity=who)
            ),
            what=t("ins.what.save"),
        )

    row = st.container(horizontal=True, gap="small")  # wraps onto a second line on a narrow screen
    if row.button(
        t("ins.confirm"),
        key=f"ok-{rid}-{d.index}",
        help=t("ins.confirm_help", kind=kind(d.class_name)),
        type="primary" if state is None else "secondary",
        icon=":material/check:",
    ) and review("confirm"):
        later_toast(t("ins.toast.confirmed", number=d.index + 1, kind=plain(kind(d.class_name))))
    with row.popover(t("ins.other_type"), icon=":material/swap_horiz:"):
        other = box_states.other_classes(d.class_name)
        new_class = st.selectbox(t("ins.other_type_pick"), other, format_func=kind, key=f"cls-{rid}-{d.index}")
        if st.button(t("ins.other_type_save"), key=f"fix-{rid}-{d.index}", type="primary") and review(
            "wrong_class", new_class
        ):
            later_toast(t("ins.toast.other_type", number=d.index + 1, kind=plain(kind(new_class))))
    if row.button(t("ins.not_defect"), key=f"no-{rid}-{d.index}", icon=":material/block:") and review("not_defect"):
        later_toast(t("ins.toast.not_defect", number=d.index + 1))


def missed_defects(inspection, picture, scale: float) -> None:
    """Report defects the model did not box: pick the type, drag a box around each on the photo, send."""
    rid = inspection.result_id
    if not st.toggle(t("ins.missed.toggle"), key=f"miss-open-{rid}"):
        return
    cls = st.selectbox(t("ins.missed.kind"), CLASSES, format_func=kind, key=f"miss-cls-{rid}")
    st.caption(t("ins.missed.draw"))
    st.space("medium")  # room for the drawing's toolbar, which sits just above the photo
    height = min(round(CANVAS_WIDTH * picture.height / picture.width), 2 * CANVAS_WIDTH)
    drawings = st.session_state.get(f"drawings-{rid}", 0)
    drawing = st_canvas(
        fill_color="rgba(46, 160, 67, 0.15)",
        stroke_width=2,
        stroke_color="#2ea043",
        background_image=picture,
        background_image_fit="contain",
        drawing_mode="labeled_rect",
        label=kind(cls),
        font_size=13,
        width=CANVAS_WIDTH,
        height=height,
        key=f"draw-{rid}-{drawings}",
    )
    # the drawing's boxes in the shown picture's pixels -> the inspected image's pixels
    boxes = box_states.drawn_boxes(
        drawing.boxes_in_image_space, scale=scale, width=inspection.width, height=inspection.height
    )
    st.caption(tn("ins.missed.drawn", len(boxes)) if boxes else t("ins.missed.no_box"))
    if st.button(t("ins.missed.report"), key=f"miss-{rid}", type="primary"):
        who = signed_identity()
        areas = boxes or [None]
        saved = done(
            plain_errors(
                lambda: [service.report_missed(store, inspection, cls, box=box, identity=who) for box in areas]
            ),
            what=t("ins.what.report"),
        )
        if saved:
            st.session_state[f"drawings-{rid}"] = drawings + 1  # a fresh, empty drawing for the next one
            later_toast(tn("ins.missed.saved", len(areas)))


def show_result(inspection) -> None:
    badge = VERDICT_BADGE[inspection.verdict]
    st.markdown(f"#### {plain(inspection.image_name)} &nbsp; :{badge}-background[{verdict_word(inspection.verdict)}]")
    reviews = run(lambda: box_states.box_reviews(store, inspection), what=t("ins.what.reviews"))
    reviews = reviews or box_states.Reviews()
    picture = service.draw_boxes(inspection, reviews=reviews, label=box_label)
    scale = picture.width / max(inspection.width, 1)
    left, right = st.columns([1, 1])
    with left:
        st.image(picture, width="stretch")
        if inspection.tiled:
            st.caption(t("ins.tiles", tiles=number(inspection.tiles)))
    with right:
        shown = inspection.shown_defects()
        if not shown:
            st.success(t("ins.no_defects"))
        elif any(d.status == REVIEW for d in shown):
            st.caption(t("ins.grey"))
        for d in shown:
            review = reviews.of(d.index)
            with st.container(border=True):
                st.markdown(
                    t("ins.box.title", number=d.index + 1, kind=plain(kind(d.class_name)), sure=percent(d.confidence))
                    + " &nbsp; "
                    + state_badge(review.state if review else None, review.class_name if review else "")
                )
                review_buttons(inspection, d, review.state if review else None)
        for n, added in enumerate(reviews.added, start=1):
            area = "" if added.box else " " + t("ins.added.no_area")
            st.markdown(f"**+{n}** {plain(kind(added.class_name))}{area} &nbsp; {state_badge(added.state)}")
        if reviews.count:
            st.caption(t("ins.legend"))
        missed_defects(inspection, picture, scale)
    st.divider()


def show_training_result(result) -> None:
    with st.container(border=True):
        st.subheader(t(f"ins.train.result.{result.status}" if result.status in RUN_STATUSES else "ins.train.result"))
        c = st.columns(4)
        c[0].metric(t("ins.train.map50"), number(result.metrics.map50, decimals=2), help=t("ins.train.map50_help"))
        c[1].metric(t("ins.train.map50_95"), number(result.metrics.map50_95, decimals=2))
        c[2].metric(t("ins.train.precision"), percent(result.metrics.precision), help=t("ins.train.precision_help"))
        c[3].metric(t("ins.train.recall"), percent(result.metrics.recall), help=t("ins.train.recall_help"))
        per_class = pd.DataFrame(
            {
                "defect": [kind(c) for c in result.metrics.per_class_ap50],
                "ap50": list(result.metrics.per_class_ap50.values()),
            }
        )
        st.altair_chart(
            alt.Chart(per_class)
            .mark_bar()
            .encode(
                x=alt.X("defect:N", title=t("ins.train.defect"), axis=alt.Axis(labelAngle=0)),
                y=alt.Y("ap50:Q", title=t("ins.train.map50")),
                tooltip=[
                    alt.Tooltip("defect:N", title=t("ins.train.defect")),
                    alt.Tooltip("ap50:Q", title=t("ins.train.map50"), format=".2f"),
                ],
            ),
            width="stretch",
        )
        st.caption(plain("; ".join(result.gate_reasons)))
        if any(reason.startswith("not good enough") for reason in result.gate_reasons):
            st.warning(
                t("ins.train.not_good", score=number(result.metrics.map50, decimals=2))
                + " "
                + plain(service.training_advice(result))
            )
        if result.misses:
            st.write(t("ins.train.misses"))
            cols = st.columns(min(len(result.misses), 3))
            for col, miss in zip(cols, result.misses, strict=False):
                col.image(miss.image, caption=t("ins.train.missed", kind=plain(kind(miss.class_name))))


def training_panel(job_id: str, polling: bool) -> None:
    """The training's live progress (read again every POLL_S while it runs), its Stop button and its result."""
    job = run(lambda: service.training_job(store, job_id), what=t("ins.what.training"))
    if job is None:
        return
    if polling and not job.active:
        st.rerun()  # it just ended: show the result and stop polling
    if job.active and not job.cancel_requested:
        slot = st.empty()
        stop = slot.button(t("ins.train.stop"), key=f"stop-{job_id}", help=t("ins.train.stop_help"))
        if stop:
            job = (
                run(lambda: service.cancel_training(store, job_id, identity=signed_identity()), what=t("ins.what.stop"))
                or job
            )
            if job.cancel_requested:
                slot.empty()
    if job.active:
        if job.state == "queued":
            text = t("ins.train.waiting")
        elif job.epoch:
            text = t("ins.train.epoch", stage=stage_word(job.stage), epoch=job.epoch, epochs=job.epochs)
        else:
            text = t("ins.train.stage", stage=stage_word(job.stage or "starting"))
        st.progress(min(max(job.progress, 0.0), 1.0), text=text)
        if job.cancel_requested:
            st.info(t("ins.train.stopping"))
        if job.history:
            history = pd.DataFrame([row.as_dict() for row in job.history]).set_index("epoch")
            history = history[["loss", "map50"]].rename(
                columns={"loss": t("ins.train.loss"), "map50": t("ins.train.map50")}
            )
            st.line_chart(history, x_label=t("ins.train.epoch_axis"))
    elif job.state == "succeeded":
        result = run(lambda: service.training_result(store, job_id), what=t("ins.what.scores"))
        if result is not None:
            show_training_result(result)
    elif job.state == "cancelled":
        st.info(t("ins.train.cancelled"))
    else:
        st.error(t("ins.train.failed", reason=plain(job.error or t("ins.train.see_log"))))


RUN_STATUSES = ("champion", "challenger", "rejected")
STAGES = ("queued", "starting", "preparing", "training", "evaluating", "succeeded", "failed", "cancelled", "running")


def stage_word(stage: str | None) -> str:
    return t(f"ins.stage.{stage}") if stage in STAGES else plain(stage or "")


def results_in_url(results) -> None:
    """Name the shown results in the page's address, so a reload (or a shared link) shows them again."""
    st.query_params[SHOWN_RESULTS] = ",".join(r.result_id for r in results[:MAX_SHOWN])


def results_from_url() -> list:
    """The results named in the page's address (after a reload), read back from the store."""
    named = [rid for rid in st.query_params.get(SHOWN_RESULTS, "").split(",") if rid][:MAX_SHOWN]
    found = []
    for rid in named:
        result = run(lambda rid=rid: service.get_result(store, rid), what=t("ins.what.result"))
        if result is not None:
            found.append(result)
    return found


with check_tab:
    uploads = st.file_uploader(
        t("ins.upload"),
        type=[suffix.lstrip(".") for suffix in service.UPLOAD_TYPES],
        accept_multiple_files=True,
        help=t("ins.upload_help", mb=MAX_UPLOAD_MB) + " " + zip_limits(),
    )
    if st.button(t("ins.check"), type="primary", disabled=not uploads):
        with progress_bar(t("ins.checking")) as progress:
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
                what=t("ins.what.check"),
            )
        if batch is not None:
            st.session_state["inspect_results"], st.session_state["inspect_problems"] = batch.results, batch.problems
            results_in_url(batch.results)
    for problem in st.session_state.get("inspect_problems", []):
        st.error(plain(f"{problem.name}: {problem.message}"))
    if "inspect_results" not in st.session_state and st.query_params.get(SHOWN_RESULTS):
        st.session_state["inspect_results"] = results_from_url()
    results = st.session_state.get("inspect_results", [])
    if results:
        verdicts = pd.Series([r.verdict for r in results]).value_counts()
        cols = st.columns(3)
        for col, verdict in zip(cols, (PASS, REVIEW, FAIL), strict=True):
            col.metric(verdict_word(verdict), number(int(verdicts.get(verdict, 0))))
        for inspection in results:
            show_result(inspection)

with train_tab:
    st.write(t("ins.train.intro"))
    data_zip = st.file_uploader(
        t("ins.train.upload"),
        type=["zip"],
        key="train-zip",
        help=t("ins.train.upload_help", mb=MAX_UPLOAD_MB) + " " + zip_limits(),
    )
    budget = st.slider(t("ins.train.budget"), 1, 120, 20, key="train-budget")
    if st.button(t("ins.train.check"), disabled=data_zip is None):
        report = run(
            plain_errors(
                lambda: service.check_dataset_upload(
                    store.settings, data_zip.name, data_zip.getvalue(), identity=signed_identity()
                )
            ),
            what=t("ins.what.data"),
        )
        if report is not None:
            st.session_state["train-report"] = report
    report = st.session_state.get("train-report")
    if report is not None:
        boxes = ", ".join(f"{plain(kind(name))}: {number(count)}" for name, count in report.boxes.items())
        images = ", ".join(f"{t('ins.split.' + split) if split in SPLITS else plain(split)} {number(count)}"
                           for split, count in report.images.items())  # fmt: skip
        st.markdown(t("ins.train.summary", images=images or t("ins.none"), boxes=boxes or t("ins.none")))
        if report.problems:
            st.dataframe(
                pd.DataFrame(
                    {
                        t("ins.problem.severity"): [t(f"ins.severity.{p.severity}") for p in report.problems],
                        t("ins.problem.file"): [p.file for p in report.problems],
                        t("ins.problem.line"): [str(p.line) if p.line else "" for p in report.problems],
                        t("ins.problem.message"): [p.message for p in report.problems],
                    }
                ),
                hide_index=True,
                width="stretch",
            )
        if report.ok:
            st.success(t("ins.train.ready"))
            plan = run(lambda: service.training_plan(report.data_yaml, time_budget_min=budget), what=t("ins.what.plan"))
            if plan is not None:
                st.caption(plain(plan.describe()))
        else:
            st.error(tn("ins.train.fix_first", len(report.errors)))
    if report is not None and report.ok and st.button(t("ins.train.start"), type="primary"):
        job = run(
            plain_errors(
                lambda: service.start_training(
                    store, report.data_yaml, time_budget_min=budget, identity=signed_identity()
                )
            ),
            what=t("ins.what.start"),
        )
        if job is not None:
            st.session_state["train-job"] = job.job_id
    job_id = st.session_state.get("train-job")
    if job_id is None:
        active = run(lambda: service.active_training(store), what=t("ins.what.running"))
        job_id = active.job_id if active is not None else None
    if job_id is not None:
        current = run(lambda: service.training_job(store, job_id), what=t("ins.what.training"))
        polling = current is not None and current.active
        st.fragment(training_panel, run_every=POLL_S if polling else None)(job_id, polling)

with stats_tab:
    counts = run(lambda: service.verdict_counts(store), what=t("ins.what.stats"))
    cols = st.columns(3)
    for col, verdict in zip(cols, (PASS, REVIEW, FAIL), strict=True):
        col.metric(t("ins.stats.all_time", verdict=verdict_word(verdict)), number(counts.of(verdict) if counts else 0))
    rates = run(lambda: service.defect_rates(store), what=t("ins.what.stats"))
    if rates is not None and not rates.empty:
        st.write(t("ins.stats.rates"))
        rates = rates.assign(defect=rates["defect"].map(kind))
        chart = (
            alt.Chart(rates)
            .mark_line(point=True)
            .encode(
                x=alt.X("day:T", title=t("ins.stats.day")),
                y=alt.Y("rate:Q", axis=alt.Axis(format="%"), title=t("ins.stats.rate")),
                color=alt.Color("defect:N", title=t("ins.train.defect")),
                tooltip=[
                    alt.Tooltip("day:T", title=t("ins.stats.day")),
                    alt.Tooltip("defect:N", title=t("ins.train.defect")),
                    alt.Tooltip("with_defect:Q", title=t("ins.stats.with_defect")),
                    alt.Tooltip("images:Q", title=t("ins.stats.images")),
                ],
            )
        )
        st.altair_chart(chart, width="stretch")
    else:
        st.info(t("ins.stats.none"))
    runs = run(lambda: service.training_runs(store), what=t("ins.what.runs"))
    if runs:
        st.write(t("ins.stats.runs"))
        st.dataframe(
            pd.DataFrame(
                {
                    t("ins.run.started"): [when(r.started_at) for r in runs],
                    t("ins.run.finished"): [when(r.finished_at) for r in runs],
                    t("ins.run.state"): [stage_word(r.state) for r in runs],
                    t("ins.run.epochs"): [number(r.epochs) if r.epochs is not None else "" for r in runs],
                    t("ins.run.problem"): [r.error or "" for r in runs],
                }
            ),
            hide_index=True,
            width="stretch",
        )
